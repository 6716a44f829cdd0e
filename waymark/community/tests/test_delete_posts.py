"""When a self-guided person deletes their account (/companion/my-data/delete/), their peer-group data goes with it:
their messages (and the reactions, reports and alerts about them), the reactions and reports they made, their
blocks and their alerts. Their memberships end at once and no longer show their chosen name. Everyone else's
messages, reactions and reports stay, and every moderator action stays logged."""

import uuid

import pytest
from django.test import Client

from waymark.chart.tests.api_helpers import session_api
from waymark.community import exports, services
from waymark.community.models import (
    Block,
    Group,
    Membership,
    Message,
    ModerationAction,
    Reaction,
    Report,
    SupportAlert,
)
from waymark.community.tests.conftest import Cohort, post
from waymark.companion.tests.conftest import start
from waymark.conftest import PASSWORD, World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/my-data/delete/"


@pytest.fixture
def open_group(cohort: Cohort, world: World) -> tuple[Membership, Membership, Membership]:
    """An open group: the peer moderator, Dana (a program patient) and River (self-guided), who have talked."""
    moderator = services.create_open_group(world.user(Role.PEER_MODERATOR), "Thursday open group", "Sam (mod)")
    code = moderator.group.invite_code
    assert code
    river_user = make_user(None, Role.PATIENT, "river")
    start(river_user)
    river = services.join_with_code(river_user, code, "River")
    dana = services.join_with_code(cohort.dana.user, code, "Dee")
    return moderator, dana, river


def delete_account(client: Client) -> None:
    response = client.post(URL, {"username": "river", "password": PASSWORD})
    assert response.status_code == 200, response.content[:500]
    assert "_auth_user_id" not in client.session


class TestDeletion:
    def test_my_posts_go_and_everyone_elses_stay(
        self, open_group: tuple[Membership, Membership, Membership], client: Client
    ) -> None:
        moderator, dana, river = open_group
        mine = post(river, "MINE first time here")
        post(river, "MINE day 3")
        theirs = post(dana, "THEIRS welcome, River")
        services.toggle_reaction(dana, mine.pk, "heart")  # about my post: goes with it
        services.toggle_reaction(river, theirs.pk, "thanks")  # mine: goes
        services.toggle_reaction(moderator, theirs.pk, "heart")  # someone else's: stays
        services.report_message(dana, mine.pk, "other")  # about my post: goes with it
        services.report_message(river, theirs.pk, "unkind", "not sure")  # mine: goes
        services.block(river.user, dana)
        services.post_message(dana, "", client_id=uuid.uuid4(), kind="support_now")  # an alert to me: goes
        services.hide_message(moderator, mine.pk, "Too much detail")
        version = Group.objects.get(pk=river.group_id).version

        delete_account(sign_in(client, river.user))

        assert list(Message.objects.values_list("text", flat=True).order_by("id")) == [
            "THEIRS welcome, River",
            "I need support now.",
        ]
        assert list(Reaction.objects.values_list("member_id", "kind")) == [(moderator.pk, "heart")]
        assert not Report.objects.exists()
        assert not Block.objects.filter(blocker=river.user).exists()
        assert not SupportAlert.objects.filter(recipient=river.user).exists()
        assert SupportAlert.objects.filter(recipient=moderator.user).count() == 1
        river.refresh_from_db()
        assert river.left_at is not None and not river.is_current
        assert river.display_name == "Former member"
        assert Group.objects.get(pk=river.group_id).version > version  # the boards refresh

    def test_the_others_no_longer_see_my_posts(self, open_group: tuple[Membership, Membership, Membership]) -> None:
        moderator, dana, river = open_group
        post(river, "MINE first time here")
        post(dana, "THEIRS welcome, River")
        delete_account(sign_in(Client(), river.user))
        for member in (dana, moderator):
            board = session_api(member.user).get(f"/community/groups/{river.group_id}/messages").json()
            assert [m["text"] for m in board["messages"]] == ["THEIRS welcome, River"]
            assert [b.message.text for b in services.board(member)] == ["THEIRS welcome, River"]

    def test_moderator_actions_stay_logged(self, open_group: tuple[Membership, Membership, Membership]) -> None:
        moderator, _dana, river = open_group
        mine = post(river, "MINE too much")
        services.hide_message(moderator, mine.pk, "Too much detail")
        services.mute(moderator, river.pk, 2, "Cooling off")
        delete_account(sign_in(Client(), river.user))
        log = list(ModerationAction.objects.order_by("at", "id").values_list("action", "message_id", "member_id"))
        assert log == [("hide", None, None), ("mute", None, river.pk)]
        assert ModerationAction.objects.get(action="hide").reason == "Too much detail"

    def test_ending_the_memberships_is_audited(self, open_group: tuple[Membership, Membership, Membership]) -> None:
        _moderator, _dana, river = open_group
        delete_account(sign_in(Client(), river.user))
        event = AuditEvent.objects.get(action="community_leave", object_id=str(river.pk))
        assert event.reason == "account deleted"

    def test_a_group_i_had_left_is_cleaned_too(self, open_group: tuple[Membership, Membership, Membership]) -> None:
        _moderator, _dana, river = open_group
        post(river, "MINE before I left")
        services.leave(river)
        delete_account(sign_in(Client(), river.user))
        assert list(Message.objects.values_list("text", flat=True)) == []
        river.refresh_from_db()
        assert river.display_name == "Former member"

    def test_the_eraser_counts_what_it_removed(self, open_group: tuple[Membership, Membership, Membership]) -> None:
        _moderator, dana, river = open_group
        mine = post(river, "MINE")
        services.toggle_reaction(dana, mine.pk, "heart")
        post(dana, "THEIRS")
        assert exports.erase_posts(river.user) == 2  # the message and the reaction on it
        assert exports.erase_posts(river.user) == 0


class TestNotDeleted:
    def test_a_program_patient_cannot_delete_and_keeps_their_posts(self, cohort: Cohort, client: Client) -> None:
        start(cohort.dana.user)
        post(cohort.dana, "MINE")
        response = sign_in(client, cohort.dana.user).post(URL, {"username": "patient", "password": PASSWORD})
        assert response.status_code == 403
        assert Message.objects.filter(author=cohort.dana).count() == 1
        cohort.dana.refresh_from_db()
        assert cohort.dana.is_current
