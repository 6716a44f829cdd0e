"""The annual cap (REFERENCE.md §7: SAMHSA $750 per person per year): the award
that crosses it is cut to what is left, later awards pay $0 but are still
recorded with their streak, and the count starts again each calendar year."""

import datetime as dt
import uuid

import pytest

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, Enrollment
from waymark.incentives.schedules import DEFAULT_ANNUAL_CAP
from waymark.incentives.tests.helpers import D, awards, days_ago, enrol, programme, specimen

pytestmark = pytest.mark.django_db


def test_the_award_that_crosses_the_cap_is_cut_and_the_next_pays_nothing_but_is_recorded(world: World) -> None:
    enrollment = enrol(world, programme(world, annual_cap=D(10)))
    specimen(world, days_ago(world, 4))  # 2.50
    specimen(world, days_ago(world, 3))  # 3.75, 6.25 so far
    crossing = specimen(world, days_ago(world, 2))  # schedule 5.00 + 10 bonus; 3.75 left under the cap
    after = specimen(world, days_ago(world, 1))  # schedule 6.25; nothing left

    entries = awards(enrollment)
    assert [e.amount for e in entries] == [D("2.50"), D("3.75"), D("3.75"), D(0)]
    assert [e.scheduled_amount for e in entries] == [D("2.50"), D("3.75"), D("15.00"), D("6.25")]
    assert [(e.outcome, e.streak) for e in entries] == [("N", 1), ("N", 2), ("N", 3), ("N", 4)]
    assert services.balance(world.patient) == D("10.00")
    assert "earned $3.75, 3 in a row" in crossing.messages[0]
    assert "annual cap of $10.00" in crossing.messages[0]
    assert "schedule gives $15.00" in crossing.messages[0]
    assert "annual cap of $10.00 allows only $0.00" in after.messages[0]


def test_the_ledger_shows_what_the_cap_cut(world: World, as_role) -> None:
    enrol(world, programme(world, annual_cap=D(10)))
    for n in (3, 2, 1):
        specimen(world, days_ago(world, n))
    html = as_role("counsellor").get(f"/incentives/patients/{world.patient.pk}/").content.decode()
    assert "3 in a row; capped from $15.00" in html
    assert '<p class="balance" id="balance">$10.00</p>' in html


def test_the_cap_counts_per_calendar_year_of_the_event_day(world: World) -> None:
    capped = programme(world, annual_cap=D(10))
    # Enrolled over new year (set up directly: the service only enrols from 90 days back).
    enrollment = Enrollment.objects.create(
        programme=capped,
        patient=world.patient,
        started_on=dt.date(2025, 12, 22),
        ends_on=dt.date(2026, 3, 15),
        enrolled_by=world.user(Role.COUNSELLOR),
    )
    for day in (dt.date(2025, 12, 29), dt.date(2025, 12, 30), dt.date(2025, 12, 31)):
        specimen(world, day)
    for day in (dt.date(2026, 1, 2), dt.date(2026, 1, 5)):
        specimen(world, day)
    entries = awards(enrollment)
    # 2025: 2.50 + 3.75 + (15.00 cut to 3.75) = 10. 2026: 6.25 in full, then 7.50 cut to 3.75.
    assert [(e.event_day.year, e.amount, e.scheduled_amount) for e in entries] == [
        (2025, D("2.50"), D("2.50")),
        (2025, D("3.75"), D("3.75")),
        (2025, D("3.75"), D("15.00")),
        (2026, D("6.25"), D("6.25")),
        (2026, D("3.75"), D("7.50")),
    ]
    assert services.balance(world.patient) == D("20.00")


def test_the_cap_is_per_person_across_programmes_and_redeeming_does_not_make_room(world: World) -> None:
    vouchers = enrol(world, programme(world, annual_cap=D(10)))
    adherence = enrol(
        world,
        programme(
            world,
            "Doses as planned",
            target=CmProgramme.Target.ADHERENCE,
            schedule=CmProgramme.Schedule.FIXED,
            parameters={"amount": "8"},
            annual_cap=D(10),
        ),
    )
    counsellor = world.user(Role.COUNSELLOR)
    services.record_check(counsellor, world.patient, adherence, day=days_ago(world, 3), met=True)  # 8
    reward = services.add_reward(world.user(Role.PROGRAM_ADMIN), name="Bus pass", kind="bus_pass", value=D(8))
    services.redeem(counsellor, world.patient, reward, idempotency_key=str(uuid.uuid4()))
    specimen(world, days_ago(world, 2))  # 2.50 by the schedule, 2 left this year
    specimen(world, days_ago(world, 1))  # 3.75 by the schedule, nothing left
    assert [(e.amount, e.scheduled_amount) for e in awards(vouchers)] == [(D(2), D("2.50")), (D(0), D("3.75"))]
    assert services.balance(world.patient) == D(2)


def test_the_default_cap_is_750_dollars(world: World) -> None:
    made = programme(
        world,
        "Plan tasks",
        target=CmProgramme.Target.PLAN_TASKS,
        schedule=CmProgramme.Schedule.FIXED,
        parameters={"amount": "100"},
    )
    assert made.annual_cap == DEFAULT_ANNUAL_CAP == D(750)
    enrollment = enrol(world, made)
    counsellor = world.user(Role.COUNSELLOR)
    for n in range(9, 0, -1):
        services.record_check(counsellor, world.patient, enrollment, day=days_ago(world, n), met=True)
    # Seven full awards make 700; the eighth is cut to 50; the ninth pays nothing.
    assert [e.amount for e in awards(enrollment)] == [D(100)] * 7 + [D(50), D(0)]
    assert services.balance(world.patient) == D(750)


def test_the_next_reward_says_when_the_cap_limits_it(world: World) -> None:
    """At $6.25 of a $10 cap, the next voucher ($5.00 + $10 bonus) is limited to $3.75 and the page says so."""
    cm_services = services
    programme = cm_services.create_programme(
        world.user(Role.PROGRAM_ADMIN),
        name="Small cap",
        target="plan_tasks",
        schedule="escalating",
        parameters={},
        duration_weeks=12,
        annual_cap=D(10),
    )
    today = world.program.clinic_day()
    enrollment = cm_services.enroll(world.user(Role.NURSE), world.patient, programme, today - dt.timedelta(days=5))
    for back in (2, 1):
        cm_services.record_check(
            world.user(Role.NURSE), world.patient, enrollment, day=today - dt.timedelta(days=back), met=True
        )
    summary = cm_services.patient_incentives(world.patient).enrollments[0]
    assert summary.next_reward == "$15.00 (the annual cap allows $3.75 more this year)"
