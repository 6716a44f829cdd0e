"""The close of the clinic day marks missed doses and places missed-dose holds."""

import datetime as dt

import pytest
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.models import ClinicClosure, ClinicDayClose, DoseAdministration, Hold, MedicationOrder
from waymark.meds.tasks import close_due_clinic_days
from waymark.meds.tests.conftest import dose_input, order_methadone, past_doses, today

pytestmark = pytest.mark.django_db


def _open_every_day(world: World) -> None:
    """The default closes the clinic on Sundays (take-home days): without this, a test that closes "today"
    marks nobody missed when it runs on a Sunday in the program's zone."""
    world.program.rule_settings = {"meds.take_home.closure_days": []}
    world.program.save()


def _setup(world: World, last_dose_days_ago: int) -> tuple[MedicationOrder, dt.date]:
    _open_every_day(world)
    order = order_methadone(world, world.patient)
    day = today(world.patient)
    past_doses(order, [day - dt.timedelta(days=last_dose_days_ago)], world.user(Role.NURSE))
    return order, day


class TestCloseClinicDay:
    def test_marks_each_undosed_slot_missed_once(self, world: World) -> None:
        _open_every_day(world)
        order = order_methadone(world, world.patient, slots=("60", "40"))
        day = today(world.patient)
        past_doses(order, [day - dt.timedelta(days=1)], world.user(Role.NURSE))
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input("60", slot=1))
        close = services.close_clinic_day(world.program, day)
        assert close.missed_marked == 1
        missed = DoseAdministration.objects.get(patient=world.patient, clinic_day=day, outcome="missed")
        assert missed.slot == 2
        assert services.close_clinic_day(world.program, day).pk == close.pk  # twice is once
        assert DoseAdministration.objects.filter(outcome="missed").count() == 1

    def test_two_missed_days_warn_but_do_not_hold(self, world: World) -> None:
        _, day = _setup(world, last_dose_days_ago=2)
        services.close_clinic_day(world.program, day - dt.timedelta(days=1))
        services.close_clinic_day(world.program, day)
        assert services.active_hold(world.patient) is None

    def test_third_missed_day_places_a_hold_with_the_reference_action(self, world: World) -> None:
        _, day = _setup(world, last_dose_days_ago=3)
        for back in (2, 1, 0):
            services.close_clinic_day(world.program, day - dt.timedelta(days=back))
        hold = services.active_hold(world.patient)
        assert hold is not None
        assert hold.reason == Hold.Reason.MISSED_DOSES
        assert hold.missed_days == 3
        assert "half dose (40 mg)" in hold.note
        assert AuditEvent.objects.filter(action="hold", patient_id=world.patient.pk, actor__isnull=True).exists()

    def test_take_home_days_are_not_missed(self, world: World) -> None:
        order, day = _setup(world, last_dose_days_ago=1)  # open every day
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
        services.record_eligibility(
            world.user(Role.PRESCRIBER),
            world.patient,
            assessed_on=day,
            eligible=True,
            **{
                f"{c}": True
                for c in (
                    "no_active_use_or_risk",
                    "regular_attendance",
                    "no_serious_behaviour",
                    "no_recent_diversion",
                    "safe_storage",
                )
            },
            **{
                f"{c}_note": "Reviewed."
                for c in (
                    "no_active_use_or_risk",
                    "regular_attendance",
                    "no_serious_behaviour",
                    "no_recent_diversion",
                    "safe_storage",
                )
            },
            other_considerations="None.",
        )
        services.dispense_take_home(
            world.user(Role.NURSE),
            world.patient,
            idempotency_key="take-home-0001",
            first_day=day + dt.timedelta(days=1),
            last_day=day + dt.timedelta(days=2),
            lot_number="L-1",
        )
        services.close_clinic_day(world.program, day + dt.timedelta(days=1))
        assert not DoseAdministration.objects.filter(outcome="missed").exists()
        assert order.pk

    def test_scheduled_close_catches_up_on_days_not_closed(self, world: World) -> None:
        world.program.created_at -= dt.timedelta(days=30)
        world.program.save()
        _setup(world, last_dose_days_ago=1)
        assert close_due_clinic_days() >= 6  # a week back, at most
        closed = set(ClinicDayClose.objects.values_list("clinic_day", flat=True))
        local = timezone.now().astimezone(world.program.zone)
        yesterday = local.date() - dt.timedelta(days=1)
        assert yesterday in closed
        assert (local.date() in closed) == (local.hour >= 23)
        assert close_due_clinic_days() == 0  # nothing left to close


def test_a_closed_day_marks_nobody_missed(world: World) -> None:
    _, day = _setup(world, last_dose_days_ago=1)
    ClinicClosure.objects.create(program=world.program, day=day, reason="Thanksgiving")
    close = services.close_clinic_day(world.program, day)
    assert close.missed_marked == 0
    assert not DoseAdministration.objects.filter(outcome="missed").exists()
