"""Set-up for the treatment-plan and lapse tests: a complete plan written and
signed through services_plans (set-up, when that is not the behaviour under
test), moving a signed plan back in time, and the pages' URLs."""

import datetime as dt
from typing import Any

from waymark.care import services_plans as services
from waymark.care.models import PlanGoal, TreatmentPlan
from waymark.chart.models import Episode, Patient
from waymark.conftest import World
from waymark.core.models import User
from waymark.core.roles import Role


def counsellor(world: World) -> User:
    return world.user(Role.COUNSELLOR)


def episode(patient: Patient) -> Episode:
    found = services.open_episode(patient)
    assert found is not None
    return found


def admit(patient: Patient, admitted_on: dt.date = dt.date(2026, 1, 5)) -> Episode:
    return Episode.objects.create(
        patient=patient, admitted_on=admitted_on, level_of_care="otp", primary_substance="fentanyl"
    )


def today(patient: Patient) -> dt.date:
    return patient.program.clinic_day()


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def objective(patient: Patient, **changes: Any) -> services.ObjectiveInput:
    fields: dict[str, Any] = {
        "description": "Attend relapse-prevention group twice a week for 8 weeks",
        "target_on": today(patient) + days(56),
    }
    fields.update(changes)
    return services.ObjectiveInput(**fields)


def intervention(**changes: Any) -> services.InterventionInput:
    fields: dict[str, Any] = {"kind": "cbt", "frequency": "weekly, 50 minutes", "responsible_other": "the person"}
    fields.update(changes)
    return services.InterventionInput(**fields)


def draft(world: World, patient: Patient | None = None, actor: User | None = None) -> TreatmentPlan:
    patient = patient or world.patient
    return services.start_plan(actor or counsellor(world), patient, episode(patient)).plan


def fill(world: World, plan: TreatmentPlan, actor: User | None = None) -> PlanGoal:
    """One problem with a goal, an objective and an intervention: enough to sign."""
    actor = actor or counsellor(world)
    problem = services.add_problem(actor, plan, services.ProblemInput("opioid_use", "Daily fentanyl use"))
    goal = services.add_goal(actor, problem, "I want to be there for my kids in the mornings.")
    services.add_objective(actor, goal, objective(plan.patient))
    services.add_intervention(actor, goal, intervention(responsible_id=actor.pk, responsible_other=""))
    return goal


def signed(world: World, patient: Patient | None = None, *, effective_on: dt.date | None = None) -> TreatmentPlan:
    """A complete v1, signed by the counsellor; `effective_on` moves it back in time (as if signed then)."""
    plan = draft(world, patient)
    fill(world, plan)
    plan = services.sign_as_clinician(counsellor(world), plan).plan
    if effective_on is not None:
        TreatmentPlan.objects.filter(pk=plan.pk).update(effective_on=effective_on)
        plan.refresh_from_db()
    return plan


def plan_url(patient: Patient) -> str:
    return f"/care/patients/{patient.pk}/plan/"


def version_url(plan: TreatmentPlan) -> str:
    return f"/care/patients/{plan.patient_id}/plan/{plan.pk}/"


def start_url(patient: Patient) -> str:
    return plan_url(patient) + "start/"


def edit_url(plan: TreatmentPlan) -> str:
    return version_url(plan) + "edit/"


def sign_url(plan: TreatmentPlan) -> str:
    return version_url(plan) + "sign/"


def patient_sign_url(plan: TreatmentPlan) -> str:
    return version_url(plan) + "patient-sign/"


def review_url(plan: TreatmentPlan) -> str:
    return version_url(plan) + "review/"


def lapse_url(patient: Patient) -> str:
    return f"/care/patients/{patient.pk}/lapses/"
