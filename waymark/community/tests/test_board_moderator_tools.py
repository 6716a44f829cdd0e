"""On the board a peer moderator sees hidden messages (marked "Hidden", with Unhide) and, under other people's
messages, the forms to hide the message and to mute or remove its author — each with a reason. Members see none
of this, and hidden messages not at all."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def board(client: Client, cohort: Cohort) -> str:
    return client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()


def forms_to(html: str, name: str, *args: int) -> list[str]:
    action = reverse(f"community:{name}", args=args)
    return re.findall(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)


def test_a_moderator_gets_hide_mute_and_remove_with_a_reason(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Hmm.")
    own = post(cohort.moderator, "Welcome.")
    sign_in(client, cohort.moderator.user)
    html = board(client, cohort)
    g = cohort.group.pk
    [hide] = forms_to(html, "hide", g, message.pk)
    [mute] = forms_to(html, "mute", g, cohort.elliot.pk)
    [remove] = forms_to(html, "remove", g, cohort.elliot.pk)
    for form in (hide, mute, remove):
        assert 'name="reason"' in form and "csrfmiddlewaretoken" in form
    assert '<select name="hours"' in mute and '<option value="24" selected>1 day</option>' in mute
    assert ">Hide<" in hide and ">Mute author<" in mute and ">Remove author<" in remove
    assert forms_to(html, "hide", g, own.pk) == []  # not on their own message
    assert reverse("community:moderation", args=[g]) in html


def test_a_hidden_message_is_shown_to_moderators_marked_with_unhide(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Hidden words.")
    services.hide_message(cohort.moderator, message.pk, "Guidelines")
    sign_in(client, cohort.moderator.user)
    html = board(client, cohort)
    assert "Hidden words." in html and '<span class="badge message-hidden-badge">Hidden</span>' in html
    [unhide] = forms_to(html, "unhide", cohort.group.pk, message.pk)
    assert 'name="reason"' in unhide and ">Unhide<" in unhide
    assert forms_to(html, "hide", cohort.group.pk, message.pk) == []
    sign_in(client, cohort.dana.user)
    assert "Hidden words." not in board(client, cohort)


def test_members_see_no_moderator_tools(client: Client, cohort: Cohort) -> None:
    post(cohort.elliot, "Hmm.")
    sign_in(client, cohort.dana.user)
    html = board(client, cohort)
    assert "/hide/" not in html and "/mute/" not in html and "/remove/" not in html and "Moderate" not in html
    assert reverse("community:moderation", args=[cohort.group.pk]) not in html


def test_a_member_who_left_gets_no_mute_or_remove(client: Client, cohort: Cohort) -> None:
    other = services.add_to_cohort(cohort.group.created_by, cohort.group, cohort.outsider)
    message = post(other, "Bye all.")
    services.leave(other)
    sign_in(client, cohort.moderator.user)
    html = board(client, cohort)
    assert forms_to(html, "hide", cohort.group.pk, message.pk)
    assert forms_to(html, "mute", cohort.group.pk, other.pk) == []
    assert forms_to(html, "remove", cohort.group.pk, other.pk) == []


def test_hiding_from_the_board_comes_back_to_the_board(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Hmm.")
    sign_in(client, cohort.moderator.user)
    [hide] = forms_to(board(client, cohort), "hide", cohort.group.pk, message.pk)
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', hide))
    response = client.post(reverse("community:hide", args=[cohort.group.pk, message.pk]), {**data, "reason": "Unkind"})
    assert response.status_code == 302 and response["Location"] == reverse("community:board", args=[cohort.group.pk])
    message.refresh_from_db()
    assert message.hidden_at is not None
