"""Reports reach the group's moderators: the moderation page lists each open report with the message, its
author's shown name, the reason, the note and when; Hide closes every report of the message, Dismiss closes one
without action; closed reports leave the list. Who reported is not shown."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from waymark.community import services
from waymark.community.models import ModerationAction, Report
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import sign_in
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(client: Client, cohort: Cohort) -> Client:
    return sign_in(client, cohort.moderator.user)


def page(mod: Client, cohort: Cohort) -> str:
    response = mod.get(f"/community/{cohort.group.pk}/moderation/")
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="reports"') : html.index('id="members"')]


def test_a_report_reaches_the_moderators(mod: Client, cohort: Cohort) -> None:
    services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="teal", show_days=False)
    services.update_profile(cohort.dana, display_name="Dee", avatar_colour="teal", show_days=False)
    message = post(cohort.elliot, "You are all weak if you take methadone")
    report = services.report_message(cohort.dana, message.pk, "unkind", "This hurt people in the group")
    assert services.open_reports(cohort.moderator) == [report]
    html = page(mod, cohort)
    assert "1 open report" in html
    assert "You are all weak if you take methadone" in html and "Message by Eli" in html
    assert "Unkind or judgemental" in html and "This hurt people in the group" in html
    assert cohort.group.program is not None
    assert f"{timezone.localtime(report.created_at, cohort.group.program.zone):%Y-%m-%d %H:%M}</time>" in html
    assert "Dee" not in html  # the reporter stays anonymous
    assert AuditEvent.objects.filter(action="community_report", actor=cohort.dana.user).exists()


def test_members_do_not_see_reports(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Something")
    services.report_message(cohort.dana, message.pk, "other")
    with pytest.raises(PermissionDenied):
        services.open_reports(cohort.dana)
    assert sign_in(client, cohort.elliot.user).get(f"/community/{cohort.group.pk}/moderation/").status_code == 403


def test_dismissed_reports_leave_the_list_and_are_logged(mod: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Borderline joke")
    report = services.report_message(cohort.dana, message.pk, "unkind")
    response = mod.post(
        f"/community/{cohort.group.pk}/reports/{report.pk}/dismiss/", {"reason": "Friendly teasing"}, follow=True
    )
    assert "Report closed without action." in response.content.decode()
    assert "No open reports." in page(mod, cohort) and services.open_reports(cohort.moderator) == []
    closed = Report.objects.get()
    assert closed.resolved_at is not None and closed.resolved_by == cohort.moderator.user
    row = ModerationAction.objects.get(action="dismiss")
    assert (row.message, row.reason) == (message, "Friendly teasing")
    assert AuditEvent.objects.filter(action="community_dismiss", reason="Friendly teasing").exists()
    assert [line.message.pk for line in services.board(cohort.dana)] == [message.pk]  # still shown


def test_dismissing_twice_says_it_is_closed(mod: Client, cohort: Cohort) -> None:
    report = services.report_message(cohort.dana, post(cohort.elliot).pk, "unkind")
    url = f"/community/{cohort.group.pk}/reports/{report.pk}/dismiss/"
    mod.post(url)
    assert "No such open report." in mod.post(url, follow=True).content.decode()
    assert ModerationAction.objects.filter(action="dismiss").count() == 1


def test_hiding_closes_every_report_of_the_message(mod: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Selling, DM me")
    services.report_message(cohort.dana, message.pk, "drugs")
    services.report_message(cohort.moderator, message.pk, "drugs")
    other = services.report_message(cohort.dana, post(cohort.elliot, "Another").pk, "other")
    assert "2 open reports" not in page(mod, cohort) and "3 open reports" in page(mod, cohort)
    mod.post(f"/community/{cohort.group.pk}/messages/{message.pk}/hide/", {"reason": "Selling"})
    assert services.open_reports(cohort.moderator) == [other]
    html = page(mod, cohort)
    assert "1 open report" in html and "Selling, DM me" not in html


def test_reports_of_another_group_stay_there(mod: Client, cohort: Cohort) -> None:
    elsewhere = services.create_open_group(cohort.moderator.user, "Elsewhere", "Mod")
    member = services.join_with_code(cohort.outsider, elsewhere.group.invite_code or "", "Sam")
    services.report_message(member, post(elsewhere, "Other group talk").pk, "other")
    assert "No open reports." in page(mod, cohort) and "Other group talk" not in page(mod, cohort)
