"""A moderator's actions (hide, unhide, mute, unmute, remove, dismiss) are logged (a ModerationAction row the
moderators read, and an audit entry) and enforced (a hidden message leaves members' boards, a muted member
cannot post, a removed member loses the group at once and cannot rejoin). Moderators cannot remove other
moderators or themselves. Each action goes back where it came from, or answers an HTMX request with an event."""

import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from waymark.community import access, services
from waymark.community.models import Membership, Message, ModerationAction
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(client: Client, cohort: Cohort) -> Client:
    return sign_in(client, cohort.moderator.user)


def base(cohort: Cohort) -> str:
    return f"/community/{cohort.group.pk}"


def logged(cohort: Cohort, action: str, reason: str = "") -> ModerationAction:
    row = ModerationAction.objects.get(action=action)
    assert (row.group, row.moderator, row.reason) == (cohort.group, cohort.moderator.user, reason)
    event = AuditEvent.objects.get(action=f"community_{action}")
    assert (event.actor, event.object_type, event.object_id, event.reason) == (
        cohort.moderator.user,
        "moderationaction",
        str(row.pk),
        reason,
    )
    return row


def fresh(member: Membership) -> Membership:
    return access.membership_for(member.user, member.group_id)


class TestHide:
    def test_a_hidden_message_leaves_members_boards_and_stays_for_moderators(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot, "Who has some to sell?")
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", {"reason": "Selling"})
        assert response.status_code == 302 and response["Location"] == f"{base(cohort)}/moderation/"
        row = logged(cohort, "hide", "Selling")
        assert row.message == message
        for member in (cohort.dana, cohort.elliot):
            assert message.pk not in [line.message.pk for line in services.board(fresh(member))]
        lines = services.board(fresh(cohort.moderator))
        assert [(line.message.pk, line.hidden) for line in lines] == [(message.pk, True)]
        assert "Message hidden. Members no longer see it." in mod.get(response["Location"]).content.decode()

    def test_unhide_brings_it_back_and_is_logged(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot, "A misunderstanding")
        services.hide_message(cohort.moderator, message.pk, "Looked unkind")
        html = mod.get(f"{base(cohort)}/moderation/").content.decode()
        assert f'action="{base(cohort)}/messages/{message.pk}/unhide/"' in html  # "Show it again" in the log
        mod.post(f"{base(cohort)}/messages/{message.pk}/unhide/", {"reason": "It was a joke between friends"})
        logged(cohort, "unhide", "It was a joke between friends")
        assert [line.message.pk for line in services.board(fresh(cohort.dana))] == [message.pk]

    def test_hiding_twice_logs_once(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        for _ in range(2):
            mod.post(f"{base(cohort)}/messages/{message.pk}/hide/")
        assert ModerationAction.objects.filter(action="hide").count() == 1

    def test_another_groups_message_is_not_found(self, mod: Client, cohort: Cohort) -> None:
        pair = services.create_pair(cohort.dana.user, as_sponsor=False, display_name="D")
        message = post(pair, "Private to the pair")
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", follow=True)
        assert "No such message." in response.content.decode()
        assert Message.objects.get(pk=message.pk).hidden_at is None and not ModerationAction.objects.exists()


class TestMute:
    def test_a_muted_member_cannot_post_until_unmuted(self, mod: Client, cohort: Cohort) -> None:
        response = mod.post(f"{base(cohort)}/members/{cohort.elliot.pk}/mute/", {"hours": "24", "reason": "Cool off"})
        assert response.status_code == 302
        row = logged(cohort, "mute", "Cool off")
        assert row.member_id == cohort.elliot.pk
        with pytest.raises(PermissionDenied, match="muted"):
            services.post_message(fresh(cohort.elliot), "Still here", client_id=uuid.uuid4())
        board_post = sign_in(Client(), cohort.elliot.user).post(
            f"{base(cohort)}/post/", {"text": "Still here", "client_id": str(uuid.uuid4())}
        )
        assert board_post.status_code == 403 and "muted" in board_post.content.decode()
        assert not Message.objects.exists()
        mod.post(f"{base(cohort)}/members/{cohort.elliot.pk}/unmute/")
        logged(cohort, "unmute")
        assert post(fresh(cohort.elliot), "Back").text == "Back"

    @pytest.mark.parametrize(
        ("data", "hours"),
        [({"hours": "1"}, 1), ({"hours": "168"}, 168), ({"hours": "custom", "custom_hours": "720"}, 720)],
    )
    def test_a_mute_lasts_as_long_as_chosen(
        self, mod: Client, cohort: Cohort, data: dict[str, str], hours: int
    ) -> None:
        mod.post(f"{base(cohort)}/members/{cohort.elliot.pk}/mute/", data)
        until = fresh(cohort.elliot).muted_until
        assert until is not None
        length = until - ModerationAction.objects.get().at
        assert abs(length.total_seconds() - hours * 3600) < 60

    @pytest.mark.parametrize(
        ("data", "words"),
        [
            ({}, "Choose how long the mute lasts."),
            ({"hours": "0"}, "Mute for 1 to 720 hours."),
            ({"hours": "721"}, "Mute for 1 to 720 hours."),
            ({"hours": "forever"}, "Choose how long the mute lasts."),
            ({"hours": "custom"}, "Type how many hours the mute lasts."),
            ({"hours": "custom", "custom_hours": "1000"}, "Mute for 1 to 720 hours."),
            ({"hours": "custom", "custom_hours": "two"}, "Type a whole number of hours."),
            ({"hours": "1", "reason": "x" * 301}, "Keep the reason under 300 characters."),
        ],
    )
    def test_a_wrong_length_is_explained_and_nothing_changes(
        self, mod: Client, cohort: Cohort, data: dict[str, str], words: str
    ) -> None:
        response = mod.post(f"{base(cohort)}/members/{cohort.elliot.pk}/mute/", data, follow=True)
        assert words in response.content.decode()
        assert fresh(cohort.elliot).muted_until is None and not ModerationAction.objects.exists()

    def test_the_page_says_who_is_muted_and_offers_unmute(self, mod: Client, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.elliot.pk, 24, "")
        html = mod.get(f"{base(cohort)}/moderation/").content.decode()
        assert "muted until" in html and f'action="{base(cohort)}/members/{cohort.elliot.pk}/unmute/"' in html
        assert f'action="{base(cohort)}/members/{cohort.dana.pk}/unmute/"' not in html


class TestRemove:
    def test_a_removed_member_loses_the_group_at_once(self, mod: Client, cohort: Cohort) -> None:
        elliot = sign_in(Client(), cohort.elliot.user)
        response = mod.post(f"{base(cohort)}/members/{cohort.elliot.pk}/remove/", {"reason": "Threats"}, follow=True)
        assert "Member 2 was removed from the group and cannot rejoin." in response.content.decode()
        row = logged(cohort, "remove", "Threats")
        assert row.member_id == cohort.elliot.pk
        with pytest.raises(Http404):
            access.membership_for(cohort.elliot.user, cohort.group.pk)
        assert elliot.get(f"{base(cohort)}/").status_code == 404
        assert elliot.get(f"{base(cohort)}/messages/").status_code == 404
        assert "Tuesday evening group" not in elliot.get("/community/").content.decode()

    def test_a_removed_member_cannot_rejoin_an_open_group_with_its_code(self, client: Client, cohort: Cohort) -> None:
        moderator = services.create_open_group(cohort.moderator.user, "Circle", "Rae")
        code = moderator.group.invite_code
        river = sign_in(Client(), cohort.dana.user)
        river.post("/community/join/", {"code": code, "display_name": "River"})
        member = access.membership_for(cohort.dana.user, moderator.group_id)
        sign_in(client, cohort.moderator.user).post(f"/community/{moderator.group_id}/members/{member.pk}/remove/")
        response = river.post("/community/join/", {"code": code, "display_name": "River"})
        assert response.status_code == 422 and "A moderator removed you from this group." in response.content.decode()
        with pytest.raises(Http404):
            access.membership_for(cohort.dana.user, moderator.group_id)

    def test_moderators_cannot_remove_another_moderator(self, mod: Client, cohort: Cohort) -> None:
        quinn = make_user(cohort.group.program, Role.PEER_MODERATOR, "quinn")
        other = services.add_to_cohort(cohort.group.created_by, cohort.group, quinn, moderator=True)
        response = mod.post(f"{base(cohort)}/members/{other.pk}/remove/", follow=True)
        assert "A moderator cannot do this to another moderator." in response.content.decode()
        assert fresh(other).removed_at is None and not ModerationAction.objects.exists()

    @pytest.mark.parametrize("action", ["remove", "mute"])
    def test_moderators_cannot_act_on_themselves(self, mod: Client, cohort: Cohort, action: str) -> None:
        response = mod.post(f"{base(cohort)}/members/{cohort.moderator.pk}/{action}/", {"hours": "1"}, follow=True)
        assert "Moderators cannot do this to themselves." in response.content.decode()
        me = fresh(cohort.moderator)
        assert me.removed_at is None and me.muted_until is None and not ModerationAction.objects.exists()

    def test_the_page_offers_no_remove_for_moderators_or_oneself(self, mod: Client, cohort: Cohort) -> None:
        html = mod.get(f"{base(cohort)}/moderation/").content.decode()
        assert f'action="{base(cohort)}/members/{cohort.elliot.pk}/remove/"' in html
        assert f'action="{base(cohort)}/members/{cohort.moderator.pk}/remove/"' not in html


class TestWhereItGoesBack:
    def test_it_returns_to_a_page_of_the_same_group(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", {"next": f"{base(cohort)}/?m=1#end"})
        assert response["Location"] == f"{base(cohort)}/?m=1#end"

    @pytest.mark.parametrize(
        "target",
        ["https://evil.example/", "//evil.example/community/1/", "/community/", "/home/", "/community/999/", "x"],
    )
    def test_anywhere_else_it_returns_to_the_moderation_page(self, mod: Client, cohort: Cohort, target: str) -> None:
        message = post(cohort.elliot)
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", {"next": target})
        assert response["Location"] == f"{base(cohort)}/moderation/"

    def test_a_path_that_climbs_out_of_the_group_is_refused(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", {"next": f"{base(cohort)}/../../home/"})
        assert response["Location"] == f"{base(cohort)}/moderation/"


class TestHtmx:
    def test_an_htmx_request_gets_204_and_an_event(self, mod: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        response = mod.post(f"{base(cohort)}/messages/{message.pk}/hide/", headers={"HX-Request": "true"})
        assert response.status_code == 204
        assert json.loads(response["HX-Trigger"]) == {"communityModerated": {"action": "hide", "message": message.pk}}
        assert Message.objects.get().hidden_at is not None

    def test_a_refusal_is_a_422_with_the_reason(self, mod: Client, cohort: Cohort) -> None:
        response = mod.post(f"{base(cohort)}/members/{cohort.moderator.pk}/remove/", headers={"HX-Request": "true"})
        assert response.status_code == 422 and "Moderators cannot do this to themselves." in response.content.decode()
        event = json.loads(response["HX-Trigger"])["communityModerationError"]
        assert event["action"] == "remove" and "themselves" in event["error"]


def test_the_log_shows_who_did_what_when_and_why(mod: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Meet me behind the clinic, I have some")
    services.hide_message(cohort.moderator, message.pk, "Offering drugs")
    services.mute(cohort.moderator, cohort.elliot.pk, 24, "Second warning")
    Membership.objects.filter(pk=cohort.moderator.pk).update(display_name="Mod Rae")
    html = mod.get(f"{base(cohort)}/moderation/").content.decode()
    log = html[html.index('id="log"') :]
    assert log.index("Muted a member") < log.index("Hid a message")  # newest first
    assert "Mod Rae" in log and "Second warning" in log and "Offering drugs" in log
    assert "Member 2" in log and "Meet me behind the clinic" in log and "<time datetime=" in log


def test_the_page_costs_the_same_queries_for_a_quiet_or_busy_group(
    mod: Client, cohort: Cohort, django_assert_max_num_queries: object
) -> None:
    for n in range(15):
        message = post(cohort.elliot if n % 2 else cohort.dana, f"Message {n}")
        services.report_message(cohort.dana if n % 2 else cohort.elliot, message.pk, "unkind", "note")
        if n % 3 == 0:
            services.hide_message(cohort.moderator, message.pk, "r")
    mod.get(f"{base(cohort)}/moderation/")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert mod.get(f"{base(cohort)}/moderation/").content.decode().count('class="community-report"') == 10
