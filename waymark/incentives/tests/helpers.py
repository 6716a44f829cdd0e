"""Set-up for the contingency-management tests: programmes and enrolments made
through incentives.services, and drug tests recorded through labs.services
(which announces `specimen_resulted`, so the award is made as in the clinic).

Specimens are collected at noon on their clinic day (or a minute ago, today)."""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry
from waymark.labs import services as labs
from waymark.labs.models import Specimen

D = Decimal
OPIOIDS = ("opiates", "fentanyl")


def today(world: World) -> dt.date:
    return world.program.clinic_day()


def days_ago(world: World, n: int) -> dt.date:
    return today(world) - dt.timedelta(days=n)


def programme(
    world: World,
    name: str = "Opioid-negative vouchers",
    *,
    target: str = CmProgramme.Target.SPECIMEN_NEGATIVE,
    schedule: str = CmProgramme.Schedule.ESCALATING,
    parameters: Mapping[str, Any] | None = None,
    analytes: Sequence[str] | None = None,
    duration_weeks: int = 12,
    **kwargs: Any,
) -> CmProgramme:
    """A programme made by the program admin; a specimen target defaults to opiates + fentanyl."""
    if analytes is None:
        analytes = OPIOIDS if target == CmProgramme.Target.SPECIMEN_NEGATIVE else ()
    return services.create_programme(
        world.user(Role.PROGRAM_ADMIN),
        name=name,
        target=target,
        schedule=schedule,
        parameters=parameters or {},
        duration_weeks=duration_weeks,
        target_analytes=analytes,
        **kwargs,
    )


def enrol(world: World, programme: CmProgramme, patient: Patient | None = None, days_back: int = 30) -> Enrollment:
    """Enrolled by the counsellor `days_back` days ago."""
    return services.enroll(world.user(Role.COUNSELLOR), patient or world.patient, programme, days_ago(world, days_back))


def collected_at(world: World, day: dt.date) -> dt.datetime:
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=world.program.zone)
    return min(noon, timezone.now() - dt.timedelta(minutes=1))


def results(
    outcomes: Mapping[str, str], method: str = "point_of_care", at: dt.datetime | None = None
) -> tuple[labs.ResultInput, ...]:
    return tuple(labs.ResultInput(analyte=a, result=r, method=method, resulted_at=at) for a, r in outcomes.items())


NEGATIVE = {"opiates": "negative", "fentanyl": "negative"}
POSITIVE = {"opiates": "negative", "fentanyl": "positive"}


def specimen(
    world: World,
    day: dt.date,
    outcomes: Mapping[str, str] | None = None,
    *,
    status: str = Specimen.Status.COLLECTED,
    patient: Patient | None = None,
    key: str | None = None,
    temperature_in_range: bool | None = None,
) -> labs.Recorded:
    """A drug test recorded by the nurse on `day` with point-of-care results (a missed or refused test has none)."""
    collected = status == Specimen.Status.COLLECTED
    data = labs.SpecimenInput(
        idempotency_key=key or f"spec-{uuid.uuid4()}",
        collected_at=collected_at(world, day),
        status=status,
        kind=Specimen.Kind.URINE if collected else "",
        temperature_in_range=temperature_in_range,
        results=results(NEGATIVE if outcomes is None and collected else outcomes or {}),
    )
    return labs.record_specimen(world.user(Role.NURSE), patient or world.patient, data)


def awards(enrollment: Enrollment) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(enrollment=enrollment, kind=LedgerEntry.Kind.EARNED).order_by("event_day", "id")
    )


def amounts(enrollment: Enrollment) -> list[Decimal]:
    return [e.amount for e in awards(enrollment)]


def ledger_rows(patient: Patient) -> list[tuple[Any, ...]]:
    """Every ledger entry of `patient` as stored, to show nothing was changed."""
    return list(
        LedgerEntry.objects.filter(patient=patient)
        .order_by("id")
        .values_list("id", "kind", "amount", "outcome", "streak", "scheduled_amount", "event_key", "note")
    )


def field_error(html: str, field: str) -> str:
    """The text of the error list shown next to `field` on a page ("" when there is none)."""
    marker = f'id="id_{field}_error">'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</ul>", 1)[0]
