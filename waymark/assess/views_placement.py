"""Placement pages: a patient's placement assessments with their decisions, the
assessment form (six dimensions with the program's ASAM edition's names and the
seed facts), and the result, shown as decision support (never a diagnosis) with
the reasons, where a counsellor or prescriber accepts the recommendation or
chooses another level with a reason.

Thin views: patients come from `patient_for` (checked and audited; off the care
team, the break-glass form); writes from services_placement.py, whose errors
are put next to the fields."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from waymark.assess import placement as rules
from waymark.assess import services_placement as services
from waymark.assess.forms_placement import DecisionForm, PlacementForm
from waymark.assess.models import PlacementAssessment
from waymark.chart.access import Need
from waymark.chart.models import LevelOfCare, Patient
from waymark.chart.views import patient_for_request
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str = "placements") -> Any:
    return patient_for_request(request, patient_id, need, object_type)


def _chart_label(value: str) -> str:
    return str(dict(LevelOfCare.choices).get(value, value))


@login_required
def placements(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    rows = [
        {
            "placement": p,
            "recommended": services.level_title(p.edition, p.recommended_level),
            "withdrawal": services.level_title(p.edition, p.recommended_withdrawal_level),
            "decided": services.level_title(p.edition, p.decided_level),
        }
        for p in services.patient_placements(patient)
    ]
    episode = services.open_episode(patient)
    context = {
        "patient": patient,
        "nav": "patients",
        "rows": rows,
        "episode": episode,
        "episode_level": _chart_label(episode.level_of_care) if episode else "",
        "can_write": request.user.can(Cap.PLACEMENT),
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "assess/placements.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_placement(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.PLACEMENT, object_type="placement")
    if isinstance(patient, HttpResponse):
        return patient
    context: dict[str, Any] = {"patient": patient, "nav": "patients", "break_glass": patient.opened_by_break_glass}
    try:
        settings = services.program_settings(patient.program)
    except ValidationError as exc:
        context["settings_error"] = " ".join(exc.messages)
        return render(request, "assess/placement_form.html", context, status=422)
    zone = patient.program.zone
    form = PlacementForm(request.POST or None, edition=settings.edition, zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.record_placement(request.user, patient, form.to_input())
        except ValidationError as exc:
            _form_errors(form, _field_names(exc))
        else:
            if not recorded.created:
                messages.info(request, "This assessment was already recorded; nothing was saved twice.")
            return redirect("assess:placement", patient_id=patient.pk, placement_id=recorded.placement.pk)
    context |= {
        "form": form,
        "edition": settings.edition,
        "edition_name": rules.EDITION_NAMES[rules.Edition(settings.edition)],
        "episode": services.open_episode(patient),
    }
    return render(request, "assess/placement_form.html", context, status=422 if form.errors else 200)


def _field_names(exc: ValidationError) -> ValidationError:
    """The service names fields as the form does, except the key (hidden) and the episode: those go on top."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, Any] = {}
    for name, errors in exc.error_dict.items():
        target = "__all__" if name in {"idempotency_key", "episode", "notes", "ratings", "edition"} else name
        renamed.setdefault(target, []).extend(errors)
    return ValidationError(renamed)


def _result_page(
    request: AuthedRequest,
    patient: Patient,
    placement: PlacementAssessment,
    *,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    edition = placement.edition
    can_decide = request.user.can(Cap.PLACEMENT) and not placement.decided_level
    if can_decide and decision_form is None:
        decision_form = DecisionForm(edition=edition, recommended=placement.recommended_level)
    context = {
        "patient": patient,
        "nav": "patients",
        "placement": placement,
        "edition_name": rules.EDITION_NAMES[rules.Edition(edition)],
        "recommended": services.level_title(edition, placement.recommended_level),
        "withdrawal": services.level_title(edition, placement.recommended_withdrawal_level),
        "decided": services.level_title(edition, placement.decided_level),
        "dimensions": services.dimension_rows(placement),
        "episode_level": _chart_label(placement.episode.level_of_care),
        "can_decide": can_decide,
        "decision_form": decision_form if can_decide else None,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "assess/placement_result.html", context, status=status)


def _placement(patient: Patient, placement_id: int) -> PlacementAssessment:
    return get_object_or_404(services.patient_placements(patient), pk=placement_id)


@login_required
def placement_result(request: AuthedRequest, patient_id: int, placement_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ, object_type="placement")
    if isinstance(patient, HttpResponse):
        return patient
    return _result_page(request, patient, _placement(patient, placement_id))


@login_required
@require_POST
def decide(request: AuthedRequest, patient_id: int, placement_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.PLACEMENT, object_type="placement")
    if isinstance(patient, HttpResponse):
        return patient
    placement = _placement(patient, placement_id)
    form = DecisionForm(request.POST, edition=placement.edition, recommended=placement.recommended_level)
    if form.is_valid():
        try:
            decided = services.decide_placement(
                request.user, patient, placement, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            placement.refresh_from_db()
            if placement.decided_level:  # decided meanwhile (another tab, another person): show that decision
                messages.error(request, " ".join(exc.messages))
                return redirect("assess:placement", patient_id=patient.pk, placement_id=placement.pk)
            _form_errors(form, exc)
        else:
            level = _chart_label(decided.placement.episode.level_of_care)
            if not decided.created:
                messages.info(request, "This decision was already recorded.")
            elif decided.level_changed:
                messages.success(request, f"Level {decided.placement.decided_level} recorded. Level of care: {level}.")
            else:
                messages.success(
                    request,
                    f"Level {decided.placement.decided_level} recorded. The episode was already at {level}: "
                    "its level-of-care history is unchanged.",
                )
            return redirect("assess:placement", patient_id=patient.pk, placement_id=placement.pk)
    return _result_page(request, patient, placement, decision_form=form, status=422)


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/placements/", placements, name="placements"),
    path("patients/<int:patient_id>/placements/new/", new_placement, name="placement_new"),
    path("patients/<int:patient_id>/placements/<int:placement_id>/", placement_result, name="placement"),
    path("patients/<int:patient_id>/placements/<int:placement_id>/decide/", decide, name="placement_decide"),
]
