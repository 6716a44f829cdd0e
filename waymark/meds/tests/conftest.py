"""Medication fixtures on top of the shared `world`: an active methadone order
for `world.patient` written through the service, and a way to lay down past
doses directly (setup only, not the behaviour under test)."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.models import User
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import DoseAdministration, MedicationOrder


def today(patient: Patient) -> dt.date:
    return patient.program.clinic_day()


def order_methadone(
    world: World,
    patient: Patient,
    mg: str = "80",
    *,
    concentration: str = "10",
    start_on: dt.date | None = None,
    slots: tuple[str, ...] | None = None,
    override_reason: str = "Transferred from another program at this dose.",
) -> MedicationOrder:
    prescriber = world.user(Role.PRESCRIBER)
    order, _ = services.prescribe(
        prescriber,
        patient,
        services.OrderInput(
            medication=Medication.METHADONE,
            slot_doses_mg=tuple(Decimal(s) for s in (slots or (mg,))),
            concentration_mg_per_ml=Decimal(concentration),
            start_on=start_on or today(patient) - dt.timedelta(days=60),
        ),
        override_reason=override_reason,
    )
    return order


def past_doses(order: MedicationOrder, days: list[dt.date], nurse: User) -> None:
    """Observed doses on `days` (test setup: written directly, not through the window)."""
    for day in days:
        for slot, mg in enumerate(order.slot_doses(), start=1):
            DoseAdministration.objects.create(
                patient=order.patient,
                order=order,
                site=order.patient.site,
                clinic_day=day,
                slot=slot,
                outcome="observed",
                amount_mg=mg,
                concentration_mg_per_ml=order.concentration_mg_per_ml,
                idempotency_key=f"setup-{uuid.uuid4()}",
                recorded_by=nurse,
            )


def dose_input(mg: str = "80", concentration: str | None = "10", slot: int = 1) -> services.AdministrationInput:
    return services.AdministrationInput(
        idempotency_key=str(uuid.uuid4()),
        slot=slot,
        amount_mg=Decimal(mg),
        concentration_mg_per_ml=Decimal(concentration) if concentration else None,
    )


@pytest.fixture
def on_methadone(world: World) -> MedicationOrder:
    """world.patient: 80 mg methadone at 10 mg/mL, dosed every day up to yesterday."""
    order = order_methadone(world, world.patient)
    day = today(world.patient)
    past_doses(order, [day - dt.timedelta(days=n) for n in range(1, 8)], world.user(Role.NURSE))
    return order
