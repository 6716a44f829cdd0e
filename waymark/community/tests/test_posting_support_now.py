"""The "I need support now" button: it posts "I need support now." and tells every other current member once
(one SupportAlert each) — not the author, not members who left, not members who blocked the author. Pressing it
twice with the same form (a double tap) posts and alerts once."""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Message, SupportAlert
from waymark.community.tests.conftest import Cohort
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def press(client: Client, cohort: Cohort, client_id: str, htmx: bool = False) -> Any:
    data = {"client_id": client_id, "kind": "support_now"}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("community:post", args=[cohort.group.pk]), data, headers=headers)


def recipients() -> list[str]:
    return sorted(SupportAlert.objects.values_list("recipient__username", flat=True))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_it_alerts_every_other_member_once(client: Client, cohort: Cohort, htmx: bool) -> None:
    sign_in(client, cohort.dana.user)
    client_id = str(uuid.uuid4())
    first = press(client, cohort, client_id, htmx)
    assert first.status_code == (200 if htmx else 302)
    press(client, cohort, client_id, htmx)  # a double tap
    message = Message.objects.get()
    assert (message.kind, message.text, message.author) == ("support_now", "I need support now.", cohort.dana)
    assert recipients() == sorted([cohort.elliot.user.username, cohort.moderator.user.username])
    page = first.content.decode() if htmx else client.get(first["Location"]).content.decode()
    assert "everyone in the group has been told you need support" in page
    assert "Needs support now" in page


def test_members_who_blocked_the_author_or_left_are_not_alerted(client: Client, cohort: Cohort) -> None:
    services.block(cohort.elliot.user, cohort.dana)
    services.leave(cohort.moderator)
    sign_in(client, cohort.dana.user)
    press(client, cohort, str(uuid.uuid4()))
    assert Message.objects.count() == 1
    assert recipients() == []


def test_the_alert_shows_until_the_member_opens_the_board(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    press(client, cohort, str(uuid.uuid4()))
    assert len(services.unseen_support_alerts(cohort.elliot.user)) == 1
    sign_in(client, cohort.elliot.user)
    client.get(reverse("community:board", args=[cohort.group.pk]))
    assert services.unseen_support_alerts(cohort.elliot.user) == []
    assert len(services.unseen_support_alerts(cohort.moderator.user)) == 1


def test_the_companion_home_shows_an_unopened_ask_until_the_board_is_opened(client: Client, cohort: Cohort) -> None:
    start(cohort.dana.user)
    services.post_message(cohort.elliot, "", client_id=uuid.uuid4(), kind="support_now")
    sign_in(client, cohort.dana.user)
    home = client.get(reverse("companion:home")).content.decode()
    assert "Someone in your group needs support" in home
    assert f"{cohort.elliot.display_name} in Tuesday evening group asked for support." in home
    assert reverse("community:board", args=[cohort.group.pk]) in home
    client.get(reverse("community:board", args=[cohort.group.pk]))
    assert "Someone in your group needs support" not in client.get(reverse("companion:home")).content.decode()


def test_blocking_the_author_clears_their_unopened_ask(client: Client, cohort: Cohort) -> None:
    start(cohort.dana.user)
    services.post_message(cohort.elliot, "", client_id=uuid.uuid4(), kind="support_now")
    assert len(services.unseen_support_alerts(cohort.dana.user)) == 1
    services.block(cohort.dana.user, cohort.elliot)
    assert services.unseen_support_alerts(cohort.dana.user) == []
    sign_in(client, cohort.dana.user)
    assert "Someone in your group needs support" not in client.get(reverse("companion:home")).content.decode()
