"""Withdrawal management (detox): starting a stay, recording its checks (a COWS
with vitals) and discharging with a continuing-care plan; reading the board of
active stays. One function per use case, each in a transaction and audited.
Callers pass a patient they got from `chart.access.patient_for`; these
functions check the actor's role again (Cap.DETOX: nurses and prescribers).

What the numbers mean (schedule, overdue, band rise, plausible vitals) lives
in the pure module `detox.py`; the COWS itself is scored and stored through
`services.record_instrument`, so a check's COWS is in the person's instrument
history and on the COWS chart like any other.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from waymark.assess import detox
from waymark.assess import services as instrument_services
from waymark.assess.models import DetoxStay, InstrumentRecord, WithdrawalCheck
from waymark.chart.models import Episode, LevelOfCare, Patient
from waymark.core import audit
from waymark.core.models import Program, Site, User
from waymark.core.roles import Cap
from waymark.core.services import KeyReused, idempotency_key, require

# A device clock a little ahead of ours is drift, not the future (as for drug tests and instruments).
CLOCK_DRIFT = dt.timedelta(minutes=5)
MAX_NOTES = 2000
# Where a person goes after detox: any level but detox itself.
NEXT_LEVELS = [(v, label) for v, label in LevelOfCare.choices if v != LevelOfCare.WITHDRAWAL_MANAGEMENT]


def _future(at: dt.datetime, now: dt.datetime) -> bool:
    return at > now + CLOCK_DRIFT


def _aware(errors: dict[str, str], name: str, at: dt.datetime | None) -> bool:
    if at is not None and timezone.is_naive(at):
        errors[name] = "Give the time with its time zone."
        return False
    return at is not None


def _local(patient: Patient, at: dt.datetime) -> str:
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%d %H:%M")


def program_settings(program: Program) -> detox.DetoxSettings:
    """The program's detox settings; a broken setting is a ValidationError naming it."""
    try:
        return detox.settings_from(program.rule_settings or {})
    except detox.SettingsError as exc:
        raise ValidationError(f"The program's rule settings are invalid: {exc} Ask the program admin.") from None


# --- Start --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StayInput:
    idempotency_key: str
    protocol: str
    started_at: dt.datetime
    last_use_at: dt.datetime | None = None
    expected_days: int | None = None  # None: the program's default
    check_every_hours: int | None = None  # None: the program's default
    notes: str = ""


@dataclass
class Started:
    stay: DetoxStay
    created: bool
    messages: list[str] = field(default_factory=list)


def open_episode(patient: Patient) -> Episode | None:
    return Episode.objects.filter(patient=patient, discharged_on__isnull=True).order_by("-admitted_on", "-pk").first()


def active_stay(patient: Patient) -> DetoxStay | None:
    return DetoxStay.objects.filter(patient=patient, status=DetoxStay.Status.ACTIVE).first()


def _already_active(patient: Patient, stay: DetoxStay) -> ValidationError:
    return ValidationError(
        f"{patient.display_name} is already in withdrawal management (stay started {_local(patient, stay.started_at)})."
        " Discharge that stay before starting another."
    )


def _same_stay(existing: DetoxStay, data: StayInput) -> DetoxStay:
    if existing.protocol != data.protocol or existing.started_at != data.started_at:
        raise KeyReused({"idempotency_key": "This key was already used for another stay; send a new key."})
    return existing


def _validate_stay(patient: Patient, episode: Episode | None, data: StayInput, settings: detox.DetoxSettings) -> None:
    errors: dict[str, str] = {}
    now = timezone.now()
    if episode is None:
        raise ValidationError(
            f"{patient.display_name} has no open episode of care. Admit them (open an episode) before starting "
            "withdrawal management."
        )
    # "Not recorded" is for imported stays only: a stay started here says its protocol.
    given = [(value, label) for value, label in DetoxStay.Protocol.choices if value != DetoxStay.Protocol.NOT_RECORDED]
    if data.protocol not in dict(given):
        errors["protocol"] = "Choose the protocol: " + ", ".join(str(label) for _, label in given)
    if _aware(errors, "started_at", data.started_at):
        if _future(data.started_at, now):
            errors["started_at"] = "The start time is in the future: give when the stay started."
        elif patient.program.clinic_day(data.started_at) < episode.admitted_on:
            errors["started_at"] = f"The stay cannot start before the episode's admission on {episode.admitted_on}."
    if _aware(errors, "last_use_at", data.last_use_at):
        assert data.last_use_at is not None
        if _future(data.last_use_at, now):
            errors["last_use_at"] = "Last use is in the future: give when the person last used opioids."
        elif "started_at" not in errors and data.last_use_at > data.started_at + CLOCK_DRIFT:
            errors["last_use_at"] = "Last use must be before the stay started."
    low, high = detox.EXPECTED_DAYS_RANGE
    days = settings.expected_days if data.expected_days is None else data.expected_days
    if not low <= days <= high:
        errors["expected_days"] = f"Expected length is {low}–{high} days (typically 5–7, up to 10–14); {days} given."
    low, high = detox.CHECK_EVERY_HOURS_RANGE
    hours = settings.check_every_hours if data.check_every_hours is None else data.check_every_hours
    if not low <= hours <= high:
        errors["check_every_hours"] = f"Checks are every {low}–{high} hours; {hours} given."
    if len(data.notes) > MAX_NOTES:
        errors["notes"] = f"Notes are at most {MAX_NOTES} characters."
    if errors:
        raise ValidationError(errors)


def start_stay(actor: User, patient: Patient, data: StayInput, *, site: Site | None = None) -> Started:
    """Start a withdrawal-management stay in the person's open episode. One active stay per person;
    the same idempotency key again returns the first stay."""
    require(actor, Cap.DETOX, "start withdrawal management")
    key = idempotency_key(data.idempotency_key)
    existing = DetoxStay.objects.filter(patient=patient, idempotency_key=key).first()
    if existing is not None:
        return Started(_same_stay(existing, data), created=False)
    current = active_stay(patient)
    if current is not None:
        raise _already_active(patient, current)
    settings = program_settings(patient.program)
    episode = open_episode(patient)
    _validate_stay(patient, episode, data, settings)
    assert episode is not None
    if site is not None and site.program_id != patient.program_id:
        raise PermissionDenied("That site is not in this patient's program.")
    expected_days = settings.expected_days if data.expected_days is None else data.expected_days
    try:
        with transaction.atomic():
            stay = DetoxStay.objects.create(
                patient=patient,
                episode=episode,
                site=site or episode.site or patient.site or actor.site,
                protocol=data.protocol,
                started_at=data.started_at,
                last_use_at=data.last_use_at,
                expected_days=expected_days,
                check_every_hours=settings.check_every_hours
                if data.check_every_hours is None
                else data.check_every_hours,
                notes=data.notes.strip(),
                idempotency_key=key,
                started_by=actor,
            )
            audit.record_patient_object(actor, "detox_start", patient, stay)
    except IntegrityError:
        existing = DetoxStay.objects.filter(patient=patient, idempotency_key=key).first()
        if existing is not None:
            return Started(_same_stay(existing, data), created=False)
        current = active_stay(patient)
        if current is not None:  # another request started one meanwhile
            raise _already_active(patient, current) from None
        raise
    note = detox.expected_length_note(expected_days)
    return Started(stay, created=True, messages=[note] if note else [])


# --- Checks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    idempotency_key: str
    checked_at: dt.datetime
    answers: Mapping[str, object]  # COWS item id → score
    pulse_bpm: object
    systolic_mmhg: object
    diastolic_mmhg: object
    temperature: object
    temperature_unit: str  # "F" or "C"
    respiratory_rate: object
    spo2_percent: object
    symptom_medication: str = ""
    notes: str = ""


@dataclass
class Checked:
    check: WithdrawalCheck
    created: bool
    alerts: list[detox.Alert] = field(default_factory=list)  # band rise
    notes: list[str] = field(default_factory=list)  # pulse item mismatch, lofexidine dose


def _existing_check(record: InstrumentRecord, stay: DetoxStay) -> WithdrawalCheck:
    check = WithdrawalCheck.objects.filter(cows=record).select_related("cows").first()
    if check is None or check.stay_id != stay.pk:
        raise KeyReused({"idempotency_key": "This key was already used for another record; send a new key."})
    return check


def _validate_check(stay: DetoxStay, data: CheckInput) -> detox.Vitals:
    """Every problem at once, each naming its field: time, COWS items (answers.<item id>), vitals."""
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(data.checked_at):
        errors["checked_at"] = ["Give the time with its time zone."]
    elif _future(data.checked_at, timezone.now()):
        errors["checked_at"] = ["That time is in the future: give when the check was done."]
    elif data.checked_at < stay.started_at:
        errors["checked_at"] = [f"A check cannot be before the stay started ({_local(stay.patient, stay.started_at)})."]
    try:
        instrument_services.score("cows", data.answers)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    vitals: detox.Vitals | None = None
    try:
        vitals = detox.check_vitals(
            pulse_bpm=data.pulse_bpm,
            systolic_mmhg=data.systolic_mmhg,
            diastolic_mmhg=data.diastolic_mmhg,
            temperature=data.temperature,
            temperature_unit=data.temperature_unit,
            respiratory_rate=data.respiratory_rate,
            spo2_percent=data.spo2_percent,
        )
    except detox.VitalsError as exc:
        for name, message in exc.errors.items():
            errors.setdefault(name, []).append(message)
    if len(data.symptom_medication) > 200:
        errors["symptom_medication"] = ["Symptom medication is at most 200 characters."]
    if len(data.notes) > MAX_NOTES:
        errors["notes"] = [f"Notes are at most {MAX_NOTES} characters."]
    if errors:
        raise ValidationError(errors)
    assert vitals is not None
    return vitals


def _previous_total(stay: DetoxStay, before: dt.datetime, exclude: int | None = None) -> int | None:
    earlier = WithdrawalCheck.objects.filter(stay=stay, checked_at__lt=before)
    if exclude is not None:
        earlier = earlier.exclude(pk=exclude)
    return earlier.order_by("-checked_at", "-pk").values_list("cows__total", flat=True).first()


def _check_messages(stay: DetoxStay, check: WithdrawalCheck) -> tuple[list[detox.Alert], list[str]]:
    alert = detox.band_rise_alert(_previous_total(stay, check.checked_at, exclude=check.pk), check.cows.total)
    notes = [
        detox.pulse_item_note(check.pulse_bpm, int(check.cows.answers.get("pulse", 0))),
        detox.lofexidine_dose_note(check.symptom_medication),
    ]
    return ([alert] if alert else []), [n for n in notes if n]


def record_check(actor: User, patient: Patient, stay: DetoxStay, data: CheckInput) -> Checked:
    """Record a check during an active stay: the COWS (scored and stored as an instrument record)
    with vitals. Nothing is saved if any answer or vital is wrong; each error names its item or field.
    The same idempotency key again returns the first check."""
    require(actor, Cap.DETOX, "record withdrawal checks")
    if stay.patient_id != patient.pk:
        raise PermissionDenied("That stay belongs to another patient.")
    key = idempotency_key(data.idempotency_key)
    record = InstrumentRecord.objects.filter(patient=patient, idempotency_key=key).first()
    if record is not None:
        return Checked(_existing_check(record, stay), created=False)
    if stay.status != DetoxStay.Status.ACTIVE:
        raise ValidationError(
            f"This stay was discharged on {_local(patient, stay.discharged_at or stay.started_at)}: checks are "
            "recorded during a stay."
        )
    vitals = _validate_check(stay, data)
    with transaction.atomic():
        # Lock the stay: a discharge at the same moment waits, and then this check sees it.
        locked = DetoxStay.objects.select_for_update().get(pk=stay.pk)
        if locked.status != DetoxStay.Status.ACTIVE:
            raise ValidationError("This stay was discharged meanwhile: checks are recorded during a stay.")
        recorded = instrument_services.record_instrument(
            actor,
            patient,
            instrument_services.InstrumentInput(
                instrument="cows",
                answers=dict(data.answers),
                administered_at=data.checked_at,
                idempotency_key=key,
                context=InstrumentRecord.Context.DETOX_CHECK,
                last_use_at=stay.last_use_at,
            ),
            episode=stay.episode,
        )
        if not recorded.created:  # another request with this key got there first
            return Checked(_existing_check(recorded.record, stay), created=False)
        check = WithdrawalCheck.objects.create(
            stay=stay,
            cows=recorded.record,
            checked_at=data.checked_at,
            pulse_bpm=vitals.pulse_bpm,
            systolic_mmhg=vitals.systolic_mmhg,
            diastolic_mmhg=vitals.diastolic_mmhg,
            temperature_c=vitals.temperature_c,
            respiratory_rate=vitals.respiratory_rate,
            spo2_percent=vitals.spo2_percent,
            symptom_medication=data.symptom_medication.strip(),
            notes=data.notes.strip(),
            recorded_by=actor,
        )
        audit.record_patient_object(actor, "detox_check", patient, check)
    alerts, notes = _check_messages(stay, check)
    return Checked(check, created=True, alerts=alerts, notes=notes)


# --- Discharge ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DischargeInput:
    discharged_at: dt.datetime
    outcome: str
    next_level_of_care: str
    continuing_care_with: str
    first_appointment_at: dt.datetime | None
    no_appointment_reason: str
    naloxone_given: bool | None
    overdose_risk_explained: bool | None
    medication_plan: str = ""
    notes: str = ""


@dataclass
class Discharged:
    stay: DetoxStay
    changed: bool
    messages: list[str] = field(default_factory=list)


MISSING = {
    "outcome": "Outcome: say how the stay ended (completed, left before completion, transferred).",
    "next_level_of_care": "Next level of care: where the person continues treatment (detox alone is not treatment).",
    "continuing_care_with": "Continuing care with: name the program, clinic or prescriber.",
    "first_appointment_at": "First appointment: give its date and time, or the reason there is none.",
    "naloxone_given": "Naloxone given: answer yes or no (overdose risk is highest after detox).",
    "overdose_risk_explained": "Overdose risk after detox explained: answer yes or no.",
}


def _validate_discharge(stay: DetoxStay, data: DischargeInput) -> None:
    """Every missing part of the continuing-care plan, each named; then the times."""
    errors: dict[str, str] = {}
    if data.outcome not in DetoxStay.Outcome.values:
        errors["outcome"] = MISSING["outcome"]
    if data.next_level_of_care not in dict(NEXT_LEVELS):
        errors["next_level_of_care"] = MISSING["next_level_of_care"]
    if not data.continuing_care_with.strip():
        errors["continuing_care_with"] = MISSING["continuing_care_with"]
    elif len(data.continuing_care_with.strip()) > 200:
        errors["continuing_care_with"] = "Continuing care with: at most 200 characters."
    if data.first_appointment_at is None and not data.no_appointment_reason.strip():
        errors["first_appointment_at"] = MISSING["first_appointment_at"]
    if len(data.no_appointment_reason.strip()) > 300:
        errors["no_appointment_reason"] = "The reason is at most 300 characters."
    if data.naloxone_given is None:
        errors["naloxone_given"] = MISSING["naloxone_given"]
    if data.overdose_risk_explained is None:
        errors["overdose_risk_explained"] = MISSING["overdose_risk_explained"]
    if len(data.medication_plan.strip()) > 300:
        errors["medication_plan"] = "The medication plan is at most 300 characters."
    if len(data.notes) > MAX_NOTES:
        errors["notes"] = f"Notes are at most {MAX_NOTES} characters."
    patient = stay.patient
    if _aware(errors, "discharged_at", data.discharged_at):
        last_check = stay.checks.order_by("-checked_at").values_list("checked_at", flat=True).first()
        if _future(data.discharged_at, timezone.now()):
            errors["discharged_at"] = "The discharge time is in the future: give when the person left."
        elif data.discharged_at < stay.started_at:
            errors["discharged_at"] = (
                f"Discharge cannot be before the stay started ({_local(patient, stay.started_at)})."
            )
        elif last_check is not None and data.discharged_at < last_check:
            errors["discharged_at"] = f"Discharge cannot be before the last check ({_local(patient, last_check)})."
    if _aware(errors, "first_appointment_at", data.first_appointment_at) and "discharged_at" not in errors:
        assert data.first_appointment_at is not None
        if data.first_appointment_at < data.discharged_at:
            errors["first_appointment_at"] = "The first appointment must be after the discharge."
    if errors:
        raise ValidationError(errors)


def discharge_stay(actor: User, patient: Patient, stay: DetoxStay, data: DischargeInput) -> Discharged:
    """Discharge with the continuing-care plan; refused, naming each missing field, without it.
    A stay already discharged is left as it is (a resubmitted form changes nothing)."""
    require(actor, Cap.DETOX, "discharge from withdrawal management")
    if stay.patient_id != patient.pk:
        raise PermissionDenied("That stay belongs to another patient.")
    if stay.status == DetoxStay.Status.DISCHARGED:
        return Discharged(stay, changed=False)
    _validate_discharge(stay, data)
    with transaction.atomic():
        locked = DetoxStay.objects.select_for_update().get(pk=stay.pk)
        if locked.status == DetoxStay.Status.DISCHARGED:
            return Discharged(locked, changed=False)
        locked.status = DetoxStay.Status.DISCHARGED
        locked.discharged_at = data.discharged_at
        locked.outcome = data.outcome
        locked.next_level_of_care = data.next_level_of_care
        locked.continuing_care_with = data.continuing_care_with.strip()
        locked.first_appointment_at = data.first_appointment_at
        locked.no_appointment_reason = data.no_appointment_reason.strip()
        locked.medication_plan = data.medication_plan.strip()
        locked.naloxone_given = data.naloxone_given
        locked.overdose_risk_explained = data.overdose_risk_explained
        locked.discharge_notes = data.notes.strip()
        locked.discharged_by = actor
        locked.save()
        audit.record_patient_object(actor, "detox_discharge", patient, locked)
    assert data.naloxone_given is not None and data.overdose_risk_explained is not None
    return Discharged(
        locked, changed=True, messages=detox.discharge_notes(data.naloxone_given, data.overdose_risk_explained)
    )


# --- Reading --------------------------------------------------------------------------------------------------


def readings(checks: list[WithdrawalCheck]) -> list[detox.Reading]:
    return [detox.Reading(c.checked_at, c.cows.total) for c in checks]


def status_of(stay: DetoxStay, checks: list[WithdrawalCheck], now: dt.datetime | None = None) -> detox.StayStatus:
    """The stay's status at `now`; `checks` are at least its two latest (any order)."""
    return detox.stay_status(
        started_at=stay.started_at,
        expected_days=stay.expected_days,
        every_hours=stay.check_every_hours,
        protocol=stay.protocol,
        readings=readings(checks),
        now=now or timezone.now(),
    )


@dataclass(frozen=True)
class BoardRow:
    stay: DetoxStay
    status: detox.StayStatus


def board(
    program: Program,
    site: Site | None = None,
    now: dt.datetime | None = None,
    *,
    patients: QuerySet[Patient] | None = None,
) -> list[BoardRow]:
    """Every active stay of the program (or one site; of `patients` only, when given: the viewer's
    chart scope), overdue first, then by next check due. Two queries whatever the number of stays:
    the stays with patient and site, and their two latest checks."""
    latest_two = WithdrawalCheck.objects.select_related("cows").order_by("-checked_at", "-pk")[:2]
    stays = (
        DetoxStay.objects.filter(patient__program=program, status=DetoxStay.Status.ACTIVE)
        .select_related("patient", "site")
        .prefetch_related(Prefetch("checks", queryset=latest_two, to_attr="latest_checks"))
    )
    if site is not None:
        stays = stays.filter(site=site)
    if patients is not None:
        stays = stays.filter(patient__in=patients)
    at = now or timezone.now()
    rows = [BoardRow(s, status_of(s, s.latest_checks, at)) for s in stays]
    return sorted(rows, key=lambda r: (not r.status.overdue, r.status.next_due, r.stay.patient.family_name))


@dataclass(frozen=True)
class CheckRow:
    check: WithdrawalCheck
    band_label: str
    band_rose: bool
    temperature_f: Decimal


def stay_checks(stay: DetoxStay) -> list[CheckRow]:
    """The stay's checks, oldest first, each with its band and whether it rose into a higher one."""
    checks = list(
        WithdrawalCheck.objects.filter(stay=stay).select_related("cows", "recorded_by").order_by("checked_at", "pk")
    )
    rises = detox.band_rises([c.cows.total for c in checks])
    return [
        CheckRow(c, detox.band_label(c.cows.total), rose, detox.to_fahrenheit(c.temperature_c))
        for c, rose in zip(checks, rises, strict=True)
    ]


def patient_stays(patient: Patient) -> QuerySet[DetoxStay]:
    return DetoxStay.objects.filter(patient=patient).select_related("site", "started_by").order_by("-started_at")
