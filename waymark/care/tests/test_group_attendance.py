"""Attendance for a whole group on one screen: every expected member a row
(radio buttons in a fieldset named after the person, minutes defaulting to the
planned length), one Save that records all of them in one transaction — or, if
any row is wrong, none of them, with the error next to that row. The screen
costs the same number of queries for 2 members as for 8."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import services_groups, services_sessions
from waymark.care.models import Attendance
from waymark.care.tests.session_helpers import (
    counsellor,
    group_attendance_url,
    group_with,
    note_url,
    past_session,
    rows_of,
    status_form,
    today,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db

# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the group (1), the session (1), the
# rows with their person and whether a note is written (1); the audit append (3).
SCREEN_MAX = 9


def eight_marks(rows: list[Attendance]) -> dict[int, tuple[str, int | None]]:
    """Five on time, two late (45 min), one no-show."""
    statuses = ["attended"] * 5 + ["late", "late", "no_show"]
    return {
        r.patient_id: (s, 90 if s == "attended" else 45 if s == "late" else None)
        for r, s in zip(rows, statuses, strict=True)
    }


class TestTheScreen:
    def test_every_member_has_a_named_row_with_minutes_at_the_planned_length(self, world: World) -> None:
        group, members = group_with(world, 8)
        session = past_session(world, group)
        html = sign_in(Client(), counsellor(world)).get(group_attendance_url(session)).content.decode()
        for p in members:
            row = html[html.index(f'id="member-{p.pk}"') :].split("</fieldset>")[0]
            assert f"<legend>{p.display_name}</legend>" in row
            assert row.count('type="radio"') == 4 and 'value="90"' in row
        assert html.count('<button type="submit" class="primary">Save attendance</button>') == 1

    @pytest.mark.parametrize("size", [2, 8])
    def test_it_costs_the_same_queries_for_any_group_size(
        self, world: World, size: int, django_assert_max_num_queries: object
    ) -> None:
        group, _ = group_with(world, size)
        session = past_session(world, group)
        client = sign_in(Client(), counsellor(world))
        client.get(group_attendance_url(session))  # settles the session's idle clock: the next request writes none
        with django_assert_max_num_queries(SCREEN_MAX):  # type: ignore[operator]
            assert client.get(group_attendance_url(session)).status_code == 200

    def test_reading_the_screen_is_audited_for_the_group(self, world: World) -> None:
        group, _ = group_with(world, 2)
        session = past_session(world, group)
        sign_in(Client(), counsellor(world)).get(group_attendance_url(session))
        event = AuditEvent.objects.filter(object_type="care_group").latest("seq")
        assert (event.action, event.object_id, event.actor_username) == ("read", str(group.pk), "counsellor")


class TestSaving:
    def test_eight_members_are_saved_in_one_go(self, world: World) -> None:
        group, _ = group_with(world, 8)
        session = past_session(world, group)
        rows = rows_of(session)
        client = sign_in(Client(), counsellor(world))
        response = client.post(group_attendance_url(session), status_form(rows, eight_marks(rows)), follow=True)
        assert "Attendance saved for 8 people." in response.content.decode()
        saved = {r.patient_id: (r.status, r.minutes_attended) for r in session.attendances.all()}
        assert saved == eight_marks(rows)
        assert all(r.recorded_by == counsellor(world) for r in session.attendances.all())
        # Each person's access log shows who recorded their attendance.
        assert AuditEvent.objects.filter(action="attendance", object_type="attendance").count() == 8
        html = response.content.decode()
        assert html.count(">Write note<") == 7  # attended and late; not the no-show
        assert note_url(rows[0]) in html and note_url(rows[7]) not in html

    def test_an_error_in_row_5_saves_none_and_is_shown_next_to_row_5(self, world: World) -> None:
        group, _ = group_with(world, 8)
        session = past_session(world, group)
        rows = rows_of(session)
        marks = eight_marks(rows)
        fifth = rows[4]
        marks[fifth.patient_id] = ("attended", 181)  # planned 90: at most 180
        response = sign_in(Client(), counsellor(world)).post(group_attendance_url(session), status_form(rows, marks))
        assert response.status_code == 422
        html = response.content.decode()
        row5 = html[html.index(f'id="member-{fifth.patient_id}"') :].split("</fieldset>")[0]
        assert "minutes attended are 1–180 (the session was planned for 90 minutes); 181 given." in row5
        assert "Nothing was saved" in html
        assert set(session.attendances.values_list("status", flat=True)) == {"expected"}
        assert not AuditEvent.objects.filter(action="attendance").exists()

    def test_a_member_left_unmarked_is_named_and_nothing_is_saved(self, world: World) -> None:
        group, _ = group_with(world, 3)
        session = past_session(world, group)
        rows = rows_of(session)
        marks = {r.patient_id: ("attended", 90) for r in rows}
        marks[rows[1].patient_id] = ("", 90)
        response = sign_in(Client(), counsellor(world)).post(group_attendance_url(session), status_form(rows, marks))
        assert response.status_code == 422
        assert (
            f"{rows[1].patient.display_name}: choose attended, late, no-show or cancelled." in response.content.decode()
        )
        assert set(session.attendances.values_list("status", flat=True)) == {"expected"}

    def test_minutes_are_dropped_for_a_no_show_on_the_screen(self, world: World) -> None:
        group, _ = group_with(world, 1)
        session = past_session(world, group)
        rows = rows_of(session)
        client = sign_in(Client(), counsellor(world))
        # The box still holds the planned 90: a no-show keeps no minutes.
        client.post(group_attendance_url(session), status_form(rows, {rows[0].patient_id: ("no_show", 90)}))
        assert session.attendances.values_list("status", "minutes_attended").get() == ("no_show", None)

    def test_a_future_session_shows_who_is_expected_without_the_form(self, world: World) -> None:
        group, members = group_with(world, 2)
        tomorrow = today(world) + dt.timedelta(days=1)
        services_groups.schedule_sessions(counsellor(world), group, tomorrow, tomorrow)
        session = group.sessions.get()
        html = sign_in(Client(), counsellor(world)).get(group_attendance_url(session)).content.decode()
        assert "Attendance can be recorded once it has started." in html and "Save attendance" not in html
        assert members[0].display_name in html
        marks = {p.pk: ("attended", 90) for p in members}
        with pytest.raises(ValidationError, match="record attendance once it has started"):
            services_sessions.record_attendance(counsellor(world), session, marks)
        assert set(session.attendances.values_list("status", flat=True)) == {"expected"}
