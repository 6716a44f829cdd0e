"""Who may do what in withdrawal management. Nurses and prescribers (Cap.DETOX)
start stays, record checks and discharge; a counsellor has no DETOX capability:
the board and every write are refused (403) and nothing is saved, though the
counsellor on the care team may read the stay. Another program's patient does
not exist (404); a prescriber off the care team is sent to break-glass."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from waymark.assess import services_detox
from waymark.assess.models import DetoxStay, WithdrawalCheck
from waymark.assess.tests.detox_helpers import (
    ago,
    board_url,
    check_form,
    check_input,
    check_url,
    discharge_form,
    discharge_url,
    patient_url,
    start,
    start_form,
    start_url,
    stay_input,
    stay_url,
)
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

DETOX_STAFF = [Role.NURSE, Role.PRESCRIBER]
NO_DETOX = [Role.COUNSELLOR, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER, Role.PEER_MODERATOR, Role.PATIENT]


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


class TestBoard:
    @pytest.mark.parametrize("role", DETOX_STAFF)
    def test_nurses_and_prescribers_see_the_board(self, world: World, role: Role) -> None:
        start(world)
        response = client_for(world, role).get(board_url())
        assert response.status_code == 200 and "Dana Whitlock" in response.content.decode()

    @pytest.mark.parametrize("role", NO_DETOX)
    def test_everyone_else_is_refused(self, world: World, role: Role) -> None:
        start(world)
        assert client_for(world, role).get(board_url()).status_code == 403


class TestWrites:
    @pytest.mark.parametrize("role", DETOX_STAFF)
    def test_nurses_and_prescribers_start_check_and_discharge(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        assert client.post(start_url(world.patient), start_form(world.patient)).status_code == 302
        stay = DetoxStay.objects.get()
        assert client.post(check_url(stay), check_form(world.patient, 9)).status_code == 302
        assert client.post(discharge_url(stay), discharge_form(world.patient)).status_code == 302
        stay.refresh_from_db()
        assert stay.status == "discharged" and stay.checks.get().recorded_by == world.user(role)

    def test_a_counsellor_cannot_start_check_or_discharge(self, world: World) -> None:
        client = client_for(world, Role.COUNSELLOR)  # on the person's care team
        assert client.post(start_url(world.patient), start_form(world.patient)).status_code == 403
        assert DetoxStay.objects.count() == 0
        stay = start(world)
        assert client.post(check_url(stay), check_form(world.patient, 9)).status_code == 403
        assert client.post(discharge_url(stay), discharge_form(world.patient)).status_code == 403
        stay.refresh_from_db()
        assert stay.status == "active" and WithdrawalCheck.objects.count() == 0

    def test_the_services_refuse_a_counsellor_naming_the_role(self, world: World) -> None:
        counsellor = world.user(Role.COUNSELLOR)
        with pytest.raises(PermissionDenied, match=r"Your role \(Counsellor\) cannot start withdrawal management"):
            services_detox.start_stay(counsellor, world.patient, stay_input())
        stay = start(world)
        with pytest.raises(PermissionDenied, match="cannot record withdrawal checks"):
            services_detox.record_check(counsellor, world.patient, stay, check_input(5, ago(hours=1)))

    def test_a_counsellor_reads_the_stay_without_the_forms(self, world: World) -> None:
        stay = start(world)
        client = client_for(world, Role.COUNSELLOR)
        page = client.get(stay_url(stay))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Day 2 of 7" in html and "Record a check" not in html and "Discharge with" not in html
        assert "Start withdrawal management" not in client.get(patient_url(world.patient)).content.decode()

    def test_a_nurse_sees_the_forms(self, world: World) -> None:
        stay = start(world)
        html = client_for(world, Role.NURSE).get(stay_url(stay)).content.decode()
        assert "Record a check" in html and "Discharge with a continuing-care plan" in html


class TestBoundaries:
    def test_another_programs_patient_does_not_exist(self, world: World) -> None:
        client = client_for(world, Role.NURSE)
        assert client.get(patient_url(world.outsider_patient)).status_code == 404
        assert client.post(start_url(world.outsider_patient), start_form(world.outsider_patient)).status_code == 404

    def test_a_stay_is_reached_only_through_its_own_patient(self, world: World) -> None:
        stay = start(world)
        client = client_for(world, Role.NURSE)
        wrong = f"/assess/patients/{world.other_patient.pk}/detox/{stay.pk}/"
        assert client.get(wrong).status_code == 404
        assert client.post(wrong + "checks/", check_form(world.other_patient, 5)).status_code == 404
        assert WithdrawalCheck.objects.count() == 0

    def test_a_prescriber_off_the_care_team_is_sent_to_break_glass(self, world: World) -> None:
        response = client_for(world, Role.PRESCRIBER).get(patient_url(world.other_patient))
        assert (
            response.status_code == 302 and response["Location"] == f"/patients/{world.other_patient.pk}/break-glass/"
        )

    def test_the_board_lists_only_this_programs_stays(self, world: World) -> None:
        start(world)
        html = sign_in(Client(), world.outsider_staff[Role.NURSE]).get(board_url()).content.decode()
        assert "Dana Whitlock" not in html and "No one is in withdrawal management" in html
