"""At the window: missed days place a hold that only a prescriber's review releases."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import DoseAdministration
from waymark.meds.tests.conftest import dose_input, order_methadone, past_doses, today

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("days_ago", "missed"), [(1, 0), (2, 1), (3, 2)])
def test_up_to_two_missed_days_dose_goes_ahead(world: World, days_ago: int, missed: int) -> None:
    order = order_methadone(world, world.patient)
    past_doses(order, [today(world.patient) - dt.timedelta(days=days_ago)], world.user(Role.NURSE))
    record, created = services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
    assert created
    if missed == 2:
        assert "not intoxicated" in record.warnings[0]["message"]


@pytest.mark.parametrize(("days_ago", "text"), [(4, "half dose (40 mg)"), (5, "40 mg or half"), (6, "new induction")])
def test_three_or_more_missed_days_hold_the_dose(world: World, days_ago: int, text: str) -> None:
    order = order_methadone(world, world.patient)
    past_doses(order, [today(world.patient) - dt.timedelta(days=days_ago)], world.user(Role.NURSE))
    with pytest.raises(services.OverrideRequired) as caught:
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
    assert text in caught.value.findings[0].message
    hold = services.active_hold(world.patient)
    assert hold is not None and hold.missed_days == days_ago - 1
    assert not DoseAdministration.objects.filter(clinic_day=today(world.patient)).exists()
    # The next try meets the hold itself.
    with pytest.raises(services.OnHold):
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())


def test_prescriber_review_releases_the_hold_and_dosing_resumes(world: World) -> None:
    order = order_methadone(world, world.patient)
    past_doses(order, [today(world.patient) - dt.timedelta(days=4)], world.user(Role.NURSE))
    with pytest.raises(services.OverrideRequired):
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
    hold = services.active_hold(world.patient)
    assert hold is not None
    with pytest.raises(PermissionDenied):
        services.release_hold(world.user(Role.NURSE), world.patient, hold, "ok")
    with pytest.raises(ValidationError):
        services.release_hold(world.user(Role.PRESCRIBER), world.patient, hold, "  ")
    # The prescriber restarts at half dose: a new order version, then releases the hold.
    new_order, _ = services.prescribe(
        world.user(Role.PRESCRIBER),
        world.patient,
        services.OrderInput(
            medication=Medication(order.medication),
            slot_doses_mg=(order.dose_mg / 2,),
            start_on=today(world.patient),
            concentration_mg_per_ml=order.concentration_mg_per_ml,
            change_reason="Restart at half after 3 missed days",
        ),
    )
    services.release_hold(world.user(Role.PRESCRIBER), world.patient, hold, "Seen; not intoxicated; restart 40 mg.")
    record, created = services.record_administration(world.user(Role.NURSE), world.patient, dose_input("40"))
    assert created and record.order_id == new_order.pk
    assert "Missed 3 days" in record.warnings[0]["message"]  # still shown, no longer blocking


def test_program_may_hold_from_four_days(world: World) -> None:
    world.program.rule_settings = {"meds.methadone.missed_doses": 4}
    world.program.save()
    order = order_methadone(world, world.patient)
    past_doses(order, [today(world.patient) - dt.timedelta(days=4)], world.user(Role.NURSE))
    _, created = services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
    assert created


def test_a_review_for_three_missed_days_does_not_cover_a_longer_absence(world: World) -> None:
    order = order_methadone(world, world.patient)
    day = today(world.patient)
    past_doses(order, [day - dt.timedelta(days=5)], world.user(Role.NURSE))
    # Three missed days (as of yesterday) were reviewed and released ...
    hold = services.place_hold(
        None, world.patient, reason="missed_doses", note="Missed 3 days in a row.", missed_days=3
    )
    services.release_hold(world.user(Role.PRESCRIBER), world.patient, hold, "Seen; restart planned.")
    # ... but the person stayed away a fourth day: the next tier needs its own review.
    with pytest.raises(services.OverrideRequired) as caught:
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
    assert "40 mg or half" in caught.value.findings[0].message
    assert services.active_hold(world.patient) is not None


def test_a_released_prescriber_hold_is_not_a_missed_dose_review(world: World) -> None:
    order = order_methadone(world, world.patient)
    past_doses(order, [today(world.patient) - dt.timedelta(days=4)], world.user(Role.NURSE))
    hold = services.place_hold(world.user(Role.PRESCRIBER), world.patient, reason="prescriber", note="Intoxicated")
    services.release_hold(world.user(Role.PRESCRIBER), world.patient, hold, "Sober next day.")
    with pytest.raises(services.OverrideRequired):
        services.record_administration(world.user(Role.NURSE), world.patient, dose_input())
