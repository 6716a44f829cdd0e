"""Set-up for the drug-testing tests: the pages' URLs and form data, times in the
program's zone, and specimens written through services.record_specimen (set-up,
when recording is not the behaviour under test)."""

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from waymark.chart.models import Episode, Patient
from waymark.conftest import World, make_patient
from waymark.core.models import AuditEvent, Site
from waymark.core.roles import Role
from waymark.labs import services
from waymark.labs.models import Specimen
from waymark.meds import services as meds_services
from waymark.meds.medications import Medication
from waymark.meds.models import MedicationOrder
from waymark.meds.tests.conftest import today


def page_url(patient: Patient | int) -> str:
    return f"/labs/patients/{getattr(patient, 'pk', patient)}/"


def specimen_url(patient: Patient | int) -> str:
    return f"/labs/patients/{getattr(patient, 'pk', patient)}/specimens/"


def missed_url(patient: Patient | int) -> str:
    return f"/labs/patients/{getattr(patient, 'pk', patient)}/missed/"


def results_url(patient: Patient | int, specimen: Specimen | int) -> str:
    return f"/labs/patients/{getattr(patient, 'pk', patient)}/specimens/{getattr(specimen, 'pk', specimen)}/results/"


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def local(patient: Patient, at: dt.datetime) -> str:
    """`at` as a datetime-local field holds it: the program's wall-clock time, to the minute."""
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%dT%H:%M")


def shown(patient: Patient, at: dt.datetime) -> str:
    """`at` as the pages print it (program zone, to the minute)."""
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%d %H:%M")


def minute(patient: Patient, text: str) -> dt.datetime:
    """A datetime-local value back as an aware datetime in the program's zone."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=patient.program.zone)


def specimen_form(patient: Patient, results: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    """The record-a-specimen form filled in: urine, temperature in range, collected an hour ago.
    `results` maps analyte code → positive/negative/invalid; a change of None leaves a field out."""
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "collected_at": local(patient, ago(hours=1)),
        "kind": "urine",
        "temperature": "yes",
        "reason": "scheduled",
        "notes": "",
        **{f"result_{code}": result for code, result in (results or {}).items()},
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def results_form(patient: Patient, results: dict[str, str], **changes: Any) -> dict[str, Any]:
    """The add-results form: a laboratory report resulted now."""
    data: dict[str, Any] = {
        "method": "lab",
        "resulted_at": local(patient, timezone.now()),
        **{f"result_{code}": result for code, result in results.items()},
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def collect(
    world: World,
    patient: Patient,
    results: dict[str, str] | None = None,
    *,
    at: dt.datetime | None = None,
    kind: str = "urine",
    temperature_in_range: bool | None = True,
    method: str = "point_of_care",
    status: str = "collected",
    notes: str = "",
) -> Specimen:
    """A specimen recorded by the nurse through the service (set-up)."""
    collected_at = at or ago(hours=2)
    collected = status == "collected"
    data = services.SpecimenInput(
        idempotency_key=str(uuid.uuid4()),
        collected_at=collected_at,
        status=status,
        kind=kind if collected else "",
        temperature_in_range=temperature_in_range if collected and kind == "urine" else None,
        notes=notes,
        results=tuple(
            services.ResultInput(analyte=a, result=r, method=method, resulted_at=collected_at)
            for a, r in (results or {}).items()
        ),
    )
    return services.record_specimen(world.user(Role.NURSE), patient, data).specimen


def add_patient(world: World, mrn: str, given: str, family: str, site: Site | None = None) -> Patient:
    """A patient of world.program in treatment (an open episode since 60 days ago)."""
    patient = make_patient(world.program, mrn, given, family, site=site or world.site)
    Episode.objects.create(
        patient=patient,
        site=patient.site,
        admitted_on=today(patient) - dt.timedelta(days=60),
        level_of_care="otp",
        primary_substance="fentanyl",
    )
    return patient


def order_buprenorphine(world: World, patient: Patient, mg: str = "16") -> MedicationOrder:
    """An active buprenorphine sublingual order, written by the prescriber."""
    order, _ = meds_services.prescribe(
        world.user(Role.PRESCRIBER),
        patient,
        meds_services.OrderInput(
            medication=Medication.BUPRENORPHINE,
            slot_doses_mg=(Decimal(mg),),
            start_on=today(patient) - dt.timedelta(days=30),
        ),
    )
    return order


def audit_actions(patient: Patient, *actions: str) -> list[tuple[str, str, str]]:
    """(action, object_type, actor username) of the patient's audit entries with those actions, in order."""
    rows = AuditEvent.objects.filter(patient_id=patient.pk, action__in=actions).order_by("seq")
    return [(r.action, r.object_type, r.actor_username) for r in rows]


def field_errors(html: str, field: str, auto_id: str = "id_%s") -> str:
    """The error list printed next to `field`, which the field's aria-describedby must point to."""
    element_id = auto_id % field
    errors = re.search(rf'<ul class="errorlist" id="{element_id}_error">(.*?)</ul>', html, re.S)
    assert errors is not None, f"no errors shown next to {field}"
    widget = re.search(rf'<[^>]+ name="{field}"[^>]*>', html)
    assert widget is not None
    if 'type="radio"' not in widget.group(0):  # radio buttons are described by their group, not each button
        described = re.search(r'aria-describedby="([^"]+)"', widget.group(0))
        assert described is not None and f"{element_id}_error" in described.group(1).split(), widget.group(0)
    return errors.group(1)


def assert_references_resolve(html: str) -> None:
    """No element id repeats, and every label and aria-describedby names an element on the page."""
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for target in re.findall(r'<label for="([^"]+)"', html):
        assert target in ids, target
    for targets in re.findall(r'aria-describedby="([^"]+)"', html):
        for target in targets.split():
            assert target in ids, target
