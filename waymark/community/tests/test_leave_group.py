"""Leaving a group: a confirm page says what happens, the POST ends access at once — the next request for the
board or the live list is 404 — and the member's messages stay, under their chosen name."""

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community.models import Membership, Message
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_confirm_page_says_what_leaving_means(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    html = client.get(reverse("community:leave", args=[cohort.group.pk])).content.decode()
    assert "Leave Tuesday evening group?" in html
    assert "You stop seeing the group's messages at once." in html
    assert "ask your counsellor" in html
    assert Membership.objects.get(pk=cohort.dana.pk).left_at is None


def test_leaving_ends_access_at_once(client: Client, cohort: Cohort) -> None:
    post(cohort.dana, "Thanks for everything, all.")
    sign_in(client, cohort.dana.user)
    board_url = reverse("community:board", args=[cohort.group.pk])
    list_url = reverse("community:messages", args=[cohort.group.pk])
    assert client.get(list_url, headers={"HX-Request": "true"}).status_code == 200
    response = client.post(reverse("community:leave", args=[cohort.group.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("community:groups")
    assert client.get(board_url).status_code == 404
    assert client.get(list_url, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(reverse("community:leave", args=[cohort.group.pk])).status_code == 404
    assert Membership.objects.get(pk=cohort.dana.pk).left_at is not None
    # The others still read what Dana wrote.
    sign_in(client, cohort.elliot.user)
    assert "Thanks for everything, all." in client.get(board_url).content.decode()
    assert Message.objects.count() == 1


def test_leaving_needs_the_form_not_a_link(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    client.get(reverse("community:leave", args=[cohort.group.pk]))
    client.get(reverse("community:leave", args=[cohort.group.pk]) + "?confirm=1")
    assert Membership.objects.get(pk=cohort.dana.pk).is_current
