"""No one outside a group reads or posts in it: another patient of the program, staff (the counsellor who made
the group included), another program's people and anonymous visitors get 404 (or the sign-in page) on every
board URL — the page, the live list, posting, reactions, reports, blocks, the profile, leaving, the
guidelines — and nothing is saved."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Block, Membership, Message, Reaction, Report
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def urls(cohort: Cohort) -> list[tuple[str, str, dict[str, str]]]:
    """(method, url, data) for every board URL of the cohort's group."""
    message = post(cohort.dana, "Only for the group.")
    g = cohort.group.pk
    return [
        ("get", reverse("community:board", args=[g]), {}),
        ("get", reverse("community:messages", args=[g]), {}),
        ("post", reverse("community:post", args=[g]), {"client_id": str(uuid.uuid4()), "kind": "post", "text": "x"}),
        ("post", reverse("community:post", args=[g]), {"client_id": str(uuid.uuid4()), "kind": "support_now"}),
        ("post", reverse("community:react", args=[g, message.pk]), {"kind": "heart"}),
        ("get", reverse("community:report", args=[g, message.pk]), {}),
        ("post", reverse("community:report", args=[g, message.pk]), {"reason": "unkind"}),
        ("post", reverse("community:block", args=[g, cohort.dana.pk]), {}),
        ("get", reverse("community:profile", args=[g]), {}),
        ("post", reverse("community:profile", args=[g]), {"display_name": "Intruder", "avatar_colour": "red"}),
        ("get", reverse("community:leave", args=[g]), {}),
        ("post", reverse("community:leave", args=[g]), {}),
        ("get", reverse("community:guidelines", args=[g]), {}),
    ]


def nothing_changed(cohort: Cohort) -> None:
    assert list(Message.objects.values_list("text", flat=True)) == ["Only for the group."]
    assert not Reaction.objects.exists() and not Report.objects.exists() and not Block.objects.exists()
    assert not Membership.objects.filter(display_name="Intruder").exists()
    assert Membership.objects.filter(group=cohort.group, left_at__isnull=True).count() == 3


def outsiders(world: World, cohort: Cohort) -> dict[str, User]:
    other_patient = make_user(world.outsider_program, Role.PATIENT, "frankie")
    world.outsider_patient.user = other_patient
    world.outsider_patient.save(update_fields=["user"])
    return {
        "another patient of the program": cohort.outsider,
        "the counsellor who made the group": world.user(Role.COUNSELLOR),
        "the program admin": world.user(Role.PROGRAM_ADMIN),
        "the privacy officer": world.user(Role.PRIVACY_OFFICER),
        "another program's peer moderator": world.outsider_staff[Role.PEER_MODERATOR],
        "another program's counsellor": world.outsider_staff[Role.COUNSELLOR],
        "another program's patient": other_patient,
    }


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_outsiders_get_404_on_every_board_url(client: Client, world: World, cohort: Cohort, htmx: bool) -> None:
    calls = urls(cohort)
    headers: dict[str, str] = {"HX-Request": "true"} if htmx else {}
    for who, user in outsiders(world, cohort).items():
        client.logout()
        sign_in(client, user)
        for method, url, data in calls:
            response = getattr(client, method)(url, data, headers=headers)
            assert response.status_code == 404, f"{who}: {method} {url} → {response.status_code}"
            assert b"Only for the group." not in response.content
    nothing_changed(cohort)


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, cohort: Cohort) -> None:
    for method, url, data in urls(cohort):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, f"{method} {url}"
        assert response["Location"].startswith(reverse("login"))
        htmx = getattr(client, method)(url, data, headers={"HX-Request": "true"})
        assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(reverse("login")), f"{method} {url}"
        assert b"Only for the group." not in response.content + htmx.content
    nothing_changed(cohort)


def test_a_removed_member_gets_404_everywhere(client: Client, cohort: Cohort) -> None:
    calls = urls(cohort)
    services.remove_member(cohort.moderator, cohort.elliot.pk, "Repeated unkind messages.")
    sign_in(client, cohort.elliot.user)
    for method, url, data in calls:
        assert getattr(client, method)(url, data).status_code == 404, f"{method} {url}"
    assert list(Message.objects.values_list("text", flat=True)) == ["Only for the group."]


def test_a_member_cannot_reach_another_groups_messages_through_their_own(
    client: Client, world: World, cohort: Cohort
) -> None:
    counsellor = world.user(Role.COUNSELLOR)
    other_group = services.create_cohort_group(counsellor, "Thursday group")
    outsider = services.add_to_cohort(counsellor, other_group, cohort.outsider)
    secret = post(outsider, "Thursday only.")
    sign_in(client, cohort.dana.user)
    g = cohort.group.pk
    assert client.get(reverse("community:report", args=[g, secret.pk])).status_code == 404
    # A reaction to a message not on the reader's board brings back their own board (as for a hidden one).
    reacted = client.post(reverse("community:react", args=[g, secret.pk]), {"kind": "heart"})
    assert reacted.status_code == 302 and reacted["Location"] == reverse("community:board", args=[g])
    assert client.post(reverse("community:block", args=[g, outsider.pk])).status_code == 404
    assert client.get(reverse("community:board", args=[other_group.pk])).status_code == 404
    assert not Reaction.objects.exists() and not Block.objects.exists()


@pytest.mark.parametrize("name", ["board", "messages", "guidelines", "profile", "leave"])
def test_members_read_their_groups_pages(client: Client, cohort: Cohort, name: str) -> None:
    post(cohort.elliot, "Hello all.")
    sign_in(client, cohort.dana.user)
    response = client.get(reverse(f"community:{name}", args=[cohort.group.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
