"""The counsellor's caseload: for each person on their care team, the level of
care, when they were last seen and how long ago, "not seen in N days" (seen N days
ago is still seen, N+1 is not), the next session booked, no-shows in a row since
the last attended session (cancelled ones skipped) and the plan review status.
Summary counts at the top; filters; a bad "days" value explained."""

import datetime as dt

import pytest
from django.test import Client

from waymark.care.models import PlanReview, RecoveryEvent
from waymark.care.tests.caseload_helpers import (
    CASELOAD_URL,
    at,
    attend,
    days_ago,
    on_caseload,
    row_html,
    signed_plan,
    today,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def page(world: World, query: str = "", role: Role = Role.COUNSELLOR) -> str:
    response = sign_in(Client(), world.user(role)).get(CASELOAD_URL + query)
    assert response.status_code == 200
    return response.content.decode()


class TestRows:
    def test_last_seen_days_since_and_next_session(self, world: World) -> None:
        person = on_caseload(world, 1)
        attend(world, person, days_ago(world, 20))
        attend(world, person, days_ago(world, 6), "late", minutes=30)  # late counts as seen
        attend(world, person, days_ago(world, 3), "no_show")
        attend(world, person, days_ago(world, 2), "cancelled")
        attend(world, person, days_ago(world, -3, hour=14), "expected")
        attend(world, person, days_ago(world, -10), "expected")
        row = row_html(page(world), person)
        seen = today(world) - dt.timedelta(days=6)
        assert f"{seen:%Y-%m-%d} (6 days ago)" in row
        assert "Not seen" not in row
        next_day = today(world) + dt.timedelta(days=3)
        assert f"{next_day:%Y-%m-%d} 14:00" in row
        assert "Intensive outpatient" in row and "MRN HR-C1" in row
        for page_url in (
            "/patients/{}/",
            "/care/patients/{}/sessions/",
            "/care/patients/{}/plan/",
            "/care/patients/{}/levels/",
        ):
            assert f'href="{page_url.format(person.pk)}"' in row

    @pytest.mark.parametrize(("ago", "flagged"), [(14, False), (15, True)])
    def test_seen_exactly_n_days_ago_is_seen_and_n_plus_1_is_not(self, world: World, ago: int, flagged: bool) -> None:
        person = on_caseload(world, 1)
        attend(world, person, days_ago(world, ago, hour=23))
        row = row_html(page(world), person)
        assert ("Not seen in 14 days" in row) is flagged
        assert f"({ago} days ago)" in row

    def test_never_seen_is_not_seen(self, world: World) -> None:
        person = on_caseload(world, 1)
        attend(world, person, days_ago(world, 2), "no_show")
        row = row_html(page(world), person)
        assert "Never" in row and "Not seen in 14 days" in row and "None booked" in row

    def test_a_streak_of_three_counts_no_shows_since_the_last_attended_session(self, world: World) -> None:
        person = on_caseload(world, 1)
        for n, status in [
            (30, "no_show"),  # before the last attended session: does not count
            (28, "no_show"),
            (21, "attended"),
            (14, "no_show"),
            (10, "cancelled"),  # neither breaks nor extends
            (7, "no_show"),
            (3, "no_show"),
        ]:
            attend(world, person, days_ago(world, n), status)
        row = row_html(page(world), person)
        assert '<span class="badge late">3 in a row</span>' in row

    def test_an_attended_session_breaks_the_streak(self, world: World) -> None:
        person = on_caseload(world, 1)
        for n, status in [(14, "no_show"), (10, "no_show"), (7, "attended"), (3, "no_show")]:
            attend(world, person, days_ago(world, n), status)
        row = row_html(page(world), person)
        assert "in a row" not in row and "<td>1</td>" in row

    def test_review_overdue_due_and_brought_forward_by_a_lapse(self, world: World) -> None:
        overdue, due, lapsed, none = (on_caseload(world, n) for n in range(1, 5))
        signed_plan(world, overdue, today(world) - dt.timedelta(days=33))
        plan = signed_plan(world, due, today(world) - dt.timedelta(days=40))
        PlanReview.objects.create(
            plan=plan,
            reviewed_on=today(world) - dt.timedelta(days=30),
            outcome="continue",
            reviewed_by=world.user(Role.COUNSELLOR),
        )
        signed_plan(world, lapsed, today(world) - dt.timedelta(days=10))
        RecoveryEvent.objects.create(
            patient=lapsed,
            kind="lapse",
            occurred_on=today(world) - dt.timedelta(days=2),
            recorded_by=world.user(Role.COUNSELLOR),
        )
        html = page(world)
        assert '<span class="badge flag">Review overdue by 3 days</span>' in row_html(html, overdue)
        assert '<span class="badge late">Review due today</span>' in row_html(html, due)
        assert "Review overdue by 2 days" in row_html(html, lapsed)
        assert "brought forward by a lapse" in row_html(html, lapsed)
        assert "No signed plan" in row_html(html, none)

    def test_no_open_episode_is_said(self, world: World) -> None:
        person = on_caseload(world, 1)
        person.episodes.update(discharged_on=today(world), discharge_reason="completed")
        assert "No open episode" in row_html(page(world), person)


class TestSummaryFiltersAndOrder:
    def build(self, world: World) -> dict[str, object]:
        seen = on_caseload(world, 1)
        attend(world, seen, days_ago(world, 2))
        signed_plan(world, seen, today(world) - dt.timedelta(days=5))  # review in 25 days
        away = on_caseload(world, 2)
        attend(world, away, days_ago(world, 20))
        missing = on_caseload(world, 3)
        attend(world, missing, days_ago(world, 5))
        attend(world, missing, days_ago(world, 4), "no_show")
        attend(world, missing, days_ago(world, 1), "no_show")
        signed_plan(world, missing, today(world) - dt.timedelta(days=31))  # overdue by 1
        soon = on_caseload(world, 4)
        attend(world, soon, days_ago(world, 1))
        signed_plan(world, soon, today(world) - dt.timedelta(days=17))  # review in 13 days
        # world.patient (on the care team, never seen) makes five.
        return {"seen": seen, "away": away, "missing": missing, "soon": soon}

    def test_the_counts_at_the_top(self, world: World) -> None:
        self.build(world)
        html = page(world)
        assert '<span class="stat">5</span>' in html
        assert 'id="count-not-seen"><span class="stat">2</span>' in html  # away and world.patient
        assert 'id="count-reviews"><span class="stat">2</span>' in html  # missing (overdue) and soon (13 days)
        assert '<span class="badge flag">1 overdue</span>' in html
        assert 'id="count-streaks"><span class="stat">1</span>' in html

    @pytest.mark.parametrize(
        ("query", "listed"),
        [
            ("?show=not_seen", {"away"}),
            ("?show=not_seen&days=3", {"away", "missing"}),
            ("?show=reviews", {"missing", "soon"}),
            ("?show=streak", {"missing"}),
        ],
    )
    def test_filters(self, world: World, query: str, listed: set[str]) -> None:
        people = self.build(world)
        html = page(world, query)
        shown = {name for name, p in people.items() if f'<tr id="patient-{p.pk}"' in html}  # type: ignore[attr-defined]
        assert shown == listed

    def test_overdue_reviews_then_not_seen_come_first(self, world: World) -> None:
        people = self.build(world)
        html = page(world)
        order = [html.index(f'<tr id="patient-{people[k].pk}"') for k in ("missing", "away")]  # type: ignore[attr-defined]
        assert order == sorted(order)
        never = html.index(f'<tr id="patient-{world.patient.pk}"')
        assert order[0] < never < html.index(f'<tr id="patient-{people["seen"].pk}"')  # type: ignore[attr-defined]

    @pytest.mark.parametrize("bad", ["0", "366", "ten", "-3", "1e3"])
    def test_a_bad_days_value_is_explained_and_the_default_used(self, world: World, bad: str) -> None:
        html = page(world, f"?days={bad}")
        assert "“Not seen in” takes a whole number of days from 1 to 365" in html
        assert "Showing 14 days." in html and 'value="14"' in html

    def test_the_page_is_audited_once(self, world: World) -> None:
        self.build(world)
        page(world)
        events = AuditEvent.objects.filter(action="caseload")
        assert events.count() == 1
        assert events.get().program_id == world.program.pk and events.get().actor == world.user(Role.COUNSELLOR)


def test_a_session_in_the_evening_counts_on_its_clinic_day(world: World) -> None:
    # 23:30 in New York is the next day in UTC: "days since" uses the clinic's day.
    person = on_caseload(world, 1)
    day = today(world) - dt.timedelta(days=14)
    attend(world, person, at(world, day, 23, 30))
    row = row_html(page(world), person)
    assert f"{day:%Y-%m-%d}" in row and "(14 days ago)" in row and "Not seen" not in row
