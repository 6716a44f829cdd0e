"""Recording a review of the active plan: not in the future, not before the plan
took effect, an outcome chosen; a draft or a superseded version is not reviewed.
Errors name their field and nothing is saved; a double submit records once."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import services_plans as services
from waymark.care.models import PlanReview
from waymark.care.tests.plan_helpers import counsellor, days, draft, fill, review_url, signed, today
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db


class TestRecordReview:
    @pytest.mark.parametrize(
        ("offset", "outcome", "field", "message"),
        [
            (1, "continue", "reviewed_on", "The review date is in the future"),
            (-11, "continue", "reviewed_on", "The review cannot be before the plan took effect on"),
            (None, "continue", "reviewed_on", "Give the day of the review."),
            (0, "", "outcome", "Choose whether to continue the plan as it is or revise it."),
        ],
    )
    def test_bad_input_is_named_and_nothing_is_saved(
        self, world: World, offset: int | None, outcome: str, field: str, message: str
    ) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(10))
        day = None if offset is None else x + days(offset)
        with pytest.raises(ValidationError) as caught:
            services.record_review(counsellor(world), plan, day, outcome)
        assert list(caught.value.message_dict) == [field] and message in caught.value.message_dict[field][0]
        assert PlanReview.objects.count() == 0

    @pytest.mark.parametrize("offset", [0, -10])
    def test_the_day_it_took_effect_and_today_are_accepted(self, world: World, offset: int) -> None:
        x = today(world.patient)
        plan = signed(world, effective_on=x - days(10))
        done = services.record_review(counsellor(world), plan, x + days(offset), "continue", "Going well")
        assert done.created and done.draft is None and done.review.reviewed_by == counsellor(world)
        assert AuditEvent.objects.get(action="plan_review").reason == "fields: reviewed_on, outcome, notes"

    def test_a_draft_is_not_reviewed(self, world: World) -> None:
        plan = draft(world)
        fill(world, plan)
        with pytest.raises(ValidationError, match="Only the signed plan is reviewed: sign this draft first"):
            services.record_review(counsellor(world), plan, today(world.patient), "continue")

    def test_a_double_submit_records_once(self, world: World) -> None:
        plan = signed(world)
        data: dict[str, Any] = {"reviewed_on": f"{today(world.patient):%Y-%m-%d}", "outcome": "continue", "notes": ""}
        client = sign_in(Client(), counsellor(world))
        assert client.post(review_url(plan), data).status_code == 302
        response = client.post(review_url(plan), data, follow=True)
        assert "already recorded; nothing was saved twice" in response.content.decode()
        assert PlanReview.objects.count() == 1

    def test_the_page_shows_the_error_next_to_the_field(self, world: World) -> None:
        plan = signed(world)
        tomorrow: dt.date = today(world.patient) + days(1)
        client = sign_in(Client(), counsellor(world))
        response = client.post(review_url(plan), {"reviewed_on": f"{tomorrow:%Y-%m-%d}", "outcome": "continue"})
        html = response.content.decode()
        assert response.status_code == 422
        assert '<ul class="errorlist" id="review_reviewed_on_error"><li>The review date is in the future' in html
        assert PlanReview.objects.count() == 0
