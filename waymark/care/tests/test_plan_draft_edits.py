"""Only a draft is edited: problems (linked to the person's own assessments),
goals in their words, measurable objectives with a target date within two years,
interventions with who is responsible. A signed version is never changed. Bad
input is refused naming the field, and nothing is saved."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from waymark.assess.models import InstrumentRecord
from waymark.care import services_plans as services
from waymark.care.models import PlanGoal, PlanIntervention, PlanObjective, PlanProblem, TreatmentPlan
from waymark.care.tests.plan_helpers import (
    admit,
    counsellor,
    days,
    draft,
    edit_url,
    fill,
    intervention,
    objective,
    signed,
    today,
)
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def phq9(world: World, patient: Any) -> InstrumentRecord:
    return InstrumentRecord.objects.create(
        patient=patient,
        instrument="phq9",
        administered_at=timezone.now() - dt.timedelta(days=3),
        answers={},
        total=14,
        band="moderate",
        recorded_by=world.user(Role.COUNSELLOR),
        idempotency_key=f"phq9-{patient.pk}-test",
    )


def counts() -> tuple[int, int, int, int]:
    return (
        PlanProblem.objects.count(),
        PlanGoal.objects.count(),
        PlanObjective.objects.count(),
        PlanIntervention.objects.count(),
    )


class TestSignedVersionsAreKept:
    EDITS: list[Callable[[Any, TreatmentPlan, PlanGoal], object]] = [
        lambda u, plan, goal: services.add_problem(u, plan, services.ProblemInput("housing", "Sofa-surfing")),
        lambda u, plan, goal: services.edit_problem(u, goal.problem, services.ProblemInput("legal", "Court date")),
        lambda u, plan, goal: services.remove_problem(u, goal.problem),
        lambda u, plan, goal: services.add_goal(u, goal.problem, "A job"),
        lambda u, plan, goal: services.edit_goal(u, goal, "Something else"),
        lambda u, plan, goal: services.remove_goal(u, goal),
        lambda u, plan, goal: services.add_objective(u, goal, objective(plan.patient)),
        lambda u, plan, goal: services.edit_objective(u, goal.objectives.get(), objective(plan.patient, status="met")),
        lambda u, plan, goal: services.remove_objective(u, goal.objectives.get()),
        lambda u, plan, goal: services.add_intervention(u, goal, intervention()),
        lambda u, plan, goal: services.edit_intervention(u, goal.interventions.get(), intervention(kind="dbt")),
        lambda u, plan, goal: services.remove_intervention(u, goal.interventions.get()),
    ]

    @pytest.mark.parametrize("edit", EDITS)
    def test_a_signed_version_is_never_changed(self, world: World, edit: Callable[..., object]) -> None:
        plan = signed(world)
        goal = PlanGoal.objects.get(problem__plan=plan)
        before = counts()
        with pytest.raises(ValidationError) as caught:
            edit(counsellor(world), plan, goal)
        assert caught.value.messages == ["Signed versions are kept as they were; revise the plan to change it."]
        assert counts() == before
        assert PlanGoal.objects.get().in_patients_words == "I want to be there for my kids in the mornings."

    def test_the_editor_refuses_a_signed_version(self, world: World) -> None:
        plan = signed(world)
        goal = PlanGoal.objects.get()
        client = sign_in(Client(), counsellor(world))
        response = client.post(edit_url(plan), {"op": "edit_goal", "item": goal.pk, "in_patients_words": "Changed"})
        assert response.status_code == 302
        assert PlanGoal.objects.get().in_patients_words == "I want to be there for my kids in the mornings."


class TestEditingADraft:
    def test_a_plan_is_written_through_the_editor(self, world: World) -> None:
        plan = draft(world)
        record = phq9(world, world.patient)
        client = sign_in(Client(), counsellor(world))
        url = edit_url(plan)
        data: dict[str, Any] = {
            "area": "mental_health",
            "description": "Low mood",
            "finding": f"instrument:{record.pk}",
        }
        assert client.post(url, {"op": "add_problem", "item": plan.pk, **data}).status_code == 302
        problem = PlanProblem.objects.get()
        assert problem.instrument_record == record
        data = {"op": "add_goal", "item": problem.pk, "in_patients_words": "Feel like me"}
        assert client.post(url, data).status_code == 302
        goal = PlanGoal.objects.get()
        target = f"{today(world.patient) + days(30):%Y-%m-%d}"
        data = {"description": "PHQ-9 under 10 by the target date", "target_on": target, "status": "open"}
        assert client.post(url, {"op": "add_objective", "item": goal.pk, **data}).status_code == 302
        data = {"kind": "cbt", "frequency": "weekly", "responsible": counsellor(world).pk, "responsible_other": ""}
        response = client.post(url, {"op": "add_intervention", "item": goal.pk, **data}, follow=True)
        html = response.content.decode()
        assert "Intervention added." in html and "PHQ-9" in html and "score 14" in html
        assert services.missing_for_signature(plan) == []
        reasons = dict(AuditEvent.objects.filter(action__startswith="plan_").values_list("action", "reason"))
        assert reasons["plan_objective_add"] == "fields: description, target_on, status"
        assert "Low mood" not in str(reasons) and "Feel like me" not in str(reasons)

    def test_removing_a_problem_removes_what_hangs_from_it(self, world: World) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        client = sign_in(Client(), counsellor(world))
        response = client.post(edit_url(plan), {"op": "remove_problem", "item": goal.problem_id})
        assert response.status_code == 302 and counts() == (0, 0, 0, 0)
        assert AuditEvent.objects.get(action="plan_problem_remove").reason == "with 1 goal(s)"

    def test_an_item_of_another_plan_is_not_found(self, world: World) -> None:
        plan = draft(world)
        admit(world.other_patient)
        other = draft(world, world.other_patient, actor=make_user(world.program, Role.COUNSELLOR, "c2"))
        goal = fill(world, other)
        client = sign_in(Client(), counsellor(world))
        response = client.post(edit_url(plan), {"op": "edit_goal", "item": goal.pk, "in_patients_words": "X"})
        assert response.status_code == 404 and PlanGoal.objects.get().in_patients_words != "X"

    def test_a_copied_objective_keeps_a_target_date_that_has_passed(self, world: World) -> None:
        signed(world)
        PlanObjective.objects.update(target_on=today(world.patient) - days(1))
        revision = draft(world)
        copied = PlanObjective.objects.get(goal__problem__plan=revision)
        services.edit_objective(
            counsellor(world), copied, objective(world.patient, target_on=copied.target_on, status="met")
        )
        copied.refresh_from_db()
        assert copied.status == "met"


class TestValidation:
    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"target_on": None}, "target_on", "Give a target date."),
            ({"target_on": -1}, "target_on", "The target date cannot be before this plan version was started"),
            ({"target_on": 731 + 1}, "target_on", "The target date is at most 2 years ahead"),
            ({"description": "Do better"}, "description", "Make the objective measurable"),
            ({"description": "  "}, "description", "Describe the objective"),
        ],
    )
    def test_objectives_are_measurable_with_a_sensible_target_date(
        self, world: World, changes: dict[str, Any], field: str, message: str
    ) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        if isinstance(changes.get("target_on"), int):
            changes["target_on"] = today(world.patient) + days(changes["target_on"])
        with pytest.raises(ValidationError) as caught:
            services.add_objective(counsellor(world), goal, objective(world.patient, **changes))
        assert list(caught.value.message_dict) == [field] and message in caught.value.message_dict[field][0]
        assert PlanObjective.objects.count() == 1

    def test_two_years_ahead_is_the_last_target_date(self, world: World) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        started = today(world.patient)
        latest = services._years_after(started, 2)
        services.add_objective(counsellor(world), goal, objective(world.patient, target_on=latest))
        services.add_objective(counsellor(world), goal, objective(world.patient, target_on=started))
        assert PlanObjective.objects.count() == 3

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"responsible_other": ""}, "Say who is responsible"),
            ({"responsible_id": "outsider"}, "Choose a staff member of this program"),
            ({"responsible_id": "patient"}, "Choose a staff member of this program"),
        ],
    )
    def test_someone_is_responsible_for_an_intervention(
        self, world: World, changes: dict[str, Any], message: str
    ) -> None:
        plan = draft(world)
        goal = fill(world, plan)
        if changes.get("responsible_id") == "outsider":
            changes["responsible_id"] = world.outsider_staff[Role.COUNSELLOR].pk
        elif changes.get("responsible_id") == "patient":
            changes["responsible_id"] = world.user(Role.PATIENT).pk
        with pytest.raises(ValidationError) as caught:
            services.add_intervention(counsellor(world), goal, intervention(**changes))
        assert message in caught.value.message_dict["responsible"][0]
        assert PlanIntervention.objects.count() == 1

    def test_a_problem_links_only_to_this_persons_assessments(self, world: World) -> None:
        plan = draft(world)
        theirs = phq9(world, world.other_patient)
        with pytest.raises(ValidationError) as caught:
            services.add_problem(
                counsellor(world),
                plan,
                services.ProblemInput("mental_health", "Low mood", instrument_record_id=theirs.pk),
            )
        assert caught.value.message_dict == {
            "finding": ["That assessment is not one of this person's: link a finding from their own assessments."]
        }
        assert PlanProblem.objects.count() == 0

    def test_the_editor_names_every_error_and_saves_nothing(self, world: World) -> None:
        plan = draft(world)
        theirs = phq9(world, world.other_patient)
        client = sign_in(Client(), counsellor(world))
        data = {
            "op": "add_problem",
            "item": plan.pk,
            "area": "",
            "description": "",
            "finding": f"instrument:{theirs.pk}",
        }
        response = client.post(edit_url(plan), data)
        html = response.content.decode()
        assert response.status_code == 422
        assert "Choose the area of the problem" in html and "Describe the problem." in html
        assert "That assessment is not one of this person&#x27;s" in html
        assert PlanProblem.objects.count() == 0
