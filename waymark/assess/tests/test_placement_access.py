"""Who may do what with placement. Counsellors and prescribers on the care team
record and decide; a nurse and the program admin read but neither record nor
decide (no PLACEMENT capability); the privacy officer and peer moderator see
nothing; a patient reads their own only. A counsellor off the care team is sent
to break-glass, and after it the pages open flagged. Another program's patient
does not exist (404). Every page view of a chart is audited."""

import pytest
from django.test import Client

from waymark.assess.models import PlacementAssessment
from waymark.assess.tests.placement_helpers import decide_url, form_data, list_url, new_url, record, result_url
from waymark.chart.models import Episode, LevelOfCareChange, Patient
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def other_with_episode(world: World) -> Patient:
    """The patient on nobody's care team, in treatment (a placement needs an open episode)."""
    Episode.objects.create(
        patient=world.other_patient, admitted_on="2026-01-10", level_of_care="outpatient", primary_substance="heroin"
    )
    return world.other_patient


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


def assert_cannot_write(world: World, client: Client, placement: PlacementAssessment, status: int = 403) -> None:
    assert client.get(new_url(world.patient)).status_code == status
    assert client.post(new_url(world.patient), form_data(world.patient)).status_code == status
    assert (
        client.post(decide_url(world.patient, placement), {"level": placement.recommended_level}).status_code == status
    )
    assert PlacementAssessment.objects.count() == 1
    placement.refresh_from_db()
    assert placement.decided_level == "" and not LevelOfCareChange.objects.exists()


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
def test_the_care_team_records_and_decides(world: World, role: Role) -> None:
    client = client_for(world, role)
    assert client.get(list_url(world.patient)).status_code == 200
    assert client.get(new_url(world.patient)).status_code == 200
    assert client.post(new_url(world.patient), form_data(world.patient, ratings=(0, 0, 0, 0, 0, 3))).status_code == 302
    placement = PlacementAssessment.objects.get()
    assert placement.recorded_by == world.user(role)
    assert client.post(decide_url(world.patient, placement), {"level": "3.1"}).status_code == 302
    assert LevelOfCareChange.objects.get().recorded_by == world.user(role)


@pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN])
def test_the_nurse_and_the_admin_read_but_cannot_record_or_decide(world: World, role: Role) -> None:
    placement = record(world.user(Role.COUNSELLOR), world.patient)
    client = client_for(world, role)
    listed = client.get(list_url(world.patient)).content.decode()
    assert f'id="placement-{placement.pk}"' in listed and "New placement assessment" not in listed
    result = client.get(result_url(world.patient, placement))
    assert result.status_code == 200
    html = result.content.decode()
    assert "Decision support, not a diagnosis" in html
    assert "Accept " not in html and "Record this level" not in html
    assert_cannot_write(world, client, placement)


@pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
def test_the_privacy_officer_and_peer_moderator_see_nothing(world: World, role: Role) -> None:
    placement = record(world.user(Role.COUNSELLOR), world.patient)
    client = client_for(world, role)
    assert client.get(list_url(world.patient)).status_code == 403
    assert client.get(result_url(world.patient, placement)).status_code == 403
    assert_cannot_write(world, client, placement)


def test_a_patient_reads_their_own_placements_only(world: World) -> None:
    placement = record(world.user(Role.COUNSELLOR), world.patient)
    theirs = record(world.user(Role.PRESCRIBER), other_with_episode(world))
    client = client_for(world, Role.PATIENT)
    assert client.get(list_url(world.patient)).status_code == 200
    assert client.get(result_url(world.patient, placement)).status_code == 200
    assert client.get(list_url(world.other_patient)).status_code == 404
    assert client.get(result_url(world.other_patient, theirs)).status_code == 404
    assert client.get(new_url(world.patient)).status_code == 403
    assert client.post(decide_url(world.patient, placement), {"level": "1"}).status_code == 403
    placement.refresh_from_db()
    assert placement.decided_level == ""


def test_a_placement_id_from_another_patient_is_not_found(world: World) -> None:
    other_with_episode(world)
    nurse = client_for(world, Role.NURSE)
    theirs = record(world.user(Role.PRESCRIBER), world.other_patient)
    assert nurse.get(result_url(world.patient, theirs)).status_code == 404
    counsellor = client_for(world, Role.COUNSELLOR)
    assert counsellor.post(decide_url(world.patient, theirs), {"level": "1"}).status_code == 404


@pytest.mark.parametrize("role", [Role.NURSE, Role.COUNSELLOR])
def test_another_programs_patient_is_not_found(world: World, role: Role) -> None:
    client = client_for(world, role)
    assert client.get(list_url(world.outsider_patient)).status_code == 404
    if role is Role.COUNSELLOR:
        assert client.get(new_url(world.outsider_patient)).status_code == 404


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
def test_off_the_care_team_the_pages_send_to_break_glass(world: World, role: Role) -> None:
    other_with_episode(world)
    placement = record(world.user(Role.COUNSELLOR), world.patient)
    client = client_for(world, role)
    break_glass = f"/patients/{world.other_patient.pk}/break-glass/"
    for response in (
        client.get(list_url(world.other_patient)),
        client.get(new_url(world.other_patient)),
        client.post(new_url(world.other_patient), form_data(world.other_patient)),
        client.post(decide_url(world.other_patient, placement), {"level": "1"}),
    ):
        assert response.status_code == 302 and response["Location"] == break_glass
    assert PlacementAssessment.objects.count() == 1


def test_after_breaking_the_glass_a_counsellor_records_and_decides_flagged(world: World) -> None:
    other_with_episode(world)
    client = client_for(world, Role.COUNSELLOR)
    granted = client.post(f"/patients/{world.other_patient.pk}/break-glass/", {"reason": "Covering for a colleague."})
    assert granted.status_code == 302
    page = client.get(new_url(world.other_patient))
    assert page.status_code == 200 and "Emergency access" in page.content.decode()
    posted = client.post(new_url(world.other_patient), form_data(world.other_patient, ratings=(0, 0, 0, 0, 2, 0)))
    assert posted.status_code == 302
    placement = PlacementAssessment.objects.get(patient=world.other_patient)
    assert client.post(decide_url(world.other_patient, placement), {"level": "2.1"}).status_code == 302
    assert world.other_patient.episodes.get().level_of_care == "intensive_outpatient"
    flagged = AuditEvent.objects.filter(patient_id=world.other_patient.pk, break_glass=True)
    assert {e.action for e in flagged} >= {"open_form", "write"}


def test_opening_the_pages_is_audited(world: World) -> None:
    placement = record(world.user(Role.COUNSELLOR), world.patient)
    client = client_for(world, Role.NURSE)
    client.get(list_url(world.patient))
    client.get(result_url(world.patient, placement))
    reads = AuditEvent.objects.filter(patient_id=world.patient.pk, action="read", actor_id=world.user(Role.NURSE).pk)
    assert sorted(e.object_type for e in reads) == ["placement", "placements"]
