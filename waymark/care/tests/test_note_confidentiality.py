"""Who reads a counselling (DAP) note (rule care.note.confidential,
REFERENCE.md §10): its author and the counsellors on the person's care team;
a nurse or prescriber on the care team only while the person's separate
counselling-notes consent is active; never a program admin, and never through
break-glass. A refused reader sees why, and the privacy officer sees the
refused attempt in the person's access log. Notes are encrypted at rest."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client

from waymark.care import services_sessions
from waymark.care.models import CounsellingNote
from waymark.care.tests.session_helpers import attended, counselling_consent, counsellor, note_on, note_url, today
from waymark.chart import services as chart_services
from waymark.chart.models import CareTeamMember
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NOTE_TEXT = "Talked about her brother's overdose; grief is a trigger."
NEEDS_CONSENT = (
    "Counselling notes need the person&#x27;s separate counselling-notes consent before other members of the "
    "care team read them."
)


@pytest.fixture
def noted(world: World) -> tuple[str, CounsellingNote]:
    """world.patient attended a session with the counsellor, who wrote its note; the nurse is on the care team."""
    CareTeamMember.objects.create(patient=world.patient, user=world.user(Role.NURSE), role="nurse")
    row = attended(world)
    note = note_on(world, row, text=NOTE_TEXT)
    return note_url(row), note


def read(world: World, role: Role, url: str) -> tuple[int, str]:
    response = sign_in(Client(), world.user(role)).get(url)
    return response.status_code, response.content.decode()


def test_a_nurse_on_the_care_team_without_the_consent_is_refused_and_the_privacy_officer_sees_it(
    world: World, noted: tuple[str, CounsellingNote]
) -> None:
    url, note = noted
    status, html = read(world, Role.NURSE, url)
    assert status == 403 and NEEDS_CONSENT in html and NOTE_TEXT not in html
    denied = AuditEvent.objects.get(action="read_denied")
    assert (denied.actor_username, denied.object_type, denied.object_id, denied.patient_id) == (
        "nurse",
        "counsellingnote",
        str(note.pk),
        world.patient.pk,
    )
    status, log = read(world, Role.PRIVACY_OFFICER, f"/audit/patients/{world.patient.pk}/")
    assert status == 200
    row = log[log.index(f"<td>{denied.seq}</td>") :].split("</tr>")[0]
    assert "<td>nurse</td>" in row and "read_denied" in row and f"counsellingnote {note.pk}" in row
    assert "separate counselling-notes consent" in row  # the reason, never the note
    assert NOTE_TEXT not in log


def test_the_consent_opens_the_note_to_the_nurse_and_revoking_it_closes_it(
    world: World, noted: tuple[str, CounsellingNote]
) -> None:
    url, _ = noted
    consent = counselling_consent(world)
    status, html = read(world, Role.NURSE, url)
    assert status == 200 and "grief is a trigger" in html
    assert AuditEvent.objects.filter(action="read", object_type="counsellingnote", actor_username="nurse").exists()
    chart_services.revoke_consent(
        counsellor(world), world.patient, consent, revoked_on=today(world), note="Asked to stop sharing"
    )
    status, html = read(world, Role.NURSE, url)
    assert status == 403 and NEEDS_CONSENT in html and "grief" not in html


def test_an_expired_consent_does_not_open_it(world: World, noted: tuple[str, CounsellingNote]) -> None:
    url, _ = noted
    counselling_consent(world, expiry_kind="date", expires_on=today(world) - dt.timedelta(days=1))
    assert read(world, Role.NURSE, url)[0] == 403


def test_a_counsellor_off_the_care_team_is_refused_even_after_break_glass(
    world: World, noted: tuple[str, CounsellingNote]
) -> None:
    url, _ = noted
    covering = make_user(world.program, Role.COUNSELLOR, "covering")
    client = sign_in(Client(), covering)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/patients/{world.patient.pk}/break-glass/"
    chart_services.break_glass(covering, world.patient, "Crisis call; the person's counsellor is away")
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403 and "Emergency access does not open counselling notes." in html
    assert "grief" not in html
    denied = AuditEvent.objects.get(action="read_denied")
    assert denied.break_glass and denied.actor_username == "covering"


@pytest.mark.parametrize(
    ("role", "status", "reason"),
    [
        (Role.COUNSELLOR, 200, ""),  # the author
        (Role.PRESCRIBER, 403, NEEDS_CONSENT),  # on the care team, no consent
        (Role.PROGRAM_ADMIN, 403, "Counselling notes are read only by the care team."),
        (Role.PATIENT, 200, ""),  # their own record
    ],
)
def test_who_else_reads_it(
    world: World, noted: tuple[str, CounsellingNote], role: Role, status: int, reason: str
) -> None:
    url, _ = noted
    got, html = read(world, role, url)
    assert got == status
    assert ("grief is a trigger" in html) == (status == 200)
    assert reason in html


def test_the_program_admin_is_refused_even_with_the_consent(world: World, noted: tuple[str, CounsellingNote]) -> None:
    url, _ = noted
    CareTeamMember.objects.create(patient=world.patient, user=world.user(Role.PROGRAM_ADMIN), role="program_admin")
    counselling_consent(world)
    status, html = read(world, Role.PROGRAM_ADMIN, url)
    assert status == 403 and "Your role does not read counselling notes." in html


def test_another_counsellor_on_the_care_team_reads_it(world: World, noted: tuple[str, CounsellingNote]) -> None:
    url, _ = noted
    colleague = make_user(world.program, Role.COUNSELLOR, "colleague")
    CareTeamMember.objects.create(patient=world.patient, user=colleague, role="counsellor")
    response = sign_in(Client(), colleague).get(url)
    assert response.status_code == 200 and "grief is a trigger" in response.content.decode()
    assert "Edit note" not in response.content.decode()  # only the author edits


def test_the_privacy_officer_cannot_open_the_note_page(world: World, noted: tuple[str, CounsellingNote]) -> None:
    url, _ = noted
    assert read(world, Role.PRIVACY_OFFICER, url)[0] == 403


def test_the_service_refuses_before_returning_anything(world: World, noted: tuple[str, CounsellingNote]) -> None:
    _, note = noted
    with pytest.raises(services_sessions.NoteRefused, match="counselling-notes consent"):
        services_sessions.read_note(world.user(Role.NURSE), world.patient, note.attendance)
    assert AuditEvent.objects.filter(action="read_denied").count() == 1


def test_notes_are_encrypted_at_rest(world: World, noted: tuple[str, CounsellingNote]) -> None:
    _, note = noted
    with connection.cursor() as cursor:
        cursor.execute("SELECT data, assessment, plan FROM care_counsellingnote WHERE id = %s", [note.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("gAAAAA") for value in raw)  # Fernet tokens
    assert not any(word in value for value in raw for word in ("grief", "trigger", "Engaged", "Practise"))
    assert CounsellingNote.objects.get(pk=note.pk).data == NOTE_TEXT
