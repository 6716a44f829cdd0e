"""core.bulk.insert_rows: rows land with converted dates, decimals and JSON and the model's defaults; encrypted
fields and required fields without values are refused before anything is written."""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core import bulk
from waymark.core.roles import Role
from waymark.meds.models import DoseAdministration, MedicationOrder

pytestmark = pytest.mark.django_db


def test_rows_land_with_conversions_and_defaults(world: World) -> None:
    patient = world.patient
    order = MedicationOrder.objects.create(
        patient=patient,
        medication="methadone",
        dose_mg=Decimal("60"),
        start_on=dt.date(2024, 1, 1),
        status="stopped",
        prescriber=world.user(Role.PRESCRIBER),
    )
    rows = [
        (patient.pk, order.pk, dt.date(2024, 1, day), 1, "observed", Decimal("60.5"), f"bulk-test-{day:02}")
        for day in range(1, 1001 // 40)
    ]
    written = bulk.insert_rows(
        DoseAdministration,
        ("patient", "order", "clinic_day", "slot", "outcome", "amount_mg", "idempotency_key"),
        rows,
    )
    assert written == len(rows) == DoseAdministration.objects.count()
    dose = DoseAdministration.objects.get(idempotency_key="bulk-test-03")
    assert (dose.clinic_day, dose.amount_mg) == (dt.date(2024, 1, 3), Decimal("60.500"))
    assert (dose.notes, dose.overridden, dose.warnings, dose.guest) == ("", [], [], False)  # the model's defaults
    assert dose.recorded_at is not None


def test_more_rows_than_a_batch(world: World) -> None:
    order = MedicationOrder.objects.create(
        patient=world.patient,
        medication="methadone",
        dose_mg=Decimal("60"),
        start_on=dt.date(2020, 1, 1),
        status="stopped",
        prescriber=world.user(Role.PRESCRIBER),
    )
    start = dt.date(2020, 1, 1)
    rows = (
        (world.patient.pk, order.pk, start + dt.timedelta(days=n), 1, "observed", Decimal("60"), f"bulk-{n}")
        for n in range(bulk.BATCH * 2 + 7)
    )
    names = ("patient", "order", "clinic_day", "slot", "outcome", "amount_mg", "idempotency_key")
    assert bulk.insert_rows(DoseAdministration, names, rows) == bulk.BATCH * 2 + 7
    assert DoseAdministration.objects.count() == bulk.BATCH * 2 + 7


def test_encrypted_fields_are_refused(world: World) -> None:
    with pytest.raises(ValueError, match=r"Patient\.address is encrypted"):
        bulk.insert_rows(Patient, ("program", "mrn", "given_name", "family_name", "address"), [])


def test_a_required_field_without_a_value_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match=r"DoseAdministration\.order is required"):
        bulk.insert_rows(DoseAdministration, ("patient", "clinic_day"), [(world.patient.pk, dt.date(2024, 1, 1))])
    assert not DoseAdministration.objects.exists()


def test_callable_defaults_are_worked_out_for_each_row(world: World) -> None:
    names = ("patient", "medication", "dose_mg", "start_on", "status", "prescriber")
    prescriber = world.user(Role.PRESCRIBER).pk
    rows = [
        (world.patient.pk, "methadone", Decimal("60"), dt.date(2024, 1, day), "stopped", prescriber) for day in (1, 2)
    ]
    bulk.insert_rows(MedicationOrder, names, rows)
    assert len(set(MedicationOrder.objects.values_list("series", flat=True))) == 2  # a uuid4 each, not one for all
