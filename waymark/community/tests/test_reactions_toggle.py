"""Reactions: a button per reaction under each message; pressing it adds the reaction (aria-pressed="true", the
count goes up), pressing again takes it back. With HTMX the answer is the refreshed list; without JS, the board.
An unknown reaction is refused; a hidden message or another group's cannot be reacted to (the board comes back)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Reaction
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def react(client: Client, cohort: Cohort, message_id: int, kind: str, htmx: bool = True) -> Any:
    url = reverse("community:react", args=[cohort.group.pk, message_id])
    return client.post(url, {"kind": kind}, headers={"HX-Request": "true"} if htmx else {})


def test_pressing_a_reaction_adds_it_and_pressing_again_takes_it_back(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Got through the weekend.")
    services.toggle_reaction(cohort.moderator, message.pk, "strength")
    sign_in(client, cohort.dana.user)
    response = react(client, cohort, message.pk, "strength")
    assert response.status_code == 200 and response["ETag"]
    html = response.content.decode()
    assert f'id="react-{message.pk}-strength" class="reaction has-count" aria-pressed="true"' in html
    assert '<span class="reaction-count">2</span>' in html
    html = react(client, cohort, message.pk, "strength").content.decode()
    assert f'id="react-{message.pk}-strength" class="reaction has-count" aria-pressed="false"' in html
    assert '<span class="reaction-count">1</span>' in html
    assert list(Reaction.objects.values_list("member", "kind")) == [(cohort.moderator.pk, "strength")]


def test_without_js_it_comes_back_to_the_message(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Got through the weekend.")
    sign_in(client, cohort.dana.user)
    response = react(client, cohort, message.pk, "heart", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("community:board", args=[cohort.group.pk]) + f"#message-{message.pk}"
    assert Reaction.objects.filter(member=cohort.dana, kind="heart").count() == 1


def test_an_unknown_reaction_is_refused(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Got through the weekend.")
    sign_in(client, cohort.dana.user)
    response = react(client, cohort, message.pk, "thumbs-down")
    assert response.status_code == 422 and b"Unknown reaction." in response.content
    assert not Reaction.objects.exists()


def test_a_hidden_message_cannot_be_reacted_to(client: Client, cohort: Cohort) -> None:
    """Hidden since the reader's copy (or not this group's): the board comes back without it, not a 404, which
    the board's script would read as "you are no longer in this group"."""
    post(cohort.elliot, "Still here.")
    message = post(cohort.elliot, "Something hidden.")
    services.hide_message(cohort.moderator, message.pk, "")
    sign_in(client, cohort.dana.user)
    for message_id in (message.pk, message.pk + 100):
        response = react(client, cohort, message_id, "heart")
        html = response.content.decode()
        assert response.status_code == 200 and "Still here." in html and "Something hidden." not in html
    response = react(client, cohort, message.pk, "heart", htmx=False)
    assert response.status_code == 302
    board = client.get(response["Location"]).content.decode()
    assert "That message is no longer on the board." in board
    assert not Reaction.objects.exists()
