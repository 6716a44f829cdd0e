"""The live list: every 3 seconds the browser asks for the message list with the ETag of the one it shows. An
unchanged board answers 304 without reading the board; new posts alone come back, for the top of the list; after a
reaction, a hide or a block the whole list comes again; a hidden message disappears for every member at their next
poll; a member who left gets 404. The number of queries does not grow with the number of messages."""

import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.chart.tests.api_helpers import Response
from waymark.community import services
from waymark.community.exports import erase_posts
from waymark.community.models import Message
from waymark.community.tests.conftest import Cohort, post
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def poll_response(client: Client, cohort: Cohort, etag: str = "") -> Response:
    headers = {"HX-Request": "true", **({"If-None-Match": etag} if etag else {})}
    response = client.get(reverse("community:messages", args=[cohort.group.pk]), headers=headers)
    if response.status_code != 404:
        assert response["Cache-Control"] == "private, no-store"
    return response


def poll(client: Client, cohort: Cohort, etag: str = "") -> tuple[int, str, str]:
    response = poll_response(client, cohort, etag)
    return response.status_code, response.get("ETag", ""), response.content.decode()


class TestConditionalPolling:
    def test_an_unchanged_board_answers_304_without_reading_it(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "Morning, all.")
        sign_in(client, cohort.dana.user)
        status, etag, html = poll(client, cohort)
        assert status == 200 and etag and "Morning, all." in html
        with CaptureQueriesContext(connection) as queries:
            status, again, html = poll(client, cohort, etag)
        assert (status, again, html) == (304, etag, "")
        assert not any('"community_message"' in q["sql"] for q in queries.captured_queries)

    def test_a_new_post_comes_alone_and_goes_to_the_top_of_the_list(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "Morning, all.")
        sign_in(client, cohort.dana.user)
        _, etag, _ = poll(client, cohort)
        post(cohort.moderator, "Welcome back, everyone.")
        post(cohort.elliot, "Thanks!")
        response = poll_response(client, cohort, etag)
        html = response.content.decode()
        assert response.status_code == 200 and response["ETag"] != etag
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#board-list", "afterbegin")
        assert "Morning, all." not in html  # already shown
        assert html.index("Thanks!") < html.index("Welcome back, everyone.")  # newest first, as the list
        assert poll(client, cohort, response["ETag"])[0] == 304

    def test_after_a_reaction_or_a_hide_the_whole_list_comes_again(self, client: Client, cohort: Cohort) -> None:
        first = post(cohort.elliot, "Morning, all.")
        sign_in(client, cohort.dana.user)
        _, etag, _ = poll(client, cohort)
        post(cohort.moderator, "Welcome back, everyone.")
        services.toggle_reaction(cohort.elliot, first.pk, "heart")
        response = poll_response(client, cohort, etag)
        html = response.content.decode()
        assert response.status_code == 200 and "HX-Retarget" not in response
        assert "Morning, all." in html and "Welcome back, everyone." in html
        assert '<span class="reaction-count">1</span>' in html
        services.hide_message(cohort.moderator, first.pk, "Testing")
        status, _, html = poll(client, cohort, response["ETag"])
        assert status == 200 and "Morning, all." not in html and "Welcome back, everyone." in html

    def test_a_post_i_may_not_see_answers_204_with_the_new_etag(self, client: Client, cohort: Cohort) -> None:
        post(cohort.moderator, "Morning, all.")
        services.block(cohort.dana.user, cohort.elliot)
        sign_in(client, cohort.dana.user)
        _, etag, _ = poll(client, cohort)
        post(cohort.elliot, "Only the moderator and I see this.")
        status, new_etag, html = poll(client, cohort, etag)
        assert (status, html) == (204, "") and new_etag != etag
        assert poll(client, cohort, new_etag)[0] == 304

    def test_an_etag_that_is_not_the_boards_gets_the_whole_list(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "Morning, all.")
        sign_in(client, cohort.dana.user)
        _, etag, _ = poll(client, cohort)
        moderator = Client()
        sign_in(moderator, cohort.moderator.user)
        for sent in ('"not-ours"', "*", etag, etag.replace(".", ".9", 1)):
            status, _, html = poll(moderator, cohort, sent)  # dana's tag names dana: not the moderator's copy
            assert status == 200 and "Morning, all." in html, sent

    def test_the_page_gives_the_first_poll_its_etag(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        page = client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()
        _, etag, _ = poll(client, cohort)
        assert f'data-etag="{etag.replace(chr(34), "&quot;")}"' in page
        assert poll(client, cohort, etag)[0] == 304

    def test_blocking_someone_changes_my_etag_only(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "Morning, all.")
        sign_in(client, cohort.dana.user)
        _, dana_etag, _ = poll(client, cohort)
        moderator = Client()
        sign_in(moderator, cohort.moderator.user)
        _, moderator_etag, _ = poll(moderator, cohort)
        services.block(cohort.dana.user, cohort.elliot)
        status, _, html = poll(client, cohort, dana_etag)
        assert status == 200 and "Morning, all." not in html
        assert poll(moderator, cohort, moderator_etag)[0] == 304


def test_a_hidden_message_disappears_for_every_member_at_the_next_poll(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Something that breaks the guidelines.")
    members = {}
    for m in (cohort.dana, cohort.elliot):
        members[m.pk] = c = Client()
        sign_in(c, m.user)
        assert "Something that breaks the guidelines." in poll(c, cohort)[2]
    services.hide_message(cohort.moderator, message.pk, "Breaks the guidelines")
    for c in members.values():
        assert "Something that breaks the guidelines." not in poll(c, cohort)[2]
    # The moderator still sees it, marked hidden, with Unhide.
    sign_in(client, cohort.moderator.user)
    html = poll(client, cohort)[2]
    assert "Something that breaks the guidelines." in html and ">Hidden<" in html
    assert reverse("community:unhide", args=[cohort.group.pk, message.pk]) in html


def test_a_member_who_left_gets_404_at_the_next_poll(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    status, etag, _ = poll(client, cohort)
    assert status == 200
    services.leave(cohort.dana)
    assert poll(client, cohort, etag)[0] == 404
    assert poll(client, cohort)[0] == 404


def fill(cohort: Cohort, n: int) -> None:
    """n messages from every member (with reactions, days shown, a hidden one), and a block."""
    for member in (cohort.dana, cohort.elliot, cohort.moderator):
        start(member.user)
        services.update_profile(member, display_name=member.display_name, avatar_colour="blue", show_days=True)
    Message.objects.all().delete()
    authors = [cohort.dana, cohort.elliot, cohort.moderator]
    for i in range(n):
        message = post(authors[i % 3], f"Message {i}", kind="support_now" if i % 7 == 0 else "post")
        if i % 2:
            services.toggle_reaction(cohort.dana, message.pk, "heart")
        if i % 5 == 0:
            services.hide_message(cohort.moderator, message.pk, "")


@pytest.mark.parametrize("who", ["dana", "moderator"])
def test_board_and_poll_queries_do_not_grow_with_messages(client: Client, cohort: Cohort, who: str) -> None:
    member = getattr(cohort, who)
    sign_in(client, member.user)
    client.get(reverse("community:guidelines", args=[cohort.group.pk]))  # the session's first-request writes
    counts = []
    for n in (5, 60):
        fill(cohort, n)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("community:board", args=[cohort.group.pk])).status_code == 200
        with CaptureQueriesContext(connection) as polled:
            status, etag, _ = poll(client, cohort)
            assert status == 200
        post(cohort.elliot, "New since.")
        with CaptureQueriesContext(connection) as polled_new:
            assert poll_response(client, cohort, etag)["HX-Reswap"] == "afterbegin"
        with CaptureQueriesContext(connection) as posted:
            data = {"client_id": str(uuid.uuid4()), "kind": "post", "text": "One more."}
            url = reverse("community:post", args=[cohort.group.pk])
            assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
        counts.append((len(page), len(polled), len(polled_new), len(posted)))
    assert counts[0] == counts[1], counts
    # The poll: session, user, (a moderator's second factor), membership, state, board (2), days, zone.
    assert counts[1][1] <= 9, counts
    assert counts[1][2] <= 9, counts  # only what is new: the same reads, over the new messages


def test_the_board_polls_at_the_configured_interval_and_when_shown_again(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    url = reverse("community:board", args=[cohort.group.pk])
    assert 'hx-trigger="every 3s, board:shown"' in client.get(url).content.decode()
    with override_settings(WAYMARK_BOARD_POLL_SECONDS=10):
        assert 'hx-trigger="every 10s, board:shown"' in client.get(url).content.decode()


def test_the_first_posts_on_an_empty_board_come_as_the_whole_list(client: Client, cohort: Cohort) -> None:
    """An empty board shows "No messages yet", with no list to add to."""
    sign_in(client, cohort.dana.user)
    _, etag, html = poll(client, cohort)
    assert "No messages yet" in html
    post(cohort.elliot, "First!")
    response = poll_response(client, cohort, etag)
    assert "HX-Retarget" not in response and 'id="board-list"' in response.content.decode()


def test_blocking_someone_else_instead_gets_the_whole_list(client: Client, cohort: Cohort) -> None:
    """As many blocks as before, but other people: the copy is not current (the newest block's id changed)."""
    post(cohort.elliot, "From Elliot.")
    post(cohort.moderator, "From the moderator.")
    services.block(cohort.dana.user, cohort.elliot)
    sign_in(client, cohort.dana.user)
    _, etag, html = poll(client, cohort)
    assert "From Elliot." not in html
    services.unblock(cohort.dana.user, cohort.elliot.user_id)
    services.block(cohort.dana.user, cohort.moderator)
    status, _, html = poll(client, cohort, etag)
    assert status == 200 and "From Elliot." in html and "From the moderator." not in html


def test_a_deleted_accounts_posts_leave_open_boards_at_the_next_poll(client: Client, cohort: Cohort) -> None:
    post(cohort.dana, "Dana was here.")
    post(cohort.elliot, "Elliot too.")
    sign_in(client, cohort.dana.user)
    _, etag, _ = poll(client, cohort)
    erase_posts(cohort.elliot.user)
    status, _, html = poll(client, cohort, etag)
    assert status == 200 and "Elliot too." not in html and "Dana was here." in html


def test_a_group_number_too_big_for_the_database_is_no_group(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    assert client.get(f"/community/{2**70}/messages/", headers={"HX-Request": "true"}).status_code == 404
