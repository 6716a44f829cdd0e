"""The writes and reads of contingency management, one function per use case,
each in a transaction and audited.

An award is computed when its target event is final: a specimen's target
results are in (or the test was missed or refused), a clinic day at the dosing
window has closed, or staff confirm a target. The schedule is re-run over the
enrolment's earlier outcomes plus this one (schedules.py), the annual cap is
applied, and one immutable ledger entry is written, unique per enrolment and
event: a retry, a second result or a concurrent request never pays twice, and
nothing earned is ever taken away (REFERENCE.md §7).
"""

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from waymark.chart.models import Patient
from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap
from waymark.core.services import idempotency_key as checked_key
from waymark.core.services import require
from waymark.incentives import schedules
from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry, Reward, TargetCheck
from waymark.labs import rules as lab_rules
from waymark.labs.analytes import Analyte
from waymark.labs.models import Specimen
from waymark.labs.services import facts as specimen_facts
from waymark.meds.models import ClinicDayClose, DoseAdministration

Params = schedules.Escalating | schedules.PrizeBowl | schedules.Fixed
ZERO = Decimal(0)


def dollars(amount: Decimal) -> str:
    return f"${schedules.cents(amount):,.2f}"


# --- Programme parameters ----------------------------------------------------------------


def _money(raw: Mapping[str, Any], name: str, default: Decimal) -> Decimal:
    value = raw.get(name, default)
    if isinstance(value, bool):
        raise ValidationError({f"parameters.{name}": "Give an amount in dollars, e.g. 2.50."})
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({f"parameters.{name}": "Give an amount in dollars, e.g. 2.50."}) from None
    if not amount.is_finite() or amount < 0 or amount > 1000:
        raise ValidationError({f"parameters.{name}": f"{value} is out of range: give $0 to $1,000."})
    return amount


def _count(raw: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise ValidationError({f"parameters.{name}": "Give a whole number."})
    number = int(value)
    if not low <= number <= high:
        raise ValidationError({f"parameters.{name}": f"{number} is out of range: give {low} to {high}."})
    return number


def schedule_params(schedule: str, raw: Mapping[str, Any]) -> Params:
    """The schedule's parameters from a programme's JSON, with REFERENCE.md §7 defaults; bad values name the field."""
    try:
        if schedule == CmProgramme.Schedule.ESCALATING:
            d = schedules.Escalating()
            return schedules.Escalating(
                start=_money(raw, "start", d.start),
                increment=_money(raw, "increment", d.increment),
                bonus=_money(raw, "bonus", d.bonus),
                bonus_every=_count(raw, "bonus_every", d.bonus_every, 1, 100),
                reset_recovery=_count(raw, "reset_recovery", d.reset_recovery, 0, 100),
            )
        if schedule == CmProgramme.Schedule.PRIZE_BOWL:
            b = schedules.DEFAULT_BOWL
            bowl = schedules.Bowl(
                praise=_count(raw, "praise", b.praise, 0, 10000),
                small=_count(raw, "small", b.small, 0, 10000),
                large=_count(raw, "large", b.large, 0, 10000),
                jumbo=_count(raw, "jumbo", b.jumbo, 0, 10000),
                small_value=_money(raw, "small_value", b.small_value),
                large_value=_money(raw, "large_value", b.large_value),
                jumbo_value=_money(raw, "jumbo_value", b.jumbo_value),
            )
            p = schedules.PrizeBowl(bowl)
            return schedules.PrizeBowl(
                bowl,
                first_draws=_count(raw, "first_draws", p.first_draws, 1, 50),
                draws_increment=_count(raw, "draws_increment", p.draws_increment, 0, 50),
                max_draws=_count(raw, "max_draws", p.max_draws, 1, 50),
            )
        if schedule == CmProgramme.Schedule.FIXED:
            if "amount" not in raw:
                raise ValidationError({"parameters.amount": "A fixed reward needs its amount."})
            return schedules.Fixed(_money(raw, "amount", ZERO))
    except ValueError as exc:
        raise ValidationError({"parameters": str(exc)}) from exc
    raise ValidationError({"schedule": "Schedule is escalating, prize_bowl or fixed."})


def params_for(programme: CmProgramme) -> Params:
    return schedule_params(programme.schedule, programme.parameters or {})


def earnings(params: Params, outcomes: Sequence[schedules.Outcome], seeds: Sequence[str]) -> list[schedules.Earning]:
    if isinstance(params, schedules.Escalating):
        return schedules.escalating_earnings(params, outcomes)
    if isinstance(params, schedules.PrizeBowl):
        return schedules.prize_bowl_earnings(params, outcomes, seeds)
    return schedules.fixed_earnings(params, outcomes)


# --- Programmes, catalogue, enrolment ---------------------------------------------------------


def _targets(target: str, analytes: Sequence[str]) -> list[str]:
    if target != CmProgramme.Target.SPECIMEN_NEGATIVE:
        if analytes:
            raise ValidationError({"target_analytes": "Only a specimen target has analytes."})
        return []
    chosen = [a for a in Analyte if a.value in set(analytes)]
    unknown = set(analytes) - {a.value for a in chosen}
    if unknown:
        raise ValidationError({"target_analytes": f"Unknown analyte(s): {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"target_analytes": "Choose the analytes a specimen must be negative for."})
    return [a.value for a in chosen]


@transaction.atomic
def create_programme(
    actor: User,
    *,
    name: str,
    target: str,
    schedule: str,
    parameters: Mapping[str, Any],
    duration_weeks: int,
    target_analytes: Sequence[str] = (),
    annual_cap: Decimal = schedules.DEFAULT_ANNUAL_CAP,
    invalid_counts_as_missed: bool = True,
) -> CmProgramme:
    require(actor, Cap.CM_MANAGE, "set up contingency management")
    if actor.program is None:
        raise PermissionDenied("Staff belong to a program.")
    if target not in CmProgramme.Target.values:
        raise ValidationError({"target": "Unknown target behaviour."})
    params = schedule_params(schedule, parameters)
    if not 1 <= duration_weeks <= 104:
        raise ValidationError({"duration_weeks": "Duration is 1 to 104 weeks."})
    if not ZERO < annual_cap <= Decimal(10000):
        raise ValidationError({"annual_cap": "The annual cap is more than $0 and at most $10,000."})
    if not name.strip():
        raise ValidationError({"name": "Give the programme a name."})
    if CmProgramme.objects.filter(program=actor.program, name=name.strip()).exists():
        raise ValidationError({"name": "Your program already has a CM programme with this name."})
    programme = CmProgramme.objects.create(
        program=actor.program,
        name=name.strip(),
        target=target,
        target_analytes=_targets(target, target_analytes),
        schedule=schedule,
        parameters=_params_json(params),
        duration_weeks=duration_weeks,
        annual_cap=annual_cap,
        invalid_counts_as_missed=invalid_counts_as_missed,
        created_by=actor,
    )
    audit.record(
        actor, "cm_programme_create", program_id=actor.program_pk, object_type="cmprogramme", object_id=programme.pk
    )
    return programme


def _params_json(params: Params) -> dict[str, Any]:
    """The parameters as stored: every value explicit, so later changes of a default never change a programme."""
    if isinstance(params, schedules.PrizeBowl):
        b = params.bowl
        return {
            "praise": b.praise,
            "small": b.small,
            "large": b.large,
            "jumbo": b.jumbo,
            "small_value": str(b.small_value),
            "large_value": str(b.large_value),
            "jumbo_value": str(b.jumbo_value),
            "first_draws": params.first_draws,
            "draws_increment": params.draws_increment,
            "max_draws": params.max_draws,
        }
    if isinstance(params, schedules.Escalating):
        return {
            "start": str(params.start),
            "increment": str(params.increment),
            "bonus": str(params.bonus),
            "bonus_every": params.bonus_every,
            "reset_recovery": params.reset_recovery,
        }
    return {"amount": str(params.amount)}


@transaction.atomic
def add_reward(actor: User, *, name: str, kind: str, value: Decimal) -> Reward:
    require(actor, Cap.CM_MANAGE, "change the reward catalogue")
    if kind not in Reward.Kind.values:
        raise ValidationError({"kind": "Kind is gift_card, item, bus_pass or other."})
    if not ZERO < value <= Decimal(500):
        raise ValidationError({"value": "A reward is worth more than $0 and at most $500."})
    reward = Reward(program=actor.program, name=name.strip(), kind=kind, value=value)
    reward.full_clean()
    reward.save()
    audit.record(actor, "cm_reward_add", program_id=actor.program_pk, object_type="reward", object_id=reward.pk)
    return reward


def programmes(program: Program | None) -> QuerySet[CmProgramme]:
    return CmProgramme.objects.filter(program=program).order_by("-active", "name")


def enroll(actor: User, patient: Patient, programme: CmProgramme, started_on: dt.date) -> Enrollment:
    require(actor, Cap.CM_AWARD, "enrol people in contingency management")
    if programme.program_id != patient.program_id or not programme.active:
        raise ValidationError({"programme": "Choose an active CM programme of the patient's program."})
    today = patient.program.clinic_day()
    if started_on > today:
        raise ValidationError({"started_on": "The start date is in the future."})
    if started_on < today - dt.timedelta(days=90):
        raise ValidationError({"started_on": "The start date is more than 90 days ago."})
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                programme=programme,
                patient=patient,
                started_on=started_on,
                ends_on=started_on + dt.timedelta(weeks=programme.duration_weeks) - dt.timedelta(days=1),
                enrolled_by=actor,
            )
            audit.record_patient_object(actor, "cm_enroll", patient, enrollment)
    except IntegrityError:
        raise ValidationError({"programme": f"Already enrolled in {programme.name}."}) from None
    return enrollment


@transaction.atomic
def end_enrollment(actor: User, patient: Patient, enrollment: Enrollment, ended_on: dt.date, note: str) -> None:
    require(actor, Cap.CM_AWARD, "end a CM enrolment")
    if enrollment.patient_id != patient.pk:
        raise PermissionDenied("That enrolment belongs to another patient.")
    if enrollment.ended_on is not None:
        raise ValidationError("This enrolment has already ended.")
    if not enrollment.started_on <= ended_on <= patient.program.clinic_day():
        raise ValidationError({"ended_on": "The end date is between the start and today."})
    enrollment.ended_on = ended_on
    enrollment.save(update_fields=["ended_on"])
    audit.record_patient_object(actor, "cm_enrollment_end", patient, enrollment, note)


# --- Awards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    entry: LedgerEntry
    created: bool
    message: str


def _earned_in_year(patient_id: int, year: int) -> Decimal:
    total = LedgerEntry.objects.filter(
        patient_id=patient_id,
        kind__in=[LedgerEntry.Kind.EARNED, LedgerEntry.Kind.CORRECTION],
        event_day__year=year,
    ).aggregate(total=Sum("amount"))["total"]
    return max(ZERO, total or ZERO)


def award(
    enrollment: Enrollment,
    *,
    event_key: str,
    event_day: dt.date,
    outcome: schedules.Outcome,
    actor: User | None,
) -> Award:
    """Write the award for one target event (idempotent: the same event again returns the first entry)."""
    existing = LedgerEntry.objects.filter(enrollment=enrollment, event_key=event_key, kind=LedgerEntry.Kind.EARNED)
    found = existing.first()
    if found is not None:
        return Award(found, False, "")
    programme = enrollment.programme
    patient = enrollment.patient
    with transaction.atomic():
        # One award at a time per person: the cap and the streak read what the last award wrote.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        found = existing.first()
        if found is not None:
            return Award(found, False, "")
        earlier = list(
            LedgerEntry.objects.filter(enrollment=enrollment, kind=LedgerEntry.Kind.EARNED, event_day__lte=event_day)
            .order_by("event_day", "id")
            .values_list("outcome", "seed")
        )
        seed = secrets.token_hex(8) if programme.schedule == CmProgramme.Schedule.PRIZE_BOWL else ""
        outcomes = [schedules.Outcome(o) for o, _ in earlier] + [outcome]
        seeds = [s for _, s in earlier] + [seed]
        earning = earnings(params_for(programme), outcomes, seeds)[-1]
        earned = _earned_in_year(patient.pk, event_day.year)
        granted = schedules.apply_cap(earning.total, earned, programme.annual_cap)
        entry = LedgerEntry.objects.create(
            patient=patient,
            enrollment=enrollment,
            kind=LedgerEntry.Kind.EARNED,
            amount=granted,
            event_key=event_key,
            event_day=event_day,
            outcome=outcome.value,
            streak=earning.streak,
            scheduled_amount=earning.total,
            draws=[{"number": s.number, "kind": s.kind.value, "value": str(s.value)} for s in earning.draws],
            seed=seed,
            idempotency_key=f"award:{enrollment.pk}:{event_key}",
            created_by=actor,
        )
        audit.record_patient_object(actor, "cm_award", patient, entry)
    return Award(entry, True, _award_message(programme, earning, granted))


def _award_message(programme: CmProgramme, earning: schedules.Earning, granted: Decimal) -> str:
    if earning.outcome is not schedules.Outcome.SUCCESS:
        return f"{programme.name}: target not met this time; the next reward starts again from the first step."
    drawn = ""
    if earning.draws:
        kinds = ", ".join(s.kind.value for s in earning.draws)
        drawn = f" ({len(earning.draws)} draw{'s' if len(earning.draws) > 1 else ''}: {kinds})"
    text = f"{programme.name}: earned {dollars(granted)}{drawn}, {earning.streak} in a row."
    if granted < earning.total:
        text += (
            f" The schedule gives {dollars(earning.total)}, but the annual cap of {dollars(programme.annual_cap)} "
            f"allows only {dollars(granted)} more this year."
        )
    return text


def _open_enrollments(patient_id: int, target: str, day: dt.date) -> list[Enrollment]:
    return [
        e
        for e in Enrollment.objects.filter(
            patient_id=patient_id, programme__target=target, programme__active=True, started_on__lte=day
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .select_related("programme", "patient", "patient__program")
        if e.covers(day)
    ]


def specimen_outcome(specimen: Specimen, programme: CmProgramme) -> lab_rules.Outcome:
    targets = frozenset(Analyte(a) for a in programme.target_analytes)
    return lab_rules.target_outcome(specimen_facts(specimen), targets, programme.invalid_counts_as_missed)


LETTER = {
    lab_rules.Outcome.NEGATIVE: schedules.Outcome.SUCCESS,
    lab_rules.Outcome.POSITIVE: schedules.Outcome.FAILURE,
    lab_rules.Outcome.MISSED: schedules.Outcome.MISSED,
}


def award_for_specimen(specimen: Specimen, actor: User | None) -> list[str]:
    """Listener of `specimen_resulted`: award every specimen programme the person is enrolled in,
    once the specimen's target results are all in."""
    messages = []
    for enrollment in _open_enrollments(specimen.patient_id, CmProgramme.Target.SPECIMEN_NEGATIVE, specimen.clinic_day):
        outcome = LETTER.get(specimen_outcome(specimen, enrollment.programme))
        if outcome is None:  # pending, or an invalid specimen the programme leaves out
            continue
        result = award(
            enrollment,
            event_key=f"specimen:{specimen.pk}",
            event_day=specimen.clinic_day,
            outcome=outcome,
            actor=actor,
        )
        if result.created:
            messages.append(result.message)
    return messages


def record_check(
    actor: User, patient: Patient, enrollment: Enrollment, *, day: dt.date, met: bool, note: str = ""
) -> tuple[TargetCheck, str]:
    """Staff confirm (or not) a medication-adherence or treatment-plan target for one day."""
    require(actor, Cap.CM_AWARD, "record CM targets")
    if enrollment.patient_id != patient.pk:
        raise PermissionDenied("That enrolment belongs to another patient.")
    if enrollment.programme.target not in (CmProgramme.Target.ADHERENCE, CmProgramme.Target.PLAN_TASKS):
        raise ValidationError("This programme's target is recorded by the system, not by staff.")
    if day > patient.program.clinic_day():
        raise ValidationError({"day": "That date is in the future."})
    if not enrollment.covers(day):
        raise ValidationError({"day": "That day is outside the enrolment."})
    with transaction.atomic():
        check, created = TargetCheck.objects.get_or_create(
            enrollment=enrollment, day=day, defaults={"met": met, "note": note.strip(), "recorded_by": actor}
        )
        if not created and check.met != met:
            raise ValidationError(
                {"met": f"{day:%Y-%m-%d} is already recorded as {'met' if check.met else 'not met'}."}
            )
        if created:
            audit.record_patient_object(actor, "cm_target_check", patient, check)
        result = award(
            enrollment,
            event_key=f"check:{check.pk}",
            event_day=day,
            outcome=schedules.Outcome.SUCCESS if met else schedules.Outcome.FAILURE,
            actor=actor,
        )
    return check, result.message


ATTENDANCE: dict[str, schedules.Outcome] = {
    DoseAdministration.Outcome.OBSERVED.value: schedules.Outcome.SUCCESS,
    DoseAdministration.Outcome.REFUSED.value: schedules.Outcome.FAILURE,
    DoseAdministration.Outcome.MISSED.value: schedules.Outcome.MISSED,
}


def attendance_outcome(outcomes: Iterable[str]) -> schedules.Outcome | None:
    """A clinic day at the window: any observed dose meets the target; else a missed slot is missed, a refusal
    is not met; a day only on hold is not counted (holding is the clinic's decision)."""
    found = {ATTENDANCE[o] for o in outcomes if o in ATTENDANCE}
    for letter in (schedules.Outcome.SUCCESS, schedules.Outcome.MISSED, schedules.Outcome.FAILURE):
        if letter in found:
            return letter
    return None


def award_attendance(program: Program, day: dt.date) -> int:
    """Award attendance programmes for a closed clinic day (the close marks missed slots first)."""
    if not ClinicDayClose.objects.filter(program=program, clinic_day=day).exists():
        return 0
    enrollments = (
        Enrollment.objects.filter(
            programme__program=program,
            programme__target=CmProgramme.Target.ATTENDANCE,
            programme__active=True,
            started_on__lte=day,
            ends_on__gte=day,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
        .select_related("programme", "patient", "patient__program")
    )
    by_patient: dict[int, list[str]] = defaultdict(list)
    rows = DoseAdministration.objects.filter(
        patient__in=[e.patient_id for e in enrollments], clinic_day=day
    ).values_list("patient_id", "outcome")
    for patient_id, outcome in rows:
        by_patient[patient_id].append(outcome)
    made = 0
    for enrollment in enrollments:
        letter = attendance_outcome(by_patient.get(enrollment.patient_id, []))
        if letter is None:
            continue
        made += award(
            enrollment, event_key=f"attend:{day.isoformat()}", event_day=day, outcome=letter, actor=None
        ).created
    return made


def on_clinic_day_closed(program: Program, day: dt.date) -> list[str]:
    made = award_attendance(program, day)
    return [f"{made} attendance award(s) made."] if made else []


def award_closed_days() -> int:
    """Scheduled: attendance awards for clinic days closed in the last week (safe to run again)."""
    since = dt.date.today() - dt.timedelta(days=8)
    made = 0
    for close in ClinicDayClose.objects.filter(clinic_day__gte=since).select_related("program"):
        made += award_attendance(close.program, close.clinic_day)
    return made


# --- Redemptions and corrections --------------------------------------------------------------------


def balance(patient: Patient) -> Decimal:
    return LedgerEntry.objects.filter(patient=patient).aggregate(total=Sum("amount"))["total"] or ZERO


def _by_key(key: str, patient: Patient) -> LedgerEntry | None:
    entry = LedgerEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.patient_id != patient.pk:
        raise ValidationError({"idempotency_key": "This key was already used; send a new key."})
    return entry


def redeem(actor: User, patient: Patient, reward: Reward, *, idempotency_key: str) -> LedgerEntry:
    """Hand a catalogue reward to the person; its value comes off their balance."""
    require(actor, Cap.CM_AWARD, "redeem rewards")
    key = checked_key(idempotency_key)
    existing = _by_key(key, patient)
    if existing is not None:
        return existing
    if reward.program_id != patient.program_id or not reward.active:
        raise ValidationError({"reward": "Choose a reward from your program's catalogue."})
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        available = balance(patient)
        if reward.value > available:
            raise ValidationError(
                {"reward": f"{reward.name} costs {dollars(reward.value)}; the balance is {dollars(available)}."}
            )
        entry = LedgerEntry.objects.create(
            patient=patient,
            kind=LedgerEntry.Kind.REDEEMED,
            amount=-reward.value,
            event_day=patient.program.clinic_day(),
            reward=reward,
            note=reward.name,
            idempotency_key=key,
            created_by=actor,
        )
        audit.record_patient_object(actor, "cm_redeem", patient, entry)
    return entry


def correct(actor: User, patient: Patient, *, amount: Decimal, note: str, idempotency_key: str) -> LedgerEntry:
    """A correction is a new entry with a reason (entries are never changed). It may not take the balance
    below zero: what was earned and handed out stays earned."""
    require(actor, Cap.CM_MANAGE, "correct a ledger")
    key = checked_key(idempotency_key)
    existing = _by_key(key, patient)
    if existing is not None:
        return existing
    if amount == 0 or abs(amount) > Decimal(1000):
        raise ValidationError({"amount": "A correction is not $0 and at most $1,000 either way."})
    if not note.strip():
        raise ValidationError({"note": "Say why the ledger is corrected."})
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if balance(patient) + amount < 0:
            raise ValidationError({"amount": "The correction would take the balance below $0."})
        entry = LedgerEntry.objects.create(
            patient=patient,
            kind=LedgerEntry.Kind.CORRECTION,
            amount=amount,
            event_day=patient.program.clinic_day(),
            note=note.strip(),
            idempotency_key=key,
            created_by=actor,
        )
        audit.record_patient_object(actor, "cm_correction", patient, entry, note.strip())
    return entry


# --- What a person (and their counsellor) sees ---------------------------------------------------------


@dataclass
class EnrollmentSummary:
    enrollment: Enrollment
    earned: Decimal = ZERO
    events: int = 0
    successes: int = 0
    streak: int = 0
    longest_streak: int = 0
    next_reward: str = ""


@dataclass
class PatientIncentives:
    balance: Decimal
    earned: Decimal
    redeemed: Decimal
    entries: list[LedgerEntry]
    enrollments: list[EnrollmentSummary] = field(default_factory=list)


def next_reward(params: Params, outcomes: Sequence[schedules.Outcome]) -> str:
    """What the next success would earn, in words (before any cap)."""
    success = schedules.Outcome.SUCCESS
    if isinstance(params, schedules.PrizeBowl):
        streak = 0
        for o in outcomes:
            streak = streak + 1 if o is success else 0
        n = schedules.draws_for(params, streak + 1)
        return f"{n} draw{'s' if n > 1 else ''} from the prize bowl"
    seeds = [""] * (len(outcomes) + 1)
    return dollars(earnings(params, [*outcomes, success], seeds)[-1].total)


def _amount(text: str) -> Decimal:
    """The dollar amount a `next_reward` text starts with ("$15.00")."""
    return Decimal(text[1:].replace(",", ""))


def patient_incentives(patient: Patient) -> PatientIncentives:
    entries = list(
        LedgerEntry.objects.filter(patient=patient)
        .select_related("reward", "enrollment__programme")
        .order_by("event_day", "id")
    )
    summaries = {
        e.pk: EnrollmentSummary(e)
        for e in Enrollment.objects.filter(patient=patient).select_related("programme").order_by("-started_on")
    }
    outcomes: dict[int, list[schedules.Outcome]] = defaultdict(list)
    for entry in entries:
        if entry.kind != LedgerEntry.Kind.EARNED or entry.enrollment_id not in summaries:
            continue
        s = summaries[entry.enrollment_id]
        s.earned += entry.amount
        s.events += 1
        s.successes += entry.outcome == schedules.Outcome.SUCCESS
        s.streak = entry.streak
        s.longest_streak = max(s.longest_streak, entry.streak)
        outcomes[entry.enrollment_id].append(schedules.Outcome(entry.outcome))
    year = patient.program.clinic_day().year
    earned_this_year = max(
        ZERO,
        sum(
            (e.amount for e in entries if e.kind != LedgerEntry.Kind.REDEEMED and e.event_day.year == year),
            ZERO,
        ),
    )
    for s in summaries.values():
        if s.enrollment.ended_on is None:
            s.next_reward = next_reward(params_for(s.enrollment.programme), outcomes[s.enrollment.pk])
            room = schedules.apply_cap(Decimal(1000), earned_this_year, s.enrollment.programme.annual_cap)
            if s.next_reward.startswith("$") and room < _amount(s.next_reward):
                s.next_reward += f" (the annual cap allows {dollars(room)} more this year)"
    earned = sum((e.amount for e in entries if e.kind != LedgerEntry.Kind.REDEEMED), ZERO)
    redeemed = -sum((e.amount for e in entries if e.kind == LedgerEntry.Kind.REDEEMED), ZERO)
    return PatientIncentives(earned - redeemed, earned, redeemed, entries[::-1], list(summaries.values()))


# --- Program report ----------------------------------------------------------------------------


@dataclass
class StreakRow:
    patient: Patient
    longest: int
    current: int


@dataclass
class ProgrammeReport:
    programme: CmProgramme
    patients: int
    events: int
    successes: int
    earned: Decimal
    capped: int  # awards the annual cap reduced
    streaks: list[StreakRow]

    @property
    def cost_per_patient(self) -> Decimal:
        return schedules.cents(self.earned / self.patients) if self.patients else ZERO

    @property
    def negative_share(self) -> float | None:
        """Share of target events met; a missed specimen counts as not met (REFERENCE.md §9, conservative)."""
        return self.successes / self.events if self.events else None


def programme_report(programme: CmProgramme, top: int = 10) -> ProgrammeReport:
    awards = LedgerEntry.objects.filter(enrollment__programme=programme, kind=LedgerEntry.Kind.EARNED)
    totals = awards.aggregate(earned=Sum("amount"))
    events = awards.count()
    successes = awards.filter(outcome=schedules.Outcome.SUCCESS).count()
    capped = awards.filter(amount__lt=F("scheduled_amount")).count()
    patients = Enrollment.objects.filter(programme=programme).values("patient").distinct().count()
    # The run now is the streak of the person's latest award, read in the same query (not one per person).
    latest = awards.filter(enrollment__patient=OuterRef("enrollment__patient")).order_by("-event_day", "-id")
    longest = list(
        awards.values("enrollment__patient")
        .annotate(longest=Max("streak"), current=Subquery(latest.values("streak")[:1]))
        .order_by("-longest", "enrollment__patient")[:top]
    )
    by_id = {p.pk: p for p in Patient.objects.filter(pk__in=[row["enrollment__patient"] for row in longest])}
    streaks = [StreakRow(by_id[row["enrollment__patient"]], row["longest"], row["current"] or 0) for row in longest]
    return ProgrammeReport(programme, patients, events, successes, totals["earned"] or ZERO, capped, streaks)
