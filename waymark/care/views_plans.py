"""Treatment-plan pages: a person's plan (the active version, the draft, older
versions, when the review is due, the sign-offs and recent lapses), one version
read-only, the draft editor, and the posts that start, sign, review the plan and
record a lapse or relapse.

Thin views: patients come from `chart.views.patient_for_request` (checked and audited;
off the care team, the break-glass form), writes from services_plans.py, whose
errors are put next to the fields (status 422, nothing saved). Counsellors and
prescribers (Cap.CARE_PLAN) write; other staff who can read the chart read the
plan without forms; a person reads their own plan (not drafts), read-only.
Objective status is changed in a draft (a revision), never on a signed version.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.care import reviews
from waymark.care import services_plans as services
from waymark.care.forms_plans import (
    GoalForm,
    InterventionForm,
    LapseForm,
    ObjectiveForm,
    PatientSignatureForm,
    ProblemForm,
    ReviewForm,
    finding_value,
)
from waymark.care.models import (
    PlanGoal,
    PlanIntervention,
    PlanObjective,
    PlanProblem,
    RecoveryEvent,
    TreatmentPlan,
)
from waymark.chart.access import Need
from waymark.chart.models import Patient
from waymark.chart.views import patient_for_request
from waymark.core.roles import Cap, Role
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

Status = TreatmentPlan.Status


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str = "treatmentplan") -> Any:
    return patient_for_request(request, patient_id, need, object_type)


def _is_patient(request: AuthedRequest) -> bool:
    return bool(request.user.role == Role.PATIENT)


def _shows_notes(request: AuthedRequest, patient: Patient) -> bool:
    """Lapse and review notes are counselling content: the person, and the clinicians who write the plan,
    not other readers of the chart and not under break-glass."""
    return _is_patient(request) or (request.user.can(Cap.CARE_PLAN) and not patient.opened_by_break_glass)


def _plan(request: AuthedRequest, patient: Patient, plan_id: int) -> TreatmentPlan:
    """One version of this person's plan; a person does not see drafts."""
    queryset = TreatmentPlan.objects.select_related("episode", "clinician_signed_by", "created_by", "based_on")
    plan = get_object_or_404(queryset, pk=plan_id, patient=patient)
    if _is_patient(request) and plan.status == Status.DRAFT:
        raise Http404("No such plan.")
    plan.patient = patient  # the checked patient, already loaded
    return plan


def _annotate(plans: list[TreatmentPlan], patient: Patient) -> None:
    """Load the plans' content and put each problem's assessment finding in words on it."""
    services.load_content(plans)
    zone = patient.program.zone
    for plan in plans:
        for problem in plan.problems.all():
            problem.finding = services.finding_label(problem, zone)  # type: ignore[attr-defined]


# --- The plan page --------------------------------------------------------------------------------------------


def _plan_page(
    request: AuthedRequest,
    patient: Patient,
    *,
    bound: dict[str, forms.Form] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The plan page; `bound` holds a form that failed (by name), shown again with its errors."""
    user = request.user
    given = bound or {}
    is_patient = _is_patient(request)
    plans = [p for p in services.patient_plans(patient) if not (is_patient and p.status == Status.DRAFT)]
    episode = services.open_episode(patient)
    current = episode.pk if episode else (plans[0].episode_id if plans else None)
    active = next((p for p in plans if p.episode_id == current and p.status == Status.ACTIVE), None)
    draft = next((p for p in plans if p.episode_id == current and p.status == Status.DRAFT), None)
    shown = [p for p in (active, draft) if p is not None]
    _annotate(shown, patient)
    today = patient.program.clinic_day()
    review = None
    if active is not None and episode is not None:
        review = reviews.review_statuses([patient.pk], today).get(patient.pk)
    events = services.recent_events(patient)
    prompted_by: RecoveryEvent | None = None
    if review is not None and review.prompted_by_lapse:
        prompted_by = next((e for e in events if e.occurred_on == review.due_on), None)
    writable = user.can(Cap.CARE_PLAN) and episode is not None
    context: dict[str, Any] = {
        "patient": patient,
        "nav": "home" if is_patient else "patients",
        "is_patient": is_patient,
        "episode": episode,
        "active": active,
        "draft": draft,
        "older": [p for p in plans if p not in shown],
        "review": review,
        "prompted_by": prompted_by,
        "reviews": list(active.reviews.select_related("reviewed_by")[:10]) if active else [],
        "events": events,
        # Lapse notes are counselling content: the people writing the plan and the person read them,
        # not other staff, and not under break-glass.
        "show_event_notes": _shows_notes(request, patient),
        "can_write": writable,
        "missing": services.missing_for_signature(draft) if draft is not None and writable else [],
        "errors": errors or [],
        "break_glass": patient.opened_by_break_glass,
        "today": today,
    }
    if writable:
        context["review_form"] = given.get("review") or (
            ReviewForm(initial={"reviewed_on": today}, auto_id="review_%s") if active else None
        )
        context["lapse_form"] = given.get("lapse") or LapseForm(
            initial={"occurred_on": today, "kind": RecoveryEvent.Kind.LAPSE}, auto_id="lapse_%s"
        )
        for plan in shown:
            if plan.patient_signed_at is None:
                key = f"patient_sign_{plan.pk}"
                plan.sign_form = given.get(key) or PatientSignatureForm(auto_id=key + "_%s")  # type: ignore[attr-defined]
    return render(request, "care/plan.html", context, status=status)


@login_required
@require_GET
def plan_page(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _plan_page(request, patient)


@login_required
@require_GET
def plan_version(request: AuthedRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    plan = _plan(request, patient, plan_id)
    _annotate([plan], patient)
    context = {
        "patient": patient,
        "nav": "home" if _is_patient(request) else "patients",
        "is_patient": _is_patient(request),
        "plan": plan,
        "reviews": list(plan.reviews.select_related("reviewed_by")),
        "can_edit": request.user.can(Cap.CARE_PLAN) and plan.status == Status.DRAFT,
        "break_glass": patient.opened_by_break_glass,
        "show_event_notes": _shows_notes(request, patient),
    }
    return render(request, "care/plan_version.html", context)


# --- Starting, signing, reviewing -----------------------------------------------------------------------------


@login_required
@require_POST
def plan_start(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    episode = services.open_episode(patient)
    if episode is None:
        message = f"{patient.display_name} has no open episode of care: open one before writing a treatment plan."
        return _plan_page(request, patient, errors=[message], status=422)
    try:
        started = services.start_plan(request.user, patient, episode)
    except ValidationError as exc:
        return _plan_page(request, patient, errors=exc.messages, status=422)
    plan = started.plan
    if not started.created:
        messages.info(request, f"Version {plan.version} was already started as a draft: here it is.")
    elif plan.based_on_id:
        messages.success(
            request,
            f"Version {plan.version} started as a draft, copied from the active version. Change what the "
            "review found, then sign it.",
        )
    else:
        messages.success(
            request, "Version 1 started as a draft. Add the problems, goals, objectives and interventions."
        )
    return redirect("care:plan_edit", patient_id=patient.pk, plan_id=plan.pk)


@login_required
@require_POST
def plan_sign(request: AuthedRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    plan = _plan(request, patient, plan_id)
    try:
        signed = services.sign_as_clinician(request.user, plan)
    except ValidationError as exc:
        if plan.status == Status.DRAFT:
            return _editor(request, patient, plan, sign_errors=exc.messages, status=422)
        return _plan_page(request, patient, errors=exc.messages, status=422)
    note = f" Version {signed.superseded.version} is kept as it was." if signed.superseded else ""
    messages.success(
        request, f"Version {signed.plan.version} signed: it is the active plan from {signed.plan.effective_on}.{note}"
    )
    return redirect("care:plan", patient_id=patient.pk)


@login_required
@require_POST
def plan_patient_sign(request: AuthedRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    plan = _plan(request, patient, plan_id)
    key = f"patient_sign_{plan.pk}"
    form = PatientSignatureForm(request.POST, auto_id=key + "_%s")
    if form.is_valid():
        try:
            changed = services.record_patient_signature(request.user, plan, form.cleaned_data["typed_name"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # about the plan or the episode, not a field: on top of the page
                return _plan_page(request, patient, errors=exc.messages, status=422)
            _form_errors(form, exc)
        else:
            if changed:
                messages.success(request, f"{patient.display_name} signed version {plan.version} of their plan.")
            else:
                messages.info(request, f"Version {plan.version} was already signed by the person; nothing changed.")
            return redirect("care:plan", patient_id=patient.pk)
    return _plan_page(request, patient, bound={key: form}, status=422)


@login_required
@require_POST
def plan_review(request: AuthedRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    plan = _plan(request, patient, plan_id)
    form = ReviewForm(request.POST, auto_id="review_%s")
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = services.record_review(request.user, plan, d["reviewed_on"], d["outcome"], d["notes"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # about the plan or the episode, not a field: on top of the page
                return _plan_page(request, patient, errors=exc.messages, status=422)
            _form_errors(form, exc)
        else:
            if not done.created:
                messages.info(request, "This review was already recorded; nothing was saved twice.")
            elif done.draft is not None:
                messages.success(
                    request,
                    f"Review recorded. Version {done.draft.plan.version} is a draft copied from version "
                    f"{plan.version}: change what the review found, then sign it.",
                )
                return redirect("care:plan_edit", patient_id=patient.pk, plan_id=done.draft.plan.pk)
            else:
                messages.success(
                    request, "Review recorded: the plan continues, and the next review is counted from it."
                )
            return redirect("care:plan", patient_id=patient.pk)
    return _plan_page(request, patient, bound={"review": form}, status=422)


@login_required
@require_POST
def lapse_record(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN, object_type="recoveryevent")
    if isinstance(patient, HttpResponse):
        return patient
    form = LapseForm(request.POST, auto_id="lapse_%s")
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = services.record_recovery_event(
                request.user, patient, d["kind"], d["occurred_on"], d["substances"], d["notes"]
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # about the plan or the episode, not a field: on top of the page
                return _plan_page(request, patient, errors=exc.messages, status=422)
            _form_errors(form, exc)
        else:
            if done.created:
                what = "Lapse" if done.event.kind == RecoveryEvent.Kind.LAPSE else "Relapse"
                messages.success(
                    request,
                    f"{what} on {done.event.occurred_on} recorded. It brings the plan review forward; "
                    "earlier progress stands.",
                )
            else:
                messages.info(request, "This was already recorded; nothing was saved twice.")
            return redirect(reverse("care:plan", kwargs={"patient_id": patient.pk}) + "#lapses")
    return _plan_page(request, patient, bound={"lapse": form}, status=422)


# --- The draft editor -----------------------------------------------------------------------------------------


def _find(plan: TreatmentPlan, kind: str, pk: int) -> models.Model:
    """An item of this draft by kind and id; 404 when it is not in it."""
    if kind == "plan":
        return plan
    if kind == "problem":
        return get_object_or_404(PlanProblem, pk=pk, plan=plan)
    if kind == "goal":
        return get_object_or_404(PlanGoal, pk=pk, problem__plan=plan)
    if kind == "objective":
        return get_object_or_404(PlanObjective, pk=pk, goal__problem__plan=plan)
    return get_object_or_404(PlanIntervention, pk=pk, goal__problem__plan=plan)


# Editor operation → (the item it acts on, the form it posts ("" for a removal), the service).
OPS: dict[str, tuple[str, str, Callable[..., Any]]] = {
    "add_problem": ("plan", "problem", services.add_problem),
    "edit_problem": ("problem", "problem", services.edit_problem),
    "remove_problem": ("problem", "", services.remove_problem),
    "add_goal": ("problem", "goal", services.add_goal),
    "edit_goal": ("goal", "goal", services.edit_goal),
    "remove_goal": ("goal", "", services.remove_goal),
    "add_objective": ("goal", "objective", services.add_objective),
    "edit_objective": ("objective", "objective", services.edit_objective),
    "remove_objective": ("objective", "", services.remove_objective),
    "add_intervention": ("goal", "intervention", services.add_intervention),
    "edit_intervention": ("intervention", "intervention", services.edit_intervention),
    "remove_intervention": ("intervention", "", services.remove_intervention),
}
DONE = {"add": "added", "edit": "saved", "remove": "removed"}


def _input(form: forms.Form) -> Any:
    if isinstance(form, GoalForm):
        return form.cleaned_data["in_patients_words"]
    return form.to_input()  # type: ignore[attr-defined]


class _Choices:
    """The editor's lists, read once per page: the person's assessments and the program's staff."""

    def __init__(self, patient: Patient) -> None:
        self.findings = services.finding_choices(patient)
        self.staff = services.staff_choices(patient)

    def form(self, kind: str, key: str, data: Any = None, initial: dict[str, Any] | None = None) -> forms.Form:
        kwargs: dict[str, Any] = {"initial": initial, "auto_id": f"{key}_%s"}
        if kind == "problem":
            return ProblemForm(data, findings=self.findings, **kwargs)
        if kind == "goal":
            return GoalForm(data, **kwargs)
        if kind == "objective":
            return ObjectiveForm(data, **kwargs)
        return InterventionForm(data, staff=self.staff, **kwargs)


def _initial(obj: Any) -> dict[str, Any]:
    if isinstance(obj, PlanProblem):
        finding = finding_value(obj.instrument_record_id, obj.placement_id)
        return {"area": obj.area, "description": obj.description, "finding": finding}
    if isinstance(obj, PlanGoal):
        return {"in_patients_words": obj.in_patients_words}
    if isinstance(obj, PlanObjective):
        return {"description": obj.description, "target_on": obj.target_on, "status": obj.status}
    return {
        "kind": obj.kind,
        "description": obj.description,
        "frequency": obj.frequency,
        "responsible": obj.responsible_id,
        "responsible_other": obj.responsible_other,
    }


def _editor(
    request: AuthedRequest,
    patient: Patient,
    plan: TreatmentPlan,
    *,
    failed: tuple[str, forms.Form] | None = None,
    sign_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The draft with a small form for every change; a form that failed is shown again with its errors."""
    _annotate([plan], patient)
    choices = _Choices(patient)
    failed_key, failed_form = failed or ("", None)

    def form(kind: str, key: str, obj: Any = None) -> forms.Form:
        if key == failed_key and failed_form is not None:
            return failed_form
        return choices.form(kind, key, initial=_initial(obj) if obj is not None else None)

    for problem in plan.problems.all():
        problem.edit_form = form("problem", f"edit_problem-{problem.pk}", problem)  # type: ignore[attr-defined]
        problem.add_goal_form = form("goal", f"add_goal-{problem.pk}")  # type: ignore[attr-defined]
        for goal in problem.goals.all():
            goal.edit_form = form("goal", f"edit_goal-{goal.pk}", goal)  # type: ignore[attr-defined]
            goal.add_objective_form = form("objective", f"add_objective-{goal.pk}")  # type: ignore[attr-defined]
            goal.add_intervention_form = form("intervention", f"add_intervention-{goal.pk}")  # type: ignore[attr-defined]
            for objective in goal.objectives.all():
                objective.edit_form = form("objective", f"edit_objective-{objective.pk}", objective)  # type: ignore[attr-defined]
            for intervention in goal.interventions.all():
                intervention.edit_form = form("intervention", f"edit_intervention-{intervention.pk}", intervention)  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "nav": "patients",
        "plan": plan,
        "add_problem_form": form("problem", f"add_problem-{plan.pk}"),
        "missing": services.missing_for_signature(plan),
        "sign_errors": sign_errors or [],
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "care/plan_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: AuthedRequest, patient_id: int, plan_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    plan = _plan(request, patient, plan_id)
    if plan.status != Status.DRAFT:
        messages.info(request, services.SIGNED)
        return redirect("care:plan_version", patient_id=patient.pk, plan_id=plan.pk)
    if request.method == "GET":
        return _editor(request, patient, plan)
    name = request.POST.get("op", "")
    raw_item = request.POST.get("item", "")
    if name not in OPS or not raw_item.isdigit():
        raise Http404("No such change.")
    target, form_kind, service = OPS[name]
    obj = _find(plan, target, int(raw_item))
    key = f"{name}-{obj.pk}"
    form = _Choices(patient).form(form_kind, key, request.POST) if form_kind else None
    if form is None or form.is_valid():
        try:
            result = service(request.user, obj) if form is None else service(request.user, obj, _input(form))
        except ValidationError as exc:
            if form is None:
                return _editor(request, patient, plan, sign_errors=exc.messages, status=422)
            _form_errors(form, exc)
        else:
            verb, _, kind = name.partition("_")
            messages.success(request, f"{kind.capitalize()} {DONE[verb]}.")
            if plan.patient_signed_at and not TreatmentPlan.objects.filter(pk=plan.pk, patient_signed_at__isnull=False):
                messages.warning(request, "The draft changed after the person signed it: ask them to sign it again.")
            anchor = f"#{kind}-{result.pk}" if result is not None else ""
            url = reverse("care:plan_edit", kwargs={"patient_id": patient.pk, "plan_id": plan.pk})
            return redirect(url + anchor)
    assert form is not None
    return _editor(request, patient, plan, failed=(key, form), status=422)


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/plan/", plan_page, name="plan"),
    path("patients/<int:patient_id>/plan/start/", plan_start, name="plan_start"),
    path("patients/<int:patient_id>/plan/<int:plan_id>/", plan_version, name="plan_version"),
    path("patients/<int:patient_id>/plan/<int:plan_id>/edit/", plan_edit, name="plan_edit"),
    path("patients/<int:patient_id>/plan/<int:plan_id>/sign/", plan_sign, name="plan_sign"),
    path("patients/<int:patient_id>/plan/<int:plan_id>/patient-sign/", plan_patient_sign, name="plan_patient_sign"),
    path("patients/<int:patient_id>/plan/<int:plan_id>/review/", plan_review, name="plan_review"),
    path("patients/<int:patient_id>/lapses/", lapse_record, name="lapse_record"),
]
