"""A member opens their group's board: the group's name and kind, a link to the guidelines, the newest messages
with each author's chosen name, initial, colour and (if they chose) days in recovery, reactions with counts, and
Report and Block under other people's messages. Opening the board marks the member's support alerts for this
group seen. Nothing is cached."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import SupportAlert
from waymark.community.tests.conftest import Cohort, post
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def board(client: Client, cohort: Cohort) -> str:
    response = client.get(reverse("community:board", args=[cohort.group.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.content.decode()


def message_block(html: str, text: str) -> str:
    """The <li> of the message containing `text`."""
    for block in re.findall(r'<li id="message-\d+".*?</li>\s*(?=<li id="message-|</ol>)', html, re.S):
        if text in block:
            return block
    raise AssertionError(f"no message with {text!r}")


class TestTheBoard:
    def test_it_shows_the_group_and_its_messages_newest_first(self, client: Client, cohort: Cohort) -> None:
        services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="plum", show_days=False)
        cohort.elliot.refresh_from_db()
        post(cohort.elliot, "First day back at work.")
        post(cohort.dana, "Proud of you, Eli.")
        html = board(sign_in(client, cohort.dana.user), cohort)
        assert "<h1>Tuesday evening group</h1>" in html
        assert "Program group" in html
        assert reverse("community:guidelines", args=[cohort.group.pk]) in html
        assert html.index("Proud of you, Eli.") < html.index("First day back at work.")
        eli = message_block(html, "First day back at work.")
        assert '<span class="avatar avatar-plum" aria-hidden="true">E</span>' in eli
        assert "Eli" in eli
        assert "style=" not in html

    def test_report_and_block_are_under_others_messages_only(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "Rough night.")
        post(cohort.dana, "Here if you need to talk.")
        html = board(sign_in(client, cohort.dana.user), cohort)
        theirs, mine = message_block(html, "Rough night."), message_block(html, "Here if you need to talk.")
        assert ">Report<" in theirs and ">Block<" in theirs
        assert ">Report<" not in mine and ">Block<" not in mine
        assert "(you)" in mine

    def test_reactions_show_counts_and_whether_i_pressed_them(self, client: Client, cohort: Cohort) -> None:
        message = post(cohort.elliot, "Thirty days today.")
        services.toggle_reaction(cohort.dana, message.pk, "heart")
        services.toggle_reaction(cohort.moderator, message.pk, "heart")
        services.toggle_reaction(cohort.moderator, message.pk, "thanks")
        block = message_block(board(sign_in(client, cohort.dana.user), cohort), "Thirty days today.")
        heart = re.search(r'<button[^>]*value="heart".*?</button>', block, re.S)
        thanks = re.search(r'<button[^>]*value="thanks".*?</button>', block, re.S)
        same = re.search(r'<button[^>]*value="same".*?</button>', block, re.S)
        assert heart and thanks and same
        assert 'aria-pressed="true"' in heart.group() and '<span class="reaction-count">2</span>' in heart.group()
        assert 'aria-pressed="false"' in thanks.group() and '<span class="reaction-count">1</span>' in thanks.group()
        assert 'aria-pressed="false"' in same.group() and "reaction-count" not in same.group()

    def test_days_in_recovery_show_only_when_the_author_chose_them(self, client: Client, cohort: Cohort) -> None:
        profile = start(cohort.elliot.user, started=dt.date.today() - dt.timedelta(days=9))  # day 10 today
        check_in(cohort.elliot.user, profile, day=dt.date.today() - dt.timedelta(days=3), used_today=True)
        post(cohort.elliot, "Still here.")
        start(cohort.dana.user)  # Dana uses the companion but does not show her days
        post(cohort.dana, "Me too.")
        sign_in(client, cohort.dana.user)
        assert "in recovery" not in message_block(board(client, cohort), "Still here.")
        services.update_profile(cohort.elliot, display_name="Member 2", avatar_colour="teal", show_days=True)
        html = board(client, cohort)
        days = re.search(r"(\d+) days in recovery", message_block(html, "Still here."))
        assert days is not None and int(days.group(1)) in (8, 9, 10)  # 10 days, 1 of use (the zone may shift one)
        assert "in recovery" not in message_block(html, "Me too.")

    def test_a_member_who_shows_days_without_the_companion_shows_none(self, client: Client, cohort: Cohort) -> None:
        services.update_profile(cohort.elliot, display_name="Member 2", avatar_colour="teal", show_days=True)
        post(cohort.elliot, "No app for me.")
        assert "in recovery" not in board(sign_in(client, cohort.dana.user), cohort)

    def test_an_empty_board_invites_a_first_message(self, client: Client, cohort: Cohort) -> None:
        assert "No messages yet" in board(sign_in(client, cohort.dana.user), cohort)

    def test_opening_the_board_marks_this_groups_support_alerts_seen(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "", kind="support_now")
        assert [a.message.author for a in services.unseen_support_alerts(cohort.dana.user)] == [cohort.elliot]
        html = board(sign_in(client, cohort.dana.user), cohort)
        assert "Needs support now" in message_block(html, "I need support now.")
        assert services.unseen_support_alerts(cohort.dana.user) == []
        assert SupportAlert.objects.filter(recipient=cohort.moderator.user, seen_at__isnull=True).count() == 1

    def test_the_live_list_polls_every_3_seconds(self, client: Client, cohort: Cohort) -> None:
        html = board(sign_in(client, cohort.dana.user), cohort)
        assert f'hx-get="{reverse("community:messages", args=[cohort.group.pk])}"' in html
        assert 'hx-trigger="every 3s, board:shown"' in html

    def test_the_support_button_says_what_it_does(self, client: Client, cohort: Cohort) -> None:
        html = board(sign_in(client, cohort.dana.user), cohort)
        assert "I need support now</button>" in html
        assert "tells everyone in the group once" in html
