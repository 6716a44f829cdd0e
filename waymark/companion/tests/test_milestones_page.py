"""The milestones page: every milestone reached with the day it was reached (a lapse moves later ones by a
day, never takes one away), the next one with its day, and the last week's healthy routine from check-ins."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CheckIn
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in
from waymark.core.models import AuditEvent, User

D = dt.timedelta(days=1)


def reached(html: str) -> list[str]:
    part = html.split('class="plain milestones-reached">', 1)[1].split("</ul>", 1)[0]
    return [
        " ".join(li.split("</li>", 1)[0].replace("<strong>", "").replace("</strong>", "").split())
        for li in part.split("<li>")[1:]
    ]


def long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class TestMilestonesPage:
    def test_reached_milestones_have_their_days_and_a_lapse_moves_later_ones(
        self, self_guided: User, client: Client
    ) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        first = today - 39 * D  # 40 days from the start
        profile.recovery_started_on = first
        profile.save()
        CheckIn.objects.create(user=self_guided, day=first + 10 * D, mood=2, craving=9, used_today=True)
        html = sign_in(client, self_guided).get(reverse("companion:milestones")).content.decode()
        assert reached(html) == [
            f"30 days — {long(first + 30 * D)}",  # the lapse on day 11 moves it one day
            f"1 week — {long(first + 6 * D)}",
            f"1 day — {long(first)}",
        ]
        # 39 days in recovery: 60 days is 21 days away.
        assert f"60 days, on {long(today + 21 * D)}" in html
        assert "(21 days to go)" in html
        assert AuditEvent.objects.filter(action="companion_read", object_type="milestones").exists()

    def test_a_milestone_shown_stays_reached_after_a_lapse_on_that_day(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today - 29 * D  # day 30 today: the 30-day milestone is reached
        profile.save()
        sign_in(client, self_guided)
        assert "30 days" in client.get(reverse("companion:home")).content.decode()  # celebrated, remembered
        # Later today the person answers honestly that they used today: 29 days in recovery by the count.
        CheckIn.objects.create(user=self_guided, day=today, mood=2, craving=8, used_today=True)
        html = client.get(reverse("companion:milestones")).content.decode()
        assert reached(html)[0] == f"30 days — {long(today)}"
        assert "60 days, on" in html  # the next one is the next not yet reached, not 30 days again

    def test_a_new_start_has_its_first_milestone_ahead(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today + D
        profile.save()
        html = sign_in(client, self_guided).get(reverse("companion:milestones")).content.decode()
        assert "Your first milestone is 1 day." in html
        assert f"1 day, on {long(today + D)}" in html

    def test_it_links_the_healthy_routine(self, person_client: Client) -> None:
        html = person_client.get(reverse("companion:milestones")).content.decode()
        assert f'href="{reverse("companion:insights")}#routine-h">My healthy routine</a>' in html
