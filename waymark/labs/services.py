"""The writes and reads of drug testing: one function per use case, each in a
transaction and audited. Callers pass a patient they got from
`chart.access.patient_for`; these functions check the actor's role again.

A specimen's results may arrive in two steps (a point-of-care cup now, the
laboratory's confirmation later). When results are recorded, or a test is
recorded as missed or refused, the `specimen_resulted` event runs (incentives
listens: a negative specimen earns its award in the same transaction).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core import audit, events
from waymark.core.models import Program, Site, User
from waymark.core.roles import Cap
from waymark.core.services import KeyReused, idempotency_key, require
from waymark.labs import rules, schedules
from waymark.labs.analytes import ANALYTES, Analyte
from waymark.labs.models import AnalyteResult, RandomTestingSchedule, Specimen
from waymark.meds.medications import Family
from waymark.meds.medications import info as medication_info
from waymark.meds.models import ClinicClosure, MedicationOrder

MAX_NG_ML = Decimal("1000000")


@dataclass(frozen=True)
class ResultInput:
    analyte: str
    result: str
    method: str = AnalyteResult.Method.POINT_OF_CARE
    value_ng_ml: Decimal | None = None
    cutoff_ng_ml: Decimal | None = None
    resulted_at: dt.datetime | None = None


@dataclass(frozen=True)
class SpecimenInput:
    idempotency_key: str
    collected_at: dt.datetime
    status: str = Specimen.Status.COLLECTED
    kind: str = ""
    observed: bool = False
    temperature_in_range: bool | None = None
    reason: str = Specimen.Reason.SCHEDULED
    notes: str = ""
    results: Sequence[ResultInput] = field(default_factory=tuple)


@dataclass
class Recorded:
    specimen: Specimen
    created: bool
    messages: list[str] = field(default_factory=list)


def _ng_ml(value: object, name: str, *, positive: bool) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({name: "Give a number in ng/mL."}) from None
    if not number.is_finite() or number < 0 or (positive and number == 0) or number > MAX_NG_ML:
        low = "more than 0" if positive else "0 or more"
        raise ValidationError({name: f"{value} ng/mL is out of range: give {low} and at most 1,000,000."})
    return number


def _not_future(at: dt.datetime, name: str) -> None:
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({name: "That time is in the future."})


def _clean_results(results: Sequence[ResultInput], collected_at: dt.datetime) -> list[ResultInput]:
    cleaned: list[ResultInput] = []
    seen: set[tuple[str, str]] = set()
    for n, r in enumerate(results):
        prefix = f"results.{n}"
        if r.analyte not in {a.value for a in Analyte}:
            raise ValidationError({f"{prefix}.analyte": f"Unknown analyte {r.analyte!r}."})
        if r.result not in AnalyteResult.Result.values:
            raise ValidationError({f"{prefix}.result": "Result is positive, negative or invalid."})
        if r.method not in AnalyteResult.Method.values:
            raise ValidationError({f"{prefix}.method": "Method is point_of_care or lab."})
        if (r.analyte, r.method) in seen:
            raise ValidationError({f"{prefix}.analyte": f"{ANALYTES[Analyte(r.analyte)].label} is listed twice."})
        seen.add((r.analyte, r.method))
        # Unstated: now, but never before the collection (whose time may be up to 5 minutes ahead of our clock).
        resulted_at = r.resulted_at or max(timezone.now(), collected_at)
        _not_future(resulted_at, f"{prefix}.resulted_at")
        if resulted_at < collected_at:
            raise ValidationError({f"{prefix}.resulted_at": "A result cannot come before the specimen was collected."})
        cleaned.append(
            ResultInput(
                analyte=r.analyte,
                result=r.result,
                method=r.method,
                value_ng_ml=_ng_ml(r.value_ng_ml, f"{prefix}.value_ng_ml", positive=False),
                cutoff_ng_ml=_ng_ml(r.cutoff_ng_ml, f"{prefix}.cutoff_ng_ml", positive=True),
                resulted_at=resulted_at,
            )
        )
    return cleaned


def _validate_specimen(data: SpecimenInput) -> None:
    if data.status not in Specimen.Status.values:
        raise ValidationError({"status": "Status is collected, missed or refused."})
    if data.reason not in Specimen.Reason.values:
        raise ValidationError({"reason": "Reason is scheduled or random."})
    _not_future(data.collected_at, "collected_at")
    if data.status == Specimen.Status.COLLECTED:
        if data.kind not in Specimen.Kind.values:
            raise ValidationError({"kind": "Say what was collected: urine or oral fluid."})
        if data.kind != Specimen.Kind.URINE and data.temperature_in_range is not None:
            raise ValidationError({"temperature_in_range": "Temperature is read on urine cups only."})
    else:
        if data.results:
            raise ValidationError({"results": f"A {data.status} test has no results."})
        if data.kind or data.observed or data.temperature_in_range is not None:
            raise ValidationError({"kind": f"A {data.status} test has no specimen: leave kind and temperature out."})


def _check_key(existing: Specimen, patient: Patient, data: SpecimenInput) -> Specimen:
    same = (
        existing.patient_id == patient.pk
        and existing.status == data.status
        and existing.kind == data.kind
        and existing.collected_at == data.collected_at
    )
    if not same:
        raise KeyReused({"idempotency_key": "This key was already used for a different specimen; send a new key."})
    return existing


def medication_families(patient: Patient) -> frozenset[str]:
    """OUD medications the person is prescribed now (active orders)."""
    medications = MedicationOrder.objects.filter(patient=patient, status=MedicationOrder.Status.ACTIVE).values_list(
        "medication", flat=True
    )
    wanted = {Family.METHADONE, Family.BUPRENORPHINE, Family.NALTREXONE}
    return frozenset(str(f.value) for f in (medication_info(m).family for m in medications) if f in wanted)


def record_specimen(actor: User, patient: Patient, data: SpecimenInput, *, site: Site | None = None) -> Recorded:
    """Record a collected specimen (with any point-of-care results), or a missed or refused test.
    The same idempotency key again returns the first record."""
    require(actor, Cap.SPECIMEN_WRITE, "record drug tests")
    key = idempotency_key(data.idempotency_key)
    existing = Specimen.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return Recorded(_check_key(existing, patient, data), created=False)
    _validate_specimen(data)
    results = _clean_results(data.results, data.collected_at)
    try:
        with transaction.atomic():
            specimen = Specimen.objects.create(
                patient=patient,
                site=site or actor.site or patient.site,
                status=data.status,
                collected_at=data.collected_at,
                clinic_day=patient.program.clinic_day(data.collected_at),
                collected_by=actor,
                kind=data.kind,
                observed=data.observed,
                temperature_in_range=data.temperature_in_range,
                reason=data.reason,
                notes=data.notes.strip(),
                idempotency_key=key,
            )
            audit.record_patient_object(actor, f"specimen_{data.status}", patient, specimen)
            _create_results(actor, specimen, results)
            messages = _announce(actor, specimen, bool(results) or data.status != Specimen.Status.COLLECTED)
    except IntegrityError:
        existing = Specimen.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return Recorded(_check_key(existing, patient, data), created=False)
    return Recorded(specimen, created=True, messages=messages)


def _create_results(actor: User, specimen: Specimen, results: Iterable[ResultInput]) -> list[AnalyteResult]:
    rows = [
        AnalyteResult(
            specimen=specimen,
            analyte=r.analyte,
            result=r.result,
            method=r.method,
            value_ng_ml=r.value_ng_ml,
            cutoff_ng_ml=r.cutoff_ng_ml,
            resulted_at=r.resulted_at or timezone.now(),
            recorded_by=actor,
        )
        for r in results
    ]
    if rows:
        AnalyteResult.objects.bulk_create(rows)
        audit.record(
            actor,
            "specimen_results",
            patient_id=specimen.patient_id,
            program_id=specimen.patient.program_id,
            object_type="specimen",
            object_id=specimen.pk,
        )
    return rows


def _announce(actor: User, specimen: Specimen, resulted: bool) -> list[str]:
    if not resulted:
        return []
    return events.emit(events.SPECIMEN_RESULTED, specimen=specimen, actor=actor)


class ResultConflict(ValidationError):
    pass


def _numbers(result: AnalyteResult) -> str:
    """The stored numbers for a message, e.g. ' (12.50 ng/mL, cut-off 1.00 ng/mL)'; '' when there are none."""
    parts = []
    if result.value_ng_ml is not None:
        parts.append(f"{result.value_ng_ml} ng/mL")
    if result.cutoff_ng_ml is not None:
        parts.append(f"cut-off {result.cutoff_ng_ml} ng/mL")
    return f" ({', '.join(parts)})" if parts else ""


def record_results(actor: User, patient: Patient, specimen: Specimen, results: Sequence[ResultInput]) -> list[str]:
    """Add results to a collected specimen (a laboratory confirmation, or point-of-care results
    entered after collection). A result already recorded for the same analyte and method is
    accepted again only if identical; results are never changed."""
    require(actor, Cap.SPECIMEN_WRITE, "record drug-test results")
    if specimen.patient_id != patient.pk:
        raise PermissionDenied("That specimen belongs to another patient.")
    if specimen.status != Specimen.Status.COLLECTED:
        raise ValidationError({"results": f"This test was {specimen.status}: there is no specimen to result."})
    if not results:
        raise ValidationError({"results": "Give at least one analyte's result."})
    cleaned = _clean_results(results, specimen.collected_at)
    with transaction.atomic():
        Specimen.objects.select_for_update().filter(pk=specimen.pk).first()
        # Read after the lock, not from a prefetch made before it: another request may have just added results.
        have = {(r.analyte, r.method): r for r in AnalyteResult.objects.filter(specimen=specimen)}
        new: list[ResultInput] = []
        for n, r in enumerate(cleaned):
            old = have.get((r.analyte, r.method))
            if old is None:
                new.append(r)
            elif (old.result, old.value_ng_ml, old.cutoff_ng_ml) != (r.result, r.value_ng_ml, r.cutoff_ng_ml):
                label = ANALYTES[Analyte(r.analyte)].label
                raise ResultConflict(
                    {
                        f"results.{n}.result": f"{label} ({old.get_method_display().lower()}) is already recorded "
                        f"as {old.result}{_numbers(old)}. Results are not changed; a laboratory result supersedes a "
                        "point-of-care one."
                    }
                )
        _create_results(actor, specimen, new)
        # The caller's specimen may carry results prefetched before these; listeners must see them all.
        getattr(specimen, "_prefetched_objects_cache", {}).pop("results", None)
        return _announce(actor, specimen, bool(new))


# --- Reading -------------------------------------------------------------------------


def latest_readings(results: Iterable[AnalyteResult]) -> tuple[rules.Reading, ...]:
    """One reading per analyte: the laboratory's if there is one, else the point-of-care test's."""
    best: dict[str, AnalyteResult] = {}
    for r in results:
        held = best.get(r.analyte)
        if held is None or (r.method == AnalyteResult.Method.LAB and held.method != AnalyteResult.Method.LAB):
            best[r.analyte] = r
    order = list(Analyte)
    return tuple(
        rules.Reading(Analyte(a), rules.Result(best[a].result))
        for a in sorted(best, key=lambda a: order.index(Analyte(a)))
    )


def facts(specimen: Specimen, medications: frozenset[str] = frozenset()) -> rules.SpecimenFacts:
    """The pure-rule view of a specimen; its results should be prefetched."""
    return rules.SpecimenFacts(
        status=rules.Status(specimen.status),
        readings=latest_readings(specimen.results.all()),
        temperature_in_range=specimen.temperature_in_range,
        medications=medications,
    )


def patient_specimens(patient: Patient) -> QuerySet[Specimen]:
    return (
        Specimen.objects.filter(patient=patient)
        .select_related("collected_by", "site")
        .prefetch_related(Prefetch("results", queryset=AnalyteResult.objects.order_by("method", "analyte")))
        .order_by("-collected_at", "-id")
    )


@dataclass(frozen=True)
class TrendRow:
    analyte: Analyte
    label: str
    cells: tuple[str, ...]  # per specimen (oldest first): positive, negative, invalid, "" untested, or missed/refused


@dataclass(frozen=True)
class Trend:
    days: tuple[dt.date, ...]
    rows: tuple[TrendRow, ...]


def trend(specimens: Sequence[Specimen]) -> Trend:
    """A grid of analytes × specimens (oldest first) for the trend view; only analytes ever tested."""
    ordered = sorted(specimens, key=lambda s: (s.collected_at, s.pk))
    readings = [dict((r.analyte, r.result.value) for r in latest_readings(s.results.all())) for s in ordered]
    tested = {a for per in readings for a in per}
    rows = []
    for analyte in Analyte:
        if analyte not in tested:
            continue
        cells = tuple(
            (s.status if s.status != Specimen.Status.COLLECTED else per.get(analyte, ""))
            for s, per in zip(ordered, readings, strict=True)
        )
        rows.append(TrendRow(analyte, ANALYTES[analyte].label, cells))
    return Trend(tuple(s.clinic_day for s in ordered), tuple(rows))


# --- Random testing ---------------------------------------------------------------------


def random_schedule_for(program: Program, site: Site | None) -> RandomTestingSchedule | None:
    """The site's own active schedule, else the program-wide one."""
    schedules_ = RandomTestingSchedule.objects.filter(program=program, active=True)
    if site is not None:
        own = schedules_.filter(site=site).first()
        if own is not None:
            return own
    return schedules_.filter(site__isnull=True).first()


def set_random_schedule(
    actor: User, *, site: Site | None, per_month: int, open_weekdays: Sequence[int], starts_on: dt.date
) -> RandomTestingSchedule:
    """Start a new random testing schedule (with a new seed); the one it replaces stays on record."""
    require(actor, Cap.CM_MANAGE, "set the random testing schedule")
    program = actor.program
    if program is None or (site is not None and site.program_id != program.pk):
        raise PermissionDenied("That site is not in your program.")
    if not 1 <= per_month <= 31:
        raise ValidationError({"per_month": "Tests per month must be between 1 and 31."})
    days = sorted(set(open_weekdays))
    if not days or any(d not in range(7) for d in days):
        raise ValidationError({"open_weekdays": "Choose at least one weekday the site collects specimens."})
    with transaction.atomic():
        RandomTestingSchedule.objects.filter(program=program, site=site, active=True).update(active=False)
        schedule = RandomTestingSchedule.objects.create(
            program=program,
            site=site,
            per_month=per_month,
            open_weekdays=days,
            starts_on=starts_on,
            created_by=actor,
        )
        audit.record(
            actor,
            "random_testing_schedule",
            program_id=program.pk,
            object_type="randomtestingschedule",
            object_id=schedule.pk,
        )
    return schedule


def random_days(schedule: RandomTestingSchedule, patient_id: int, year: int, month: int) -> list[dt.date]:
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    closed = frozenset(
        ClinicClosure.objects.filter(program_id=schedule.program_id, day__range=(first, last)).values_list(
            "day", flat=True
        )
    )
    return _draw(schedule, patient_id, year, month, closed)


def _draw(
    schedule: RandomTestingSchedule, patient_id: int, year: int, month: int, closed: frozenset[dt.date]
) -> list[dt.date]:
    days = schedules.random_test_days(
        schedule.seed,
        str(patient_id),
        year,
        month,
        schedule.per_month,
        frozenset(schedule.open_weekdays),
        closed,
    )
    return [d for d in days if d >= schedule.starts_on]


def due_for_random_test(
    program: Program, site: Site | None, day: dt.date, patients: Iterable[Patient]
) -> list[Patient]:
    """Of `patients`, those whose random test falls on `day` under the schedule in force."""
    schedule = random_schedule_for(program, site)
    if schedule is None or day < schedule.starts_on:
        return []
    closed = frozenset(
        ClinicClosure.objects.filter(program=program, day__year=day.year, day__month=day.month).values_list(
            "day", flat=True
        )
    )
    return [p for p in patients if day in _draw(schedule, p.pk, day.year, day.month, closed)]
