"""Writes for medication treatment: one function per use case, atomic and audited.

Callers pass a patient obtained through `access.patient_for` with the right
Need (PRESCRIBE for orders and overrides, DISPENSE for the window). Rules come
from rules.py; a `needs_override` finding stops the write unless a prescriber
gives a reason (OverrideRequired says which findings).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from waymark.chart.models import Episode, Patient
from waymark.core import audit, events
from waymark.core.models import Program, Site, User
from waymark.core.roles import Cap
from waymark.core.services import require
from waymark.meds import rules, schedules
from waymark.meds.medications import Delivery, Family, Medication, family_members, info
from waymark.meds.models import (
    WINDOW_MEDICATIONS,
    ClinicClosure,
    ClinicDayClose,
    CoUse,
    DoseAdministration,
    Ecg,
    Hold,
    Injection,
    MedicationOrder,
    OrderPlanDay,
    ReadinessCheck,
    RuleOverride,
    TakeHomeDispense,
    TakeHomeEligibility,
)

Outcome = DoseAdministration.Outcome


# --- Errors the views and API turn into messages ---------------------------------


class OverrideRequired(ValidationError):
    """One or more findings need a prescriber's written reason."""

    def __init__(self, findings: list[rules.Finding]) -> None:
        self.findings = findings
        super().__init__(" ".join(f.message for f in findings))


class OnHold(ValidationError):
    def __init__(self, hold: Hold) -> None:
        self.hold = hold
        super().__init__(
            f"On hold since {hold.placed_at:%Y-%m-%d}: {hold.note or hold.get_reason_display()}. "
            "A prescriber must review and release the hold before the next dose."
        )


class AlreadyRecorded(Exception):
    """Another administration holds this patient's clinic day and slot (a 409)."""

    def __init__(self, existing: DoseAdministration, zone: dt.tzinfo) -> None:
        self.existing = existing
        who = existing.recorded_by.get_username() if existing.recorded_by else "the clinic-day close"
        super().__init__(
            f"Slot {existing.slot} on {existing.clinic_day:%Y-%m-%d} is already recorded "
            f"({existing.get_outcome_display().lower()}, by {who} at "
            f"{timezone.localtime(existing.recorded_at, zone):%H:%M}). Nothing was recorded twice."
        )


class KeyReused(Exception):
    """The idempotency key belongs to a different request (another patient)."""


def settings_for(program: Program) -> rules.MedsSettings:
    try:
        return rules.settings_from(program.rule_settings or {})
    except rules.SettingsError as exc:
        raise ValidationError(f"The program's medication rule settings are invalid: {exc}") from exc


def _audit(actor: User | None, action: str, patient: Patient, obj: Any, reason: str = "") -> None:
    audit.record_patient_object(actor, action, patient, obj, reason)


def _overrides(
    actor: User,
    patient: Patient,
    findings: list[rules.Finding],
    reason: str,
    *,
    preapproved: Iterable[str] = (),
) -> list[rules.Finding]:
    """The findings needing an override that are not already covered. Raises when
    a reason is missing or the actor may not override."""
    pending = [f for f in rules.needs_override(findings) if f.rule_id not in set(preapproved)]
    if not pending:
        return []
    if not reason.strip():
        raise OverrideRequired(pending)
    if not actor.can(Cap.PRESCRIBE):
        raise OverrideRequired(pending)
    return pending


def _save_overrides(
    actor: User, patient: Patient, pending: list[rules.Finding], reason: str, obj: Any, clinic_day: dt.date | None
) -> list[dict[str, str]]:
    saved = []
    for f in pending:
        RuleOverride.objects.create(
            patient=patient,
            rule_id=f.rule_id,
            message=f.message,
            reason=reason.strip(),
            prescriber=actor,
            object_type=type(obj).__name__.lower(),
            object_id=str(obj.pk),
            clinic_day=clinic_day,
        )
        audit.record(
            actor,
            "override",
            patient_id=patient.pk,
            program_id=patient.program_id,
            object_type=f.rule_id,
            object_id=obj.pk,
            reason=reason.strip(),
        )
        saved.append({"rule_id": f.rule_id, "message": f.message})
    return saved


def _mg(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: f"{value!r} is not a number of mg."}) from exc
    if not number.is_finite():
        raise ValidationError({field: "Enter a number of mg."})
    return number


# --- Orders -----------------------------------------------------------------------


def active_orders(patient: Patient) -> QuerySet[MedicationOrder]:
    return patient.medication_orders.filter(status=MedicationOrder.Status.ACTIVE)


def window_order(patient: Patient, day: dt.date) -> MedicationOrder | None:
    """The active order the dosing window dispenses on `day`."""
    return (
        active_orders(patient)
        .filter(medication__in=WINDOW_MEDICATIONS, start_on__lte=day)
        .filter(Q(stop_on__isnull=True) | Q(stop_on__gte=day))
        .first()
    )


def ordered_slots(order: MedicationOrder, day: dt.date) -> list[Decimal]:
    """The doses due on `day`: the plan's day if the order has a plan, else the order's split."""
    if order.start_on > day or (order.stop_on is not None and order.stop_on < day):
        return []
    if order.kind == MedicationOrder.Kind.MAINTENANCE:  # maintenance orders have no plan
        return order.slot_doses()
    plan = list(order.plan_days.all())
    if plan:
        for plan_day in plan:
            if plan_day.on == day:
                return plan_day.slot_doses()
        return []
    return order.slot_doses()


def ecg_findings(patient: Patient, order: MedicationOrder, day: dt.date) -> list[rules.Finding]:
    """ECGs due for a methadone order (REFERENCE.md §6): baseline, 30 days, yearly, and since
    the order's versions rose above the dose threshold."""
    s = settings_for(patient.program)
    series = list(MedicationOrder.objects.filter(series=order.series).order_by("version"))
    first_start = (
        MedicationOrder.objects.filter(patient=patient, medication__in=family_members(Family.METHADONE))
        .order_by("start_on")
        .values_list("start_on", flat=True)
        .first()
    )
    above_since = rules.dose_above_since([(v.start_on, v.dose_mg) for v in series], s.ecg_dose_threshold_mg)
    return rules.ecg_due(
        started_on=first_start or order.start_on,
        today=day,
        ecg_dates=list(patient.ecgs.values_list("taken_on", flat=True)),
        daily_mg=order.dose_mg,
        above_threshold_since=above_since,
        s=s,
    )


def _latest_qtc(patient: Patient) -> int | None:
    ecg = patient.ecgs.order_by("-taken_on", "-pk").first()
    return ecg.qtc_ms if ecg else None


def _validate_doses(medication: Medication, doses: Sequence[Decimal], field: str) -> None:
    meta = info(medication)
    if not doses:
        raise ValidationError({field: "Enter at least one dose."})
    if len(doses) > 6:
        raise ValidationError({field: "At most six doses a day."})
    for dose in doses:
        if dose <= 0:
            raise ValidationError({field: f"A dose must be more than 0 mg (got {rules.mg(dose)})."})
        if not meta.min_dose_mg <= dose <= meta.max_dose_mg:
            raise ValidationError(
                {
                    field: f"{rules.mg(dose)} mg is outside {rules.mg(meta.min_dose_mg)}–"
                    f"{rules.mg(meta.max_dose_mg)} mg for {meta.label}; check the number."
                }
            )
        if dose != dose.quantize(Decimal("0.001")):
            raise ValidationError({field: f"{dose} mg has more than three decimal places."})
    if meta.fixed_dose_mg is not None and any(d != meta.fixed_dose_mg for d in doses):
        raise ValidationError({field: f"{meta.label} is {rules.mg(meta.fixed_dose_mg)} mg."})


@dataclass(frozen=True)
class OrderInput:
    medication: Medication
    slot_doses_mg: tuple[Decimal, ...]
    start_on: dt.date
    kind: str = MedicationOrder.Kind.MAINTENANCE
    concentration_mg_per_ml: Decimal | None = None
    frequency: str = MedicationOrder.Frequency.DAILY
    stop_on: dt.date | None = None
    instructions: str = ""
    change_reason: str = ""
    plan: tuple[schedules.PlanDay, ...] = ()


def check_order(patient: Patient, data: OrderInput) -> list[rules.Finding]:
    """Validate the input and return the rule findings, without writing."""
    meta = info(data.medication)
    _validate_doses(data.medication, data.slot_doses_mg, "slot_doses_mg")
    for plan_day in data.plan:
        _validate_doses(data.medication, plan_day.slot_doses_mg, f"plan day {plan_day.day}")
    if meta.liquid:
        conc = data.concentration_mg_per_ml
        if conc is None:
            raise ValidationError({"concentration_mg_per_ml": "A liquid needs its concentration in mg/mL."})
        if not Decimal("0.1") <= conc <= Decimal(100):
            raise ValidationError({"concentration_mg_per_ml": f"{rules.mg(conc)} mg/mL is outside 0.1–100 mg/mL."})
    elif data.concentration_mg_per_ml is not None:
        raise ValidationError({"concentration_mg_per_ml": f"{meta.label} is not a liquid; leave concentration out."})
    if data.plan and data.kind == MedicationOrder.Kind.MAINTENANCE:
        raise ValidationError({"kind": "A day-by-day plan belongs to a taper or an induction, not maintenance."})
    if data.stop_on is not None and data.stop_on < data.start_on:
        raise ValidationError({"stop_on": "The stop date is before the start date."})
    if meta.delivery is Delivery.INJECTION and data.frequency != MedicationOrder.Frequency.EVERY_28_DAYS:
        raise ValidationError({"frequency": f"{meta.label} is given every 28 days."})
    previous = active_orders(patient).filter(medication=data.medication).first()
    family = family_members(meta.family)
    ever = MedicationOrder.objects.filter(patient=patient, medication__in=family).exists()
    course_days = (data.stop_on - data.start_on).days + 1 if data.stop_on else None
    ctx = rules.OrderContext(
        medication=data.medication,
        daily_mg=sum(data.slot_doses_mg, Decimal(0)),
        per_dose_mg=max(data.slot_doses_mg),
        previous_daily_mg=previous.dose_mg if previous else None,
        new_start=not ever,
        latest_qtc_ms=_latest_qtc(patient) if meta.family is Family.METHADONE else None,
        plan_daily_mg=tuple(p.total_mg for p in data.plan),
        course_days=course_days,
    )
    return rules.evaluate_order(ctx, settings_for(patient.program))


@transaction.atomic
def prescribe(
    actor: User, patient: Patient, data: OrderInput, *, override_reason: str = ""
) -> tuple[MedicationOrder, list[rules.Finding]]:
    """Write a new order, or a new version of the active order for the same medication."""
    require(actor, Cap.PRESCRIBE, "write medication orders")
    findings = check_order(patient, data)
    pending = _overrides(actor, patient, findings, override_reason)
    previous = active_orders(patient).select_for_update().filter(medication=data.medication).first()
    if previous is not None:
        if not data.change_reason.strip():
            raise ValidationError({"change_reason": "Say why the order changes (it replaces the active order)."})
        previous.status = MedicationOrder.Status.SUPERSEDED
        previous.ended_at = timezone.now()
        previous.save(update_fields=["status", "ended_at"])
        _audit(actor, "supersede", patient, previous)
    order = MedicationOrder.objects.create(
        patient=patient,
        series=previous.series if previous else MedicationOrder._meta.get_field("series").get_default(),
        version=previous.version + 1 if previous else 1,
        medication=data.medication,
        kind=data.kind,
        dose_mg=sum(data.slot_doses_mg, Decimal(0)),
        slot_doses_mg=[str(d) for d in data.slot_doses_mg],
        concentration_mg_per_ml=data.concentration_mg_per_ml,
        frequency=data.frequency,
        start_on=data.start_on,
        stop_on=data.stop_on,
        instructions=data.instructions,
        change_reason=data.change_reason,
        prescriber=actor,
        override_reason=override_reason.strip() if pending else "",
    )
    if data.plan:
        OrderPlanDay.objects.bulk_create(
            OrderPlanDay(order=order, day=p.day, on=p.on, slot_doses_mg=[str(d) for d in p.slot_doses_mg])
            for p in data.plan
        )
    order.overridden = _save_overrides(actor, patient, pending, override_reason, order, None)
    if order.overridden:
        order.save(update_fields=["overridden"])
    _audit(actor, "prescribe", patient, order)
    return order, rules.warnings(findings)


@transaction.atomic
def stop_order(actor: User, patient: Patient, order: MedicationOrder, reason: str) -> None:
    require(actor, Cap.PRESCRIBE, "stop medication orders")
    if order.patient_id != patient.pk or not order.is_active:
        raise ValidationError("That order is not active.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the order stops."})
    order.status = MedicationOrder.Status.STOPPED
    order.ended_at = timezone.now()
    order.change_reason = reason.strip()
    order.save(update_fields=["status", "ended_at", "change_reason"])
    _audit(actor, "stop", patient, order, reason.strip())


# --- Holds ------------------------------------------------------------------------


def active_hold(patient: Patient) -> Hold | None:
    return patient.holds.filter(released_at__isnull=True).first()


@transaction.atomic
def place_hold(actor: User | None, patient: Patient, *, reason: str, note: str, missed_days: int = 0) -> Hold:
    existing = active_hold(patient)
    if existing is not None:
        return existing
    if actor is not None:
        require(actor, Cap.PRESCRIBE, "place a hold")
    try:
        with transaction.atomic():
            hold = Hold.objects.create(
                patient=patient, reason=reason, note=note, missed_days=missed_days, placed_by=actor
            )
    except IntegrityError:  # placed at the same moment by the clinic-day close
        existing = active_hold(patient)
        assert existing is not None
        return existing
    _audit(actor, "hold", patient, hold, note)
    return hold


@transaction.atomic
def release_hold(actor: User, patient: Patient, hold: Hold, note: str) -> Hold:
    """A prescriber's review. To restart at another dose, write a new order version first."""
    require(actor, Cap.PRESCRIBE, "release a hold")
    if hold.patient_id != patient.pk or hold.released_at is not None:
        raise ValidationError("That hold is not active.")
    if not note.strip():
        raise ValidationError({"note": "Record the review: what you assessed and the dose to restart at."})
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_note = note.strip()
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    _audit(actor, "release_hold", patient, hold, note.strip())
    return hold


# --- What the window needs to know -------------------------------------------------


@dataclass(frozen=True)
class DoseHistory:
    last_taken_on: dt.date | None  # last day with an observed dose or a take-home covering it
    missed_days: int  # consecutive days before `day` without one, since the last
    given_today_mg: Decimal
    taken_today_slots: frozenset[int]
    observed_before: bool = False  # an observed dose of this medication family before `day`


def dose_history(patient: Patient, order: MedicationOrder, day: dt.date) -> DoseHistory:
    family = family_members(info(order.medication).family)
    # One read for today's rows (at most six slots) and the last observed day before today.
    rows = (
        DoseAdministration.objects.filter(patient=patient, clinic_day__lte=day)
        .filter(Q(clinic_day=day) | Q(outcome=Outcome.OBSERVED, order__medication__in=family))
        .order_by("-clinic_day")
        .values_list("clinic_day", "slot", "outcome", "amount_mg")[:8]
    )
    last_observed: dt.date | None = None
    given = Decimal(0)
    slots = set()
    for clinic_day, slot, outcome, amount in rows:
        if clinic_day == day:
            slots.add(slot)
            if outcome == Outcome.OBSERVED and amount:
                given += amount
        elif last_observed is None:
            last_observed = clinic_day
    last_take_home = (
        TakeHomeDispense.objects.filter(patient=patient, first_day__lt=day)
        .order_by("-last_day")
        .values_list("last_day", flat=True)
        .first()
    )
    if last_take_home is not None and last_take_home >= day:
        last_take_home = day - dt.timedelta(days=1)
    candidates = [d for d in (last_observed, last_take_home) if d is not None]
    last = max(candidates) if candidates else None
    missed = (day - last).days - 1 if last else 0
    return DoseHistory(last, max(0, missed), given, frozenset(slots), last_observed is not None)


def covered_by_take_home(patient: Patient, day: dt.date) -> TakeHomeDispense | None:
    return TakeHomeDispense.objects.filter(patient=patient, first_day__lte=day, last_day__gte=day).first()


def _reviewed_since(patient: Patient, since: dt.date | None, missed_days: int) -> bool:
    """A prescriber reviewed and released a missed-dose hold for at least `missed_days`
    placed after the last dose taken. A longer absence needs a new review (the next tier
    of the rule), and a hold released for another reason does not count."""
    released = patient.holds.filter(
        released_at__isnull=False, reason=Hold.Reason.MISSED_DOSES, missed_days__gte=missed_days
    )
    if since is not None:
        after = dt.datetime.combine(since + dt.timedelta(days=1), dt.time.min, tzinfo=patient.program.zone)
        released = released.filter(placed_at__gte=after)
    return released.exists()


def _latest_readiness(patient: Patient, check_for: str) -> ReadinessCheck | None:
    return patient.readiness_checks.filter(check_for=check_for).order_by("-assessed_at").first()


def induction_facts(check: ReadinessCheck | None, at: dt.datetime) -> rules.InductionFacts | None:
    if check is None or check.cows_total is None or check.last_use_at is None:
        return None
    hours = Decimal((at - check.last_use_at).total_seconds()) / 3600
    return rules.InductionFacts(hours.quantize(Decimal("0.1")), rules.OpioidType(check.opioid_type), check.cows_total)


def co_use_labels(patient: Patient, day: dt.date) -> tuple[str, ...]:
    rows = patient.co_use.filter(noted_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    return tuple(sorted({row.get_substance_display().lower() for row in rows}))


def dose_findings(
    patient: Patient, order: MedicationOrder, day: dt.date, amount_mg: Decimal, history: DoseHistory
) -> list[rules.Finding]:
    family = info(order.medication).family
    ever = history.observed_before
    s = settings_for(patient.program)
    new_induction = ever and history.missed_days >= 5 and family is Family.METHADONE
    ctx = rules.DoseContext(
        medication=Medication(order.medication),
        clinic_day=day,
        amount_mg=amount_mg,
        given_today_mg=history.given_today_mg,
        first_dose_day=not ever or new_induction or (history.last_taken_on is None and history.given_today_mg > 0),
        missed_days=history.missed_days if ever else 0,
        # Only asked when it can matter (two or more missed days): a read less per dose.
        reviewed_since_missed=history.missed_days >= 2
        and _reviewed_since(patient, history.last_taken_on, history.missed_days),
        latest_qtc_ms=_latest_qtc(patient) if family is Family.METHADONE else None,
        co_use=co_use_labels(patient, day),
        induction=induction_facts(_latest_readiness(patient, "buprenorphine"), timezone.now())
        if family is Family.BUPRENORPHINE
        else None,
        low_dose_induction=order.kind == MedicationOrder.Kind.LOW_DOSE_INDUCTION,
    )
    return rules.evaluate_dose(ctx, order.dose_mg, s)


def _preapproved(patient: Patient, order: MedicationOrder, day: dt.date) -> set[str]:
    """Rules a prescriber has overridden for this day at the window, or on the order itself."""
    ids = _day_overrides(patient, day)
    ids |= {o["rule_id"] for o in order.overridden if o.get("rule_id") == "meds.methadone.first_day_limit"}
    return ids


# Findings a prescriber may clear ahead of time for one clinic day, so the nurse can go on.
# (Missed-dose holds are released by reviewing the hold instead.)
DAY_OVERRIDABLE = frozenset(
    {
        "meds.methadone.first_day_limit",
        "meds.buprenorphine.induction_readiness",
        "meds.naltrexone_xr.readiness",
        "meds.injection.interval",
        "meds.take_home.limit",
        "meds.take_home.eligibility",
    }
)


@transaction.atomic
def override_for_day(actor: User, patient: Patient, *, rule_id: str, day: dt.date, reason: str) -> RuleOverride:
    """A prescriber clears one rule for one clinic day (for example COWS below the
    threshold at induction, or a longer take-home supply), with a written reason."""
    require(actor, Cap.PRESCRIBE, "override a rule")
    if rule_id not in DAY_OVERRIDABLE:
        raise ValidationError({"rule_id": f"{rule_id} cannot be overridden for a day."})
    if not reason.strip():
        raise ValidationError({"reason": "An override needs a written reason."})
    if day < patient.program.clinic_day():
        raise ValidationError({"day": "An override applies to today or a coming day."})
    override = RuleOverride.objects.create(
        patient=patient,
        rule_id=rule_id,
        message=f"Cleared for {day:%Y-%m-%d}.",
        reason=reason.strip(),
        prescriber=actor,
        object_type="clinic_day",
        object_id=day.isoformat(),
        clinic_day=day,
    )
    audit.record(
        actor,
        "override",
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type=rule_id,
        object_id=day.isoformat(),
        reason=reason.strip(),
    )
    return override


def _day_overrides(patient: Patient, day: dt.date) -> set[str]:
    return set(RuleOverride.objects.filter(patient=patient, clinic_day=day).values_list("rule_id", flat=True))


# --- The observed administration -----------------------------------------------------


@dataclass(frozen=True)
class AdministrationInput:
    idempotency_key: str
    slot: int
    outcome: str = Outcome.OBSERVED
    amount_mg: Decimal | None = None
    concentration_mg_per_ml: Decimal | None = None
    identity_checked: bool = True
    notes: str = ""


def _by_key(key: str) -> DoseAdministration | None:
    return DoseAdministration.objects.select_related("recorded_by").filter(idempotency_key=key).first()


def _check_key(existing: DoseAdministration, patient: Patient) -> DoseAdministration:
    if existing.patient_id != patient.pk:
        raise KeyReused("This Idempotency-Key was already used for another request; use a new key per dose.")
    return existing


def record_administration(
    actor: User, patient: Patient, data: AdministrationInput, *, site: Site | None = None, day: dt.date | None = None
) -> tuple[DoseAdministration, bool]:
    """Record one slot at the window. Returns (record, created). The same key again
    returns the first record; another record in the same slot raises AlreadyRecorded."""
    require(actor, Cap.DISPENSE, "record doses")
    key = data.idempotency_key.strip()
    if not 8 <= len(key) <= 80:
        raise ValidationError({"idempotency_key": "Send an Idempotency-Key of 8–80 characters (a UUID is ideal)."})
    existing = _by_key(key)
    if existing is not None:
        return _check_key(existing, patient), False

    day = day or patient.program.clinic_day()
    site = site or actor.site or patient.site
    order = window_order(patient, day)
    if order is None:
        raise ValidationError("No active window order for this patient today; nothing to give.")
    slots = ordered_slots(order, day)
    if not slots:
        raise ValidationError(f"The order has no dose planned for {day:%Y-%m-%d}; ask the prescriber.")
    if not 1 <= data.slot <= len(slots):
        raise ValidationError({"slot": f"Today's order has {len(slots)} dose(s); slot must be 1–{len(slots)}."})
    if data.outcome not in Outcome.values or data.outcome == Outcome.MISSED:
        raise ValidationError({"outcome": "Outcome is observed, refused or held."})
    ordered_mg = slots[data.slot - 1]
    amount = concentration = volume = None
    findings: list[rules.Finding] = []
    pending: list[rules.Finding] = []
    if data.outcome == Outcome.OBSERVED:
        hold = active_hold(patient)
        if hold is not None:
            raise OnHold(hold)
        covered = covered_by_take_home(patient, day)
        if covered is not None:
            raise ValidationError(
                f"Today's dose went home in the take-home bottles dispensed on {covered.dispensed_on:%Y-%m-%d} "
                f"({covered.first_day:%Y-%m-%d} to {covered.last_day:%Y-%m-%d}). Do not give a second dose; "
                "if a bottle was lost or spilled, the prescriber decides."
            )
        if data.amount_mg is None:
            raise ValidationError({"amount_mg": "Confirm the amount given, in mg."})
        amount = _mg(data.amount_mg, "amount_mg")
        if amount <= 0 or amount > info(order.medication).max_dose_mg:
            raise ValidationError({"amount_mg": f"{rules.mg(amount)} mg is not a possible dose; check the number."})
        liquid = info(order.medication).liquid
        concentration = data.concentration_mg_per_ml if liquid else None
        if not liquid and data.concentration_mg_per_ml is not None:
            raise ValidationError({"concentration_mg_per_ml": "This medication is not a liquid; leave it out."})
        try:
            problem = rules.dose_mismatch(
                ordered_mg=ordered_mg,
                given_mg=amount,
                ordered_concentration=order.concentration_mg_per_ml if liquid else None,
                given_concentration=concentration,
            )
        except ValueError as exc:
            raise ValidationError({"concentration_mg_per_ml": str(exc)}) from exc
        if problem:
            raise ValidationError({"amount_mg" if "mg/mL" not in problem else "concentration_mg_per_ml": problem})
        if concentration is not None:
            volume = rules.ml_for(amount, concentration)
        history = dose_history(patient, order, day)
        findings = dose_findings(patient, order, day, amount, history)
        preapproved = _preapproved(patient, order, day) if rules.needs_override(findings) else set()
        blocking = [f for f in rules.needs_override(findings) if f.rule_id not in preapproved]
        pending = [f for f in rules.needs_override(findings) if f.rule_id in preapproved]
        missed = [f for f in blocking if f.rule_id == "meds.methadone.missed_doses"]
        if missed:
            # Missed days the clinic-day close has not turned into a hold yet: place it now.
            place_hold(
                None, patient, reason=Hold.Reason.MISSED_DOSES, note=missed[0].message, missed_days=history.missed_days
            )
            raise OverrideRequired(missed)
        if blocking:
            raise OverrideRequired(blocking)
    elif not data.notes.strip():
        raise ValidationError({"notes": f"Say why the dose was {data.outcome}."})

    try:
        with transaction.atomic():
            record = DoseAdministration.objects.create(
                patient=patient,
                order=order,
                site=site,
                clinic_day=day,
                slot=data.slot,
                outcome=data.outcome,
                amount_mg=amount,
                concentration_mg_per_ml=concentration,
                volume_ml=volume,
                idempotency_key=key,
                identity_checked=data.identity_checked,
                guest=site is not None and patient.site_id is not None and site.pk != patient.site_id,
                notes=data.notes.strip(),
                recorded_by=actor,
                warnings=[{"rule_id": f.rule_id, "message": f.message} for f in rules.warnings(findings)],
                overridden=[{"rule_id": f.rule_id, "message": f.message} for f in pending],
            )
            _audit(actor, f"dose_{data.outcome}", patient, record)
    except IntegrityError:
        existing = _by_key(key)
        if existing is not None:
            return _check_key(existing, patient), False
        clash = (
            DoseAdministration.objects.select_related("recorded_by")
            .filter(patient=patient, clinic_day=day, slot=data.slot)
            .first()
        )
        if clash is None:
            raise
        raise AlreadyRecorded(clash, patient.program.zone) from None
    return record, True


# --- Close of the clinic day -------------------------------------------------------------


def close_clinic_day(program: Program, day: dt.date) -> ClinicDayClose:
    """Mark missed every ordered window slot with no record and no take-home; place
    missed-dose holds. Safe to run twice: the close and each missed row are unique."""
    existing = ClinicDayClose.objects.filter(program=program, clinic_day=day).first()
    if existing is not None:
        return existing
    s = settings_for(program)
    if day.weekday() in s.closed_weekdays or ClinicClosure.objects.filter(program=program, day=day).exists():
        # The clinic was closed: nobody could attend, so nothing is marked missed (closure take-homes cover it).
        with transaction.atomic():
            close, _ = ClinicDayClose.objects.get_or_create(program=program, clinic_day=day)
        return close
    missed_marked = 0
    holds_placed = 0
    orders = (
        MedicationOrder.objects.filter(
            patient__program=program,
            status=MedicationOrder.Status.ACTIVE,
            medication__in=WINDOW_MEDICATIONS,
            start_on__lte=day,
        )
        .filter(Q(stop_on__isnull=True) | Q(stop_on__gte=day))
        .select_related("patient", "patient__program")
        .prefetch_related("plan_days")
    )
    for order in orders:
        patient = order.patient
        if not patient.in_treatment_on(day) or covered_by_take_home(patient, day):
            continue
        slots = ordered_slots(order, day)
        taken = set(DoseAdministration.objects.filter(patient=patient, clinic_day=day).values_list("slot", flat=True))
        missed_marked_here = 0
        with transaction.atomic():
            for slot in range(1, len(slots) + 1):
                if slot in taken:
                    continue
                _, created = DoseAdministration.objects.get_or_create(
                    patient=patient,
                    clinic_day=day,
                    slot=slot,
                    defaults={
                        "order": order,
                        "site": patient.site,
                        "outcome": Outcome.MISSED,
                        "idempotency_key": f"missed:{patient.pk}:{day.isoformat()}:{slot}",
                        "notes": "Marked at the close of the clinic day.",
                    },
                )
                missed_marked += created
                missed_marked_here += created
            if slots and missed_marked_here:
                audit.record(
                    None,
                    "dose_missed",
                    patient_id=patient.pk,
                    program_id=program.pk,
                    object_type="clinic_day",
                    object_id=day.isoformat(),
                )
        if info(order.medication).family is not Family.METHADONE:
            continue
        history = dose_history(patient, order, day + dt.timedelta(days=1))
        if history.last_taken_on is None:
            continue
        action = rules.missed_dose_action(history.missed_days, order.dose_mg, s)
        if (
            action.hold
            and active_hold(patient) is None
            and not _reviewed_since(patient, history.last_taken_on, history.missed_days)
        ):
            place_hold(
                None,
                patient,
                reason=Hold.Reason.MISSED_DOSES,
                note=f"Missed {history.missed_days} days in a row. {action.action}",
                missed_days=history.missed_days,
            )
            holds_placed += 1
    try:
        with transaction.atomic():
            close = ClinicDayClose.objects.create(
                program=program, clinic_day=day, missed_marked=missed_marked, holds_placed=holds_placed
            )
            events.emit(events.CLINIC_DAY_CLOSED, program=program, day=day)
            return close
    except IntegrityError:
        return ClinicDayClose.objects.get(program=program, clinic_day=day)


def days_to_close(program: Program, now: dt.datetime) -> list[dt.date]:
    """Clinic days that should be closed by `now` and are not (the last 7 days at most)."""
    local = now.astimezone(program.zone)
    s = settings_for(program)
    last = local.date() if local.hour >= s.close_hour else local.date() - dt.timedelta(days=1)
    candidates = [last - dt.timedelta(days=n) for n in range(6, -1, -1)]
    done = set(
        ClinicDayClose.objects.filter(program=program, clinic_day__in=candidates).values_list("clinic_day", flat=True)
    )
    return [d for d in candidates if d not in done and d >= program.created_at.astimezone(program.zone).date()]


# --- Take-homes ------------------------------------------------------------------------


def current_episode(patient: Patient, day: dt.date) -> Episode | None:
    return (
        patient.episodes.filter(admitted_on__lte=day)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gte=day))
        .order_by("-admitted_on")
        .first()
    )


def take_home_limit(patient: Patient, day: dt.date) -> schedules.TakeHomeLimit:
    episode = current_episode(patient, day)
    if episode is None:
        raise ValidationError({"on": f"The patient is not in treatment on {day:%Y-%m-%d}; no take-homes."})
    s = settings_for(patient.program)
    return schedules.take_home_limit(s.take_home_schedule, schedules.days_in_treatment(episode.admitted_on, day))


def latest_eligibility(patient: Patient) -> TakeHomeEligibility | None:
    return patient.take_home_eligibility.first()


@transaction.atomic
def record_eligibility(actor: User, patient: Patient, **fields: Any) -> TakeHomeEligibility:
    require(actor, Cap.PRESCRIBE, "record take-home eligibility")
    missing = [name for name in TakeHomeEligibility.CONSIDERATIONS if not str(fields.get(f"{name}_note", "")).strip()]
    if not str(fields.get("other_considerations", "")).strip():
        missing.append("other_considerations")
    if missing:
        raise ValidationError(
            {
                name if name == "other_considerations" else f"{name}_note": "Document this consideration."
                for name in missing
            }
        )
    if fields["assessed_on"] > patient.program.clinic_day():
        raise ValidationError({"assessed_on": "The assessment date is in the future."})
    record = TakeHomeEligibility.objects.create(patient=patient, practitioner=actor, **fields)
    _audit(actor, "take_home_eligibility", patient, record)
    return record


def program_closures(program: Program, first: dt.date, last: dt.date) -> set[dt.date]:
    return set(ClinicClosure.objects.filter(program=program, day__range=(first, last)).values_list("day", flat=True))


@transaction.atomic
def dispense_take_home(
    actor: User,
    patient: Patient,
    *,
    idempotency_key: str,
    first_day: dt.date,
    last_day: dt.date,
    lot_number: str,
    site: Site | None = None,
    override_reason: str = "",
    day: dt.date | None = None,
) -> tuple[TakeHomeDispense, bool]:
    """Hand over one bottle per day from `first_day` to `last_day`, at the order's dose."""
    require(actor, Cap.DISPENSE, "dispense take-homes")
    # Lock the patient: two stations handing over take-homes at once must see each other's bottles.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    existing = TakeHomeDispense.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.patient_id != patient.pk:
            raise KeyReused("This idempotency key was already used for another patient.")
        return existing, False
    day = day or patient.program.clinic_day()
    if first_day <= day:
        raise ValidationError({"first_day": "Take-home days start after today's observed dose."})
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day is before the first day."})
    if not lot_number.strip():
        raise ValidationError({"lot_number": "Record the lot number of the stock bottle."})
    hold = active_hold(patient)
    if hold is not None:
        raise OnHold(hold)
    order = window_order(patient, first_day)
    if order is None:
        raise ValidationError("No active window order covers those days.")
    day_slots = [ordered_slots(order, first_day + dt.timedelta(days=n)) for n in range((last_day - first_day).days + 1)]
    if any(len(slots) > 1 for slots in day_slots):
        raise ValidationError("Split-dose take-homes are not supported; give one bottle per slot separately.")
    doses = {slots[0] if slots else None for slots in day_slots}
    if None in doses or len(doses) != 1:
        raise ValidationError("The order's dose changes (or stops) within those days; dispense them separately.")
    overlap = TakeHomeDispense.objects.filter(patient=patient, first_day__lte=last_day, last_day__gte=first_day)
    if overlap.exists():
        raise ValidationError("Those days overlap take-homes already dispensed.")
    s = settings_for(patient.program)
    supply_days = (last_day - first_day).days + 1
    closure = rules.closure_days_between(
        first_day, last_day, s.closed_weekdays, program_closures(patient.program, first_day, last_day)
    )
    limit = take_home_limit(patient, day)
    eligibility = latest_eligibility(patient)
    findings = rules.take_home_findings(
        supply_days=supply_days,
        limit=limit,
        eligibility_documented=eligibility is not None and eligibility.eligible,
        closure_days=closure,
    )
    preapproved = _day_overrides(patient, day)
    pending = _overrides(actor, patient, findings, override_reason, preapproved=preapproved)
    covered = [f for f in rules.needs_override(findings) if f.rule_id in preapproved]
    dose = doses.pop()
    assert dose is not None
    record = TakeHomeDispense.objects.create(
        patient=patient,
        order=order,
        site=site or actor.site or patient.site,
        dispensed_on=day,
        first_day=first_day,
        last_day=last_day,
        bottles=supply_days,
        dose_mg_per_bottle=dose,
        concentration_mg_per_ml=order.concentration_mg_per_ml,
        lot_number=lot_number.strip(),
        closure_days=closure,
        idempotency_key=idempotency_key,
        dispensed_by=actor,
        override_reason=override_reason.strip() if pending else "",
    )
    record.overridden = _save_overrides(actor, patient, pending, override_reason, record, None) + [
        {"rule_id": f.rule_id, "message": f.message} for f in covered
    ]
    if record.overridden:
        record.save(update_fields=["overridden"])
    _audit(actor, "take_home", patient, record)
    return record, True


@transaction.atomic
def check_take_home_return(
    actor: User, patient: Patient, take_home: TakeHomeDispense, *, bottles_returned: int, note: str = ""
) -> TakeHomeDispense:
    require(actor, Cap.DISPENSE, "check returned bottles")
    if take_home.patient_id != patient.pk:
        raise ValidationError("That take-home belongs to another patient.")
    if take_home.returned_on is not None:
        raise ValidationError("The return of these bottles was already checked.")
    if not 0 <= bottles_returned <= take_home.bottles:
        raise ValidationError({"bottles_returned": f"Between 0 and {take_home.bottles} bottles."})
    if bottles_returned < take_home.bottles and not note.strip():
        raise ValidationError({"return_note": "Some bottles did not come back: record what the patient said."})
    take_home.returned_on = patient.program.clinic_day()
    take_home.bottles_returned = bottles_returned
    take_home.return_checked_by = actor
    take_home.return_note = note.strip()
    take_home.save(update_fields=["returned_on", "bottles_returned", "return_checked_by", "return_note"])
    _audit(actor, "take_home_return", patient, take_home)
    return take_home


# --- Injections, readiness, ECG, co-use ---------------------------------------------------


# Days overdue after which extended-release naltrexone needs a new readiness check (rule meds.naltrexone_xr.readiness).
READINESS_AGAIN_AFTER = 14


def last_injection(patient: Patient, medication: str) -> Injection | None:
    return patient.injections.filter(medication=medication).order_by("-clinic_day").first()


def injection_order(patient: Patient, day: dt.date) -> MedicationOrder | None:
    meds = [m.value for m in Medication if info(m).delivery is Delivery.INJECTION]
    return (
        active_orders(patient)
        .filter(medication__in=meds, start_on__lte=day)
        .filter(Q(stop_on__isnull=True) | Q(stop_on__gte=day))
        .first()
    )


def give_injection(
    actor: User,
    patient: Patient,
    *,
    idempotency_key: str,
    body_site: str,
    lot_number: str,
    override_reason: str = "",
    day: dt.date | None = None,
) -> tuple[Injection, bool]:
    require(actor, Cap.DISPENSE, "give injections")
    existing = Injection.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.patient_id != patient.pk:
            raise KeyReused("This idempotency key was already used for another patient.")
        return existing, False
    day = day or patient.program.clinic_day()
    order = injection_order(patient, day)
    if order is None:
        raise ValidationError("No active injection order.")
    if body_site not in Injection.BodySite.values:
        raise ValidationError({"body_site": "Choose the injection site."})
    if not lot_number.strip():
        raise ValidationError({"lot_number": "Record the lot number."})
    s = settings_for(patient.program)
    last = last_injection(patient, order.medication)
    findings = rules.injection_findings(
        last_given_on=last.clinic_day if last else None,
        last_site=last.body_site if last else None,
        site=body_site,
        today=day,
        s=s,
    )
    # Readiness before the first injection, and again after a gap long enough for opioid use to resume.
    lapsed = last is not None and rules.injection_status(last.clinic_day, day, s).overdue_days > READINESS_AGAIN_AFTER
    if order.medication == Medication.NALTREXONE_XR and (last is None or lapsed):
        check = _latest_readiness(patient, "naltrexone")
        facts = rules.NaltrexoneFacts(
            last_opioid_use_on=check.last_use_at.astimezone(patient.program.zone).date()
            if check and check.last_use_at
            else None,
            last_opioid_type=rules.OpioidType(check.opioid_type) if check else None,
            negative_test_on=check.negative_test_on if check else None,
            naloxone_challenge_passed=check.naloxone_challenge_passed if check else None,
        )
        if check is None:
            findings.append(
                rules.Finding(
                    "meds.naltrexone_xr.readiness",
                    rules.Level.NEEDS_OVERRIDE,
                    "Record the readiness check (last opioid use, drug test) first.",
                )
            )
        else:
            findings += rules.naltrexone_readiness(facts, day, s)
    pending = _overrides(actor, patient, findings, override_reason, preapproved=_day_overrides(patient, day))
    try:
        with transaction.atomic():
            injection = Injection.objects.create(
                patient=patient,
                order=order,
                medication=order.medication,
                site=actor.site or patient.site,
                clinic_day=day,
                dose_mg=order.dose_mg,
                body_site=body_site,
                lot_number=lot_number.strip(),
                idempotency_key=idempotency_key,
                given_by=actor,
                override_reason=override_reason.strip() if pending else "",
            )
            injection.overridden = _save_overrides(actor, patient, pending, override_reason, injection, None)
            if injection.overridden:
                injection.save(update_fields=["overridden"])
            _audit(actor, "injection", patient, injection)
    except IntegrityError:
        existing = Injection.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None and existing.patient_id == patient.pk:
            return existing, False
        raise ValidationError("An injection of this medication is already recorded today.") from None
    return injection, True


def _not_future(at: dt.datetime | dt.date, field: str, program: Program) -> None:
    """Times may be a few minutes ahead of the server clock; dates not past the clinic day."""
    if isinstance(at, dt.datetime):
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError({field: "That time is in the future."})
    elif at > program.clinic_day():
        raise ValidationError({field: "That date is in the future."})


@transaction.atomic
def record_readiness(actor: User, patient: Patient, **fields: Any) -> ReadinessCheck:
    if not (actor.can(Cap.DISPENSE) or actor.can(Cap.PRESCRIBE)):
        raise PermissionDenied("Only nurses and prescribers record readiness.")
    _not_future(fields["assessed_at"], "assessed_at", patient.program)
    if fields.get("last_use_at") is not None:
        _not_future(fields["last_use_at"], "last_use_at", patient.program)
        if fields["last_use_at"] > fields["assessed_at"]:
            raise ValidationError({"last_use_at": "Last use is after the assessment."})
    cows = fields.get("cows_total")
    if cows is not None and not 0 <= cows <= 48:
        raise ValidationError({"cows_total": "A COWS total is 0–48."})
    if fields.get("negative_test_on") is not None:
        _not_future(fields["negative_test_on"], "negative_test_on", patient.program)
    check = ReadinessCheck.objects.create(patient=patient, recorded_by=actor, **fields)
    _audit(actor, "readiness", patient, check)
    return check


@transaction.atomic
def record_ecg(actor: User, patient: Patient, *, taken_on: dt.date, qtc_ms: int, note: str = "") -> Ecg:
    if not (actor.can(Cap.DISPENSE) or actor.can(Cap.PRESCRIBE)):
        raise PermissionDenied("Only nurses and prescribers record ECGs.")
    _not_future(taken_on, "taken_on", patient.program)
    if not 250 <= qtc_ms <= 800:
        raise ValidationError({"qtc_ms": f"A QTc of {qtc_ms} ms is not plausible; check the reading (250–800)."})
    ecg = Ecg.objects.create(patient=patient, taken_on=taken_on, qtc_ms=qtc_ms, recorded_by=actor, note=note)
    _audit(actor, "ecg", patient, ecg)
    return ecg


@transaction.atomic
def record_co_use(actor: User, patient: Patient, *, substance: str, noted_on: dt.date, note: str) -> CoUse:
    require(actor, Cap.PRESCRIBE, "document co-use")
    _not_future(noted_on, "noted_on", patient.program)
    if not note.strip():
        raise ValidationError({"note": "Document what was seen or reported and the plan to manage the risk."})
    row = CoUse.objects.create(
        patient=patient, substance=substance, noted_on=noted_on, note=note.strip(), recorded_by=actor
    )
    _audit(actor, "co_use", patient, row)
    return row


def mg_dispensed(site: Site, medication: str, first: dt.date, last: dt.date) -> Decimal:
    observed = DoseAdministration.objects.filter(
        site=site, order__medication=medication, clinic_day__range=(first, last), outcome=Outcome.OBSERVED
    ).aggregate(total=Sum("amount_mg"))["total"] or Decimal(0)
    take_homes = sum(
        (
            t.total_mg
            for t in TakeHomeDispense.objects.filter(
                site=site, order__medication=medication, dispensed_on__range=(first, last)
            )
        ),
        Decimal(0),
    )
    injected = Injection.objects.filter(site=site, medication=medication, clinic_day__range=(first, last)).aggregate(
        total=Sum("dose_mg")
    )["total"] or Decimal(0)
    return observed + take_homes + injected
