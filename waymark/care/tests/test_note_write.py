"""Writing the DAP note of one attendance: data, assessment and plan are each
needed and at most 10,000 characters; only for a session the person attended
(on time or late); the writer is the author, and only the author edits it
(written_at stays, updated_at moves). Errors are named next to the fields and
nothing is saved; a counsellor under break-glass writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from waymark.care import services_sessions
from waymark.care.models import Attendance, CounsellingNote
from waymark.care.tests.session_helpers import attended, counsellor, individual, note_on, note_url
from waymark.chart import services as chart_services
from waymark.chart.models import CareTeamMember
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

DAP = {
    "data": "Arrived on time; reported two days of strong cravings after a family argument.",
    "assessment": "Insight good; uses coping skills; no safety concerns.",
    "plan": "Role-play the conversation next week; attend the Tuesday group.",
}


def write(world: World, row: Attendance, **parts: str) -> services_sessions.Written:
    return services_sessions.write_note(counsellor(world), world.patient, row, **{**DAP, **parts})


class TestTheRules:
    @pytest.mark.parametrize(
        ("parts", "errors"),
        [
            ({"data": "  "}, {"data": ["Write the data: what was observed and said in the session."]}),
            (
                {"assessment": "", "plan": ""},
                {
                    "assessment": ["Write the assessment: what it means, how the person is doing."],
                    "plan": ["Write the plan: next steps and the next session."],
                },
            ),
            ({"plan": "x" * 10_001}, {"plan": ["At most 10,000 characters; this is 10,001."]}),
        ],
    )
    def test_each_part_is_needed_and_limited(self, world: World, parts: dict[str, str], errors: object) -> None:
        row = attended(world)
        with pytest.raises(ValidationError) as caught:
            write(world, row, **parts)
        assert caught.value.message_dict == errors
        assert not CounsellingNote.objects.exists()

    def test_ten_thousand_characters_fit(self, world: World) -> None:
        assert len(write(world, attended(world), data="x" * 10_000).note.data) == 10_000

    @pytest.mark.parametrize("status", ["late", "attended"])
    def test_a_note_for_an_attended_or_late_session(self, world: World, status: str) -> None:
        written = write(world, attended(world, status=status))
        assert written.created and written.note.author == counsellor(world)
        assert AuditEvent.objects.filter(action="write", object_type="counsellingnote").count() == 1

    @pytest.mark.parametrize("status", ["no_show", "cancelled"])
    def test_no_note_for_a_session_the_person_missed(self, world: World, status: str) -> None:
        row = attended(world, status=status, minutes=None)
        label = "no-show" if status == "no_show" else "cancelled"
        with pytest.raises(ValidationError, match=f"this one is {label}"):
            write(world, row)

    def test_no_note_for_a_session_not_recorded_yet(self, world: World) -> None:
        with pytest.raises(ValidationError, match="this one is not recorded yet"):
            write(world, individual(world))


class TestEditing:
    def test_the_author_edits_it_keeping_when_it_was_written(self, world: World) -> None:
        row = attended(world)
        first = write(world, row).note
        CounsellingNote.objects.filter(pk=first.pk).update(
            written_at=first.written_at - dt.timedelta(hours=2), updated_at=first.written_at - dt.timedelta(hours=2)
        )
        edited = write(world, row, plan="Changed: see the prescriber about sleep.")
        assert not edited.created
        note = CounsellingNote.objects.get()
        assert note.plan == "Changed: see the prescriber about sleep." and note.data == DAP["data"]
        assert note.updated_at > note.written_at
        assert AuditEvent.objects.filter(action="update", object_type="counsellingnote").count() == 1

    def test_another_counsellor_on_the_care_team_cannot_change_it(self, world: World) -> None:
        row = attended(world)
        note_on(world, row)
        colleague = make_user(world.program, Role.COUNSELLOR, "colleague")
        CareTeamMember.objects.create(patient=world.patient, user=colleague, role="counsellor")
        with pytest.raises(PermissionDenied, match=r"Only the note's author \(Counsellor\) can change it."):
            services_sessions.write_note(colleague, world.patient, row, **DAP)
        response = sign_in(Client(), colleague).post(note_url(row), DAP)
        assert response.status_code == 403
        assert CounsellingNote.objects.get().data != DAP["data"]

    def test_a_counsellor_under_break_glass_writes_nothing(self, world: World) -> None:
        row = attended(world)
        covering = make_user(world.program, Role.COUNSELLOR, "covering")
        chart_services.break_glass(covering, world.patient, "Crisis call")
        assert sign_in(Client(), covering).post(note_url(row), DAP).status_code == 403
        with pytest.raises(PermissionDenied, match="written by the person's care team"):
            services_sessions.write_note(covering, world.patient, row, **DAP)
        assert not CounsellingNote.objects.exists()


class TestThePage:
    def test_a_counsellor_writes_the_note_and_sees_it(self, world: World) -> None:
        row = attended(world)
        client = sign_in(Client(), counsellor(world))
        form = client.get(note_url(row)).content.decode()
        assert "Write the note" in form and 'name="data"' in form
        response = client.post(note_url(row), DAP, follow=True)
        html = response.content.decode()
        assert "Note saved." in html and "two days of strong cravings" in html and "Role-play the conversation" in html
        assert "Edit note" in html and 'name="data"' not in html

    def test_errors_are_named_and_nothing_is_saved(self, world: World) -> None:
        row = attended(world)
        response = sign_in(Client(), counsellor(world)).post(note_url(row), {**DAP, "assessment": ""})
        html = response.content.decode()
        assert response.status_code == 422
        assert "Write the assessment: what it means, how the person is doing." in html
        assert "two days of strong cravings" in html  # what was typed is kept
        assert not CounsellingNote.objects.exists()

    def test_a_nurse_cannot_write_one(self, world: World) -> None:
        row = attended(world)
        CareTeamMember.objects.create(patient=world.patient, user=world.user(Role.NURSE), role="nurse")
        assert sign_in(Client(), world.user(Role.NURSE)).post(note_url(row), DAP).status_code == 403
        assert not CounsellingNote.objects.exists()
