"""The insights page (/companion/insights/): sentences for planted patterns, honest about uncertainty; tables with
CSS-class bars; the early-warning box with "Open my plan" and the care-team line only when alerts are on; a
query count that does not grow with the number of check-ins."""

import datetime as dt
import html as html_lib
import re
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.companion import services
from waymark.companion.models import CareTeamAlert, CheckIn, CompanionProfile
from waymark.companion.tests.conftest import check_in
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/insights/"
Values = Callable[[int, dt.date], dict[str, object]]


def history(profile: CompanionProfile, days: int, values: Values, hour: int = 20, last: int = 1) -> list[CheckIn]:
    """`days` check-ins ending `last` days ago (yesterday), each made at `hour` local time; values(i, day) gives
    the fields, i = 0 for the oldest."""
    zone = ZoneInfo(profile.time_zone)
    today = services.today_for(profile)
    rows = []
    for i in range(days):
        day = today - dt.timedelta(days=days - 1 - i + last)
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        fields: dict[str, object] = {"mood": 3, "craving": 2, **values(i, day)}
        rows.append(CheckIn(user=profile.user, day=day, created_at=at, updated_at=at, **fields))
    return CheckIn.objects.bulk_create(rows)


def main(html: str) -> str:
    return html_lib.unescape(html.split('<main id="content">', 1)[1].split("</main>", 1)[0])


class TestPlantedPatterns:
    def test_short_sleep_before_higher_craving_is_called_probably_real(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        # Every third check-in reports a short night (5 h, "sleep last night") with craving 7 or 8; otherwise 3 or 4.
        def values(i: int, day: dt.date) -> dict[str, object]:
            short = i % 3 == 0
            return {"sleep_hours": Decimal("5.0") if short else Decimal("8.0"), "craving": (7 if short else 3) + i % 2}

        history(self_guided_profile, 90, values)
        html = main(person_client.get(URL).content.decode())
        assert (
            "After nights when you slept less than 6 hours, your craving the next day averaged 7.5, compared with 3.5 after longer sleep (from 30 and 60 days). This difference is probably real, not chance."
            in html
        )
        assert "not a diagnosis" in html

    def test_with_few_days_it_says_there_is_not_enough_data(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        history(
            self_guided_profile,
            12,
            lambda i, day: {
                "sleep_hours": Decimal("5.0") if i % 3 == 0 else Decimal("8.0"),
                "craving": 7 if i % 3 == 0 else 3,
            },
        )
        html = main(person_client.get(URL).content.decode())
        assert (
            "averaged 7.0, compared with 3.0 after longer sleep (from 4 and 8 days), but there isn't enough data yet to say."
            in html
        )

    def test_no_difference_with_meetings_is_called_possibly_chance(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        # Meetings every other day; next-day craving varies the same way after either.
        history(self_guided_profile, 60, lambda i, day: {"meeting_attended": i % 2 == 0, "craving": (i // 2) % 5 + 1})
        html = main(person_client.get(URL).content.decode())
        assert "On days after you went to a meeting, your craving the next day averaged" in html
        assert "The difference could be chance." in html

    def test_a_trigger_before_high_craving_is_named(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        # Stress every fourth day, followed the next day by craving 8; other days craving 2.
        history(
            self_guided_profile,
            80,
            lambda i, day: {
                "triggers": ["stress"] if i % 4 == 0 else ["boredom"] if i % 4 == 2 else [],
                "craving": 8 if i % 4 == 1 else 2,
            },
        )
        html = main(person_client.get(URL).content.decode())
        assert (
            "On days you noted “Stress”, high craving (7 or more) or use followed the same day or the next 100% of the time (20 of 20 days)"
            in html
        )
        assert "This link is probably real, not chance." in html
        assert "Boredom" not in html  # never followed by high craving more than other days
        assert "not proof that it causes it" in html

    def test_craving_by_weekday_and_time_of_day(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        history(self_guided_profile, 70, lambda i, day: {"craving": 8 if day.weekday() == 5 else 2}, hour=21)
        html = main(person_client.get(URL).content.decode())
        assert "Your craving has been highest on Saturdays: 8.0 on average, from 10 check-ins." in html
        assert "could be chance" in html
        # All check-ins in the evening: nothing to compare times of day with.
        assert "There aren't enough check-ins yet to compare times of day" in html
        assert '<span class="bar bar-8"></span>' in html and '<span class="bar bar-2"></span>' in html
        assert "<caption>Average craving by day of the week</caption>" in html

    def test_the_page_has_no_inline_styles(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        history(self_guided_profile, 30, lambda i, day: {"craving": i % 11})
        html = person_client.get(URL).content.decode()
        assert not re.search(r"\sstyle=", html)


class TestEarlyWarning:
    def warn(self, profile: CompanionProfile) -> None:
        today = services.today_for(profile)
        for back, craving in ((3, 2), (2, 4), (1, 6), (0, 8)):
            check_in(profile.user, profile, day=today - dt.timedelta(days=back), craving=craving)

    def test_it_shows_the_pattern_with_the_plan_button(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        self.warn(self_guided_profile)
        html = main(person_client.get(URL).content.decode())
        assert "A pattern worth noticing" in html and "2, 4, 6, 8 (out of 10)" in html
        assert "You haven't noted contact with a support person in the last 3 days." in html
        assert 'href="/companion/plan/">Open my plan</a>' in html
        assert "care team" not in html.split("A pattern worth noticing", 1)[1].split("</section>", 1)[0]

    def test_the_care_team_line_shows_only_when_alerts_are_on(
        self, patient_client: Client, patient_profile: CompanionProfile
    ) -> None:
        patient_profile.alert_care_team = True
        patient_profile.save()
        self.warn(patient_profile)
        assert CareTeamAlert.objects.filter(kind="early_warning").exists()
        box = (
            main(patient_client.get(URL).content.decode())
            .split("A pattern worth noticing", 1)[1]
            .split("</section>", 1)[0]
        )
        assert "your care team was told today" in box

    def test_with_alerts_off_nothing_about_the_care_team(
        self, patient_client: Client, patient_profile: CompanionProfile
    ) -> None:
        self.warn(patient_profile)
        assert not CareTeamAlert.objects.exists()
        box = (
            main(patient_client.get(URL).content.decode())
            .split("A pattern worth noticing", 1)[1]
            .split("</section>", 1)[0]
        )
        assert "care team" not in box


class TestRoutineAndEmpty:
    def test_an_empty_history_invites_a_check_in(self, person_client: Client) -> None:
        html = main(person_client.get(URL).content.decode())
        assert "Insights appear here as your check-ins add up" in html and "/companion/check-in/" in html
        assert "My healthy routine" in html

    def test_the_routine_summary_counts_the_last_7_and_28_days(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        # 40 days up to today: the last 7 slept 7 h with mindfulness; exercise every other day.
        history(
            self_guided_profile,
            40,
            lambda i, day: {
                "sleep_hours": Decimal("7.0") if i >= 33 else Decimal("5.0"),
                "exercised": i % 2 == 0,
                "mindfulness": i >= 33,
            },
            last=0,
        )
        html = main(person_client.get(URL).content.decode())
        routine = html.split("My healthy routine", 1)[1]
        assert "7.0 hours (from 7 nights)" in routine and "5.5 hours (from 28 nights)" in routine
        assert '<th scope="row">Check-ins</th><td>7</td><td>28</td>' in routine
        assert '<th scope="row">Days with exercise</th><td>3</td><td>14</td>' in routine
        assert '<th scope="row">Days with mindfulness</th><td>7</td><td>7</td>' in routine


class TestQueriesAndAccess:
    def count(self, client: Client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    def test_the_queries_do_not_grow_with_the_number_of_check_ins(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        history(self_guided_profile, 10, lambda i, day: {"craving": i % 5})
        few = self.count(person_client)
        CheckIn.objects.all().delete()
        history(self_guided_profile, 400, lambda i, day: {"craving": i % 7, "triggers": ["stress"] if i % 3 else []})
        assert self.count(person_client) == few
        assert few <= 15

    def test_reading_is_audited(self, person_client: Client, self_guided: User) -> None:
        person_client.get(URL)
        assert AuditEvent.objects.filter(actor=self_guided, action="companion_read", object_type="checkin").exists()

    def test_staff_anonymous_and_spanish(
        self, client: Client, world: World, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        assert '<html lang="es">' in person_client.get(URL).content.decode()
        anonymous = Client()
        assert anonymous.get(URL).status_code == 302
        assert sign_in(Client(), world.user(Role.PRESCRIBER)).get(URL).status_code == 403
