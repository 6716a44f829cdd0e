"""A member posts to the board: with HTMX the answer is the refreshed list with fresh forms (a new client id, an
empty box); without JS the form posts and comes back to the board. The same client id posts once, however many
times it is sent. An empty or too long message is refused with a clear reason and nothing is saved. A muted
member is refused (403) with the reason and the end of the mute, and sees no form."""

import datetime as dt
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from waymark.community import services
from waymark.community.models import Membership, Message, SupportAlert
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def send(client: Client, cohort: Cohort, text: str, client_id: str = "", htmx: bool = False, **extra: str) -> Any:
    data = {"client_id": client_id or str(uuid.uuid4()), "kind": "post", "text": text, **extra}
    return client.post(reverse("community:post", args=[cohort.group.pk]), data, headers=HTMX if htmx else {})


def client_ids(html: str) -> list[str]:
    return re.findall(r'name="client_id" value="([0-9a-f-]{36})"', html)


class TestPosting:
    def test_a_member_posts_without_js_and_comes_back_to_the_board(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        response = send(client, cohort, "  Ninety days today!  ")
        assert response.status_code == 302
        assert response["Location"] == reverse("community:board", args=[cohort.group.pk])
        message = Message.objects.get()
        assert (message.author, message.text, message.kind) == (cohort.dana, "Ninety days today!", "post")
        page = client.get(response["Location"]).content.decode()
        assert "Your message is posted." in page and "Ninety days today!" in page

    def test_with_htmx_the_answer_is_the_new_list_and_fresh_forms(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        first_id = str(uuid.uuid4())
        response = send(client, cohort, "Ninety days today!", first_id, htmx=True)
        assert response.status_code == 200 and response["ETag"]
        html = response.content.decode()
        assert '<ol class="board-list" id="board-list">' in html and "Ninety days today!" in html
        assert 'id="board-compose"' in html and 'hx-swap-oob="outerHTML"' in html
        assert len(client_ids(html)) == 2 and first_id not in client_ids(html)  # new ids for the next posts
        assert re.search(r"<textarea[^>]*>\s*</textarea>", html)  # the box is empty again
        assert "Your message is posted." in html
        assert "<html" not in html

    def test_every_page_drawing_gets_new_client_ids(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        url = reverse("community:board", args=[cohort.group.pk])
        first, second = client_ids(client.get(url).content.decode()), client_ids(client.get(url).content.decode())
        assert len(first) == 2 and len(set(first + second)) == 4

    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
    def test_the_same_client_id_posts_once(self, client: Client, cohort: Cohort, htmx: bool) -> None:
        sign_in(client, cohort.dana.user)
        client_id = str(uuid.uuid4())
        assert send(client, cohort, "Double tap.", client_id, htmx=htmx).status_code in (200, 302)
        again = send(client, cohort, "Double tap.", client_id, htmx=htmx)
        assert again.status_code in (200, 302)
        assert Message.objects.count() == 1
        if htmx:
            assert "This message was already posted." in again.content.decode()

    def test_someone_elses_client_id_is_refused(self, client: Client, cohort: Cohort) -> None:
        client_id = uuid.uuid4()
        services.post_message(cohort.elliot, "Mine.", client_id=client_id)
        sign_in(client, cohort.dana.user)
        response = send(client, cohort, "Not mine.", str(client_id))
        assert response.status_code == 422
        assert list(Message.objects.values_list("text", flat=True)) == ["Mine."]


class TestBadInput:
    @pytest.mark.parametrize(
        ("text", "error"),
        [("", "Write a message first."), ("   ", "Write a message first."), ("x" * 2001, "under 2000 characters")],
    )
    def test_it_says_what_is_wrong_and_saves_nothing(
        self, client: Client, cohort: Cohort, text: str, error: str
    ) -> None:
        sign_in(client, cohort.dana.user)
        page = send(client, cohort, text)
        assert page.status_code == 422 and error in page.content.decode()
        assert "<h1>Tuesday evening group</h1>" in page.content.decode()
        htmx = send(client, cohort, text, htmx=True)
        assert htmx.status_code == 422 and error in htmx.content.decode()
        assert (htmx["HX-Retarget"], htmx["HX-Reswap"]) == ("#board-compose", "outerHTML")
        assert not Message.objects.exists()

    def test_a_missing_client_id_is_refused(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        url = reverse("community:post", args=[cohort.group.pk])
        assert client.post(url, {"kind": "post", "text": "Hi"}).status_code == 422
        assert client.post(url, {"client_id": "not-a-uuid", "kind": "post", "text": "Hi"}).status_code == 422
        assert not Message.objects.exists()

    def test_get_is_not_allowed(self, client: Client, cohort: Cohort) -> None:
        sign_in(client, cohort.dana.user)
        assert client.get(reverse("community:post", args=[cohort.group.pk])).status_code == 405


class TestMutedMembers:
    @pytest.fixture
    def muted(self, cohort: Cohort) -> Membership:
        return services.mute(cohort.moderator, cohort.dana.pk, 24, "Cooling off")

    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
    def test_a_muted_member_is_refused_and_nothing_is_saved(
        self, client: Client, cohort: Cohort, muted: Membership, htmx: bool
    ) -> None:
        sign_in(client, cohort.dana.user)
        response = send(client, cohort, "Let me speak.", htmx=htmx)
        assert response.status_code == 403
        html = response.content.decode()
        assert "A moderator muted you in this group until" in html
        assert 'id="post-form"' not in html and 'id="support-form"' in html  # asking for support stays
        if htmx:
            assert response["HX-Retarget"] == "#board-compose"
        assert not Message.objects.exists()

    def test_the_board_says_why_and_until_when_and_shows_no_form(
        self, client: Client, cohort: Cohort, muted: Membership
    ) -> None:
        sign_in(client, cohort.dana.user)
        html = client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()
        until = timezone.localtime(muted.muted_until, ZoneInfo("America/New_York"))  # Dana's program's zone
        assert f"A moderator muted you in this group until {formats.date_format(until, 'DATETIME_FORMAT')}." in html
        assert 'id="post-form"' not in html and "I need support now</button>" in html
        assert "Until then you can read messages and react" in html

    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
    def test_a_muted_member_can_still_ask_for_support_now(
        self, client: Client, cohort: Cohort, muted: Membership, htmx: bool
    ) -> None:
        sign_in(client, cohort.dana.user)
        response = send(client, cohort, "", htmx=htmx, kind="support_now")
        assert response.status_code == (200 if htmx else 302)
        message = Message.objects.get()
        assert (message.kind, message.author_id) == ("support_now", muted.pk)
        assert SupportAlert.objects.filter(message=message).count() == 2  # elliot and the moderator

    def test_after_the_mute_ends_the_member_posts_again(
        self, client: Client, cohort: Cohort, muted: Membership
    ) -> None:
        Membership.objects.filter(pk=muted.pk).update(muted_until=timezone.now() - dt.timedelta(minutes=1))
        sign_in(client, cohort.dana.user)
        assert send(client, cohort, "Back, and sorry.").status_code == 302
        assert Message.objects.get().text == "Back, and sorry."


def test_a_post_takes_the_groups_lock_before_its_id(cohort: Cohort) -> None:
    """Message ids follow commit order within a group, so "the messages after id N" never skips a post that
    committed late: the group's row is updated (locked) before the message is inserted."""
    with CaptureQueriesContext(connection) as queries:
        post(cohort.dana, "Ordered.")
    sql = [q["sql"] for q in queries.captured_queries]
    bump = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "community_group"'))
    insert = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "community_message"'))
    assert bump < insert
