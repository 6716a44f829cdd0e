"""Sign-off. The clinician signs a draft only when every problem has a goal and
every goal a measurable objective and an intervention (what is missing is named);
signing makes it the active version from today. The person signs the active or
draft version in the clinic by typing their name, loosely matched to the record."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import services_plans as services
from waymark.care.models import PlanGoal, PlanIntervention, PlanObjective, TreatmentPlan
from waymark.care.tests.plan_helpers import (
    counsellor,
    draft,
    edit_url,
    fill,
    patient_sign_url,
    plan_url,
    sign_url,
    signed,
    today,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


class TestClinicianSignature:
    @pytest.mark.parametrize(
        ("remove", "missing"),
        [
            ("problem", ["Add at least one problem, with a goal, an objective and an intervention."]),
            ("goal", ["Problem 1 (Opioid use) needs a goal in the person's own words."]),
            ("objective", ["Goal 1.1 needs a measurable objective with a target date."]),
            ("intervention", ["Goal 1.1 needs an intervention and who is responsible."]),
        ],
    )
    def test_it_names_what_is_missing_and_signs_nothing(self, world: World, remove: str, missing: list[str]) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        {
            "problem": lambda: goal.problem.delete(),
            "goal": lambda: goal.delete(),
            "objective": lambda: PlanObjective.objects.all().delete(),
            "intervention": lambda: PlanIntervention.objects.all().delete(),
        }[remove]()
        with pytest.raises(ValidationError) as caught:
            services.sign_as_clinician(counsellor(world), plan)
        assert caught.value.messages == missing
        plan.refresh_from_db()
        assert plan.status == "draft" and plan.effective_on is None and plan.clinician_signed_by is None

    def test_every_problem_and_goal_must_be_complete(self, world: World) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        services.add_goal(counsellor(world), goal.problem, "Sleep through the night")
        services.add_problem(counsellor(world), plan, services.ProblemInput("housing", "Sofa-surfing"))
        assert services.missing_for_signature(plan) == [
            "Goal 1.2 needs a measurable objective with a target date.",
            "Goal 1.2 needs an intervention and who is responsible.",
            "Problem 2 (Housing and living situation) needs a goal in the person's own words.",
        ]

    def test_signing_makes_it_the_active_plan_from_today(self, world: World) -> None:
        plan = draft(world)
        fill(world, plan)
        client = sign_in(Client(), world.user(Role.PRESCRIBER))
        response = client.post(sign_url(plan), follow=True)
        plan.refresh_from_db()
        assert plan.status == "active" and plan.effective_on == today(world.patient)
        assert plan.clinician_signed_by == world.user(Role.PRESCRIBER) and plan.clinician_signed_at is not None
        assert f"Version 1 signed: it is the active plan from {today(world.patient)}." in response.content.decode()
        assert AuditEvent.objects.get(action="plan_sign").reason == "version 1"

    def test_the_editor_shows_why_it_cannot_be_signed(self, world: World) -> None:
        plan = draft(world)
        response = sign_in(Client(), counsellor(world)).post(sign_url(plan))
        html = response.content.decode()
        assert response.status_code == 422 and "Not signed:" in html and "Add at least one problem" in html
        assert TreatmentPlan.objects.get().status == "draft"

    def test_signing_twice_says_it_is_already_signed(self, world: World) -> None:
        plan = signed(world)
        with pytest.raises(ValidationError, match="Version 1 was already signed on"):
            services.sign_as_clinician(counsellor(world), plan)
        response = sign_in(Client(), counsellor(world)).post(sign_url(plan))
        assert response.status_code == 422 and "Version 1 was already signed on" in response.content.decode()


class TestPersonsSignature:
    @pytest.mark.parametrize("typed", ["Dana Whitlock", "  dana   WHITLOCK ", "Dee Whitlock", "dee", "DanaWhitlock"])
    def test_the_typed_name_matches_loosely(self, world: World, typed: str) -> None:
        world.patient.preferred_name = "Dee"
        world.patient.save()
        plan = signed(world)
        assert services.record_patient_signature(counsellor(world), plan, typed)
        plan.refresh_from_db()
        assert plan.patient_signature == " ".join(typed.split()) and plan.patient_signed_at is not None

    def test_another_name_is_refused_clearly(self, world: World) -> None:
        plan = signed(world)
        client = sign_in(Client(), counsellor(world))
        response = client.post(patient_sign_url(plan), {"typed_name": "Dana Smith"})
        html = response.content.decode()
        assert response.status_code == 422
        assert "The typed name does not match the name on the record (Dana Whitlock)." in html
        plan.refresh_from_db()
        assert plan.patient_signature == "" and plan.patient_signed_at is None

    def test_the_person_signs_a_draft_and_the_signature_stays_with_that_version(self, world: World) -> None:
        plan = draft(world)
        fill(world, plan)
        client = sign_in(Client(), counsellor(world))
        response = client.post(patient_sign_url(plan), {"typed_name": "Dana Whitlock"})
        assert response.status_code == 302 and response["Location"] == plan_url(world.patient)
        services.sign_as_clinician(counsellor(world), plan)
        plan.refresh_from_db()
        assert plan.status == "active" and plan.patient_signature == "Dana Whitlock"
        assert AuditEvent.objects.get(action="plan_patient_sign").reason == "in the clinic"
        # A revision is signed again by both.
        revision = draft(world)
        assert revision.patient_signature == "" and revision.patient_signed_at is None

    def test_changing_a_draft_after_the_person_signed_clears_their_signature(self, world: World) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        services.record_patient_signature(counsellor(world), plan, "Dana Whitlock")
        client = sign_in(Client(), counsellor(world))
        unchanged = {"op": "edit_goal", "item": goal.pk, "in_patients_words": goal.in_patients_words}
        client.post(edit_url(plan), unchanged)
        assert TreatmentPlan.objects.get().patient_signature == "Dana Whitlock"
        changed = {**unchanged, "in_patients_words": "Mornings with my kids"}
        response = client.post(edit_url(plan), changed, follow=True)
        assert "The draft changed after the person signed it: ask them to sign it again." in response.content.decode()
        plan.refresh_from_db()
        assert plan.patient_signature == "" and plan.patient_signed_at is None
        assert AuditEvent.objects.filter(action="plan_patient_sign_clear").count() == 1

    def test_signing_again_changes_nothing(self, world: World) -> None:
        plan = signed(world)
        assert services.record_patient_signature(counsellor(world), plan, "Dana Whitlock")
        first = TreatmentPlan.objects.get().patient_signed_at
        assert not services.record_patient_signature(counsellor(world), plan, "dana whitlock")
        assert TreatmentPlan.objects.get().patient_signed_at == first

    def test_a_superseded_version_is_not_signed(self, world: World) -> None:
        old = signed(world)
        new = draft(world)
        services.sign_as_clinician(counsellor(world), new)
        with pytest.raises(ValidationError, match="replaced by a newer version: the person signs the current plan"):
            services.record_patient_signature(counsellor(world), old, "Dana Whitlock")

    def test_the_page_shows_both_sign_offs(self, world: World) -> None:
        plan = signed(world)
        services.record_patient_signature(counsellor(world), plan, "Dana Whitlock")
        html = sign_in(Client(), counsellor(world)).get(plan_url(world.patient)).content.decode()
        assert f"Signed by Counsellor on {today(world.patient):%Y-%m-%d}" in html
        assert f"Signed “Dana Whitlock” on {today(world.patient):%Y-%m-%d}" in html
        assert "Record the person's signature" not in html
        assert edit_url(plan) not in html and PlanGoal.objects.count() == 1
