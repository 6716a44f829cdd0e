"""A milestone reached is celebrated once on the home page and remembered (MilestoneSeen); a lapse never takes
one back; someone who starts a year into recovery gets one celebration (the highest), not ten."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CheckIn, MilestoneSeen
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in
from waymark.core.models import AuditEvent, User

D = dt.timedelta(days=1)


def panel(html: str) -> str:
    return html.split('id="celebration-h">', 1)[1].split("</h2>", 1)[0] if "celebration-h" in html else ""


class TestCelebration:
    def test_the_first_day_is_celebrated_once(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        profile.recovery_started_on = services.today_for(profile)
        profile.save()
        client = sign_in(client, self_guided)
        assert panel(client.get(reverse("companion:home")).content.decode()) == "1 day in recovery!"
        seen = MilestoneSeen.objects.get(user=self_guided)
        assert (seen.key, seen.reached_on) == ("1_day", profile.recovery_started_on)
        assert panel(client.get(reverse("companion:home")).content.decode()) == ""
        assert AuditEvent.objects.filter(action="companion_milestone", actor_username="river").count() == 1

    def test_starting_a_year_in_celebrates_the_highest_and_remembers_all(self, self_guided: User, client) -> None:
        profile = start(self_guided)
        profile.recovery_started_on = services.today_for(profile) - 400 * D
        profile.save()
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert panel(html) == "1 year in recovery!"
        assert set(MilestoneSeen.objects.filter(user=self_guided).values_list("key", flat=True)) == {
            "1_day",
            "1_week",
            "30_days",
            "60_days",
            "90_days",
            "6_months",
            "1_year",
        }

    def test_a_lapse_does_not_take_a_milestone_back_or_celebrate_it_again(
        self, self_guided: User, client: Client
    ) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today - 30 * D  # 31 days: 30 days reached yesterday
        profile.save()
        client = sign_in(client, self_guided)
        assert panel(client.get(reverse("companion:home")).content.decode()) == "30 days in recovery!"
        CheckIn.objects.create(user=self_guided, day=today, mood=2, craving=8, used_today=True)
        html = client.get(reverse("companion:home")).content.decode()
        assert panel(html) == ""
        flat = " ".join(html.split())
        assert "<strong>30</strong> days in recovery in all" in flat
        assert "<strong>0</strong> days since last use" in flat
        assert MilestoneSeen.objects.filter(user=self_guided, key="30_days").exists()

    def test_the_day_reached_moves_with_a_lapse_before_it(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        first = today - 10 * D
        profile.recovery_started_on = first
        profile.save()
        CheckIn.objects.create(user=self_guided, day=first + 2 * D, mood=2, craving=8, used_today=True)
        sign_in(client, self_guided).get(reverse("companion:home"))
        # Day 3 was a lapse: the 7th day in recovery is the 8th day from the start.
        assert MilestoneSeen.objects.get(user=self_guided, key="1_week").reached_on == first + 7 * D
        assert MilestoneSeen.objects.get(user=self_guided, key="1_day").reached_on == first
