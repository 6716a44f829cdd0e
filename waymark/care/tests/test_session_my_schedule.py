"""A counsellor's own schedule: their sessions from 14 days back to 14 days
ahead, grouped by clinic day (today and upcoming first, then the past), with
a site filter; another counsellor's sessions are not there. The same number of
queries for 1 session as for 10."""

import datetime as dt

import pytest
from django.test import Client

from waymark.care import services_groups, services_sessions
from waymark.care.tests.session_helpers import ago, counsellor, group_with, individual, today
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent, Site
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/care/sessions/mine/"
# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the program (1); its sites (1); the
# sessions with site and group (1) and their attendance with the person (1); the audit append (3).
MINE_MAX = 10


def test_sessions_grouped_by_day_with_a_site_filter(world: World) -> None:
    other_site = Site.objects.create(program=world.program, name="Westbrook")
    individual(world, starts_at=ago(days=3), topic="Budget worries")
    individual(world, world.other_patient, starts_at=ago(days=-2), site=other_site, topic="Family meeting")
    individual(world, starts_at=ago(days=20), topic="Too long ago")
    group, _ = group_with(world, 3)
    tomorrow = today(world) + dt.timedelta(days=1)
    services_groups.schedule_sessions(counsellor(world), group, tomorrow, tomorrow)
    colleague = make_user(world.program, Role.COUNSELLOR, "colleague")
    services_sessions.schedule_session(
        colleague,
        world.patient,
        services_sessions.SessionInput(kind="individual", starts_at=ago(days=-1), planned_minutes=50, topic="Not mine"),
    )
    client = sign_in(Client(), counsellor(world))
    html = client.get(URL).content.decode()
    upcoming = html[html.index('id="upcoming-h"') : html.index('id="past-h"')]
    past = html[html.index('id="past-h"') :]
    assert f"{tomorrow:%A %Y-%m-%d}" in upcoming and group.name in upcoming and "3 expected" in upcoming
    assert "Family meeting" in upcoming and "Elliot Marsh" in upcoming
    assert "Budget worries" in past and "Dana Whitlock" in past
    assert "Too long ago" not in html and "Not mine" not in html
    filtered = client.get(f"{URL}?site={other_site.pk}").content.decode()
    assert "Family meeting" in filtered and "Budget worries" not in filtered and group.name not in filtered
    assert AuditEvent.objects.filter(object_type="session_schedule", object_id=str(other_site.pk)).exists()


def test_it_costs_the_same_queries_for_1_session_as_for_10(world: World, django_assert_max_num_queries: object) -> None:
    client = sign_in(Client(), counsellor(world))
    individual(world, starts_at=ago(days=1))
    client.get(URL)  # settles the session's idle clock
    with django_assert_max_num_queries(MINE_MAX):  # type: ignore[operator]
        client.get(URL)
    for n in range(2, 11):
        individual(world, starts_at=ago(days=n % 7, hours=n))
    with django_assert_max_num_queries(MINE_MAX):  # type: ignore[operator]
        html = client.get(URL).content.decode()
    assert html.count("Record attendance") == 10
