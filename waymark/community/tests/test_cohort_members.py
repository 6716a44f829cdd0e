"""A program group's members (/community/program-groups/<id>/members/): staff add the program's patients who
have an account, chosen from a list, and the program's peer moderators as moderators; never another program's
people or group, never anyone twice. Reading the roster is audited; adding is audited by the service."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.chart.models import Patient
from waymark.community import services
from waymark.community.models import Group, Membership
from waymark.community.tests.conftest import Cohort
from waymark.conftest import World, make_patient, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def url(group: Group) -> str:
    return f"/community/program-groups/{group.pk}/members/"


@pytest.fixture
def staff(client: Client, cohort: Cohort) -> Client:
    return sign_in(client, cohort.group.created_by)


def casey(world: World) -> Patient:
    return Patient.objects.get(program=world.program, mrn="HR-3")


class TestTheRoster:
    def test_it_lists_the_people_and_their_shown_names(self, staff: Client, cohort: Cohort) -> None:
        html = staff.get(url(cohort.group)).content.decode()
        assert "Whitlock, Dana" in html and "Marsh, Elliot" in html and "Peer moderator" in html
        assert "Member 1" in html and "3 people in the group" in html
        event = AuditEvent.objects.filter(action="read", object_type="community_group").last()
        assert event is not None and event.object_id == str(cohort.group.pk)

    def test_the_choice_lists_the_programs_patients_with_an_account_not_in_the_group(
        self, staff: Client, world: World, cohort: Cohort
    ) -> None:
        make_patient(world.program, "HR-9", "Nova", "Byrne")  # no account
        outsider = world.outsider_patient
        outsider.user = make_user(world.outsider_program, Role.PATIENT, "frankie")
        outsider.save(update_fields=["user"])
        html = staff.get(url(cohort.group)).content.decode()
        select = html[html.index('name="patient"') : html.index("</select>", html.index('name="patient"'))]
        assert f'value="{casey(world).pk}"' in select and "Rowe, Casey (MRN HR-3)" in select
        assert "Byrne" not in select and "Stone" not in select
        assert "Whitlock" not in select and "Marsh" not in select  # already in the group

    def test_the_moderator_choice_lists_the_programs_peer_moderators_not_in_the_group(
        self, staff: Client, world: World, cohort: Cohort
    ) -> None:
        second = make_user(world.program, Role.PEER_MODERATOR, "quinn")
        html = staff.get(url(cohort.group)).content.decode()
        select = html[html.index('name="moderator"') : html.index("</select>", html.index('name="moderator"'))]
        assert f'value="{second.pk}"' in select
        assert f'value="{world.user(Role.PEER_MODERATOR).pk}"' not in select
        assert f'value="{world.outsider_staff[Role.PEER_MODERATOR].pk}"' not in select


class TestAdding:
    def test_a_patient_is_added_as_a_member(self, staff: Client, world: World, cohort: Cohort) -> None:
        response = staff.post(url(cohort.group), {"patient": casey(world).pk})
        assert response.status_code == 302 and response["Location"] == url(cohort.group)
        member = Membership.objects.get(group=cohort.group, user=cohort.outsider)
        assert member.role == "member" and member.display_name == "Member 4"
        assert AuditEvent.objects.filter(action="community_member_add", object_id=str(member.pk)).exists()
        assert "Casey Rowe is in Tuesday evening group." in staff.get(url(cohort.group)).content.decode()

    def test_a_peer_moderator_is_added_as_a_moderator(self, staff: Client, world: World, cohort: Cohort) -> None:
        quinn = make_user(world.program, Role.PEER_MODERATOR, "quinn")
        assert staff.post(url(cohort.group), {"moderator": quinn.pk}).status_code == 302
        assert Membership.objects.get(group=cohort.group, user=quinn).role == "moderator"

    def test_another_programs_patient_is_refused(self, staff: Client, world: World, cohort: Cohort) -> None:
        outsider = world.outsider_patient
        outsider.user = make_user(world.outsider_program, Role.PATIENT, "frankie")
        outsider.save(update_fields=["user"])
        response = staff.post(url(cohort.group), {"patient": outsider.pk})
        assert response.status_code == 422
        assert "Choose one of the program&#x27;s patients in the list." in response.content.decode()
        assert not Membership.objects.filter(user=outsider.user).exists()

    def test_another_programs_peer_moderator_is_refused(self, staff: Client, world: World, cohort: Cohort) -> None:
        response = staff.post(url(cohort.group), {"moderator": world.outsider_staff[Role.PEER_MODERATOR].pk})
        assert response.status_code == 422 and "peer moderators in the list" in response.content.decode()

    def test_a_patient_without_an_account_is_refused(self, staff: Client, world: World, cohort: Cohort) -> None:
        nova = make_patient(world.program, "HR-9", "Nova", "Byrne")
        assert staff.post(url(cohort.group), {"patient": nova.pk}).status_code == 422
        assert Membership.objects.filter(group=cohort.group).count() == 3

    def test_staff_are_not_patients_or_moderators(self, staff: Client, world: World, cohort: Cohort) -> None:
        for data in ({"patient": world.user(Role.NURSE).pk}, {"moderator": world.user(Role.NURSE).pk}):
            assert staff.post(url(cohort.group), data).status_code == 422
        assert not Membership.objects.filter(user=world.user(Role.NURSE)).exists()

    def test_no_one_is_added_twice(self, world: World, cohort: Cohort) -> None:
        # Two pages open at once: the second add finds the person already there.
        first, second = (sign_in(Client(), cohort.group.created_by) for _ in range(2))
        first.get(url(cohort.group))
        assert first.post(url(cohort.group), {"patient": casey(world).pk}).status_code == 302
        response = second.post(url(cohort.group), {"patient": casey(world).pk})
        assert response.status_code == 422
        assert Membership.objects.filter(group=cohort.group, user=cohort.outsider).count() == 1
        with pytest.raises(ValidationError, match="already in the group"):
            services.add_to_cohort(cohort.group.created_by, cohort.group, cohort.outsider)

    def test_a_person_who_left_can_be_added_again(self, staff: Client, cohort: Cohort) -> None:
        services.leave(cohort.elliot)
        patient = Patient.objects.get(user=cohort.elliot.user)
        assert staff.post(url(cohort.group), {"patient": patient.pk}).status_code == 302
        assert Membership.objects.filter(group=cohort.group, user=cohort.elliot.user).count() == 2

    def test_nothing_chosen_is_explained(self, staff: Client, cohort: Cohort) -> None:
        response = staff.post(url(cohort.group), {"patient": ""})
        assert response.status_code == 422 and "Choose a patient." in response.content.decode()


class TestWhoMayDoIt:
    def test_another_programs_group_does_not_exist(self, client: Client, world: World) -> None:
        group = services.create_cohort_group(world.outsider_staff[Role.COUNSELLOR], "Elsewhere Monday")
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(url(group)).status_code == 404
        assert client.post(url(group), {"patient": world.patient.pk}).status_code == 404
        assert not Membership.objects.filter(group=group).exists()

    def test_an_open_group_is_not_a_program_group(self, client: Client, world: World) -> None:
        group = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "Rae").group
        assert sign_in(client, world.user(Role.COUNSELLOR)).get(url(group)).status_code == 404

    def test_any_counsellor_or_admin_of_the_program_may_add(self, client: Client, world: World, cohort: Cohort) -> None:
        sign_in(client, world.user(Role.PROGRAM_ADMIN))
        assert client.post(url(cohort.group), {"patient": casey(world).pk}).status_code == 302

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.PEER_MODERATOR, Role.NURSE])
    def test_others_are_refused(self, client: Client, world: World, cohort: Cohort, role: Role) -> None:
        sign_in(client, world.user(role))
        assert client.get(url(cohort.group)).status_code == 403
        assert client.post(url(cohort.group), {"patient": casey(world).pk}).status_code == 403
        assert not Membership.objects.filter(user=cohort.outsider).exists()
