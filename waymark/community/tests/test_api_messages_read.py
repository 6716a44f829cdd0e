"""GET /api/v1/community/groups/{id}/messages: a member reads the board's messages newer than the last one they
have, oldest first, at most 100; a poll with the ETag is a 304 while nothing changed for them; no one outside
the group reads it (404, the same as a group that does not exist); hidden messages reach only moderators and
blocked people's messages never reach the blocker; the number of queries does not grow with the board."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.chart.tests.api_helpers import Api, problem, session_api
from waymark.community import services
from waymark.community.models import Membership, Message
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, make_user
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def messages_url(group_id: int, after: int | None = None) -> str:
    return f"/community/groups/{group_id}/messages" + (f"?after={after}" if after is not None else "")


def read(member: Membership, after: int | None = None, etag: str | None = None, api: Api | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return (api or session_api(member.user)).get(messages_url(member.group_id, after), headers=headers)


def texts(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["text"] for m in response.json()["messages"]]


class TestReading:
    def test_a_member_reads_the_board_oldest_first(self, cohort: Cohort) -> None:
        first = post(cohort.dana, "Day 12 and holding on.")
        post(cohort.elliot, "Proud of you, Dee.")
        response = read(cohort.elliot)
        assert texts(response) == ["Day 12 and holding on.", "Proud of you, Dee."]
        assert "no-store" in response["Cache-Control"]
        body = response.json()
        assert body["group_id"] == cohort.group.pk and body["more"] is False
        assert body["etag"] == response["ETag"]
        message = body["messages"][0]
        assert message["id"] == first.pk and message["kind"] == "post"
        assert message["author"] == {
            "member_id": cohort.dana.pk,
            "display_name": cohort.dana.display_name,
            "avatar_colour": "teal",
            "role": "member",
        }
        assert message["mine"] is False and message["hidden"] is False

    def test_after_gives_only_newer_messages(self, cohort: Cohort) -> None:
        first = post(cohort.dana, "one")
        post(cohort.elliot, "two")
        post(cohort.dana, "three")
        assert texts(read(cohort.elliot, after=first.pk)) == ["two", "three"]
        assert texts(read(cohort.elliot, after=Message.objects.last().pk)) == []  # type: ignore[union-attr]

    def test_at_most_100_then_the_rest(self, cohort: Cohort) -> None:
        for n in range(103):
            post(cohort.dana, f"message {n}")
        page = read(cohort.elliot, after=0)
        assert texts(page) == [f"message {n}" for n in range(100)]
        assert page.json()["more"] is True
        # The cut answer's ETag never makes asking for the rest a 304.
        last = page.json()["messages"][-1]["id"]
        rest = read(cohort.elliot, after=last, etag=page["ETag"])
        assert texts(rest) == ["message 100", "message 101", "message 102"]
        assert rest.json()["more"] is False

    def test_without_after_it_gives_the_newest_100(self, cohort: Cohort) -> None:
        for n in range(102):
            post(cohort.dana, f"message {n}")
        assert texts(read(cohort.elliot)) == [f"message {n}" for n in range(2, 102)]

    def test_reactions_are_counted_with_mine_marked(self, cohort: Cohort) -> None:
        message = post(cohort.dana)
        services.toggle_reaction(cohort.elliot, message.pk, "heart")
        services.toggle_reaction(cohort.moderator, message.pk, "heart")
        services.toggle_reaction(cohort.moderator, message.pk, "strength")
        for after in (None, 0):
            (got,) = read(cohort.elliot, after=after).json()["messages"]
            assert got["reactions"] == [
                {"kind": "heart", "count": 2, "mine": True},
                {"kind": "strength", "count": 1, "mine": False},
            ]

    def test_my_own_messages_are_marked_mine(self, cohort: Cohort) -> None:
        post(cohort.dana)
        (got,) = read(cohort.dana, after=0).json()["messages"]
        assert got["mine"] is True


class TestPolling:
    def test_it_answers_304_while_nothing_changed(self, cohort: Cohort) -> None:
        post(cohort.dana, "one")
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, api=api)
        last = first.json()["messages"][-1]["id"]
        again = read(cohort.elliot, after=last, etag=first["ETag"], api=api)
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "no-store" in again["Cache-Control"]

    def test_a_new_post_ends_the_304s(self, cohort: Cohort) -> None:
        post(cohort.dana, "one")
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, after=0, api=api)
        last = first.json()["messages"][-1]["id"]
        post(cohort.dana, "two")
        news = read(cohort.elliot, after=last, etag=first["ETag"], api=api)
        assert texts(news) == ["two"]
        newest = news.json()["messages"][-1]["id"]
        assert read(cohort.elliot, after=newest, etag=news["ETag"], api=api).status_code == 304

    def test_an_empty_answer_is_304_on_the_next_poll(self, cohort: Cohort) -> None:
        api = session_api(cohort.elliot.user)
        empty = read(cohort.elliot, after=0, api=api)
        assert texts(empty) == []
        assert read(cohort.elliot, after=0, etag=empty["ETag"], api=api).status_code == 304
        assert read(cohort.elliot, after=0, etag=f"W/{empty['ETag']}", api=api).status_code == 304

    def test_a_hide_changes_the_etag(self, cohort: Cohort) -> None:
        message = post(cohort.dana, "selling pills, dm me")
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, after=0, api=api)
        services.hide_message(cohort.moderator, message.pk, "Drugs")
        again = read(cohort.elliot, after=message.pk, etag=first["ETag"], api=api)
        assert again.status_code == 200 and texts(again) == []
        assert again["ETag"] != first["ETag"]
        assert texts(read(cohort.elliot, api=api)) == []

    def test_after_a_hide_the_answer_replaces_the_copy(self, cohort: Cohort) -> None:
        hidden = post(cohort.dana, "selling pills, dm me")
        post(cohort.dana, "Sorry, wrong group.")
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, after=0, api=api)
        assert first.json()["reset"] is False
        services.hide_message(cohort.moderator, hidden.pk, "Drugs")
        post(cohort.moderator, "Hidden that one.")
        last = first.json()["messages"][-1]["id"]
        again = read(cohort.elliot, after=last, etag=first["ETag"], api=api)
        assert again.json()["reset"] is True
        assert texts(again) == ["Sorry, wrong group.", "Hidden that one."]
        new_posts_only = read(cohort.elliot, after=again.json()["messages"][-1]["id"], etag=again["ETag"], api=api)
        assert new_posts_only.status_code == 304

    def test_an_etag_from_another_member_or_position_is_not_a_304(self, cohort: Cohort) -> None:
        post(cohort.dana, "one")
        theirs = read(cohort.dana, after=0)
        assert read(cohort.elliot, after=0, etag=theirs["ETag"]).status_code == 200
        # From where the answer started again, not where it ended: the message is still news.
        mine = read(cohort.elliot, after=0)
        assert texts(read(cohort.elliot, after=0, etag=mine["ETag"])) == ["one"]
        assert read(cohort.elliot, after=0, etag='"nonsense"').status_code == 200


class TestWhoSeesWhat:
    def test_hidden_messages_reach_only_moderators(self, cohort: Cohort) -> None:
        message = post(cohort.dana, "selling pills, dm me")
        post(cohort.elliot, "That is not ok.")
        services.hide_message(cohort.moderator, message.pk, "Drugs")
        for after in (None, 0):
            assert texts(read(cohort.elliot, after=after)) == ["That is not ok."]
            assert texts(read(cohort.dana, after=after)) == ["That is not ok."]
            seen = read(cohort.moderator, after=after).json()["messages"]
            assert [(m["text"], m["hidden"]) for m in seen] == [
                ("selling pills, dm me", True),
                ("That is not ok.", False),
            ]

    def test_a_blocked_persons_messages_never_reach_the_blocker(self, cohort: Cohort) -> None:
        post(cohort.dana, "from dana")
        post(cohort.elliot, "from elliot")
        services.block(cohort.elliot.user, cohort.dana)
        for after in (None, 0):
            assert texts(read(cohort.elliot, after=after)) == ["from elliot"]
            assert texts(read(cohort.moderator, after=after)) == ["from dana", "from elliot"]

    def test_a_block_changes_the_etag(self, cohort: Cohort) -> None:
        post(cohort.dana, "from dana")
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, after=0, api=api)
        services.block(cohort.elliot.user, cohort.dana)
        again = read(cohort.elliot, after=0, etag=first["ETag"], api=api)
        assert again.status_code == 200 and texts(again) == []


class TestOutsiders:
    @pytest.mark.parametrize("after", [None, 0])
    def test_a_patient_outside_the_group_gets_404(self, cohort: Cohort, after: int | None) -> None:
        post(cohort.dana, "private")
        response = session_api(cohort.outsider).get(messages_url(cohort.group.pk, after))
        body = problem(response, 404)
        assert "private" not in response.content.decode()
        # The same answer as for a group that does not exist: the group's existence is not revealed.
        missing = problem(session_api(cohort.outsider).get(messages_url(cohort.group.pk + 1000, after)), 404)
        assert body == missing

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PROGRAM_ADMIN])
    def test_staff_who_are_not_members_get_404(self, cohort: Cohort, world: World, role: Role) -> None:
        # The counsellor made the group, and the program admin runs the program: neither is in it.
        problem(session_api(world.user(role)).get(messages_url(cohort.group.pk, 0)), 404)

    def test_a_peer_moderator_who_does_not_moderate_it_gets_404(self, cohort: Cohort, world: World) -> None:
        other = make_user(world.program, Role.PEER_MODERATOR, "other-moderator")
        problem(session_api(other).get(messages_url(cohort.group.pk, 0)), 404)

    def test_leaving_ends_reading_at_once(self, cohort: Cohort) -> None:
        api = session_api(cohort.dana.user)
        assert read(cohort.dana, api=api).status_code == 200
        services.leave(cohort.dana)
        problem(read(cohort.dana, api=api), 404)
        problem(read(cohort.dana, after=0, api=api), 404)

    def test_removal_ends_reading_at_once_even_with_an_etag(self, cohort: Cohort) -> None:
        api = session_api(cohort.elliot.user)
        first = read(cohort.elliot, after=0, api=api)
        services.remove_member(cohort.moderator, cohort.elliot.pk, "Selling")
        problem(read(cohort.elliot, after=0, etag=first["ETag"], api=api), 404)

    def test_it_needs_signing_in(self, cohort: Cohort) -> None:
        problem(Client().get("/api/v1" + messages_url(cohort.group.pk, 0)), 401)


class TestQueries:
    def count(self, member: Membership, after: int | None, etag: str | None = None) -> int:
        api = session_api(member.user)
        with CaptureQueriesContext(connection) as queries:
            response = read(member, after=after, etag=etag, api=api)
        assert response.status_code in (200, 304)
        return len(queries.captured_queries)

    def test_they_do_not_grow_with_the_board(self, cohort: Cohort) -> None:
        message = post(cohort.dana, "one")
        services.toggle_reaction(cohort.elliot, message.pk, "heart")
        small = (self.count(cohort.elliot, None), self.count(cohort.elliot, 0))
        for n in range(40):
            services.toggle_reaction(cohort.elliot, post(cohort.dana if n % 2 else cohort.moderator).pk, "thanks")
        assert (self.count(cohort.elliot, None), self.count(cohort.elliot, 0)) == small

    def test_a_304_reads_no_message(self, cohort: Cohort) -> None:
        post(cohort.dana, "one")
        first = read(cohort.elliot)
        last = first.json()["messages"][-1]["id"]
        with CaptureQueriesContext(connection) as queries:
            assert read(cohort.elliot, after=last, etag=first["ETag"]).status_code == 304
        assert not [q for q in queries.captured_queries if "community_message" in q["sql"]]
