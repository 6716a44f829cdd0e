"""Recording attendance (services_sessions.record_attendance, and the page for
an individual session): attended or late need the minutes, 1 to twice the
planned length and never past 600; no-show and cancelled take none; nothing
else is a status; a session more than 5 minutes ahead (the clock-drift
allowance) cannot be recorded yet. Errors are keyed by the person; nothing is
saved on any error."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from waymark.care import services_sessions
from waymark.care.tests.session_helpers import attendance_url, attended, counsellor, individual, note_on
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def record(world: World, planned: int, status: str, minutes: int | None, **session: object) -> str:
    """The error for one mark ("" when it saved)."""
    row = individual(world, planned_minutes=planned, **session)  # type: ignore[arg-type]
    try:
        services_sessions.record_attendance(counsellor(world), row.session, {row.patient_id: (status, minutes)})
    except ValidationError as exc:
        row.refresh_from_db()
        assert row.status == "expected"
        return " ".join(exc.message_dict[str(row.patient_id)])
    return ""


@pytest.mark.parametrize(
    ("planned", "status", "minutes", "error"),
    [
        (60, "attended", 1, ""),
        (60, "late", 120, ""),  # twice the plan
        (60, "attended", 121, "minutes attended are 1–120 (the session was planned for 60 minutes); 121 given."),
        (60, "attended", 0, "minutes attended are 1–120 (the session was planned for 60 minutes); 0 given."),
        (400, "attended", 600, ""),  # never past 600, even when twice the plan is more
        (400, "attended", 601, "minutes attended are 1–600 (the session was planned for 400 minutes); 601 given."),
        (60, "late", None, "give the minutes attended (1–120)."),
        (60, "no_show", None, ""),
        (60, "cancelled", 30, "leave the minutes empty for cancelled."),
        (60, "no_show", 30, "leave the minutes empty for a no-show."),
        (60, "expected", None, "choose attended, late, no-show or cancelled."),
        (60, "left early", 10, "choose attended, late, no-show or cancelled."),
    ],
)
def test_the_minutes_rules(world: World, planned: int, status: str, minutes: int | None, error: str) -> None:
    assert record(world, planned, status, minutes) == (f"Dana Whitlock: {error}" if error else "")


@pytest.mark.parametrize(("ahead", "allowed"), [(dt.timedelta(minutes=4), True), (dt.timedelta(minutes=6), False)])
def test_a_session_more_than_5_minutes_ahead_is_not_recorded(world: World, ahead: dt.timedelta, allowed: bool) -> None:
    row = individual(world, starts_at=timezone.now() + ahead)
    marks = {row.patient_id: ("attended", 60)}
    if allowed:
        services_sessions.record_attendance(counsellor(world), row.session, marks)
    else:
        with pytest.raises(ValidationError, match="record attendance once it has started"):
            services_sessions.record_attendance(counsellor(world), row.session, marks)
    row.refresh_from_db()
    assert row.status == ("attended" if allowed else "expected")


def test_someone_not_expected_is_named_by_their_id(world: World) -> None:
    row = individual(world)
    marks = {row.patient_id: ("attended", 60), world.other_patient.pk: ("attended", 60)}
    with pytest.raises(ValidationError) as caught:
        services_sessions.record_attendance(counsellor(world), row.session, marks)
    assert caught.value.message_dict == {str(world.other_patient.pk): ["This person is not expected at this session."]}
    row.refresh_from_db()
    assert row.status == "expected"


def test_a_session_with_a_note_stays_attended(world: World) -> None:
    row = attended(world)
    note_on(world, row)
    with pytest.raises(ValidationError, match="a note is written for this session, so it stays attended or late"):
        services_sessions.record_attendance(counsellor(world), row.session, {row.patient_id: ("no_show", None)})
    services_sessions.record_attendance(counsellor(world), row.session, {row.patient_id: ("late", 40)})
    row.refresh_from_db()
    assert (row.status, row.minutes_attended) == ("late", 40)


def test_only_counsellors_record_attendance(world: World) -> None:
    row = individual(world)
    with pytest.raises(PermissionDenied, match=r"Your role \(Prescriber\) cannot record"):
        services_sessions.record_attendance(
            world.user(Role.PRESCRIBER), row.session, {row.patient_id: ("attended", 60)}
        )


class TestThePage:
    def test_a_counsellor_records_an_individual_session(self, world: World) -> None:
        row = individual(world)
        client = sign_in(Client(), counsellor(world))
        page = client.get(attendance_url(row)).content.decode()
        assert "<legend>Dana Whitlock</legend>" in page and 'value="60"' in page
        response = client.post(
            attendance_url(row), {f"status_{row.patient_id}": "late", f"minutes_{row.patient_id}": "45"}, follow=True
        )
        assert "Attendance saved." in response.content.decode()
        row.refresh_from_db()
        assert (row.status, row.minutes_attended, row.recorded_by) == ("late", 45, counsellor(world))

    def test_an_error_is_shown_next_to_the_row_and_nothing_is_saved(self, world: World) -> None:
        row = individual(world)
        response = sign_in(Client(), counsellor(world)).post(
            attendance_url(row), {f"status_{row.patient_id}": "attended", f"minutes_{row.patient_id}": ""}
        )
        assert response.status_code == 422
        html = response.content.decode()
        fieldset = html[html.index(f'id="member-{row.patient_id}"') :].split("</fieldset>")[0]
        assert "Dana Whitlock: give the minutes attended (1–120)." in fieldset
        row.refresh_from_db()
        assert row.status == "expected"
