"""Reporting a message: "Report" under another member's message opens a page with the message, a reason to
choose and an optional note. Sending it thanks the member ("Thanks — the moderators will look at it") and the
report reaches the group's moderators (services.open_reports). A missing reason is refused and nothing is saved;
a member reports a message once."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Report
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, sign_in

pytestmark = pytest.mark.django_db


def report_url(cohort: Cohort, message_id: int) -> str:
    return reverse("community:report", args=[cohort.group.pk, message_id])


def test_a_report_reaches_the_moderators(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "You should just give up.")
    sign_in(client, cohort.dana.user)
    page = client.get(report_url(cohort, message.pk)).content.decode()
    assert "You should just give up." in page and "Member 2" in page
    for label in ("Unkind or judgemental", "Someone may be in danger", "Something else"):
        assert label in page
    response = client.post(report_url(cohort, message.pk), {"reason": "unkind", "note": "Not the first time."})
    assert response.status_code == 302
    assert response["Location"] == reverse("community:board", args=[cohort.group.pk])
    assert "Thanks — the moderators will look at it." in client.get(response["Location"]).content.decode()
    [report] = services.open_reports(cohort.moderator)
    assert (report.message, report.reporter, report.reason, report.note) == (
        message,
        cohort.dana,
        "unkind",
        "Not the first time.",
    )


def test_the_note_is_encrypted_at_rest(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "You should just give up.")
    sign_in(client, cohort.dana.user)
    client.post(report_url(cohort, message.pk), {"reason": "unkind", "note": "Not the first time."})
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM community_report")
        [(raw,)] = cursor.fetchall()
    assert "Not the first time" not in str(raw)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a reason."),
        ({"reason": "spam"}, "Choose one of the reasons."),
        ({"reason": "other", "note": "x" * 501}, "under 500"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    client: Client, cohort: Cohort, data: dict[str, str], error: str
) -> None:
    message = post(cohort.elliot, "Hmm.")
    sign_in(client, cohort.dana.user)
    response = client.post(report_url(cohort, message.pk), data)
    assert response.status_code == 422 and error in response.content.decode()
    assert "The report was not sent" in response.content.decode()
    assert not Report.objects.exists()


def test_a_member_reports_a_message_once(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Hmm.")
    sign_in(client, cohort.dana.user)
    client.post(report_url(cohort, message.pk), {"reason": "unkind"})
    client.post(report_url(cohort, message.pk), {"reason": "other"})
    assert list(Report.objects.values_list("reason", flat=True)) == ["unkind"]


def test_hidden_and_blocked_messages_cannot_be_reported(client: Client, cohort: Cohort) -> None:
    hidden = post(cohort.elliot, "Hidden.")
    services.hide_message(cohort.moderator, hidden.pk, "")
    other = post(cohort.moderator, "From someone Dana blocked.")
    services.block(cohort.dana.user, cohort.moderator)
    sign_in(client, cohort.dana.user)
    for message in (hidden, other):
        assert client.get(report_url(cohort, message.pk)).status_code == 404
        assert client.post(report_url(cohort, message.pk), {"reason": "unkind"}).status_code == 404
    assert not Report.objects.exists()


def test_with_no_moderator_a_report_is_not_taken_and_the_page_says_why(client: Client, cohort: Cohort) -> None:
    services.leave(cohort.moderator)  # a cohort group may be left without a moderator
    message = post(cohort.elliot, "Something unkind.")
    sign_in(client, cohort.dana.user)
    url = reverse("community:report", args=[cohort.group.pk, message.pk])
    page = client.get(url).content.decode()
    assert "No one moderates this group at the moment" in page and "call 911" in page
    assert "Send report" not in page
    response = client.post(url, {"reason": "unkind", "note": ""})
    assert response.status_code == 422 and not Report.objects.exists()


def test_a_pair_has_no_report_link(client: Client, cohort: Cohort) -> None:
    pair = services.create_pair(cohort.dana.user, as_sponsor=False, display_name="D")
    sponsor = services.join_with_code(cohort.outsider, pair.group.invite_code or "", "Sam")
    message = post(sponsor, "Pair talk")
    sign_in(client, cohort.dana.user)
    board = client.get(reverse("community:board", args=[pair.group_id])).content.decode()
    assert "Pair talk" in board and f'id="report-{message.pk}"' not in board and f'id="block-{message.pk}"' in board


def test_an_open_groups_only_moderator_cannot_leave_it(client: Client, world: World) -> None:
    moderator = services.create_open_group(world.user("peer_moderator"), "Circle", "Rae")
    sign_in(client, moderator.user)
    response = client.post(reverse("community:leave", args=[moderator.group_id]))
    assert response.status_code == 422
    assert "only moderator. Ask another peer moderator to join it before you leave." in response.content.decode()
    moderator.refresh_from_db()
    assert moderator.is_current
