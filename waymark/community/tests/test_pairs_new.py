"""Inviting a sponsor or mentee (/community/pairs/new/): the person says which they are and the name they use,
gets a code to give the other person with a plain explanation, and the other person joins as the other role."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.community import services
from waymark.community.models import Group, Membership
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NEW = "/community/pairs/new/"


class TestMakingAPair:
    def test_a_mentee_gets_a_code_for_their_sponsor(self, client: Client, world: World) -> None:
        dana = world.user(Role.PATIENT)
        response = sign_in(client, dana).post(NEW, {"role": "mentee", "display_name": "D"})
        group = Group.objects.get(kind=Group.Kind.PAIR)
        assert response.status_code == 302 and response["Location"] == f"/community/#group-{group.pk}"
        assert Membership.objects.get(group=group).role == Membership.Role.MENTEE
        html = client.get(response["Location"]).content.decode()
        assert "Your pair is ready. Give the code below to the other person." in html
        assert group.invite_code and group.invite_code in html
        assert "Give this code to your sponsor:" in html and "Join with a code" in html
        assert AuditEvent.objects.filter(action="community_group_create", actor=dana).exists()

    def test_a_sponsor_gets_a_code_for_their_mentee(self, client: Client, world: World) -> None:
        sign_in(client, world.user(Role.PATIENT)).post(NEW, {"role": "sponsor", "display_name": "Sam"})
        assert Membership.objects.get().role == Membership.Role.SPONSOR
        assert "Give this code to your mentee:" in client.get("/community/").content.decode()

    def test_the_other_person_joins_with_the_code_and_the_code_is_no_longer_shown(
        self, client: Client, world: World
    ) -> None:
        sign_in(client, world.user(Role.PATIENT)).post(NEW, {"role": "mentee", "display_name": "D"})
        code = Group.objects.get().invite_code or "no code"
        sponsor = sign_in(Client(), make_user(None, Role.PATIENT, "sam"))
        assert sponsor.post("/community/join/", {"code": code, "display_name": "Sam"}).status_code == 302
        assert "you are the sponsor" in sponsor.get("/community/").content.decode()
        html = client.get("/community/").content.decode()
        assert code not in html and "2 people" in html

    def test_the_form_page_offers_both_roles(self, client: Client, world: World) -> None:
        html = sign_in(client, world.user(Role.PATIENT)).get(NEW).content.decode()
        assert 'value="mentee"' in html and 'value="sponsor"' in html and 'name="display_name"' in html


class TestRefusals:
    @pytest.mark.parametrize(
        ("data", "words"),
        [
            ({"display_name": "D"}, "Say whether you are the sponsor or the mentee."),
            ({"role": "boss", "display_name": "D"}, "Select a valid choice."),
            ({"role": "mentee", "display_name": ""}, "Choose a name to show in the group"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_saved(
        self, client: Client, world: World, data: dict[str, str], words: str
    ) -> None:
        response = sign_in(client, world.user(Role.PATIENT)).post(NEW, data)
        assert response.status_code == 422 and words in response.content.decode()
        assert not Group.objects.exists()

    @pytest.mark.parametrize("role", [Role.PEER_MODERATOR, Role.COUNSELLOR])
    def test_pairs_are_for_people_in_recovery(self, client: Client, world: World, role: Role) -> None:
        sign_in(client, world.user(role))
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"role": "sponsor", "display_name": "S"}).status_code == 403
        assert not Group.objects.exists()

    def test_a_pair_is_private_to_its_two_people(self, world: World) -> None:
        pair = services.create_pair(world.user(Role.PATIENT), as_sponsor=False, display_name="D")
        stranger = sign_in(Client(), make_user(None, Role.PATIENT, "stranger"))
        assert stranger.get(f"/community/{pair.group_id}/").status_code == 404
        assert pair.group.name not in stranger.get("/community/").content.decode()

    def test_once_made_the_pairs_code_opens_nothing_even_after_one_leaves(self, world: World) -> None:
        mentee = services.create_pair(world.user(Role.PATIENT), as_sponsor=False, display_name="D")
        code = mentee.group.invite_code or ""
        sponsor = services.join_with_code(make_user(None, Role.PATIENT, "sponsor"), code, "S")
        services.leave(sponsor)
        with pytest.raises(ValidationError) as refused:
            services.join_with_code(make_user(None, Role.PATIENT, "someone"), code, "X")
        assert "does not open a group" in str(refused.value)
        assert Membership.objects.filter(group=mentee.group).count() == 2
