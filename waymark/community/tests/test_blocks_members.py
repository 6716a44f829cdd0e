"""Blocking another member: "Block" under their message; their messages vanish for the blocker (in every group)
and only for the blocker. The blocked people page lists them by the names they used in shared groups, never a
real name, and unblocking brings their messages back."""

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Block
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def board(client: Client, cohort: Cohort) -> str:
    return client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()


def test_blocked_messages_vanish_for_the_blocker_only(client: Client, cohort: Cohort) -> None:
    services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="red", show_days=False)
    post(cohort.elliot, "Something Dana would rather not read.")
    post(cohort.moderator, "Welcome, all.")
    sign_in(client, cohort.dana.user)
    response = client.post(reverse("community:block", args=[cohort.group.pk, cohort.elliot.pk]))
    assert response.status_code == 302
    html = board(client, cohort)
    assert "You blocked Eli." in html
    assert "Something Dana would rather not read." not in html and "Welcome, all." in html
    for member in (cohort.elliot, cohort.moderator):
        sign_in(client, member.user)
        assert "Something Dana would rather not read." in board(client, cohort)


def test_with_htmx_the_answer_is_the_list_without_their_messages(client: Client, cohort: Cohort) -> None:
    post(cohort.elliot, "Something Dana would rather not read.")
    sign_in(client, cohort.dana.user)
    url = reverse("community:block", args=[cohort.group.pk, cohort.elliot.pk])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "No messages yet" in response.content.decode()
    assert "Something Dana would rather not read." not in response.content.decode()


def test_members_cannot_block_themselves(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    response = client.post(reverse("community:block", args=[cohort.group.pk, cohort.dana.pk]))
    assert response.status_code == 422 and b"You cannot block yourself." in response.content
    assert not Block.objects.exists()


def test_blocking_needs_a_post(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    assert client.get(reverse("community:block", args=[cohort.group.pk, cohort.elliot.pk])).status_code == 405
    assert not Block.objects.exists()


def test_the_blocked_people_page_lists_them_by_group_name_and_unblocks(client: Client, cohort: Cohort) -> None:
    services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="red", show_days=False)
    post(cohort.elliot, "Back again.")
    services.block(cohort.dana.user, cohort.elliot)
    sign_in(client, cohort.dana.user)
    page = client.get(reverse("community:blocks"))
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert "Eli (Tuesday evening group)" in html
    assert cohort.elliot.user.username not in html and "Marsh" not in html  # no real names
    response = client.post(reverse("community:unblock", args=[cohort.elliot.user.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("community:blocks")
    assert not Block.objects.exists()
    assert "Back again." in board(client, cohort)
    assert "You have not blocked anyone." in client.get(reverse("community:blocks")).content.decode()


def test_unblocking_touches_only_my_own_blocks(client: Client, cohort: Cohort) -> None:
    services.block(cohort.elliot.user, cohort.dana)
    sign_in(client, cohort.moderator.user)
    client.post(reverse("community:unblock", args=[cohort.dana.user.pk]))
    assert Block.objects.filter(blocker=cohort.elliot.user).count() == 1


def test_blocks_pages_need_sign_in(client: Client, cohort: Cohort) -> None:
    assert client.get(reverse("community:blocks")).status_code == 302
    assert client.post(reverse("community:unblock", args=[cohort.dana.user.pk])).status_code == 302


def test_after_leaving_a_group_the_blocked_page_no_longer_says_who_is_in_it(client: Client, cohort: Cohort) -> None:
    services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="red", show_days=False)
    services.block(cohort.dana.user, cohort.elliot)
    services.leave(cohort.dana)
    sign_in(client, cohort.dana.user)
    html = client.get(reverse("community:blocks")).content.decode()
    assert "Tuesday evening group" not in html and "Eli" not in html
    assert reverse("community:unblock", args=[cohort.elliot.user_id]) in html  # still listed, to unblock
