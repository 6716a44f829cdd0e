"""ECG due dates for a methadone order follow its versions (REFERENCE.md §6)."""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.tests.conftest import order_methadone, today

pytestmark = pytest.mark.django_db


def test_an_increase_above_100_mg_makes_an_ecg_due(world: World) -> None:
    day = today(world.patient)
    order = order_methadone(world, world.patient, "100", start_on=day - dt.timedelta(days=200))
    services.record_ecg(world.user(Role.PRESCRIBER), world.patient, taken_on=day - dt.timedelta(days=20), qtc_ms=430)
    assert services.ecg_findings(world.patient, order, day) == []
    higher, _ = services.prescribe(
        world.user(Role.PRESCRIBER),
        world.patient,
        services.OrderInput(
            medication=Medication.METHADONE,
            slot_doses_mg=(Decimal(110),),
            concentration_mg_per_ml=Decimal(10),
            start_on=day - dt.timedelta(days=5),
            change_reason="Cravings in the evening",
        ),
    )
    findings = services.ecg_findings(world.patient, higher, day)
    assert [f.message for f in findings] == [
        f"ECG due: the dose rose above 100 mg/day on {day - dt.timedelta(days=5):%Y-%m-%d}."
    ]
    services.record_ecg(world.user(Role.NURSE), world.patient, taken_on=day, qtc_ms=440)
    assert services.ecg_findings(world.patient, higher, day) == []


def test_no_ecg_at_all_means_the_baseline_is_due(world: World) -> None:
    order = order_methadone(world, world.patient, "30", override_reason="")
    assert [f.message for f in services.ecg_findings(world.patient, order, today(world.patient))] == [
        "Baseline ECG due."
    ]
