"""Only a group's moderators moderate it: a member is refused (403), anyone not in the group is told it does not
exist (404), a visitor is sent to sign in, and nothing changes. The same for the page and every action."""

import pytest
from django.test import Client

from waymark.community import services
from waymark.community.models import Membership, Message, ModerationAction, Report
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def pages(cohort: Cohort) -> list[tuple[str, str]]:
    """(method, url) of the moderation page and every moderator action, aimed at real objects."""
    message = post(cohort.elliot, "Text")
    report = services.report_message(cohort.dana, message.pk, "unkind")
    g, m, e = cohort.group.pk, message.pk, cohort.elliot.pk
    return [
        ("get", f"/community/{g}/moderation/"),
        ("post", f"/community/{g}/messages/{m}/hide/"),
        ("post", f"/community/{g}/messages/{m}/unhide/"),
        ("post", f"/community/{g}/members/{e}/mute/"),
        ("post", f"/community/{g}/members/{e}/unmute/"),
        ("post", f"/community/{g}/members/{e}/remove/"),
        ("post", f"/community/{g}/reports/{report.pk}/dismiss/"),
    ]


def nothing_changed(cohort: Cohort) -> None:
    assert not ModerationAction.objects.exists()
    assert not Message.objects.filter(hidden_at__isnull=False).exists()
    elliot = Membership.objects.get(pk=cohort.elliot.pk)
    assert elliot.muted_until is None and elliot.removed_at is None
    assert Report.objects.get().resolved_at is None


def ask(client: Client, method: str, url: str) -> int:
    data = {"reason": "because", "hours": "24"}
    response = client.get(url) if method == "get" else client.post(url, data)
    return response.status_code


def test_a_member_is_refused(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    assert [ask(client, method, url) for method, url in pages(cohort)] == [403] * 7
    nothing_changed(cohort)


@pytest.mark.parametrize("who", ["outsider", "other_moderator", "counsellor", "left", "removed"])
def test_anyone_not_in_the_group_finds_nothing(client: Client, world: World, cohort: Cohort, who: str) -> None:
    urls = pages(cohort)
    if who == "left":
        services.leave(cohort.elliot)
        user = cohort.elliot.user
    elif who == "removed":
        Membership.objects.filter(pk=cohort.dana.pk).update(removed_at="2026-01-01T00:00Z")
        user = cohort.dana.user
    else:
        user = {
            "outsider": cohort.outsider,
            "other_moderator": world.outsider_staff[Role.PEER_MODERATOR],
            "counsellor": cohort.group.created_by,
        }[who]
    sign_in(client, user)
    assert [ask(client, method, url) for method, url in urls] == [404] * 7
    nothing_changed(cohort)


def test_a_moderator_of_another_group_cannot_reach_this_one(client: Client, world: World, cohort: Cohort) -> None:
    # Their own group's id with this group's message, member or report: the services look the target up within
    # the moderator's group, find nothing and change nothing.
    other = services.create_open_group(world.user(Role.PEER_MODERATOR), "Circle", "Rae").group
    urls = [(m, u.replace(f"/community/{cohort.group.pk}/", f"/community/{other.pk}/")) for m, u in pages(cohort)]
    sign_in(client, world.user(Role.PEER_MODERATOR))
    for _method, url in urls[1:]:
        response = client.post(url, {"reason": "x", "hours": "24"})
        assert response.status_code == 302 and response["Location"] == f"/community/{other.pk}/moderation/"
    nothing_changed(cohort)


def test_visitors_are_sent_to_sign_in(client: Client, cohort: Cohort) -> None:
    for method, url in pages(cohort):
        response = client.get(url) if method == "get" else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    nothing_changed(cohort)


def test_actions_are_posts(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.moderator.user)
    for _method, url in pages(cohort)[1:]:
        assert client.get(url).status_code == 405
    nothing_changed(cohort)
