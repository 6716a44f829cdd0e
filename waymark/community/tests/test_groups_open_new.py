"""A peer moderator starts an open group (/community/open/new/): they moderate it and get its invitation code
to share; people in recovery join with it. Only peer moderators start open groups."""

import pytest
from django.test import Client

from waymark.community.models import Group, Membership
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NEW = "/community/open/new/"


def test_a_peer_moderator_starts_a_group_and_gets_its_code(client: Client, world: World) -> None:
    moderator = world.user(Role.PEER_MODERATOR)
    sign_in(client, moderator)
    assert 'name="name"' in client.get(NEW).content.decode()
    response = client.post(NEW, {"name": " Evening   circle ", "display_name": "Rae"})
    group = Group.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/community/#group-{group.pk}"
    assert (group.kind, group.name, group.program_id) == (Group.Kind.OPEN, "Evening circle", None)
    member = Membership.objects.get(group=group)
    assert (member.user, member.role, member.display_name) == (moderator, "moderator", "Rae")
    html = client.get(response["Location"]).content.decode()
    assert "Evening circle is open. Share its invitation code below" in html
    assert group.invite_code and group.invite_code in html and "give it only to the people you invite" in html
    assert AuditEvent.objects.filter(action="community_group_create", actor=moderator).exists()


def test_people_join_with_the_code(client: Client, world: World) -> None:
    sign_in(client, world.user(Role.PEER_MODERATOR)).post(NEW, {"name": "Evening circle", "display_name": "Rae"})
    code = Group.objects.get().invite_code
    river = sign_in(Client(), make_user(None, Role.PATIENT, "river"))
    assert river.post("/community/join/", {"code": code, "display_name": "River"}).status_code == 302
    assert "Evening circle" in river.get("/community/").content.decode()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "", "display_name": "Rae"}, "Give the group a name of up to 80 characters."),
        ({"name": "x" * 81, "display_name": "Rae"}, "Give the group a name of up to 80 characters."),
        ({"name": "Circle", "display_name": ""}, "Choose a name to show in the group"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(
    client: Client, world: World, data: dict[str, str], words: str
) -> None:
    response = sign_in(client, world.user(Role.PEER_MODERATOR)).post(NEW, data)
    assert response.status_code == 422 and words in response.content.decode()
    assert not Group.objects.exists()


@pytest.mark.parametrize("role", [Role.PATIENT, Role.COUNSELLOR, Role.PROGRAM_ADMIN])
def test_only_peer_moderators_start_open_groups(client: Client, world: World, role: Role) -> None:
    sign_in(client, world.user(role))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"name": "Mine", "display_name": "Me"}).status_code == 403
    assert not Group.objects.exists()
