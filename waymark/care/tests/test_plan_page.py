"""The plan page: the active version (problems → goals in the person's words →
objectives with target dates and status → interventions with who is
responsible), the draft, earlier versions, reviews and lapses, in a fixed number
of queries however large the plan; the draft editor likewise."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.care import services_plans as services
from waymark.care.models import PlanGoal, PlanIntervention, PlanObjective, PlanProblem
from waymark.care.tests.plan_helpers import (
    counsellor,
    days,
    draft,
    edit_url,
    plan_url,
    signed,
    today,
)
from waymark.conftest import World, sign_in

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 20


def grow(world: World, problems: int) -> None:
    """A revision with `problems` more problems of two goals, each with three objectives and three
    interventions (written straight to the tables: set-up), signed and reviewed, and `problems` lapses."""
    actor = counsellor(world)
    plan = draft(world)
    target = today(world.patient) + days(60)
    for n in range(problems):
        problem = PlanProblem.objects.create(plan=plan, area="family", description=f"Problem {n}")
        for g in range(2):
            goal = PlanGoal.objects.create(problem=problem, in_patients_words=f"Goal {n}.{g}")
            PlanObjective.objects.bulk_create(
                PlanObjective(goal=goal, description=f"Objective {n}.{g}.{k} weekly", target_on=target)
                for k in range(3)
            )
            PlanIntervention.objects.bulk_create(
                PlanIntervention(goal=goal, kind="cbt", responsible=actor) for _ in range(3)
            )
    services.sign_as_clinician(actor, plan)
    services.record_review(actor, plan, today(world.patient), "continue", "ok")
    for d in range(problems):
        services.record_recovery_event(actor, world.patient, "lapse", today(world.patient) - days(d), f"s{d}")


def count(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_page_reads_the_plan_in_order(world: World) -> None:
    signed(world)
    html = sign_in(Client(), counsellor(world)).get(plan_url(world.patient)).content.decode()
    order = [
        "Problem 1: Opioid use",
        "Daily fentanyl use",
        "Goal 1.1, in the person's words",
        "“I want to be there for my kids in the mornings.”",
        "Attend relapse-prevention group twice a week for 8 weeks",
        f"{today(world.patient) + days(56):%Y-%m-%d}",
        "Working on it",
        "Cognitive behavioural therapy (CBT)",
        "weekly, 50 minutes",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert f"Review in 30 days</strong> (on {today(world.patient) + days(30):%Y-%m-%d})" in html


@pytest.mark.parametrize(("role", "copies"), [("counsellor", 2), ("patient", 1)])  # the person sees no draft
def test_the_page_takes_the_same_queries_whatever_the_size(world: World, role: str, copies: int) -> None:
    signed(world)
    draft(world)
    client = sign_in(Client(), world.user(role))
    client.get("/")  # the session's first request also saves the session: not counted
    small, _ = count(client, plan_url(world.patient))
    grow(world, 1)  # the draft, version 2, grows and is signed
    grow(world, 4)  # version 3: six problems, reviewed, five lapses
    draft(world)  # version 4, a copy of it
    large, response = count(client, plan_url(world.patient))
    assert large == small <= PAGE_QUERIES
    assert response.content.decode().count("Objective 3.1.2 weekly") == copies


def test_the_editor_takes_the_same_queries_whatever_the_size(world: World) -> None:
    client = sign_in(Client(), counsellor(world))
    client.get("/")  # the session's first request also saves the session: not counted
    signed(world)
    small, _ = count(client, edit_url(draft(world)))
    grow(world, 2)
    large, _ = count(client, edit_url(draft(world)))
    assert large == small <= PAGE_QUERIES
