"""Contingency-management pages: a person's incentives (staff view and the
person's own), the program's CM programmes, reward catalogue and report.

Thin views: patients come from `patient_for` (checked and audited), writes
from services.py, whose errors are put next to the fields."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from waymark.chart.access import Need, patient_for
from waymark.chart.models import Patient
from waymark.chart.views import _patient_or_break_glass
from waymark.core import audit
from waymark.core.roles import Cap, Role
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.incentives import services
from waymark.incentives.forms import CheckForm, CorrectionForm, EnrollForm, ProgrammeForm, RedeemForm, RewardForm
from waymark.incentives.models import CmProgramme, Enrollment, Reward

FORMS = ("enroll", "redeem", "check", "correct")


def _patient(request: AuthedRequest, patient_id: int, need: Need) -> Any:
    action = "read" if need == Need.READ else "write"
    return _patient_or_break_glass(request, patient_id, need, action=action, object_type="incentives")


def _open_enrollments(patient: Patient) -> Any:
    return Enrollment.objects.filter(patient=patient, ended_on__isnull=True).select_related("programme")


def _page(request: AuthedRequest, patient: Patient, status: int = 200, **bound: Any) -> HttpResponse:
    user = request.user
    program_id = patient.program_id
    staff_checks = _open_enrollments(patient).filter(
        programme__target__in=[CmProgramme.Target.ADHERENCE, CmProgramme.Target.PLAN_TASKS]
    )
    can_award = user.can(Cap.CM_AWARD)
    context = {
        "patient": patient,
        "nav": "patients",
        "summary": services.patient_incentives(patient),
        "can_award": can_award,
        "break_glass": patient.opened_by_break_glass,
        "enroll_form": bound.get("enroll")
        or (
            EnrollForm(program_id=program_id, initial={"started_on": patient.program.clinic_day()})
            if can_award
            else None
        ),
        "redeem_form": bound.get("redeem") or (RedeemForm(program_id=program_id) if can_award else None),
        "check_form": bound.get("check")
        or (
            CheckForm(enrollments=staff_checks, initial={"day": patient.program.clinic_day()})
            if can_award and staff_checks.exists()
            else None
        ),
        "correct_form": bound.get("correct") or (CorrectionForm() if user.can(Cap.CM_MANAGE) else None),
    }
    return render(request, "incentives/patient.html", context, status=status)


@login_required
def patient_page(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _page(request, patient)


@login_required
@require_POST
def patient_action(request: AuthedRequest, patient_id: int, action: str) -> HttpResponse:
    if action not in FORMS:
        raise Http404("No such action.")
    need = Need.CM_MANAGE if action == "correct" else Need.INCENTIVES
    patient = _patient(request, patient_id, need)
    if isinstance(patient, HttpResponse):
        return patient
    user = request.user
    form: Any
    try:
        if action == "enroll":
            form = EnrollForm(request.POST, program_id=patient.program_id)
            if form.is_valid():
                enrollment = services.enroll(
                    user, patient, form.cleaned_data["programme"], form.cleaned_data["started_on"]
                )
                messages.success(
                    request, f"Enrolled in {enrollment.programme.name} until {enrollment.ends_on:%Y-%m-%d}."
                )
                return redirect("incentives:patient", patient_id=patient.pk)
        elif action == "redeem":
            form = RedeemForm(request.POST, program_id=patient.program_id)
            if form.is_valid():
                entry = services.redeem(
                    user, patient, form.cleaned_data["reward"], idempotency_key=form.cleaned_data["idempotency_key"]
                )
                messages.success(request, f"Redeemed: {entry.note} ({services.dollars(-entry.amount)}).")
                return redirect("incentives:patient", patient_id=patient.pk)
        elif action == "check":
            form = CheckForm(request.POST, enrollments=_open_enrollments(patient))
            if form.is_valid():
                d = form.cleaned_data
                _, text = services.record_check(
                    user, patient, d["enrollment"], day=d["day"], met=d["met"], note=d["note"]
                )
                messages.success(request, text or "Already recorded.")
                return redirect("incentives:patient", patient_id=patient.pk)
        else:
            form = CorrectionForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                services.correct(
                    user, patient, amount=d["amount"], note=d["note"], idempotency_key=d["idempotency_key"]
                )
                messages.success(request, "Correction recorded.")
                return redirect("incentives:patient", patient_id=patient.pk)
    except ValidationError as exc:
        _form_errors(form, exc)
    return _page(request, patient, status=422, **{action: form})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """The person's own earnings and streak (the companion shows the same once it exists)."""
    user = request.user
    if user.role != Role.PATIENT:
        raise PermissionDenied("This page is for patients; staff open a patient's incentives from the chart.")
    own = Patient.objects.filter(user=user).values_list("pk", flat=True).first()
    if own is None:
        raise Http404("Your account is not linked to a treatment program.")
    patient = patient_for(user, own, Need.READ, action="read", object_type="incentives")
    return render(
        request,
        "incentives/mine.html",
        {"patient": patient, "summary": services.patient_incentives(patient), "nav": "incentives"},
    )


# --- Programmes, catalogue, report ----------------------------------------------------------


def _manager(request: AuthedRequest) -> None:
    if not request.user.can(Cap.CM_MANAGE):
        raise PermissionDenied("Contingency management is set up by a program admin.")


def _parameter_fields(exc: ValidationError) -> ValidationError:
    """The service names a schedule parameter `parameters.start`; on the form it is the field `start`."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({name.removeprefix("parameters."): errors for name, errors in exc.error_dict.items()})


@login_required
@require_http_methods(["GET", "POST"])
def programmes(request: AuthedRequest) -> HttpResponse:
    _manager(request)
    user = request.user
    programme_form = ProgrammeForm(request.POST if request.POST.get("form") == "programme" else None)
    reward_form = RewardForm(request.POST if request.POST.get("form") == "reward" else None)
    if request.method == "POST":
        try:
            if programme_form.is_bound and programme_form.is_valid():
                d = programme_form.cleaned_data
                programme = services.create_programme(
                    user,
                    name=d["name"],
                    target=d["target"],
                    schedule=d["schedule"],
                    parameters=programme_form.parameters(),
                    duration_weeks=d["duration_weeks"],
                    target_analytes=d["target_analytes"],
                    annual_cap=d["annual_cap"],
                    invalid_counts_as_missed=d["invalid_counts_as_missed"],
                )
                messages.success(request, f"Programme {programme.name} created.")
                return redirect("incentives:programmes")
            if reward_form.is_bound and reward_form.is_valid():
                reward = services.add_reward(user, **reward_form.cleaned_data)
                messages.success(request, f"{reward.name} added to the catalogue.")
                return redirect("incentives:programmes")
        except ValidationError as exc:
            _form_errors(programme_form if programme_form.is_bound else reward_form, _parameter_fields(exc))
    context = {
        "nav": "incentives",
        "programmes": services.programmes(user.program),
        "rewards": Reward.objects.filter(program=user.program),
        "programme_form": programme_form,
        "reward_form": reward_form,
    }
    invalid = programme_form.errors or reward_form.errors
    return render(request, "incentives/programmes.html", context, status=422 if invalid else 200)


@login_required
def report(request: AuthedRequest, programme_id: int) -> HttpResponse:
    _manager(request)
    programme = get_object_or_404(CmProgramme, pk=programme_id, program=request.user.program)
    audit.record(
        request.user, "cm_report", program_id=programme.program_id, object_type="cmprogramme", object_id=programme.pk
    )
    return render(
        request, "incentives/report.html", {"nav": "incentives", "report": services.programme_report(programme)}
    )


urlpatterns: list[URLPattern] = [
    path("", programmes, name="programmes"),
    path("programmes/<int:programme_id>/report/", report, name="report"),
    path("mine/", mine, name="mine"),
    path("patients/<int:patient_id>/", patient_page, name="patient"),
    path("patients/<int:patient_id>/<str:action>/", patient_action, name="patient_action"),
]
