"""Set-up for the FHIR tests: a chart with every kind of record the export covers, written directly (set-up,
not the behaviour under test), with known values."""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from waymark.assess.models import InstrumentRecord
from waymark.care.models import TreatmentPlan
from waymark.care.tests import plan_helpers
from waymark.chart.models import Episode, Patient
from waymark.conftest import World
from waymark.core.models import User
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, Injection, MedicationOrder

COLLECTED = dt.datetime(2026, 1, 20, 14, 30, tzinfo=dt.UTC)
RESULTED = dt.datetime(2026, 1, 21, 9, 0, tzinfo=dt.UTC)

# analyte, result, method, value, cut-off: the first specimen's results.
RESULTS = [
    ("opiates", "positive", "lab", Decimal("512.50"), Decimal("300")),
    ("fentanyl", "negative", "point_of_care", None, None),
    ("6-mam", "negative", "lab", None, None),
    ("buprenorphine", "negative", "point_of_care", None, None),
    ("methadone", "positive", "point_of_care", None, None),
    ("eddp", "positive", "point_of_care", None, None),
    ("cocaine", "positive", "point_of_care", None, None),
    ("cannabis", "negative", "point_of_care", None, None),
]


@dataclass
class RichChart:
    patient: Patient
    episodes: list[Episode]
    order: MedicationOrder
    doses: list[DoseAdministration]
    injection: Injection
    specimens: list[Specimen]
    instrument: InstrumentRecord
    plan: TreatmentPlan


def order(patient: Patient, prescriber: User, medication: str, dose: str, **extra: Any) -> MedicationOrder:
    fields: dict[str, Any] = {
        "patient": patient,
        "medication": medication,
        "dose_mg": Decimal(dose),
        "slot_doses_mg": [dose],
        "start_on": dt.date(2026, 1, 6),
        "prescriber": prescriber,
        **extra,
    }
    return MedicationOrder.objects.create(**fields)


def add_doses(order: MedicationOrder, count: int, first: dt.date = dt.date(2026, 1, 6)) -> list[DoseAdministration]:
    rows = [
        DoseAdministration(
            patient=order.patient,
            order=order,
            clinic_day=first + dt.timedelta(days=n),
            slot=1,
            outcome="observed" if n % 7 else "missed",
            amount_mg=order.dose_mg if n % 7 else None,
            idempotency_key=f"fhir-test-{uuid.uuid4()}",
        )
        for n in range(count)
    ]
    return DoseAdministration.objects.bulk_create(rows)


def add_specimen(
    patient: Patient, collector: User, at: dt.datetime, results: list[tuple[Any, ...]], kind: str = "urine"
) -> Specimen:
    specimen = Specimen.objects.create(
        patient=patient,
        collected_at=at,
        clinic_day=patient.program.clinic_day(at),
        collected_by=collector,
        kind=kind,
        temperature_in_range=True if kind == "urine" else None,
        idempotency_key=f"fhir-test-{uuid.uuid4()}",
    )
    AnalyteResult.objects.bulk_create(
        AnalyteResult(
            specimen=specimen,
            analyte=analyte,
            result=result,
            method=method,
            value_ng_ml=value,
            cutoff_ng_ml=cutoff,
            resulted_at=RESULTED if at <= RESULTED else at,
            recorded_by=collector,
        )
        for analyte, result, method, value, cutoff in results
    )
    return specimen


def rich_chart(world: World) -> RichChart:
    """world.patient with a closed earlier episode (heroin, mild) besides the open one (fentanyl, severe), a
    methadone order with 10 doses (two missed), an XR-naltrexone injection, two specimens (eight results, one
    oral-fluid specimen), a COWS record and a signed treatment plan; the TPO consent comes from `world`."""
    patient = world.patient
    nurse, prescriber = world.user(Role.NURSE), world.user(Role.PRESCRIBER)
    Patient.objects.filter(pk=patient.pk).update(
        preferred_name="Dee",
        sex_at_birth="female",
        email="dana@example.org",
        emergency_contact_name="Sam Whitlock",
        emergency_contact_relationship="Brother",
        emergency_contact_phone="207-555-0199",
    )
    patient.refresh_from_db()
    Episode.objects.create(
        patient=patient,
        admitted_on=dt.date(2024, 3, 1),
        discharged_on=dt.date(2024, 9, 1),
        discharge_reason="completed",
        level_of_care="intensive_outpatient",
        primary_substance="heroin",
        severity="mild",
        diagnosis="Opioid use disorder, mild (F11.10)",
    )
    methadone = order(patient, prescriber, "methadone", "80", concentration_mg_per_ml=Decimal("10"))
    doses = add_doses(methadone, 10)
    naltrexone = order(
        patient,
        prescriber,
        "naltrexone_xr",
        "380",
        frequency="every_28_days",
        status="stopped",
        stop_on=dt.date(2026, 2, 1),
    )
    injection = Injection.objects.create(
        patient=patient,
        order=naltrexone,
        medication="naltrexone_xr",
        clinic_day=dt.date(2026, 1, 10),
        given_at=dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC),
        dose_mg=Decimal("380"),
        body_site="left_gluteal",
        lot_number="LOT-42",
        idempotency_key=f"fhir-test-{uuid.uuid4()}",
        given_by=nurse,
    )
    first = add_specimen(patient, nurse, COLLECTED, RESULTS)
    second = add_specimen(
        patient,
        nurse,
        COLLECTED + dt.timedelta(days=7),
        [("opiates", "negative", "point_of_care", None, None), ("fentanyl", "invalid", "point_of_care", None, None)],
        kind="oral_fluid",
    )
    cows_answers = {
        "pulse": 1,
        "sweating": 1,
        "restlessness": 1,
        "pupils": 1,
        "aches": 1,
        "rhinorrhea": 1,
        "gi_upset": 0,
        "tremor": 0,
        "yawning": 1,
        "anxiety": 1,
        "gooseflesh": 0,
    }
    instrument = InstrumentRecord.objects.create(
        patient=patient,
        instrument="cows",
        context="induction",
        administered_at=dt.datetime(2026, 1, 6, 14, 0, tzinfo=dt.UTC),
        answers=cows_answers,
        total=8,
        band="mild",
        idempotency_key=f"fhir-test-{uuid.uuid4()}",
        recorded_by=nurse,
    )
    plan = plan_helpers.signed(world)
    return RichChart(
        patient=patient,
        episodes=list(patient.episodes.order_by("admitted_on")),
        order=methadone,
        doses=doses,
        injection=injection,
        specimens=[first, second],
        instrument=instrument,
        plan=plan,
    )
