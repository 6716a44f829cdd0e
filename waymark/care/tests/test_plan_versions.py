"""Versions are kept: revising copies the active version into a new draft
(problems, goals, objectives, interventions; based on it; version + 1); signing
that draft supersedes the old version, which is unchanged and still viewable.
An episode has one draft at a time, and a discharged episode gets no plan."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import services_plans as services
from waymark.care.models import PlanObjective, TreatmentPlan
from waymark.care.tests.plan_helpers import (
    counsellor,
    days,
    draft,
    edit_url,
    episode,
    fill,
    plan_url,
    review_url,
    sign_url,
    signed,
    start_url,
    today,
    version_url,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def content(plan: TreatmentPlan) -> list[tuple[object, ...]]:
    """Everything a version says, without ids."""
    rows: list[tuple[object, ...]] = []
    for p in plan.problems.all():
        rows.append((p.area, p.description, p.instrument_record_id, p.placement_id))
        for g in p.goals.all():
            rows.append((g.in_patients_words,))
            rows += [(o.description, o.target_on, o.status) for o in g.objectives.all()]
            rows += [(i.kind, i.frequency, i.responsible_id, i.responsible_other) for i in g.interventions.all()]
    return rows


class TestRevising:
    def test_revising_copies_the_active_version_into_a_new_draft(self, world: World) -> None:
        v1 = signed(world)
        started = services.start_plan(counsellor(world), world.patient, episode(world.patient))
        v2 = started.plan
        assert started.created and v2.version == 2 and v2.status == "draft" and v2.based_on == v1
        assert content(v2) == content(v1) and len(content(v1)) == 4
        assert not set(v2.problems.values_list("pk", flat=True)) & set(v1.problems.values_list("pk", flat=True))
        assert v2.patient_signature == "" and v2.clinician_signed_by is None
        v1.refresh_from_db()
        assert v1.status == "active"

    def test_signing_the_revision_supersedes_the_old_version_unchanged(self, world: World) -> None:
        v1 = signed(world, effective_on=today(world.patient) - days(30))
        before = content(v1)
        v2 = draft(world)
        objective = PlanObjective.objects.get(goal__problem__plan=v2)
        services.edit_objective(
            counsellor(world),
            objective,
            services.ObjectiveInput(objective.description, objective.target_on, PlanObjective.Status.MET),
        )
        services.sign_as_clinician(counsellor(world), v2)
        v1.refresh_from_db()
        v2.refresh_from_db()
        assert (v1.status, v2.status) == ("superseded", "active")
        assert v1.effective_on == today(world.patient) - days(30) and v2.effective_on == today(world.patient)
        assert content(v1) == before and PlanObjective.objects.get(goal__problem__plan=v1).status == "open"
        actions = set(AuditEvent.objects.filter(patient_id=world.patient.pk).values_list("action", flat=True))
        assert {"plan_start", "plan_sign", "plan_supersede", "plan_objective_edit"} <= actions

    def test_the_old_version_stays_viewable(self, world: World) -> None:
        v1 = signed(world)
        v2 = draft(world)
        client = sign_in(Client(), counsellor(world))
        assert client.post(sign_url(v2)).status_code == 302
        page = client.get(plan_url(world.patient)).content.decode()
        assert "The plan in effect (version 2)" in page and f'href="{version_url(v1)}"' in page
        old = client.get(version_url(v1))
        html = old.content.decode()
        assert old.status_code == 200 and "Superseded" in html and "I want to be there for my kids" in html
        # A signed version has no editor: it is kept as it was.
        response = client.get(edit_url(v1), follow=True)
        assert "Signed versions are kept as they were; revise the plan to change it." in response.content.decode()

    def test_a_review_that_revises_starts_the_draft(self, world: World) -> None:
        v1 = signed(world, effective_on=today(world.patient) - days(30))
        client = sign_in(Client(), counsellor(world))
        data = {"reviewed_on": f"{today(world.patient):%Y-%m-%d}", "outcome": "revise", "notes": ""}
        response = client.post(review_url(v1), data)
        v2 = TreatmentPlan.objects.get(version=2)
        assert response.status_code == 302 and response["Location"] == edit_url(v2)
        assert v2.based_on == v1 and v1.reviews.get().outcome == "revise"


class TestOneDraft:
    def test_starting_again_returns_the_draft_already_started(self, world: World) -> None:
        first = draft(world)
        again = services.start_plan(counsellor(world), world.patient, episode(world.patient))
        assert not again.created and again.plan == first and TreatmentPlan.objects.count() == 1

    def test_the_start_button_goes_to_the_existing_draft(self, world: World) -> None:
        first = draft(world)
        client = sign_in(Client(), counsellor(world))
        response = client.post(start_url(world.patient), follow=True)
        assert response.redirect_chain[-1][0] == edit_url(first)
        assert "Version 1 was already started as a draft: here it is." in response.content.decode()

    def test_a_discharged_episode_gets_no_plan(self, world: World) -> None:
        ep = episode(world.patient)
        plan = draft(world)
        fill(world, plan)
        ep.discharged_on = today(world.patient)
        ep.discharge_reason = "completed"
        ep.save()
        with pytest.raises(ValidationError, match=r"discharged on .*: treatment plans are written and changed for"):
            services.start_plan(counsellor(world), world.patient, ep)
        with pytest.raises(ValidationError, match="discharged on"):
            services.sign_as_clinician(counsellor(world), plan)
        plan.refresh_from_db()
        assert plan.status == "draft" and TreatmentPlan.objects.count() == 1
