"""Scheduling a group's sessions: one session per meeting day from the first
day to the last, at the group's time in the program's zone (stored in UTC,
across a daylight-saving change), each with every member expected that day.
Running it again adds nothing; members who joined since are added to the
sessions still to come, not to those already held. From the page: "schedule
sessions through DATE"."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from waymark.care import services_groups
from waymark.care.models import Attendance, CounsellingSession, GroupMembership
from waymark.care.tests.session_helpers import (
    counsellor,
    group_url,
    group_with,
    make_group,
    past_session,
    people,
    today,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_one_session_per_meeting_day_at_the_clinic_time_in_utc(world: World) -> None:
    group = make_group(world, weekdays=[0, 3], starts_at_time=dt.time(18, 30))  # Mondays and Thursdays
    # Two weeks in January (EST, UTC-5) and one in July (EDT, UTC-4).
    services_groups.schedule_sessions(counsellor(world), group, dt.date(2027, 1, 4), dt.date(2027, 1, 17))
    services_groups.schedule_sessions(counsellor(world), group, dt.date(2027, 7, 5), dt.date(2027, 7, 11))
    starts = [s.starts_at.astimezone(dt.UTC) for s in group.sessions.order_by("starts_at")]
    assert [s.strftime("%a %Y-%m-%d %H:%M") for s in starts] == [
        "Mon 2027-01-04 23:30",
        "Thu 2027-01-07 23:30",
        "Mon 2027-01-11 23:30",
        "Thu 2027-01-14 23:30",
        "Mon 2027-07-05 22:30",
        "Thu 2027-07-08 22:30",
    ]
    session = group.sessions.first()
    assert session is not None
    assert (session.kind, session.counsellor, session.planned_minutes, session.site) == (
        "group",
        counsellor(world),
        90,
        world.site,
    )


def test_every_member_is_expected_and_running_it_twice_adds_nothing(world: World) -> None:
    group, members = group_with(world, 3)
    first, last = today(world) + dt.timedelta(days=1), today(world) + dt.timedelta(days=7)
    done = services_groups.schedule_sessions(counsellor(world), group, first, last)
    assert (done.sessions_added, done.attendances_added) == (7, 21)
    again = services_groups.schedule_sessions(counsellor(world), group, first, last)
    assert (again.sessions_added, again.attendances_added) == (0, 0)
    assert CounsellingSession.objects.count() == 7 and Attendance.objects.count() == 21
    assert set(Attendance.objects.values_list("status", flat=True)) == {"expected"}
    assert {a.patient_id for a in Attendance.objects.all()} == {p.pk for p in members}


def test_a_member_who_joined_later_is_added_to_future_sessions_only(world: World) -> None:
    group, _ = group_with(world, 2)
    held = past_session(world, group)
    first, last = today(world) - dt.timedelta(days=1), today(world) + dt.timedelta(days=3)
    services_groups.schedule_sessions(counsellor(world), group, first, last)
    (newcomer,) = people(world, 1, start=3)
    # Joined "as of" last week, but added after the sessions were scheduled and after yesterday's was held.
    GroupMembership.objects.create(
        group=group, patient=newcomer, joined_on=today(world) - dt.timedelta(days=7), added_by=counsellor(world)
    )
    again = services_groups.schedule_sessions(counsellor(world), group, first, last)
    to_come = group.sessions.filter(starts_at__gt=timezone.now()).count()  # 3, or 4 before today's 10:00
    assert again.sessions_added == 0 and again.attendances_added == to_come
    assert Attendance.objects.filter(patient=newcomer).count() == to_come
    assert not held.attendances.filter(patient=newcomer).exists()


def test_bad_ranges_are_refused_naming_the_field(world: World) -> None:
    group = make_group(world)
    with pytest.raises(ValidationError) as caught:
        services_groups.schedule_sessions(counsellor(world), group, today(world), today(world) - dt.timedelta(days=1))
    assert "last_day" in caught.value.message_dict
    with pytest.raises(ValidationError, match="at most 366 days"):
        services_groups.schedule_sessions(counsellor(world), group, today(world), today(world) + dt.timedelta(days=366))
    assert not CounsellingSession.objects.exists()


def test_the_page_schedules_through_a_date_and_says_what_it_added(world: World) -> None:
    group, _ = group_with(world, 2)
    client = sign_in(Client(), counsellor(world))
    through = today(world) + dt.timedelta(days=6)
    response = client.post(group_url(group) + "schedule/", {"last_day": through.isoformat()}, follow=True)
    html = response.content.decode()
    expected = len(services_groups.meeting_times(group, today(world), through))
    assert f"{expected} sessions scheduled; {expected * 2} attendance rows added." in html
    again = client.post(group_url(group) + "schedule/", {"last_day": through.isoformat()}, follow=True)
    assert "nothing was added" in again.content.decode()
    assert AuditEvent.objects.filter(action="schedule", object_type="care_group").count() == 2
    bad = client.post(group_url(group) + "schedule/", {"last_day": "2020-01-01"})
    assert bad.status_code == 422 and "Schedule through a day on or after" in bad.content.decode()
