"""A person's levels of care: each episode's level history as periods, the hours
of counselling delivered each week at a level against what the level is expected
to deliver, a residential stay's length, and planned steps to another level (plan,
carry out, cancel: counsellors and prescribers, Cap.CARE_PLAN).

Thin views: the patient comes from `chart.views.patient_for_request` (checked and audited),
writes from services_levels.py, whose errors are put next to the fields (status
422, nothing saved)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from waymark.care import services_levels
from waymark.care.forms_levels import CarryOutForm, StepForm
from waymark.care.models import PlannedTransition
from waymark.chart.access import Need
from waymark.chart.models import Episode, Patient
from waymark.chart.views import patient_for_request
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient(request: AuthedRequest, patient_id: int, need: Need) -> Any:
    return patient_for_request(request, patient_id, need, "levels")


def _page(
    request: AuthedRequest,
    patient: Patient,
    *,
    step_form: StepForm | None = None,
    failed: PlannedTransition | None = None,
    carry_form: CarryOutForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = patient.program.clinic_day()
    episodes = services_levels.patient_levels(patient, today)
    can_write = request.user.can(Cap.CARE_PLAN)
    for e in episodes:
        if can_write and e.open:
            e.step_form = step_form or StepForm(current_level=e.episode.level_of_care)
            for t in e.planned:
                bound = carry_form if failed is not None and failed.pk == t.pk else None
                t.carry_form = bound or CarryOutForm(today=today, prefix=f"step{t.pk}")  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "nav": "patients",
        "episodes": episodes,
        "can_write": can_write,
        "today": today,
        "error": error,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "care/levels.html", context, status=status)


@login_required
@require_GET
def levels(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _page(request, patient)


@login_required
@require_POST
def plan_step(request: AuthedRequest, patient_id: int, episode_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    episode = get_object_or_404(Episode, pk=episode_id, patient=patient)
    form = StepForm(request.POST, current_level=episode.level_of_care)
    if form.is_valid():
        try:
            planned = services_levels.plan_step(request.user, patient, episode, form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            step = planned.transition
            label = services_levels.level_label(step.to_level)
            if planned.created:
                messages.success(request, f"Step to {label} planned for {step.planned_on:%Y-%m-%d}.")
            else:
                messages.info(request, "This step was already planned; nothing was saved twice.")
            return redirect("care:levels", patient_id=patient.pk)
    return _page(request, patient, step_form=form, status=422)


def _step(patient: Patient, step_id: int) -> PlannedTransition:
    return get_object_or_404(PlannedTransition.objects.select_related("episode"), pk=step_id, episode__patient=patient)


@login_required
@require_POST
def carry_out(request: AuthedRequest, patient_id: int, step_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    step = _step(patient, step_id)
    form = CarryOutForm(request.POST, today=patient.program.clinic_day(), prefix=f"step{step.pk}")
    if form.is_valid():
        try:
            change = services_levels.carry_out_step(
                request.user,
                patient,
                step,
                changed_on=form.cleaned_data["changed_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            label = services_levels.level_label(change.level_of_care)
            messages.success(request, f"Level of care changed to {label} from {change.started_on:%Y-%m-%d}.")
            return redirect("care:levels", patient_id=patient.pk)
    return _page(request, patient, failed=step, carry_form=form, status=422)


@login_required
@require_POST
def cancel(request: AuthedRequest, patient_id: int, step_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.CARE_PLAN)
    if isinstance(patient, HttpResponse):
        return patient
    step = _step(patient, step_id)
    try:
        services_levels.cancel_step(request.user, patient, step)
    except ValidationError as exc:
        return _page(request, patient, error=" ".join(exc.messages), status=422)
    messages.success(request, f"Planned step to {services_levels.level_label(step.to_level)} cancelled.")
    return redirect("care:levels", patient_id=patient.pk)


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/levels/", levels, name="levels"),
    path("patients/<int:patient_id>/levels/<int:episode_id>/steps/", plan_step, name="level_step_plan"),
    path("patients/<int:patient_id>/levels/steps/<int:step_id>/carry-out/", carry_out, name="level_step_carry_out"),
    path("patients/<int:patient_id>/levels/steps/<int:step_id>/cancel/", cancel, name="level_step_cancel"),
]
