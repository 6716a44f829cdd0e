"""When a signed plan is due for review, end to end: signed on day X with a
30-day interval it is due on X+30 and overdue by 1 on X+31; a review starts the
interval again; a lapse after the last review brings the review forward (a
lapse on the review day does not); the interval is the program's setting, 7 to
365 days. The date maths itself (schedules.py) is tested in test_schedules.py."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import reviews, schedules
from waymark.care import services_plans as services
from waymark.care.models import TreatmentPlan
from waymark.care.tests.plan_helpers import counsellor, days, draft, episode, plan_url, signed, today
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def status(world: World, on_day: dt.date) -> schedules.ReviewStatus:
    return reviews.review_statuses([world.patient.pk], on_day)[world.patient.pk]


class TestFromSigning:
    @pytest.mark.parametrize(
        ("offset", "state", "label"),
        [
            (29, "upcoming", "Review in 1 day"),
            (30, "due", "Review due today"),
            (31, "overdue", "Review overdue by 1 day"),
        ],
    )
    def test_signed_today_with_30_days_is_due_on_day_30(
        self, world: World, offset: int, state: str, label: str
    ) -> None:
        plan = signed(world)
        x = today(world.patient)
        assert plan.effective_on == x and plan.review_interval_days == 30
        review = status(world, x + days(offset))
        assert review.due_on == x + days(30) and review.state == state and review.label == label

    def test_a_review_starts_the_interval_again(self, world: World) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(40))
        assert status(world, x).label == "Review overdue by 10 days"
        services.record_review(counsellor(world), plan, x - days(5), "continue")
        review = status(world, x)
        assert review.due_on == x + days(25) and review.state == "upcoming"


class TestLapses:
    def test_a_lapse_after_the_last_review_brings_it_forward(self, world: World) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(20))
        services.record_review(counsellor(world), plan, x - days(10), "continue")
        services.record_recovery_event(counsellor(world), world.patient, "lapse", x - days(5))
        review = status(world, x)
        assert review.due_on == x - days(5) and review.prompted_by_lapse
        assert review.label == "Review overdue by 5 days"

    def test_a_lapse_on_the_review_day_does_not(self, world: World) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(20))
        services.record_review(counsellor(world), plan, x - days(10), "continue")
        services.record_recovery_event(counsellor(world), world.patient, "relapse", x - days(10))
        review = status(world, x)
        assert review.due_on == x + days(20) and not review.prompted_by_lapse

    def test_the_plan_page_says_so(self, world: World) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(20))
        services.record_review(counsellor(world), plan, x - days(10), "continue")
        services.record_recovery_event(counsellor(world), world.patient, "lapse", x - days(3))
        html = sign_in(Client(), counsellor(world)).get(plan_url(world.patient)).content.decode()
        assert '<p class="rx-alert" role="alert"><strong>Review overdue by 3 days</strong>' in html
        assert f"prompted by a lapse on {x - days(3):%Y-%m-%d}" in html


class TestProgramSetting:
    @pytest.mark.parametrize("interval", [7, 365])
    def test_the_programs_interval_is_used(self, world: World, interval: int) -> None:
        world.program.rule_settings = {"care.plan.review_interval_days": interval}
        world.program.save()
        plan = signed(world)
        assert plan.review_interval_days == interval
        assert status(world, today(world.patient)).due_on == today(world.patient) + days(interval)

    @pytest.mark.parametrize("interval", [6, 366, "30"])
    def test_a_bad_setting_is_refused_with_a_clear_message(self, world: World, interval: object) -> None:
        world.program.rule_settings = {"care.plan.review_interval_days": interval}
        world.program.save()
        with pytest.raises(ValidationError) as caught:
            services.start_plan(counsellor(world), world.patient, episode(world.patient))
        assert caught.value.messages == [
            "The program's rule settings are invalid: care.plan.review_interval_days must be a whole number of days "
            "from 7 to 365. Ask the program admin."
        ]
        assert TreatmentPlan.objects.count() == 0

    def test_the_page_shows_the_bad_setting(self, world: World) -> None:
        world.program.rule_settings = {"care.plan.review_interval_days": 366}
        world.program.save()
        response = sign_in(Client(), world.user(Role.COUNSELLOR)).post(plan_url(world.patient) + "start/")
        assert response.status_code == 422
        assert (
            "care.plan.review_interval_days must be a whole number of days from 7 to 365" in response.content.decode()
        )
        assert TreatmentPlan.objects.count() == 0

    def test_a_version_keeps_the_interval_it_was_started_with(self, world: World) -> None:
        plan = draft(world)
        world.program.rule_settings = {"care.plan.review_interval_days": 14}
        world.program.save()
        plan.refresh_from_db()
        assert plan.review_interval_days == 30
