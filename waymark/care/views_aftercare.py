"""Continuing care pages: the continuing-care (discharge) plan of the person's
open or latest episode with its edit form, a print-friendly version written for
the person, and the preparing-for-treatment checklist.

Thin views: patients come from `_patient_or_break_glass` (checked and audited;
off the care team, the break-glass form). Anyone who may read the chart reads
these pages, the person their own; only Cap.CARE_PLAN (counsellors, prescribers)
gets the forms and may POST. Writes go through services_aftercare.py, whose
errors are put next to the fields (status 422, nothing saved)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from waymark.care import services_aftercare as services
from waymark.care.forms_aftercare import ContinuingCarePlanForm, PreparationForm
from waymark.care.models import ContinuingCarePlan
from waymark.chart.access import Need
from waymark.chart.models import Episode
from waymark.chart.views import _patient_or_break_glass
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient(request: AuthedRequest, patient_id: int, object_type: str) -> Any:
    """Reading needs the chart; a POST needs Cap.CARE_PLAN (a patient or a nurse gets 403)."""
    if request.method == "POST":
        return _patient_or_break_glass(request, patient_id, Need.CARE_PLAN, action="write", object_type=object_type)
    return _patient_or_break_glass(request, patient_id, Need.READ, action="read", object_type=object_type)


def _plan(episode: Episode | None) -> ContinuingCarePlan | None:
    if episode is None:
        return None
    return ContinuingCarePlan.objects.filter(episode=episode).select_related("updated_by").first()


def _plan_context(plan: ContinuingCarePlan | None) -> dict[str, Any]:
    if plan is None:
        return {"plan": None}
    return {
        "plan": plan,
        "support_groups": services.code_labels("support_groups", plan.support_groups),
        "medical_follow_up": services.code_labels("medical_follow_up", plan.medical_follow_up),
    }


# --- The continuing-care plan ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def aftercare(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "continuingcareplan")
    if isinstance(patient, HttpResponse):
        return patient
    episode = services.current_episode(patient)
    plan = _plan(episode)
    can_write = request.user.can(Cap.CARE_PLAN) and episode is not None
    form = ContinuingCarePlanForm(request.POST or None, plan=plan) if can_write else None
    if request.method == "POST":
        if episode is None:
            messages.error(request, f"{patient.display_name} has no episode of care: open one first.")
        elif form is not None and form.is_valid():
            try:
                saved = services.save_continuing_care_plan(request.user, patient, episode, **form.to_fields())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if saved.created:
                    messages.success(request, "Continuing-care plan saved.")
                elif saved.changed:
                    messages.success(request, f"Continuing-care plan updated ({len(saved.changed)} changed).")
                else:
                    messages.info(request, "Nothing had changed; the plan is as it was.")
                # saved.warnings (naloxone not yet discussed after discharge) show on the page itself.
                return redirect("care:aftercare", patient_id=patient.pk)
    context = {
        "patient": patient,
        "nav": "patients",
        "episode": episode,
        "can_write": can_write,
        "form": form,
        "warnings": services.plan_warnings(episode, plan) if plan and episode and request.user.is_staff_member else [],
        "break_glass": patient.opened_by_break_glass,
        **_plan_context(plan),
    }
    invalid = request.method == "POST"  # a valid POST has redirected
    return render(request, "care/aftercare.html", context, status=422 if invalid else 200)


@login_required
@require_GET
def aftercare_print(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "continuingcareplan")
    if isinstance(patient, HttpResponse):
        return patient
    episode = services.current_episode(patient)
    site = (episode.site if episode and episode.site_id else None) or (patient.site if patient.site_id else None)
    context = {
        "patient": patient,
        "nav": "patients",
        "episode": episode,
        "site": site,
        "printed_on": patient.program.clinic_day(),
        "break_glass": patient.opened_by_break_glass,
        **_plan_context(_plan(episode)),
    }
    return render(request, "care/aftercare_print.html", context)


# --- Preparing for treatment ----------------------------------------------------------------------------------


def _step_errors(exc: ValidationError) -> ValidationError:
    """Service names ("bills.status") → the form's ("bills_status")."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({name.replace(".", "_"): errors for name, errors in exc.error_dict.items()})


@login_required
@require_http_methods(["GET", "POST"])
def preparation(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "preparationstep")
    if isinstance(patient, HttpResponse):
        return patient
    episode = services.current_episode(patient)
    progress = services.preparation_progress(episode) if episode is not None else None
    can_write = request.user.can(Cap.CARE_PLAN) and episode is not None and episode.discharged_on is None
    form = PreparationForm(request.POST or None, progress=progress) if can_write and progress else None
    if request.method == "POST":
        if not can_write or form is None:
            messages.error(request, "The checklist is for a person with an open episode of care: open one first.")
        elif form.is_valid():
            assert episode is not None
            try:
                changed = services.set_preparation_steps(request.user, patient, episode, form.to_steps())
            except ValidationError as exc:
                _form_errors(form, _step_errors(exc))
            else:
                if changed:
                    messages.success(
                        request, f"Checklist saved ({len(changed)} section{'s' if len(changed) > 1 else ''})."
                    )
                else:
                    messages.info(request, "Nothing had changed; the checklist is as it was.")
                return redirect("care:preparation", patient_id=patient.pk)
    context = {
        "patient": patient,
        "nav": "patients",
        "episode": episode,
        "progress": progress,
        "can_write": can_write,
        "form": form,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "care/preparation.html", context, status=422 if request.method == "POST" else 200)


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/aftercare/", aftercare, name="aftercare"),
    path("patients/<int:patient_id>/aftercare/print/", aftercare_print, name="aftercare_print"),
    path("patients/<int:patient_id>/preparation/", preparation, name="preparation"),
]
