"""Attendance at the dosing window earns when the clinic day closes: a day with
an observed dose meets the target, a day with no dose is marked missed by the
close and resets the schedule, a refusal is not met; closing again pays nothing more."""

import datetime as dt

import pytest

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, Enrollment
from waymark.incentives.tests.helpers import D, awards, days_ago, enrol, ledger_rows, programme
from waymark.meds import services as meds
from waymark.meds.models import DoseAdministration
from waymark.meds.tests.conftest import dose_input, order_methadone, past_doses

pytestmark = pytest.mark.django_db


def on_methadone(world: World, last_dosed: int) -> CmProgramme:
    """world.patient on 80 mg methadone, dosed from 10 days ago to `last_dosed` days ago, and an
    escalating attendance programme (REFERENCE.md §7 defaults)."""
    world.program.rule_settings = {"meds.take_home.closure_days": []}  # open every day of the week
    world.program.save()
    order = order_methadone(world, world.patient)
    past_doses(order, [days_ago(world, n) for n in range(10, last_dosed - 1, -1)], world.user(Role.NURSE))
    return programme(world, "Attendance", target=CmProgramme.Target.ATTENDANCE, analytes=())


def attendance(world: World, last_dosed: int = 5) -> Enrollment:
    return enrol(world, on_methadone(world, last_dosed))


def dose(world: World, day: dt.date) -> None:
    meds.record_administration(world.user(Role.NURSE), world.patient, dose_input("80"), day=day)


def test_an_observed_dose_earns_when_the_day_closes_and_a_day_without_one_resets(world: World) -> None:
    enrollment = attendance(world)
    dose(world, days_ago(world, 4))
    assert awards(enrollment) == []  # the day is not closed yet
    meds.close_clinic_day(world.program, days_ago(world, 4))
    assert [e.amount for e in awards(enrollment)] == [D("2.50")]

    dose(world, days_ago(world, 3))
    meds.close_clinic_day(world.program, days_ago(world, 3))
    meds.close_clinic_day(world.program, days_ago(world, 2))  # no dose: the close marks it missed
    dose(world, days_ago(world, 1))
    meds.close_clinic_day(world.program, days_ago(world, 1))

    assert DoseAdministration.objects.get(clinic_day=days_ago(world, 2)).outcome == "missed"
    entries = awards(enrollment)
    assert [(e.event_day, e.outcome, e.amount, e.streak) for e in entries] == [
        (days_ago(world, 4), "N", D("2.50"), 1),
        (days_ago(world, 3), "N", D("3.75"), 2),
        (days_ago(world, 2), "M", D(0), 0),
        (days_ago(world, 1), "N", D("2.50"), 1),
    ]
    assert services.balance(world.patient) == D("8.75")


def test_a_refused_dose_is_not_met(world: World) -> None:
    enrollment = attendance(world)
    dose(world, days_ago(world, 2))
    meds.close_clinic_day(world.program, days_ago(world, 2))
    meds.record_administration(
        world.user(Role.NURSE),
        world.patient,
        meds.AdministrationInput(
            idempotency_key="refused-0001", slot=1, outcome="refused", notes="Declined today's dose."
        ),
        day=days_ago(world, 1),
    )
    meds.close_clinic_day(world.program, days_ago(world, 1))
    assert [(e.outcome, e.amount) for e in awards(enrollment)] == [("N", D("2.50")), ("P", D(0))]


def test_closing_again_or_catching_up_pays_nothing_more(world: World) -> None:
    enrollment = attendance(world)
    for n in (3, 2):
        dose(world, days_ago(world, n))
        meds.close_clinic_day(world.program, days_ago(world, n))
    meds.close_clinic_day(world.program, days_ago(world, 1))
    before = ledger_rows(world.patient)
    assert len(before) == 3

    for n in (3, 2, 1):
        meds.close_clinic_day(world.program, days_ago(world, n))
        assert services.award_attendance(world.program, days_ago(world, n)) == 0
    assert services.award_closed_days() == 0
    assert ledger_rows(world.patient) == before
    assert [e.amount for e in awards(enrollment)] == [D("2.50"), D("3.75"), D(0)]


def test_the_catch_up_awards_a_closed_day_the_close_could_not(world: World) -> None:
    made = on_methadone(world, last_dosed=2)
    dose(world, days_ago(world, 1))
    meds.close_clinic_day(world.program, days_ago(world, 1))
    # Enrolled after the close, from a week back: the hourly catch-up awards the closed day.
    enrollment = enrol(world, made, days_back=7)
    assert awards(enrollment) == []
    assert services.award_closed_days() == 1
    assert [e.amount for e in awards(enrollment)] == [D("2.50")]
    assert services.award_closed_days() == 0


def test_a_day_that_is_not_closed_and_a_person_without_window_doses_earn_nothing(world: World) -> None:
    enrollment = attendance(world, last_dosed=3)
    other = enrol(world, CmProgramme.objects.get(name="Attendance"), patient=world.other_patient)  # no medication order
    dose(world, days_ago(world, 1))
    meds.close_clinic_day(world.program, days_ago(world, 2))
    assert awards(enrollment)[0].outcome == "M"
    assert len(awards(enrollment)) == 1  # yesterday is not closed
    assert awards(other) == []
