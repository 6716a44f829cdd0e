"""Set-up for the dosing-window tests: patients on window orders with a history
of doses, holds made by the clinic-day close, take-homes covering a day.

Orders go through services.prescribe; past doses and take-homes are laid down
directly (set-up, not the behaviour under test)."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Episode, Patient
from waymark.conftest import World, make_patient, make_user, sign_in
from waymark.core.models import Site, User
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import Hold, MedicationOrder, TakeHomeDispense
from waymark.meds.tests.conftest import order_methadone, past_doses, today


def add_patient(world: World, mrn: str, given: str, family: str, site: Site | None = None) -> Patient:
    """A patient of world.program in treatment (an open OTP episode since 60 days ago)."""
    patient = make_patient(world.program, mrn, given, family, site=site or world.site)
    Episode.objects.create(
        patient=patient,
        site=patient.site,
        admitted_on=today(patient) - dt.timedelta(days=60),
        level_of_care="otp",
        primary_substance="fentanyl",
    )
    return patient


def dosed_until(world: World, order: MedicationOrder, last_days_ago: int, days: int = 7) -> None:
    """Observed doses on the `days` days ending `last_days_ago` days before today."""
    day = today(order.patient)
    past_doses(
        order,
        [day - dt.timedelta(days=n) for n in range(last_days_ago, last_days_ago + days)],
        world.user(Role.NURSE),
    )


def methadone(
    world: World, patient: Patient, mg: str = "80", *, slots: tuple[str, ...] | None = None, last_days_ago: int = 1
) -> MedicationOrder:
    """On methadone at 10 mg/mL, dosed every day for a week up to `last_days_ago` days ago."""
    order = order_methadone(world, patient, mg, slots=slots)
    dosed_until(world, order, last_days_ago)
    return order


def buprenorphine(world: World, patient: Patient, mg: str = "16", *, last_days_ago: int = 1) -> MedicationOrder:
    order, _ = services.prescribe(
        world.user(Role.PRESCRIBER),
        patient,
        services.OrderInput(
            medication=Medication.BUPRENORPHINE,
            slot_doses_mg=(Decimal(mg),),
            start_on=today(patient) - dt.timedelta(days=60),
        ),
    )
    dosed_until(world, order, last_days_ago)
    return order


def hold_after_missed_days(world: World, patient: Patient) -> Hold:
    """Last dosed four days ago; the close of yesterday finds 3 missed days and places the hold.

    Yesterday closes once per program: for later patients the hold comes from a first try at
    the window, which places it the same way (and refuses the dose)."""
    order = methadone(world, patient, last_days_ago=4)
    services.close_clinic_day(world.program, today(patient) - dt.timedelta(days=1))
    if services.active_hold(patient) is None:
        attempt = services.AdministrationInput(
            idempotency_key=str(uuid.uuid4()), slot=1, amount_mg=order.dose_mg, concentration_mg_per_ml=Decimal(10)
        )
        with pytest.raises(services.OverrideRequired):
            services.record_administration(world.user(Role.NURSE), patient, attempt)
    hold = services.active_hold(patient)
    assert hold is not None
    return hold


def take_home_covering_today(world: World, order: MedicationOrder) -> TakeHomeDispense:
    day = today(order.patient)
    return TakeHomeDispense.objects.create(
        patient=order.patient,
        order=order,
        site=order.patient.site,
        dispensed_on=day - dt.timedelta(days=1),
        first_day=day,
        last_day=day + dt.timedelta(days=1),
        bottles=2,
        dose_mg_per_bottle=order.dose_mg,
        concentration_mg_per_ml=order.concentration_mg_per_ml,
        lot_number="LOT-TH-1",
        idempotency_key=f"setup-{uuid.uuid4()}",
        dispensed_by=world.user(Role.NURSE),
    )


def second_site_nurse(world: World, name: str = "Harbor Recovery west site") -> tuple[Site, User]:
    site = Site.objects.create(program=world.program, name=name)
    nurse = make_user(world.program, Role.NURSE, "west-nurse")
    nurse.site = site
    nurse.save(update_fields=["site"])
    return site, nurse


def nurse_client(world: World, user: User | None = None) -> Client:
    return sign_in(Client(), user or world.user(Role.NURSE))


def card_url(patient: Patient) -> str:
    return reverse("meds:window_card", args=[patient.pk])


def dose_url(patient: Patient) -> str:
    return reverse("meds:window_dose", args=[patient.pk])


def dose_data(**fields: Any) -> dict[str, Any]:
    """The dose form as a nurse fills it in for 80 mg at 10 mg/mL, slot 1."""
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "slot": "1",
        "outcome": "observed",
        "amount_mg": "80",
        "concentration_mg_per_ml": "10",
        "identity_checked": "on",
        "notes": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
