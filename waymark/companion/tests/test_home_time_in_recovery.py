"""The companion's home: time in recovery both ways (a lapse resets days since last use, never the total),
the stage and what it often brings, the next milestone, the read audited, and a query count that does not
grow with check-ins or days in recovery."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CheckIn, CompanionProfile
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in
from waymark.core.models import AuditEvent, User

D = dt.timedelta(days=1)


def history(user: User, first: dt.date, last: dt.date, used_on: tuple[dt.date, ...] = ()) -> None:
    """A check-in every day from `first` to `last` (written straight to the table: the service only takes
    check-ins up to a week late)."""
    days = [first + D * i for i in range((last - first).days + 1)]
    CheckIn.objects.bulk_create(
        CheckIn(user=user, day=day, mood=3, craving=2, used_today=day in used_on, sleep_hours=7) for day in days
    )


def stat(html: str, element_id: str) -> int:
    return int(html.split(f'id="{element_id}">', 1)[1].split("<strong>", 1)[1].split("</strong>", 1)[0])


class TestTimeInRecovery:
    def test_it_shows_both_counts_the_same_without_a_lapse(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today - 9 * D
        profile.save()
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert stat(html, "days-since-last-use") == 10
        assert stat(html, "total-days") == 10
        assert "A lapse never erases your progress" in html

    def test_a_lapse_resets_days_since_last_use_but_not_the_total(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today - 99 * D  # 100 days from the start, today included
        profile.save()
        history(self_guided, today - 99 * D, today - D, used_on=(today - 5 * D,))
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert stat(html, "days-since-last-use") == 5
        assert stat(html, "total-days") == 99
        assert "99 of 100 days in recovery" in html
        assert "not a failure" in html
        # 99 days in all: still the middle stage, which the lapse did not take away.
        assert "Stage: middle recovery" in html
        assert "rebuild relationships and work" in html

    def test_a_start_in_the_future_is_not_counted_yet(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        CompanionProfile.objects.filter(pk=profile.pk).update(recovery_started_on=services.today_for(profile) + 3 * D)
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert "Your recovery starts on" in html
        assert 'id="total-days"' not in html

    @pytest.mark.parametrize(
        ("days_ago", "stage", "words"),
        [
            (0, "Stage: early recovery", "building a daily routine"),
            (90, "Stage: middle recovery", "rebuild relationships and work"),
            (400, "Stage: long-term recovery", "helping others"),
        ],
    )
    def test_it_names_the_stage_and_what_it_often_brings(
        self, self_guided: User, client: Client, days_ago: int, stage: str, words: str
    ) -> None:
        profile = start(self_guided)
        profile.recovery_started_on = services.today_for(profile) - days_ago * D
        profile.save()
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert stage in html
        assert words in html
        assert "this is what people often experience, not a rule" in html

    def test_it_names_the_next_milestone_and_its_day(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        profile.recovery_started_on = today - 4 * D  # 5 days: next is 1 week, in 2 days
        profile.save()
        html = sign_in(client, self_guided).get(reverse("companion:home")).content.decode()
        assert f"Next milestone: 1 week, on {(today + 2 * D).day} " in html

    def test_it_has_one_tap_buttons_to_the_plan_and_to_help(self, person_client: Client) -> None:
        html = person_client.get(reverse("companion:home")).content.decode()
        assert f'href="{reverse("companion:plan")}">My plan</a>' in html
        assert f'href="{reverse("companion:crisis")}">I need help now</a>' in html


class TestHomeRead:
    def test_the_read_is_audited(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        person_client.get(reverse("companion:home"))
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        assert (last.action, last.object_type, last.actor_username) == ("companion_read", "companion_home", "river")

    def test_a_program_patients_read_is_on_their_chart(self, patient_client: Client, world) -> None:
        patient_client.get(reverse("companion:home"))
        event = AuditEvent.objects.filter(action="companion_read").order_by("-seq").first()
        assert event is not None and event.patient_id == world.patient.pk

    def test_queries_do_not_grow_with_check_ins_or_days(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        today = services.today_for(profile)
        client = sign_in(client, self_guided)
        client.get(reverse("companion:home"))  # first visit: milestones celebrated, session saved
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("companion:home")).status_code == 200
        profile.recovery_started_on = today - 3 * 365 * D
        profile.save()
        history(self_guided, today - 3 * 365 * D, today - D, used_on=(today - 400 * D, today - 30 * D))
        client.get(reverse("companion:home"))  # the new milestones are celebrated once
        with CaptureQueriesContext(connection) as many:
            assert client.get(reverse("companion:home")).status_code == 200
        assert (
            len(many.captured_queries) == len(few.captured_queries) <= 14
        )  # 14: the peer groups' unopened "I need support now" posts
