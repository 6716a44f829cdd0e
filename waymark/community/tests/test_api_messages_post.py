"""POST /api/v1/community/groups/{id}/messages: a member posts once per client id (201, then 200 for a repeat);
"I need support now" tells every other member once; a muted member is refused with the reason (403); no one
outside the group posts (404, nothing saved); bad input is a 422 naming the field; a browser session must send
the CSRF token."""

import uuid
from typing import Any, get_args

import pytest
from django.db import connection
from django.test import Client

from waymark.chart.tests.api_helpers import Api, problem, session_api
from waymark.community import api as community_api
from waymark.community import services
from waymark.community.models import Membership, Message, SupportAlert
from waymark.community.tests.conftest import Cohort
from waymark.conftest import World, sign_in
from waymark.core.models import User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def url(group_id: int) -> str:
    return f"/community/groups/{group_id}/messages"


def send(member: Membership, api: Api | None = None, **fields: Any) -> Any:
    body = {"client_id": str(uuid.uuid4()), "text": "Rough day, but I went to a meeting.", **fields}
    return (api or session_api(member.user)).post(url(member.group_id), body)


def send_as(user: User, group_id: int, **fields: Any) -> Any:
    body = {"client_id": str(uuid.uuid4()), "text": "Let me in", **fields}
    return session_api(user).post(url(group_id), body)


class TestPosting:
    def test_a_member_posts_and_the_others_read_it(self, cohort: Cohort) -> None:
        response = send(cohort.dana)
        assert response.status_code == 201, response.content
        assert "no-store" in response["Cache-Control"]
        body = response.json()
        assert body["created"] is True and body["alerted"] == 0
        assert body["kind"] == "post" and body["group_id"] == cohort.group.pk
        assert body["text"] == "Rough day, but I went to a meeting."
        message = Message.objects.get()
        assert body["id"] == message.pk and message.author == cohort.dana
        board = session_api(cohort.elliot.user).get(url(cohort.group.pk)).json()["messages"]
        assert [m["text"] for m in board] == ["Rough day, but I went to a meeting."]

    def test_the_same_client_id_posts_once(self, cohort: Cohort) -> None:
        api = session_api(cohort.dana.user)
        client_id = str(uuid.uuid4())
        first = send(cohort.dana, api, client_id=client_id)
        again = send(cohort.dana, api, client_id=client_id)
        assert first.status_code == 201 and again.status_code == 200
        assert again.json()["created"] is False and again.json()["id"] == first.json()["id"]
        assert Message.objects.count() == 1

    def test_someone_elses_client_id_is_refused(self, cohort: Cohort) -> None:
        client_id = str(uuid.uuid4())
        assert send(cohort.dana, client_id=client_id).status_code == 201
        problem(send(cohort.elliot, client_id=client_id, text="mine"), 422, "client_id")
        assert Message.objects.count() == 1

    def test_text_is_kept_encrypted(self, cohort: Cohort) -> None:
        send(cohort.dana, text="Nobody at home knows yet.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM community_message")
            (stored,) = cursor.fetchone()
        assert "Nobody at home" not in stored

    def test_the_kinds_match_the_model(self) -> None:
        assert set(get_args(community_api.MessageKind)) == set(Message.Kind.values)


class TestSupportNow:
    def test_it_tells_every_other_member_once(self, cohort: Cohort) -> None:
        api = session_api(cohort.dana.user)
        client_id = str(uuid.uuid4())
        response = send(cohort.dana, api, client_id=client_id, kind="support_now", text="")
        assert response.status_code == 201
        assert response.json()["alerted"] == 2
        assert response.json()["text"] == "I need support now."
        recipients = set(SupportAlert.objects.values_list("recipient_id", flat=True))
        assert recipients == {cohort.elliot.user_id, cohort.moderator.user_id}
        repeat = send(cohort.dana, api, client_id=client_id, kind="support_now", text="")
        assert repeat.status_code == 200 and repeat.json()["alerted"] == 0
        assert SupportAlert.objects.count() == 2

    def test_the_others_see_its_kind(self, cohort: Cohort) -> None:
        send(cohort.dana, kind="support_now", text="Cravings are bad tonight")
        (message,) = session_api(cohort.elliot.user).get(url(cohort.group.pk)).json()["messages"]
        assert (message["kind"], message["text"]) == ("support_now", "Cravings are bad tonight")


class TestRefused:
    def test_a_muted_member_cannot_post_and_is_told_why(self, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.dana.pk, 3, "Cooling off")
        body = problem(send(cohort.dana), 403)
        assert "muted you in this group until" in body["detail"]
        assert Message.objects.count() == 0

    def test_after_the_mute_ends_they_post_again(self, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.dana.pk, 3, "Cooling off")
        services.unmute(cohort.moderator, cohort.dana.pk)
        assert send(cohort.dana).status_code == 201

    def test_a_patient_outside_the_group_gets_404_and_nothing_is_saved(self, cohort: Cohort) -> None:
        problem(send_as(cohort.outsider, cohort.group.pk), 404)
        problem(send_as(cohort.outsider, cohort.group.pk, kind="support_now"), 404)
        assert Message.objects.count() == 0 and SupportAlert.objects.count() == 0

    def test_staff_outside_the_group_get_404(self, cohort: Cohort, world: World) -> None:
        problem(send_as(world.user(Role.COUNSELLOR), cohort.group.pk), 404)
        assert Message.objects.count() == 0

    def test_a_member_who_left_cannot_post(self, cohort: Cohort) -> None:
        api = session_api(cohort.dana.user)
        services.leave(cohort.dana)
        problem(send(cohort.dana, api), 404)
        assert Message.objects.count() == 0

    def test_a_removed_member_cannot_post(self, cohort: Cohort) -> None:
        services.remove_member(cohort.moderator, cohort.elliot.pk, "Selling")
        problem(send(cohort.elliot), 404)
        assert Message.objects.count() == 0

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"text": ""}, "text"),
            ({"text": "   "}, "text"),
            ({"text": "x" * 2001}, "text"),
            ({"text": "bad\x00byte"}, "text"),
            ({"kind": "announcement"}, "kind"),
            ({"client_id": "not-a-uuid"}, "client_id"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_bad_input_is_a_422_naming_the_field(self, cohort: Cohort, fields: dict[str, Any], field: str) -> None:
        problem(send(cohort.dana, **fields), 422, field)
        assert Message.objects.count() == 0

    def test_a_browser_session_must_send_the_csrf_token(self, cohort: Cohort) -> None:
        browser = sign_in(Client(enforce_csrf_checks=True), cohort.dana.user)
        problem(send(cohort.dana, Api(browser)), 403)
        assert Message.objects.count() == 0

    def test_it_needs_signing_in(self, cohort: Cohort) -> None:
        problem(send(cohort.dana, Api(Client())), 401)
