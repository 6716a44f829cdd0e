"""Treatment plans and lapses: starting and revising a plan, editing its draft,
the clinician's and the person's sign-off, periodic reviews, and recording a
lapse or relapse. One function per use case, each in a transaction, audited
(field names only, never clinical text), with the actor's role checked again
(Cap.CARE_PLAN: counsellors and prescribers). Callers pass a patient they got
from `chart.access.patient_for`.

Versions are kept: a draft is edited; the clinician's signature makes it the
active version and supersedes the one before, which is never changed again;
revising copies the active version into a new draft. Objective status is set
in a draft (a revision): a review that finds progress to record chooses
"Revise". When the review is due is `reviews.review_statuses` (schedules.py).

A lapse or relapse is a clinical event that brings the plan review forward
(rule care.plan.lapse_prompts_review). It is never a failure flag and erases
nothing.
"""

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from waymark.assess import instruments
from waymark.assess.models import InstrumentRecord, PlacementAssessment
from waymark.care import reviews
from waymark.care.models import (
    InterventionKind,
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanProblem,
    PlanReview,
    ProblemArea,
    RecoveryEvent,
    TreatmentPlan,
)
from waymark.chart.models import CARE_TEAM_ROLES, Episode, Patient
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.core.services import require

SIGNED = "Signed versions are kept as they were; revise the plan to change it."
MAX_TEXT = 2000
MAX_FREQUENCY = 120
MAX_RESPONSIBLE = 120
MAX_SUBSTANCES = 200
MAX_SIGNATURE = 200
TARGET_YEARS_AHEAD = 2
MIN_OBJECTIVE_WORDS = 3
# The same lapse sent twice by the same person within this time is one record (a double click).
DOUBLE_SUBMIT = dt.timedelta(minutes=10)
STAFF_ROLES = [value for value, _ in CARE_TEAM_ROLES]

Status = TreatmentPlan.Status


# --- Reading ------------------------------------------------------------------------------------------------


def open_episode(patient: Patient) -> Episode | None:
    return Episode.objects.filter(patient=patient, discharged_on__isnull=True).order_by("-admitted_on", "-pk").first()


def patient_plans(patient: Patient) -> list[TreatmentPlan]:
    """Every version of every episode's plan, newest episode and version first (one query)."""
    return list(
        TreatmentPlan.objects.filter(patient=patient)
        .select_related("episode", "clinician_signed_by", "created_by", "based_on")
        .order_by("-episode__admitted_on", "-episode_id", "-version")
    )


def load_content(plans: Iterable[TreatmentPlan]) -> None:
    """Fetch problems → goals → objectives and interventions for `plans` in four queries, whatever their size."""
    interventions = PlanIntervention.objects.select_related("responsible")
    goals = PlanGoal.objects.prefetch_related("objectives", Prefetch("interventions", queryset=interventions))
    problems = PlanProblem.objects.select_related("instrument_record", "placement").prefetch_related(
        Prefetch("goals", queryset=goals)
    )
    prefetch_related_objects(list(plans), Prefetch("problems", queryset=problems))


def recent_events(patient: Patient, limit: int = 10) -> list[RecoveryEvent]:
    return list(RecoveryEvent.objects.filter(patient=patient).select_related("recorded_by")[:limit])


def finding_label(problem: PlanProblem, zone: Any) -> str:
    """The assessment finding a problem comes from, in words ("" when none); dates in the program's zone."""
    parts = []
    if problem.instrument_record is not None:
        parts.append(_instrument_label(problem.instrument_record, zone))
    if problem.placement is not None:
        parts.append(_placement_label(problem.placement, zone))
    return "; ".join(parts)


def _instrument_label(record: InstrumentRecord, zone: Any) -> str:
    day = record.administered_at.astimezone(zone).date()
    try:
        instrument = instruments.get(record.instrument)
    except instruments.UnknownInstrument:
        return f"{record.instrument} {day}, score {record.total}"
    band = instrument.band_for(record.total) if record.band else None
    return f"{instrument.short_name} {day}, score {record.total}" + (f" ({band.label})" if band else "")


def _placement_label(placement: PlacementAssessment, zone: Any) -> str:
    level = placement.decided_level or placement.recommended_level
    state = "decided" if placement.decided_level else "recommended"
    return f"ASAM placement {placement.assessed_at.astimezone(zone).date()}, level {level} {state}"


def finding_choices(patient: Patient, limit: int = 30) -> list[tuple[str, str]]:
    """The person's assessments a problem may link to: ("instrument:<id>" | "placement:<id>", label)."""
    zone = patient.program.zone
    records = InstrumentRecord.objects.filter(patient=patient).order_by("-administered_at")[:limit]
    placements = PlacementAssessment.objects.filter(patient=patient).order_by("-assessed_at")[:limit]
    return [(f"instrument:{r.pk}", _instrument_label(r, zone)) for r in records] + [
        (f"placement:{p.pk}", _placement_label(p, zone)) for p in placements
    ]


def staff_choices(patient: Patient) -> list[tuple[int, str]]:
    """Staff of the person's program who may be responsible for an intervention."""
    users = User.objects.filter(program_id=patient.program_id, is_active=True, role__in=STAFF_ROLES)
    return [(u.pk, f"{u.get_full_name() or u.username} ({u.role_label})") for u in users.order_by("last_name", "pk")]


def missing_for_signature(plan: TreatmentPlan) -> list[str]:
    """What the plan still needs before the clinician signs it, each item named; [] when ready.
    Every problem needs a goal; every goal a measurable objective and an intervention.
    Reads `plan.problems` as loaded (prefetch with `load_content` to keep it to four queries)."""
    problems = list(plan.problems.all())
    if not problems:
        return ["Add at least one problem, with a goal, an objective and an intervention."]
    missing = []
    for n, problem in enumerate(problems, start=1):
        goals = list(problem.goals.all())
        if not goals:
            missing.append(f"Problem {n} ({problem.get_area_display()}) needs a goal in the person's own words.")
        for m, goal in enumerate(goals, start=1):
            if not goal.objectives.all():
                missing.append(f"Goal {n}.{m} needs a measurable objective with a target date.")
            if not goal.interventions.all():
                missing.append(f"Goal {n}.{m} needs an intervention and who is responsible.")
    return missing


# --- Starting and revising ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    plan: TreatmentPlan
    created: bool  # False: the episode already had a draft, which is returned unchanged


def _closed(episode: Episode) -> ValidationError:
    return ValidationError(
        f"This episode of care was discharged on {episode.discharged_on:%Y-%m-%d}: treatment plans are written "
        "and changed for an open episode."
    )


@transaction.atomic
def start_plan(actor: User, patient: Patient, episode: Episode) -> Started:
    """The episode's first plan (version 1, a draft), or a new draft copied from the active version
    (problems, goals, objectives, interventions; based_on set; version + 1). An episode has one draft at a
    time: when there is one already it is returned (created=False)."""
    require(actor, Cap.CARE_PLAN, "start or revise treatment plans")
    if episode.patient_id != patient.pk:
        raise PermissionDenied("That episode belongs to another patient.")
    # Lock the episode: two people starting a plan at once get one draft.
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.discharged_on is not None:
        raise _closed(episode)
    plans = TreatmentPlan.objects.filter(episode=episode)
    draft = plans.filter(status=Status.DRAFT).first()
    if draft is not None:
        return Started(draft, created=False)
    interval = reviews.program_review_days(patient.program)
    active = plans.filter(status=Status.ACTIVE).first()
    last = plans.aggregate(last=Max("version"))["last"] or 0
    plan = TreatmentPlan.objects.create(
        patient=patient,
        episode=episode,
        version=last + 1,
        status=Status.DRAFT,
        based_on=active,
        review_interval_days=interval,
        created_by=actor,
    )
    if active is not None:
        _copy_content(active, plan)
    reason = f"version {plan.version}" + (f", copied from version {active.version}" if active else "")
    audit.record_patient_object(actor, "plan_start", patient, plan, reason=reason)
    return Started(plan, created=True)


def _copy_content(source: TreatmentPlan, target: TreatmentPlan) -> None:
    load_content([source])
    for problem in source.problems.all():
        goals = list(problem.goals.all())
        problem.pk = None
        problem.plan = target
        problem.save()
        for goal in goals:
            objectives, interventions = list(goal.objectives.all()), list(goal.interventions.all())
            goal.pk = None
            goal.problem = problem
            goal.save()
            for objective in objectives:
                objective.pk, objective.goal = None, goal
            for intervention in interventions:
                intervention.pk, intervention.goal = None, goal
            PlanObjective.objects.bulk_create(objectives)
            PlanIntervention.objects.bulk_create(interventions)


# --- Editing a draft ------------------------------------------------------------------------------------------


def _draft(plan_id: int) -> TreatmentPlan:
    """The plan, locked, when it is a draft of an open episode; a clear error otherwise."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan_id)
    if plan.status != Status.DRAFT:
        raise ValidationError(SIGNED)
    episode = Episode.objects.get(pk=plan.episode_id)
    if episode.discharged_on is not None:
        raise _closed(episode)
    return plan


def _changed_draft(actor: User, plan: TreatmentPlan) -> None:
    """The draft's content changed: a signature the person gave it is cleared (they signed what it said)."""
    if plan.patient_signed_at is not None:
        plan.patient_signature, plan.patient_signed_at = "", None
        plan.save(update_fields=["patient_signature", "patient_signed_at"])
        reason = "the draft changed after the person signed"
        audit.record_patient_object(actor, "plan_patient_sign_clear", plan.patient, plan, reason=reason)


def _text(errors: dict[str, str], name: str, value: str, missing: str, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if not text and missing:
        errors[name] = missing
    elif len(text) > limit:
        errors[name] = f"At most {limit} characters ({len(text)} given)."
    return text


def _next_position(items: QuerySet[Any]) -> int:
    return (items.aggregate(last=Max("position"))["last"] or 0) + 1


def _changed(obj: object, values: dict[str, object]) -> list[str]:
    changed = sorted(name for name, value in values.items() if getattr(obj, name) != value)
    for name, value in values.items():
        setattr(obj, name, value)
    return changed


def _save_edit(actor: User, plan: TreatmentPlan, action: str, obj: Model, changed: list[str]) -> None:
    """Save and audit an edited item when something changed."""
    if changed:
        obj.save()
        audit.record_patient_object(actor, action, plan.patient, obj, reason="changed: " + ", ".join(changed))
        _changed_draft(actor, plan)


def _add(actor: User, plan: TreatmentPlan, action: str, obj: Model, siblings: Any, fields: Any) -> Any:
    """Save a new item at the end of its list and audit it, naming the fields given (never their values)."""
    obj.position = _next_position(siblings)  # type: ignore[attr-defined]
    obj.save()
    audit.record_patient_object(actor, action, plan.patient, obj, reason="fields: " + ", ".join(fields))
    _changed_draft(actor, plan)
    return obj


def _remove(actor: User, plan: TreatmentPlan, action: str, obj: Model, reason: str = "") -> None:
    audit.record_patient_object(actor, action, plan.patient, obj, reason=reason)
    obj.delete()
    _changed_draft(actor, plan)


# Problems


@dataclass(frozen=True)
class ProblemInput:
    area: str
    description: str
    instrument_record_id: int | None = None
    placement_id: int | None = None


def _problem_values(plan: TreatmentPlan, data: ProblemInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    if data.area not in ProblemArea.values:
        errors["area"] = "Choose the area of the problem: " + ", ".join(str(a) for a in ProblemArea.labels) + "."
    description = _text(errors, "description", data.description, "Describe the problem.")
    finding = "That assessment is not one of this person's: link a finding from their own assessments."
    if (
        data.instrument_record_id is not None
        and not InstrumentRecord.objects.filter(pk=data.instrument_record_id, patient_id=plan.patient_id).exists()
    ):
        errors["finding"] = finding
    if (
        data.placement_id is not None
        and not PlacementAssessment.objects.filter(pk=data.placement_id, patient_id=plan.patient_id).exists()
    ):
        errors["finding"] = finding
    if errors:
        raise ValidationError(errors)
    return {
        "area": data.area,
        "description": description,
        "instrument_record_id": data.instrument_record_id,
        "placement_id": data.placement_id,
    }


@transaction.atomic
def add_problem(actor: User, plan: TreatmentPlan, data: ProblemInput) -> PlanProblem:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(plan.pk)
    values = _problem_values(locked, data)
    problem = PlanProblem(plan=locked, **values)
    return _add(actor, locked, "plan_problem_add", problem, locked.problems.all(), values)


@transaction.atomic
def edit_problem(actor: User, problem: PlanProblem, data: ProblemInput) -> PlanProblem:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(problem.plan_id)
    changed = _changed(problem, _problem_values(locked, data))
    _save_edit(actor, locked, "plan_problem_edit", problem, changed)
    return problem


@transaction.atomic
def remove_problem(actor: User, problem: PlanProblem) -> None:
    """Remove a problem from the draft, with its goals, objectives and interventions."""
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(problem.plan_id)
    _remove(actor, locked, "plan_problem_remove", problem, f"with {problem.goals.count()} goal(s)")


# Goals


def _goal_words(words: str) -> str:
    errors: dict[str, str] = {}
    text = _text(errors, "in_patients_words", words, "Write the goal in the person's own words.")
    if errors:
        raise ValidationError(errors)
    return text


@transaction.atomic
def add_goal(actor: User, problem: PlanProblem, words: str) -> PlanGoal:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(problem.plan_id)
    text = _goal_words(words)
    goal = PlanGoal(problem=problem, in_patients_words=text)
    return _add(actor, locked, "plan_goal_add", goal, problem.goals.all(), ["in_patients_words"])


@transaction.atomic
def edit_goal(actor: User, goal: PlanGoal, words: str) -> PlanGoal:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(goal.problem.plan_id)
    changed = _changed(goal, {"in_patients_words": _goal_words(words)})
    _save_edit(actor, locked, "plan_goal_edit", goal, changed)
    return goal


@transaction.atomic
def remove_goal(actor: User, goal: PlanGoal) -> None:
    """Remove a goal from the draft, with its objectives and interventions."""
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(goal.problem.plan_id)
    children = f"with {goal.objectives.count()} objective(s), {goal.interventions.count()} intervention(s)"
    _remove(actor, locked, "plan_goal_remove", goal, children)


# Objectives


@dataclass(frozen=True)
class ObjectiveInput:
    description: str
    target_on: dt.date | None
    status: str = PlanObjective.Status.OPEN


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _objective_values(plan: TreatmentPlan, data: ObjectiveInput, current: dt.date | None = None) -> dict[str, object]:
    """A copied objective keeps its target date even when it has passed; a new or changed date must fall
    between the day the plan version was started and two years after it."""
    errors: dict[str, str] = {}
    description = _text(
        errors, "description", data.description, "Describe the objective: what, how much, how often, by when."
    )
    if description and len(description.split()) < MIN_OBJECTIVE_WORDS:
        errors["description"] = (
            "Make the objective measurable: what, how much or how often (e.g. 'Attend group twice a week for 8 weeks')."
        )
    if data.target_on is None:
        errors["target_on"] = "Give a target date."
    elif data.target_on != current:
        started = plan.patient.program.clinic_day(plan.created_at)
        latest = _years_after(started, TARGET_YEARS_AHEAD)
        if data.target_on < started:
            errors["target_on"] = f"The target date cannot be before this plan version was started ({started})."
        elif data.target_on > latest:
            errors["target_on"] = f"The target date is at most {TARGET_YEARS_AHEAD} years ahead ({latest} latest)."
    if data.status not in PlanObjective.Status.values:
        errors["status"] = "Choose the objective's status."
    if errors:
        raise ValidationError(errors)
    return {"description": description, "target_on": data.target_on, "status": data.status}


@transaction.atomic
def add_objective(actor: User, goal: PlanGoal, data: ObjectiveInput) -> PlanObjective:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(goal.problem.plan_id)
    values = _objective_values(locked, data)
    objective = PlanObjective(goal=goal, **values)
    return _add(actor, locked, "plan_objective_add", objective, goal.objectives.all(), values)


@transaction.atomic
def edit_objective(actor: User, objective: PlanObjective, data: ObjectiveInput) -> PlanObjective:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(objective.goal.problem.plan_id)
    changed = _changed(objective, _objective_values(locked, data, current=objective.target_on))
    _save_edit(actor, locked, "plan_objective_edit", objective, changed)
    return objective


@transaction.atomic
def remove_objective(actor: User, objective: PlanObjective) -> None:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(objective.goal.problem.plan_id)
    _remove(actor, locked, "plan_objective_remove", objective)


# Interventions


@dataclass(frozen=True)
class InterventionInput:
    kind: str
    description: str = ""
    frequency: str = ""
    responsible_id: int | None = None
    responsible_other: str = ""


def _intervention_values(plan: TreatmentPlan, data: InterventionInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    if data.kind not in InterventionKind.values:
        errors["kind"] = "Choose the kind of intervention: " + ", ".join(str(k) for k in InterventionKind.labels) + "."
    description = _text(errors, "description", data.description, "")
    frequency = _text(errors, "frequency", data.frequency, "", MAX_FREQUENCY)
    other = _text(errors, "responsible_other", data.responsible_other, "", MAX_RESPONSIBLE)
    if (
        data.responsible_id is not None
        and not User.objects.filter(
            pk=data.responsible_id, program_id=plan.patient.program_id, is_active=True, role__in=STAFF_ROLES
        ).exists()
    ):
        errors["responsible"] = "Choose a staff member of this program, or write who is responsible."
    elif data.responsible_id is None and not other and "responsible_other" not in errors:
        errors["responsible"] = (
            "Say who is responsible: choose a staff member, or write a name or role (e.g. 'the person', "
            "'peer recovery coach')."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "kind": data.kind,
        "description": description,
        "frequency": frequency,
        "responsible_id": data.responsible_id,
        "responsible_other": other,
    }


@transaction.atomic
def add_intervention(actor: User, goal: PlanGoal, data: InterventionInput) -> PlanIntervention:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(goal.problem.plan_id)
    values = _intervention_values(locked, data)
    intervention = PlanIntervention(goal=goal, **values)
    given = [name for name, value in values.items() if value not in ("", None)]
    return _add(actor, locked, "plan_intervention_add", intervention, goal.interventions.all(), given)


@transaction.atomic
def edit_intervention(actor: User, intervention: PlanIntervention, data: InterventionInput) -> PlanIntervention:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(intervention.goal.problem.plan_id)
    changed = _changed(intervention, _intervention_values(locked, data))
    _save_edit(actor, locked, "plan_intervention_edit", intervention, changed)
    return intervention


@transaction.atomic
def remove_intervention(actor: User, intervention: PlanIntervention) -> None:
    require(actor, Cap.CARE_PLAN, "change treatment plans")
    locked = _draft(intervention.goal.problem.plan_id)
    _remove(actor, locked, "plan_intervention_remove", intervention)


# --- Sign-off -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    plan: TreatmentPlan
    superseded: TreatmentPlan | None


@transaction.atomic
def sign_as_clinician(actor: User, plan: TreatmentPlan) -> Signed:
    """The clinician's signature: the draft becomes the active version from today (the clinic day); the
    version that was active is superseded in the same transaction, unchanged otherwise."""
    require(actor, Cap.CARE_PLAN, "sign treatment plans")
    current = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if current.status == Status.ACTIVE:
        raise ValidationError(
            f"Version {current.version} was already signed on {current.effective_on}: it is the active plan."
        )
    locked = _draft(plan.pk)
    load_content([locked])
    missing = missing_for_signature(locked)
    if missing:
        raise ValidationError(missing)
    previous = (
        TreatmentPlan.objects.select_for_update().filter(episode_id=locked.episode_id, status=Status.ACTIVE).first()
    )
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous.save(update_fields=["status"])
        audit.record_patient_object(
            actor, "plan_supersede", locked.patient, previous, reason=f"by version {locked.version}"
        )
    now = timezone.now()
    locked.status = Status.ACTIVE
    locked.effective_on = locked.patient.program.clinic_day(now)
    locked.clinician_signed_by = actor
    locked.clinician_signed_at = now
    locked.save(update_fields=["status", "effective_on", "clinician_signed_by", "clinician_signed_at"])
    reason = f"version {locked.version}" + (f", supersedes version {previous.version}" if previous else "")
    audit.record_patient_object(actor, "plan_sign", locked.patient, locked, reason=reason)
    return Signed(locked, previous)


def _name_key(name: str) -> str:
    """Case, spaces and light punctuation do not matter when matching a typed name."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def accepted_names(patient: Patient) -> list[str]:
    names = [f"{patient.given_name} {patient.family_name}"]
    if patient.preferred_name:
        names += [f"{patient.preferred_name} {patient.family_name}", patient.preferred_name]
    return names


@transaction.atomic
def record_patient_signature(actor: User, plan: TreatmentPlan, typed_name: str) -> bool:
    """The person signs the active or draft version in the clinic by typing their name (their given and
    family name, or their preferred name, with or without the family name). Returns False when this version
    was already signed by them (nothing changes)."""
    require(actor, Cap.CARE_PLAN, "record the person's sign-off on a plan")
    locked = TreatmentPlan.objects.select_for_update(of=("self",)).select_related("patient").get(pk=plan.pk)
    if locked.status == Status.SUPERSEDED:
        raise ValidationError(
            f"Version {locked.version} was replaced by a newer version: the person signs the current plan."
        )
    if locked.patient_signed_at is not None:
        return False
    patient = locked.patient
    name = " ".join(typed_name.split())
    if not name:
        raise ValidationError({"typed_name": "Ask the person to type their name to sign the plan."})
    if len(name) > MAX_SIGNATURE:
        raise ValidationError({"typed_name": f"At most {MAX_SIGNATURE} characters."})
    if _name_key(name) not in {_name_key(n) for n in accepted_names(patient)}:
        raise ValidationError(
            {
                "typed_name": f"The typed name does not match the name on the record ({patient.display_name}). "
                "Ask the person to type their given and family name, or their preferred name."
            }
        )
    locked.patient_signature = name
    locked.patient_signed_at = timezone.now()
    locked.save(update_fields=["patient_signature", "patient_signed_at"])
    audit.record_patient_object(actor, "plan_patient_sign", patient, locked, reason="in the clinic")
    return True


# --- Review ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewed:
    review: PlanReview
    draft: Started | None  # the new version, when the outcome is "revise"
    created: bool = True  # False: the same review was just recorded (a double submit); nothing saved twice


@transaction.atomic
def record_review(
    actor: User, plan: TreatmentPlan, reviewed_on: dt.date | None, outcome: str, notes: str = ""
) -> Reviewed:
    """A periodic review of the active plan. "Continue" starts the next review interval from the review
    day; "revise" also starts the new draft (or returns the one already started)."""
    require(actor, Cap.CARE_PLAN, "review treatment plans")
    locked = (
        TreatmentPlan.objects.select_for_update(of=("self",))
        .select_related("patient__program", "episode")
        .get(pk=plan.pk)
    )
    if locked.status == Status.DRAFT:
        raise ValidationError("Only the signed plan is reviewed: sign this draft first.")
    if locked.status == Status.SUPERSEDED:
        raise ValidationError(f"Version {locked.version} was replaced by a newer version: review the active plan.")
    if locked.episode.discharged_on is not None:
        raise _closed(locked.episode)
    errors: dict[str, str] = {}
    today = locked.patient.program.clinic_day()
    assert locked.effective_on is not None
    if reviewed_on is None:
        errors["reviewed_on"] = "Give the day of the review."
    elif reviewed_on > today:
        errors["reviewed_on"] = "The review date is in the future: give the day the review took place."
    elif reviewed_on < locked.effective_on:
        errors["reviewed_on"] = f"The review cannot be before the plan took effect on {locked.effective_on}."
    if outcome not in PlanReview.Outcome.values:
        errors["outcome"] = "Choose whether to continue the plan as it is or revise it."
    text = _text(errors, "notes", notes, "")
    if errors:
        raise ValidationError(errors)
    assert reviewed_on is not None
    same = PlanReview.objects.filter(
        plan=locked,
        reviewed_on=reviewed_on,
        outcome=outcome,
        notes=text,
        reviewed_by=actor,
        recorded_at__gte=timezone.now() - DOUBLE_SUBMIT,
    ).first()
    if same is not None:  # a double submit: the review stands once
        return Reviewed(same, None, created=False)
    review = PlanReview.objects.create(
        plan=locked, reviewed_on=reviewed_on, outcome=outcome, notes=text, reviewed_by=actor
    )
    fields = ["reviewed_on", "outcome"] + (["notes"] if text else [])
    audit.record_patient_object(actor, "plan_review", locked.patient, review, reason="fields: " + ", ".join(fields))
    draft = None
    if outcome == PlanReview.Outcome.REVISE:
        draft = start_plan(actor, locked.patient, locked.episode)
    return Reviewed(review, draft)


# --- Lapses and relapses --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRecorded:
    event: RecoveryEvent
    created: bool  # False: the same event was just recorded (a double submit); nothing saved twice


@transaction.atomic
def record_recovery_event(
    actor: User,
    patient: Patient,
    kind: str,
    occurred_on: dt.date | None,
    substances: str = "",
    notes: str = "",
) -> EventRecorded:
    """A lapse or relapse in the person's open episode: a clinical event that brings the plan review
    forward (rule care.plan.lapse_prompts_review), never a failure flag. The notes are encrypted."""
    require(actor, Cap.CARE_PLAN, "record a lapse or relapse")
    episode = open_episode(patient)
    if episode is None:
        raise ValidationError(
            f"{patient.display_name} has no open episode of care: a lapse or relapse is recorded during treatment."
        )
    errors: dict[str, str] = {}
    if kind not in RecoveryEvent.Kind.values:
        errors["kind"] = "Choose lapse (a single use) or relapse (a return to regular use)."
    today = patient.program.clinic_day()
    if occurred_on is None:
        errors["occurred_on"] = "Give the day it happened (the person's best recollection is fine)."
    elif occurred_on > today:
        errors["occurred_on"] = "That day is in the future: give the day it happened."
    elif occurred_on < episode.admitted_on:
        errors["occurred_on"] = (
            f"That is before this episode began ({episode.admitted_on}): use before admission belongs in the "
            "intake history."
        )
    substance_text = _text(errors, "substances", substances, "", MAX_SUBSTANCES)
    note_text = _text(errors, "notes", notes, "")
    if errors:
        raise ValidationError(errors)
    assert occurred_on is not None
    same = RecoveryEvent.objects.filter(
        patient=patient,
        kind=kind,
        occurred_on=occurred_on,
        substances=substance_text,
        recorded_by=actor,
        recorded_at__gte=timezone.now() - DOUBLE_SUBMIT,
    ).first()
    if same is not None and same.notes == note_text:
        return EventRecorded(same, created=False)
    event = RecoveryEvent.objects.create(
        patient=patient,
        episode=episode,
        kind=kind,
        occurred_on=occurred_on,
        substances=substance_text,
        notes=note_text,
        recorded_by=actor,
    )
    fields = ["kind", "occurred_on"] + (["substances"] if substance_text else []) + (["notes"] if note_text else [])
    audit.record_patient_object(actor, "recovery_event", patient, event, reason="fields: " + ", ".join(fields))
    return EventRecorded(event, created=True)
