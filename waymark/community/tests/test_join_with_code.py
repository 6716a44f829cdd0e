"""Joining with an invitation code (/community/join/): an open group takes many members, a pair only two (the
sponsor and the mentee); a wrong code and a full pair get the same answer; a person a moderator removed
cannot come back with the code; staff other than peer moderators cannot join; leaving and rejoining works."""

import pytest
from django.http import Http404
from django.test import Client

from waymark.community import access, services
from waymark.community.models import Group, Membership
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

JOIN = "/community/join/"
NO_GROUP = "That code does not open a group. Check it with the person who gave it."


def person(username: str) -> User:
    """A self-guided person in recovery: an account, no program."""
    return make_user(None, Role.PATIENT, username)


def join(user: User, code: str, name: str = "River") -> tuple[int, str]:
    response = sign_in(Client(), user).post(JOIN, {"code": code, "display_name": name})
    return response.status_code, response.content.decode() if response.status_code != 302 else response["Location"]


@pytest.fixture
def open_group(world: World) -> Group:
    return services.create_open_group(world.user(Role.PEER_MODERATOR), "Evening circle", "Rae").group


def code_of(group: Group) -> str:
    assert group.invite_code
    return group.invite_code


class TestOpenGroups:
    def test_many_people_join_and_each_lands_on_the_board(self, open_group: Group) -> None:
        for n in range(5):
            status, location = join(person(f"p{n}"), code_of(open_group), f"Person {n}")
            assert (status, location) == (302, f"/community/{open_group.pk}/")
        members = Membership.objects.filter(group=open_group, role=Membership.Role.MEMBER)
        assert sorted(members.values_list("display_name", flat=True)) == [f"Person {n}" for n in range(5)]
        assert AuditEvent.objects.filter(action="community_join").count() == 5

    def test_the_welcome_names_the_group_and_the_chosen_name(self, client: Client, open_group: Group) -> None:
        sign_in(client, person("river"))
        client.post(JOIN, {"code": code_of(open_group), "display_name": "  River  "})
        html = client.get("/community/").content.decode()
        assert "Welcome to Evening circle. Others see you as River." in html

    def test_the_code_may_be_typed_in_small_letters_with_spaces(self, open_group: Group) -> None:
        code = code_of(open_group)
        status, _ = join(person("river"), f" {code[:5].lower()} {code[5:].lower()} ")
        assert status == 302

    def test_a_patient_of_a_program_and_a_peer_moderator_may_join(self, world: World, open_group: Group) -> None:
        assert join(world.user(Role.PATIENT), code_of(open_group))[0] == 302
        assert join(world.outsider_staff[Role.PEER_MODERATOR], code_of(open_group))[0] == 302

    def test_joining_twice_says_so(self, open_group: Group) -> None:
        river = person("river")
        join(river, code_of(open_group))
        status, html = join(river, code_of(open_group))
        assert status == 422 and "You are already in this group." in html
        assert Membership.objects.filter(group=open_group, user=river).count() == 1


class TestPairs:
    def test_the_other_person_becomes_the_sponsor_and_the_pair_is_then_full(self) -> None:
        mentee = services.create_pair(person("mentee"), as_sponsor=False, display_name="D")
        sponsor = person("sponsor")
        assert join(sponsor, code_of(mentee.group), "Sam")[0] == 302
        roles = dict(Membership.objects.filter(group=mentee.group).values_list("user__username", "role"))
        assert roles == {"mentee": "mentee", "sponsor": "sponsor"}
        status, html = join(person("third"), code_of(mentee.group))
        assert status == 422 and NO_GROUP in html
        assert Membership.objects.filter(group=mentee.group).count() == 2

    def test_a_sponsors_code_makes_the_other_person_the_mentee(self) -> None:
        sponsor = services.create_pair(person("sponsor"), as_sponsor=True, display_name="Sam")
        join(person("mentee"), code_of(sponsor.group))
        assert Membership.objects.get(group=sponsor.group, user__username="mentee").role == "mentee"

    def test_a_full_pair_and_a_wrong_code_get_the_same_answer(self) -> None:
        pair = services.create_pair(person("mentee"), as_sponsor=False, display_name="D")
        join(person("sponsor"), code_of(pair.group))
        full = join(person("third"), code_of(pair.group))
        wrong = join(person("fourth"), "ZZZZZZZZZZ")
        assert full[0] == wrong[0] == 422
        assert NO_GROUP in full[1] and NO_GROUP in wrong[1]


class TestRefusals:
    @pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "abc", "!!!!"])
    def test_a_wrong_code_saves_nothing(self, open_group: Group, code: str) -> None:
        status, html = join(person("river"), code)
        assert status == 422 and NO_GROUP in html
        assert not Membership.objects.filter(user__username="river").exists()

    def test_a_cohort_groups_id_is_no_code(self, world: World) -> None:
        counsellor = world.user(Role.COUNSELLOR)
        group = services.create_cohort_group(counsellor, "Tuesday")
        assert join(world.user(Role.PATIENT), str(group.pk))[0] == 422
        assert not Membership.objects.filter(group=group).exists()

    def test_a_closed_groups_code_no_longer_works(self, open_group: Group) -> None:
        Group.objects.filter(pk=open_group.pk).update(closed_at="2026-01-01T00:00Z")
        status, html = join(person("river"), code_of(open_group))
        assert status == 422 and NO_GROUP in html

    @pytest.mark.parametrize(
        ("fields", "words"),
        [
            ({"code": "", "display_name": "River"}, "Type the invitation code you were given."),
            ({"display_name": "   "}, "Choose a name to show in the group"),
            ({"display_name": "x" * 41}, "Keep the name under 40 characters."),
        ],
    )
    def test_missing_or_long_fields_are_explained(
        self, client: Client, open_group: Group, fields: dict[str, str], words: str
    ) -> None:
        sign_in(client, person("river"))
        response = client.post(JOIN, {"code": code_of(open_group), **fields})
        assert response.status_code == 422 and words in response.content.decode()
        assert not Membership.objects.filter(user__username="river").exists()

    def test_a_removed_person_cannot_rejoin_with_the_code(self, open_group: Group) -> None:
        river = person("river")
        join(river, code_of(open_group))
        moderator = Membership.objects.get(group=open_group, role="moderator")
        services.remove_member(moderator, Membership.objects.get(user=river).pk, "Selling")
        status, html = join(river, code_of(open_group))
        assert status == 422 and "A moderator removed you from this group." in html
        assert Membership.objects.filter(group=open_group, user=river, removed_at__isnull=True).count() == 0

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.NURSE, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER])
    def test_staff_other_than_peer_moderators_are_refused(self, world: World, open_group: Group, role: Role) -> None:
        client = sign_in(Client(), world.user(role))
        assert client.get(JOIN).status_code == 403
        assert client.post(JOIN, {"code": code_of(open_group), "display_name": "Staff"}).status_code == 403
        assert not Membership.objects.filter(group=open_group, user=world.user(role)).exists()

    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Client, open_group: Group) -> None:
        response = client.post(JOIN, {"code": code_of(open_group), "display_name": "X"})
        assert response.status_code == 302 and response["Location"].startswith("/login/")


class TestLeavingAndRejoining:
    def test_a_person_who_left_an_open_group_can_rejoin(self, open_group: Group) -> None:
        river = person("river")
        join(river, code_of(open_group), "River")
        services.leave(Membership.objects.get(group=open_group, user=river))
        with pytest.raises(Http404):  # access ends at once
            access.membership_for(river, open_group.pk)
        assert join(river, code_of(open_group), "River again")[0] == 302
        assert access.membership_for(river, open_group.pk).display_name == "River again"
        assert Membership.objects.filter(group=open_group, user=river).count() == 2


def test_the_join_page_explains_and_shows_the_guidelines(client: Client, world: World) -> None:
    html = sign_in(client, world.user(Role.PATIENT)).get(JOIN).content.decode()
    assert "Join with a code" in html and 'name="code"' in html and "Community guidelines" in html
