"""A peer moderator's dashboard lists the groups they moderate with their open reports, linking to each
group's moderation page; a moderator of no group is told how they get one."""

from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, sign_in


def test_the_dashboard_counts_each_groups_open_reports(client: Client, cohort: Cohort) -> None:
    message = post(cohort.elliot, "Something unkind.")
    services.report_message(cohort.dana, message.pk, "unkind")
    other = post(cohort.dana, "Another one.")
    dismissed = services.report_message(cohort.elliot, other.pk, "unkind")
    services.dismiss_report(cohort.moderator, dismissed.pk)
    sign_in(client, cohort.moderator.user)
    html = client.get(reverse("home")).content.decode()
    assert "Peer support groups you moderate" in html
    assert reverse("community:moderation", args=[cohort.group.pk]) in html
    assert "Tuesday evening group</a>: <strong>1 open report</strong>" in html
    services.dismiss_report(cohort.moderator, services.open_reports(cohort.moderator)[0].pk)
    html = client.get(reverse("home")).content.decode()
    assert "Tuesday evening group</a>: no open reports" in html


def test_a_moderator_of_no_group_is_told_how_to_get_one(client: Client, world: World) -> None:
    sign_in(client, world.user("peer_moderator"))
    html = client.get(reverse("home")).content.decode()
    assert "You moderate no group yet." in html
    assert reverse("community:open_new") in html
    sign_in(client, world.user("nurse"))
    assert "Peer support groups you moderate" not in client.get(reverse("home")).content.decode()
