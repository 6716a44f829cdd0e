"""services.py for groups and members: making cohort groups, open groups and pairs, adding people to a cohort,
joining with a code, and the person's list of groups and support alerts. Refusals save nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.community import services
from waymark.community.models import Group, Membership, Message
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, make_patient, make_user
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def person(username: str) -> User:
    return make_user(None, Role.PATIENT, username)


class TestCreateCohortGroup:
    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PROGRAM_ADMIN])
    def test_it_belongs_to_the_staff_members_program(self, world: World, role: Role) -> None:
        group = services.create_cohort_group(world.user(role), "  Tuesday   group ")
        assert (group.kind, group.name, group.invite_code) == ("cohort", "Tuesday group", None)
        assert group.program_id == world.program.pk

    @pytest.mark.parametrize("role", [Role.PEER_MODERATOR, Role.NURSE, Role.PATIENT])
    def test_others_cannot_make_one(self, world: World, role: Role) -> None:
        with pytest.raises(PermissionDenied):
            services.create_cohort_group(world.user(role), "Mine")
        assert not Group.objects.exists()


class TestAddToCohort:
    def test_members_get_a_neutral_numbered_name(self, cohort: Cohort) -> None:
        assert [cohort.dana.display_name, cohort.elliot.display_name] == ["Member 1", "Member 2"]
        assert (cohort.moderator.display_name, cohort.moderator.role) == ("Moderator 3", "moderator")
        assert AuditEvent.objects.filter(action="community_member_add").count() == 3

    def test_another_programs_patient_is_refused(self, world: World, cohort: Cohort) -> None:
        frankie = make_user(world.outsider_program, Role.PATIENT, "frankie")
        world.outsider_patient.user = frankie
        world.outsider_patient.save(update_fields=["user"])
        with pytest.raises(ValidationError, match="Only the program's patients with an account"):
            services.add_to_cohort(cohort.group.created_by, cohort.group, frankie)

    def test_a_self_guided_person_without_a_chart_is_refused(self, cohort: Cohort) -> None:
        with pytest.raises(ValidationError):
            services.add_to_cohort(cohort.group.created_by, cohort.group, person("river"))

    def test_a_disabled_account_is_refused(self, world: World, cohort: Cohort) -> None:
        User.objects.filter(pk=cohort.outsider.pk).update(is_active=False)
        cohort.outsider.refresh_from_db()
        with pytest.raises(ValidationError):
            services.add_to_cohort(cohort.group.created_by, cohort.group, cohort.outsider)

    def test_only_peer_moderators_of_the_program_moderate(self, world: World, cohort: Cohort) -> None:
        counsellor = cohort.group.created_by
        for user in (cohort.outsider, world.user(Role.NURSE), world.outsider_staff[Role.PEER_MODERATOR]):
            with pytest.raises(ValidationError, match="peer moderators"):
                services.add_to_cohort(counsellor, cohort.group, user, moderator=True)
        assert Membership.objects.filter(group=cohort.group).count() == 3

    def test_no_one_is_added_twice(self, cohort: Cohort) -> None:
        with pytest.raises(ValidationError, match="already in the group"):
            services.add_to_cohort(cohort.group.created_by, cohort.group, cohort.dana.user)

    def test_staff_of_another_program_cannot_add(self, world: World, cohort: Cohort) -> None:
        with pytest.raises(PermissionDenied):
            services.add_to_cohort(world.outsider_staff[Role.COUNSELLOR], cohort.group, cohort.outsider)

    def test_only_cohort_groups_take_added_members(self, world: World) -> None:
        group = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "Rae").group
        with pytest.raises(PermissionDenied):
            services.add_to_cohort(world.user(Role.COUNSELLOR), group, world.user(Role.PATIENT))

    def test_a_new_patient_account_can_be_added(self, world: World, cohort: Cohort) -> None:
        nova = make_patient(world.program, "HR-9", "Nova", "Byrne")
        nova.user = make_user(world.program, Role.PATIENT, "nova")
        nova.save(update_fields=["user"])
        assert services.add_to_cohort(cohort.group.created_by, cohort.group, nova.user).display_name == "Member 4"


class TestOpenGroupsAndPairs:
    def test_an_open_group_is_moderated_by_its_maker_and_has_a_code(self, world: World) -> None:
        member = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", " Rae ")
        assert (member.role, member.display_name, member.group.kind) == ("moderator", "Rae", "open")
        assert member.group.invite_code and len(member.group.invite_code) == 10

    def test_a_bad_name_saves_no_group(self, world: World) -> None:
        with pytest.raises(ValidationError):
            services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "  ")
        with pytest.raises(ValidationError):
            services.create_pair(world.user(Role.PATIENT), as_sponsor=True, display_name="x" * 41)
        assert not Group.objects.exists()

    def test_a_patient_cannot_start_an_open_group_and_staff_cannot_make_pairs(self, world: World) -> None:
        with pytest.raises(PermissionDenied):
            services.create_open_group(world.user(Role.PATIENT), "Circle", "D")
        with pytest.raises(PermissionDenied):
            services.create_pair(world.user(Role.PEER_MODERATOR), as_sponsor=True, display_name="S")
        assert not Group.objects.exists()


class TestJoinWithCode:
    def test_pair_roles_are_assigned(self) -> None:
        for maker_is_sponsor, joiner_role in ((True, "mentee"), (False, "sponsor")):
            maker = services.create_pair(person(f"m{joiner_role}"), as_sponsor=maker_is_sponsor, display_name="A")
            joined = services.join_with_code(person(f"j{joiner_role}"), maker.group.invite_code or "", "B")
            assert joined.role == joiner_role

    def test_a_full_pair_and_a_wrong_code_raise_the_same_error(self) -> None:
        maker = services.create_pair(person("a"), as_sponsor=True, display_name="A")
        services.join_with_code(person("b"), maker.group.invite_code or "", "B")
        errors: list[dict[str, list[str]]] = []
        for code in (maker.group.invite_code or "", "WRONGCODE2", ""):
            with pytest.raises(ValidationError) as exc:
                services.join_with_code(person(f"c{len(errors)}"), code, "C")
            errors.append(exc.value.message_dict)
        assert errors[0] == errors[1] == errors[2]

    def test_a_pair_whose_other_person_left_takes_no_one_new(self) -> None:
        """Its history is the two people's alone: the one who stays makes a new pair."""
        maker = services.create_pair(person("a"), as_sponsor=True, display_name="A")
        code = maker.group.invite_code or ""
        services.leave(services.join_with_code(person("b"), code, "B"))
        with pytest.raises(ValidationError, match="does not open a group"):
            services.join_with_code(person("c"), code, "C")
        again = services.create_pair(maker.user, as_sponsor=True, display_name="A")
        assert services.join_with_code(person("d"), again.group.invite_code or "", "D").role == "mentee"

    def test_a_removed_person_cannot_rejoin_but_one_who_left_can(self, world: World) -> None:
        moderator = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "Rae")
        code = moderator.group.invite_code or ""
        river, sky = person("river"), person("sky")
        services.remove_member(moderator, services.join_with_code(river, code, "River").pk, "")
        services.leave(services.join_with_code(sky, code, "Sky"))
        with pytest.raises(ValidationError, match="removed you"):
            services.join_with_code(river, code, "River")
        assert services.join_with_code(sky, code, "Sky").is_current

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.NURSE, Role.PRESCRIBER, Role.PROGRAM_ADMIN])
    def test_staff_other_than_peer_moderators_are_refused(self, world: World, role: Role) -> None:
        moderator = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "Rae")
        with pytest.raises(PermissionDenied):
            services.join_with_code(world.user(role), moderator.group.invite_code or "", "Staff")
        assert Membership.objects.filter(group=moderator.group).count() == 1


class TestMyGroupsAndAlerts:
    def test_my_groups_lists_current_groups_only(self, cohort: Cohort) -> None:
        pair = services.create_pair(cohort.dana.user, as_sponsor=False, display_name="D")
        assert [m.group_id for m in services.my_groups(cohort.dana.user)] == [pair.group_id, cohort.group.pk]
        services.leave(pair)
        assert [m.group_id for m in services.my_groups(cohort.dana.user)] == [cohort.group.pk]

    def test_alerts_skip_hidden_messages_and_groups_left(self, cohort: Cohort) -> None:
        first = post(cohort.elliot, "", kind=Message.Kind.SUPPORT_NOW)
        post(cohort.moderator, "", kind=Message.Kind.SUPPORT_NOW)
        assert len(services.unseen_support_alerts(cohort.dana.user)) == 2
        services.hide_message(cohort.moderator, first.pk, "")
        assert len(services.unseen_support_alerts(cohort.dana.user)) == 1
        services.leave(cohort.dana)
        assert services.unseen_support_alerts(cohort.dana.user) == []
