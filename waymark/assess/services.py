"""Instruments given to a patient: recording one (checked against its
definition, in a transaction, audited, once per idempotency key), the history
by instrument, and the COWS series for the chart (score against hours since
last use or since the first dose).

What the instruments mean lives in the pure module `instruments.py`; these
functions only check, store and read. Callers pass a patient they got from
`chart.access.patient_for`; the actor's role is checked again here.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.assess import instruments
from waymark.assess.instruments import AnswerError, Flag, Instrument, Score, UnknownInstrument
from waymark.assess.models import DetoxStay, InstrumentRecord
from waymark.chart.models import Episode, Patient
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.core.services import KeyReused, idempotency_key, require
from waymark.meds.models import DoseAdministration

# How far back an administration may be recorded: program default [unverified], not a clinical rule;
# a program may change it in Program.rule_settings under this key.
BACKDATE_SETTING = "assess.instruments.max_days_back"
MAX_DAYS_BACK = 30
# A device clock a little ahead of ours is drift, not the future (as for drug tests).
CLOCK_DRIFT = dt.timedelta(minutes=5)
MAX_NOTES = 2000
# The history shows at most this many records (newest first); the chart at most this many COWS.
HISTORY_LIMIT = 500
SERIES_LIMIT = 200


@dataclass(frozen=True)
class InstrumentInput:
    instrument: str
    answers: Sequence[object] | Mapping[str, object]
    administered_at: dt.datetime
    idempotency_key: str
    context: str = InstrumentRecord.Context.SCREENING
    under_medical_supervision: bool = False
    remission: str | None = None
    specifiers: Sequence[str] = ()
    last_use_at: dt.datetime | None = None
    language: str = "en"
    notes: str = ""


@dataclass
class Recorded:
    record: InstrumentRecord
    created: bool


# --- Scoring, with errors the forms and the API can show ------------------------------------------------


def score(
    code: str,
    answers: Sequence[object] | Mapping[str, object],
    *,
    under_medical_supervision: bool = False,
    remission: str | None = None,
    specifiers: Sequence[str] = (),
    lang: str = "en",
) -> Score:
    """instruments.score, its errors as a ValidationError: `answers.<item id>` (or `answers`,
    `remission`, `specifiers`, `instrument`, `under_medical_supervision`) → a message naming the item."""
    try:
        instrument = instruments.to_give(code)
    except UnknownInstrument:
        raise ValidationError(
            {"instrument": f"No instrument {code!r}; use one of: {', '.join(instruments.INSTRUMENTS)}."}
        ) from None
    if not instrument.boolean:
        # The engine refuses these too; here the error names the field that was sent.
        extra = {
            "under_medical_supervision": under_medical_supervision,
            "remission": remission,
            "specifiers": specifiers,
        }
        sent = {
            name: f"Applies to the DSM-5 checklist only, not {instrument.short_name}." for name, v in extra.items() if v
        }
        if sent:
            raise ValidationError(sent)
    try:
        return instruments.score(
            code,
            answers,
            under_medical_supervision=under_medical_supervision,
            remission=remission,
            specifiers=specifiers,
            lang=lang,
        )
    except AnswerError as exc:
        raise ValidationError(answer_errors(exc)) from None


def answer_errors(exc: AnswerError) -> dict[str, str]:
    """The engine's errors keyed as the API names fields: answers.<item id>, with the item in the message."""
    out: dict[str, str] = {}
    for key, message in exc.errors.items():
        if key in ("answers", "remission", "specifiers"):
            out[key] = message
        else:
            out[f"answers.{key}"] = f"Item {key}: {message}"
    return out


# --- Recording ------------------------------------------------------------------------------------------------


def max_days_back(patient: Patient) -> int:
    value = patient.program.rule_settings.get(BACKDATE_SETTING, MAX_DAYS_BACK)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else MAX_DAYS_BACK


def _check_times(patient: Patient, data: InstrumentInput, now: dt.datetime) -> None:
    if timezone.is_naive(data.administered_at):
        raise ValidationError({"administered_at": "Give the time with its time zone."})
    if data.administered_at > now + CLOCK_DRIFT:
        raise ValidationError({"administered_at": "That time is in the future: give when the instrument was given."})
    days = max_days_back(patient)
    if data.administered_at < now - dt.timedelta(days=days):
        raise ValidationError(
            {
                "administered_at": f"That is more than {days} days ago. Record instruments within {days} days of "
                "giving them (program setting); put older results in a note instead."
            }
        )
    if data.last_use_at is not None:
        if timezone.is_naive(data.last_use_at):
            raise ValidationError({"last_use_at": "Give the time with its time zone."})
        if data.last_use_at > data.administered_at:
            raise ValidationError({"last_use_at": "Last use must be before the instrument was given."})


def _validate(patient: Patient, data: InstrumentInput) -> tuple[Instrument, Score]:
    try:
        instrument = instruments.to_give(data.instrument)
    except UnknownInstrument:
        raise ValidationError(
            {"instrument": f"No instrument {data.instrument!r}; use one of: {', '.join(instruments.INSTRUMENTS)}."}
        ) from None
    if data.context not in InstrumentRecord.Context.values:
        raise ValidationError({"context": f"Context is one of: {', '.join(InstrumentRecord.Context.values)}."})
    if data.language not in instrument.languages:
        raise ValidationError(
            {"language": f"{instrument.short_name} is available in: {', '.join(instrument.languages)}."}
        )
    if len(data.notes) > MAX_NOTES:
        raise ValidationError({"notes": f"Notes are at most {MAX_NOTES} characters."})
    _check_times(patient, data, timezone.now())
    result = score(
        data.instrument,
        data.answers,
        under_medical_supervision=data.under_medical_supervision,
        remission=data.remission or None,
        specifiers=tuple(data.specifiers),
        lang=data.language,
    )
    return instrument, result


def _same(existing: InstrumentRecord, data: InstrumentInput) -> InstrumentRecord:
    if existing.instrument != data.instrument or existing.administered_at != data.administered_at:
        raise KeyReused({"idempotency_key": "This key was already used for another record; send a new key."})
    return existing


def current_episode(patient: Patient) -> Episode | None:
    """The open episode (the latest admitted if, unusually, there are two), else the latest one."""
    return Episode.objects.filter(patient=patient).order_by("discharged_on", "-admitted_on", "-pk").first()


def record_instrument(
    actor: User, patient: Patient, data: InstrumentInput, *, episode: Episode | None = None
) -> Recorded:
    """Score and store one administration. Answers are checked against the instrument's
    definition (every error names its item) and nothing is stored if any is wrong. The same
    idempotency key again returns the first record."""
    require(actor, Cap.ASSESS_WRITE, "record instruments")
    key = idempotency_key(data.idempotency_key)
    existing = InstrumentRecord.objects.filter(patient=patient, idempotency_key=key).first()
    if existing is not None:
        return Recorded(_same(existing, data), created=False)
    _, result = _validate(patient, data)
    if episode is not None and episode.patient_id != patient.pk:
        raise ValidationError({"episode": "That episode belongs to another patient."})
    try:
        with transaction.atomic():
            record = InstrumentRecord.objects.create(
                patient=patient,
                episode=episode or current_episode(patient),
                instrument=data.instrument,
                context=data.context,
                administered_at=data.administered_at,
                answers=result.answers,
                under_medical_supervision=data.under_medical_supervision,
                total=result.total,
                band=result.band or "",
                flags=[f.code for f in result.flags],
                remission=result.remission or "",
                specifiers=list(result.specifiers),
                last_use_at=data.last_use_at,
                language=data.language,
                notes=data.notes.strip(),
                idempotency_key=key,
                recorded_by=actor,
            )
            audit.record_patient_object(actor, "instrument_recorded", patient, record)
    except IntegrityError:
        existing = InstrumentRecord.objects.filter(patient=patient, idempotency_key=key).first()
        if existing is None:
            raise
        return Recorded(_same(existing, data), created=False)
    return Recorded(record, created=True)


# --- Reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordView:
    """A stored record with what it means: the band's words, the flags' messages, the interpretation.
    The stored total, band and flags are what was recorded; the words come from the definition."""

    record: InstrumentRecord
    instrument: Instrument
    band_label: str
    flags: tuple[Flag, ...]
    interpretation: str
    answers: tuple[tuple[str, str, str], ...]  # (item id, item text, "value — label")
    remission: str = ""  # e.g. "Early remission, on maintenance therapy"

    @property
    def urgent(self) -> bool:
        return any(f.urgent for f in self.flags)


_FLAG_FALLBACK = {
    "self_harm": Flag(
        "self_harm",
        "Item 9 (thoughts of being better off dead or of self-harm) was answered above 0. Ask about safety now, "
        f"whatever the total. {instruments.CRISIS_LINES}",
        urgent=True,
    ),
    "supervision_excluded": Flag(
        "supervision_excluded",
        "Tolerance and withdrawal not counted: opioids are taken solely under appropriate medical supervision "
        "(REFERENCE.md §3).",
        urgent=False,
    ),
}


def _answer_text(item: instruments.Item, value: object) -> str:
    if isinstance(value, bool):
        return item.label_for(value)
    if isinstance(value, int):
        return f"{value} — {item.label_for(value)}"
    return str(value)


def describe(record: InstrumentRecord) -> RecordView:
    instrument = instruments.get(record.instrument)
    rescored: Score | None
    try:
        rescored = instruments.score(
            record.instrument,
            record.answers,
            under_medical_supervision=record.under_medical_supervision,
            remission=record.remission or None,
            specifiers=tuple(record.specifiers),
        )
    except (AnswerError, UnknownInstrument):
        rescored = None
    if rescored is not None and rescored.total == record.total and (rescored.band or "") == record.band:
        band_label, interpretation = rescored.band_label, rescored.interpretation
        by_code = {f.code: f for f in rescored.flags}
    else:  # the definition changed since: show what was stored
        band = next((b for b in instrument.bands if b.code == record.band), None)
        band_label, interpretation, by_code = (band.label if band else record.band), "", {}
    flags = tuple(
        by_code.get(code) or _FLAG_FALLBACK.get(code) or Flag(code, code, urgent=False) for code in record.flags
    )
    answers = tuple(
        (item.id, item.text, _answer_text(item, record.answers[item.id]))
        for item in instrument.items
        if item.id in record.answers
    )
    remission = ""
    if record.remission:
        remission = f"{record.remission.capitalize()} remission" + "".join(
            f", {instruments.SPECIFIER_LABELS.get(s, s)}" for s in record.specifiers
        )
    return RecordView(record, instrument, band_label, flags, interpretation, answers, remission)


def patient_records(patient: Patient, instrument: str | None = None) -> list[InstrumentRecord]:
    records = InstrumentRecord.objects.filter(patient=patient).select_related("recorded_by")
    if instrument:
        records = records.filter(instrument=instrument)
    return list(records.order_by("-administered_at", "-pk")[:HISTORY_LIMIT])


@dataclass(frozen=True)
class History:
    instrument: Instrument
    records: tuple[RecordView, ...]  # newest first

    @property
    def latest(self) -> RecordView:
        return self.records[0]


def instrument_history(patient: Patient) -> list[History]:
    """The patient's records grouped by instrument (in the engine's order), newest first; one query."""
    grouped: dict[str, list[RecordView]] = {}
    for record in patient_records(patient):
        if record.instrument in instruments.ALL_INSTRUMENTS:
            grouped.setdefault(record.instrument, []).append(describe(record))
    return [
        History(instrument, tuple(grouped[code]))
        for code, instrument in instruments.ALL_INSTRUMENTS.items()
        if code in grouped
    ]


# --- The COWS series ---------------------------------------------------------------------------------------

LAST_USE = "last_use"
FIRST_DOSE = "first_dose"
AXES = (LAST_USE, FIRST_DOSE)


@dataclass(frozen=True)
class CowsPoint:
    record_id: int
    at: dt.datetime
    hours: float | None  # since the origin (negative before it: a baseline before the first dose); None: no origin
    total: int
    band: str
    band_label: str


@dataclass(frozen=True)
class CowsSeries:
    axis: str
    episode: Episode | None
    rows: tuple[CowsPoint, ...]  # every COWS of the episode, oldest first
    first_dose_at: dt.datetime | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def points(self) -> tuple[CowsPoint, ...]:
        """The rows that can be placed on the chart (their hours are known)."""
        return tuple(p for p in self.rows if p.hours is not None)

    @property
    def unplaced(self) -> int:
        return len(self.rows) - len(self.points)


def _episode_start(patient: Patient, episode: Episode | None) -> dt.datetime | None:
    if episode is None:
        return None
    return dt.datetime.combine(episode.admitted_on, dt.time(), tzinfo=patient.program.zone)


def _cows_records(patient: Patient, start: dt.datetime | None) -> list[InstrumentRecord]:
    records = InstrumentRecord.objects.filter(patient=patient, instrument="cows")
    if start is not None:
        records = records.filter(administered_at__gte=start)
    newest = list(records.order_by("-administered_at", "-pk")[:SERIES_LIMIT])
    return newest[::-1]


def _stay_last_use(stays: Sequence[DetoxStay], at: dt.datetime) -> dt.datetime | None:
    """The last use recorded on the detox stay under way at `at` (or the active one)."""
    for stay in stays:
        ended = stay.discharged_at
        if stay.last_use_at is not None and stay.started_at <= at and (ended is None or at <= ended):
            return stay.last_use_at
    active = next((s for s in stays if s.status == DetoxStay.Status.ACTIVE and s.last_use_at), None)
    return active.last_use_at if active is not None else None


def first_dose_at(patient: Patient, episode: Episode | None) -> dt.datetime | None:
    """When the first observed dose of this episode was recorded (on or after its admission day)."""
    doses = DoseAdministration.objects.filter(patient=patient, outcome=DoseAdministration.Outcome.OBSERVED)
    if episode is not None:
        doses = doses.filter(clinic_day__gte=episode.admitted_on)
    first = doses.order_by("clinic_day", "recorded_at", "pk").values_list("recorded_at", flat=True).first()
    return first


def _hours(at: dt.datetime, origin: dt.datetime) -> float:
    return round((at - origin).total_seconds() / 3600, 1)


def cows_series(patient: Patient, axis: str = LAST_USE) -> CowsSeries:
    """The COWS totals of the current episode against hours since last use (each record's own
    last-use time, else the last one reported earlier in the series, else the detox stay's) or since
    the first observed dose. Records with nothing to measure from are listed with no hours, not guessed."""
    if axis not in AXES:
        raise ValueError(f"axis is one of {AXES}")
    episode = current_episode(patient)
    records = _cows_records(patient, _episode_start(patient, episode))
    labels = {b.code: b.label for b in instruments.COWS.bands}
    dose_at = first_dose_at(patient, episode)
    origins: list[dt.datetime | None]
    notes: list[str] = []
    if axis == LAST_USE:
        stays = list(DetoxStay.objects.filter(patient=patient).order_by("-started_at"))
        carried: dt.datetime | None = None
        origins = []
        for record in records:
            carried = record.last_use_at or carried
            origins.append(carried or _stay_last_use(stays, record.administered_at))
        missing = origins.count(None)
        if missing:
            notes.append(
                f"{missing} COWS with no last-use time (none recorded with it, earlier, or on a detox stay): "
                "in the table, not on the chart."
            )
    else:
        origins = [dose_at] * len(records)
        if dose_at is None and records:
            notes.append("No observed dose is recorded in this episode yet, so there is no first dose to count from.")
    rows = tuple(
        CowsPoint(
            record_id=r.pk,
            at=r.administered_at,
            hours=None if origin is None else _hours(r.administered_at, origin),
            total=r.total,
            band=r.band,
            band_label=labels.get(r.band, r.band),
        )
        for r, origin in zip(records, origins, strict=True)
    )
    return CowsSeries(axis, episode, rows, dose_at, tuple(notes))
