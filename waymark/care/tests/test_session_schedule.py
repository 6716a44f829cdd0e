"""Scheduling an individual or family session from the person's sessions page:
the counsellor's session at the typed clinic time, with the person's attendance
row; the same session sent twice is kept once; bad values are named next to
their fields and nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from waymark.care import services_sessions
from waymark.care.models import Attendance, CounsellingSession
from waymark.care.tests.session_helpers import ago, counsellor, individual, schedule_url, sessions_url, today
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, Site

pytestmark = pytest.mark.django_db


def form(world: World, **changes: str) -> dict[str, str]:
    tomorrow = today(world) + dt.timedelta(days=1)
    data = {
        "kind": "individual",
        "starts_at": f"{tomorrow:%Y-%m-%d}T14:30",
        "planned_minutes": "50",
        "modality": "video",
        "site": "",
        "topic": "Relapse-prevention plan",
    }
    data.update(changes)
    return data


def test_a_counsellor_schedules_a_session_at_the_clinic_time(world: World) -> None:
    client = sign_in(Client(), counsellor(world))
    response = client.post(schedule_url(world.patient), form(world), follow=True)
    tomorrow = today(world) + dt.timedelta(days=1)
    assert f"Individual session scheduled for {tomorrow:%Y-%m-%d} 14:30." in response.content.decode()
    session = CounsellingSession.objects.get()
    assert session.starts_at == dt.datetime.combine(tomorrow, dt.time(14, 30), tzinfo=world.program.zone)
    assert (session.counsellor, session.kind, session.modality, session.site) == (
        counsellor(world),
        "individual",
        "video",
        world.site,  # the person's site
    )
    row = Attendance.objects.get()
    assert (row.patient, row.status, row.starts_at) == (world.patient, "expected", session.starts_at)
    assert AuditEvent.objects.filter(action="schedule", object_type="counsellingsession", patient_id=world.patient.pk)
    # It is listed under Upcoming.
    html = client.get(sessions_url(world.patient)).content.decode()
    upcoming = html[html.index('id="upcoming-h"') : html.index('id="past-h"')]
    assert f"{tomorrow:%Y-%m-%d} 14:30" in upcoming and "Relapse-prevention plan" in upcoming


def test_the_same_session_sent_twice_is_kept_once(world: World) -> None:
    client = sign_in(Client(), counsellor(world))
    client.post(schedule_url(world.patient), form(world))
    response = client.post(schedule_url(world.patient), form(world), follow=True)
    assert "was already scheduled; nothing was saved twice" in response.content.decode()
    assert CounsellingSession.objects.count() == 1 and Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"planned_minutes": "14"}, "A session lasts 15–480 minutes; 14 given."),
        ({"planned_minutes": "481"}, "A session lasts 15–480 minutes; 481 given."),
        ({"kind": "group"}, "Select a valid choice."),
        ({"starts_at": ""}, "This field is required."),
    ],
)
def test_bad_values_are_named_and_nothing_is_saved(world: World, changes: dict[str, str], message: str) -> None:
    response = sign_in(Client(), counsellor(world)).post(schedule_url(world.patient), form(world, **changes))
    assert response.status_code == 422 and message in response.content.decode()
    assert not CounsellingSession.objects.exists() and not Attendance.objects.exists()


def test_the_service_refuses_group_sessions_and_other_programs_sites(world: World) -> None:
    elsewhere = Site.objects.create(program=world.outsider_program, name="Elsewhere")
    data = services_sessions.SessionInput(kind="group", starts_at=ago(days=2), planned_minutes=15, site=elsewhere)
    with pytest.raises(ValidationError) as caught:
        services_sessions.schedule_session(counsellor(world), world.patient, data)
    assert set(caught.value.message_dict) == {"kind", "site"}
    assert not CounsellingSession.objects.exists()


def test_edge_lengths_are_allowed(world: World) -> None:
    assert individual(world, planned_minutes=15).session.planned_minutes == 15
    assert individual(world, planned_minutes=480, starts_at=ago(days=2))


@pytest.mark.parametrize(
    ("delta", "allowed"),
    [
        (dt.timedelta(days=-89), True),  # a session entered afterwards
        (dt.timedelta(days=-91), False),
        (dt.timedelta(days=365), True),  # booked ahead
        (dt.timedelta(days=367), False),
    ],
)
def test_a_start_far_in_the_past_or_future_is_a_typing_error(world: World, delta: dt.timedelta, allowed: bool) -> None:
    starts_at = timezone.now() + delta
    if allowed:
        assert individual(world, starts_at=starts_at).starts_at == starts_at
        return
    with pytest.raises(ValidationError) as caught:
        individual(world, starts_at=starts_at)
    assert caught.value.message_dict == {
        "starts_at": ["A session starts at most 90 days ago (entered afterwards) or up to 366 days ahead."]
    }
    assert not CounsellingSession.objects.exists()
