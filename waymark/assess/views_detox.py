"""Withdrawal-management pages: the detox board (every active stay of the
program or one site, with the next check due and what needs attention), a
person's stays with the start form, and a stay's page (its checks, the
record-check form, the discharge form with the continuing-care plan).

Thin views: patients come from `chart.views.patient_for_request` (checked and audited;
off the care team, the break-glass form), writes from services_detox.py, whose
errors are put next to the fields (status 422, nothing saved)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from waymark.assess import detox, services_detox
from waymark.assess.forms_detox import CheckForm, DischargeForm, StartStayForm, cows_field_name
from waymark.assess.models import DetoxStay
from waymark.chart.access import Need, chart_patients
from waymark.chart.models import Patient
from waymark.chart.views import patient_for_request
from waymark.core import audit
from waymark.core.models import Site
from waymark.core.roles import Cap, ChartScope
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str = "detox") -> Any:
    return patient_for_request(request, patient_id, need, object_type)


def _settings(patient: Patient) -> tuple[detox.DetoxSettings, str]:
    """The program's detox settings, or the defaults and what is wrong with the program's."""
    try:
        return services_detox.program_settings(patient.program), ""
    except ValidationError as exc:
        return detox.DetoxSettings(), " ".join(exc.messages)


def _sites(patient: Patient) -> list[tuple[int, str]]:
    return [(s.pk, s.name) for s in Site.objects.filter(program_id=patient.program_id).order_by("name")]


# --- The board ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def board(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.can(Cap.DETOX) or user.program is None:
        raise PermissionDenied("The detox board is for the nurses and prescribers who run withdrawal management.")
    program = user.staff_program
    sites = list(Site.objects.filter(program=program).order_by("name"))
    raw = request.GET.get("site", "")
    site = next((s for s in sites if str(s.pk) == raw), None)
    # A nurse runs the whole unit; a prescriber sees the people on their care team.
    rows = services_detox.board(program, site, patients=chart_patients(user))
    audit.record(
        user, "detox_board", program_id=program.pk, object_type="detox_board", object_id=site.pk if site else ""
    )
    care_team_only = user.chart_scope == ChartScope.CARE_TEAM
    context = {
        "nav": "detox",
        "rows": rows,
        "sites": sites,
        "site": site,
        "program": program,
        "care_team_only": care_team_only,
    }
    return render(request, "assess/detox_board.html", context)


# --- A person's stays, and starting one --------------------------------------------------------------------


def _patient_page(
    request: AuthedRequest, patient: Patient, *, form: StartStayForm | None = None, status: int = 200
) -> HttpResponse:
    stays = list(services_detox.patient_stays(patient))
    active = next((s for s in stays if s.status == DetoxStay.Status.ACTIVE), None)
    can_write = request.user.can(Cap.DETOX)
    settings, settings_problem = _settings(patient)
    episode = services_detox.open_episode(patient)
    if form is None and can_write and active is None and episode is not None:
        form = StartStayForm(zone=patient.program.zone, settings=settings, sites=_sites(patient))
    context = {
        "patient": patient,
        "nav": "patients",
        "stays": stays,
        "active": active,
        "episode": episode,
        "can_write": can_write,
        "form": form,
        "settings_problem": settings_problem,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "assess/detox_patient.html", context, status=status)


@login_required
@require_GET
def patient_detox(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _patient_page(request, patient)


@login_required
@require_POST
def start(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.DETOX)
    if isinstance(patient, HttpResponse):
        return patient
    settings, _ = _settings(patient)
    form = StartStayForm(request.POST, zone=patient.program.zone, settings=settings, sites=_sites(patient))
    if form.is_valid():
        site = Site.objects.filter(program_id=patient.program_id, pk=form.cleaned_data["site"]).first()
        try:
            started = services_detox.start_stay(request.user, patient, form.to_input(), site=site)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if started.created:
                messages.success(request, "Withdrawal management started. The baseline COWS is due now.")
            else:
                messages.info(request, "This stay was already started; nothing was saved twice.")
            for note in started.messages:
                messages.info(request, note)
            return redirect("assess:detox_stay", patient_id=patient.pk, stay_id=started.stay.pk)
    return _patient_page(request, patient, form=form, status=422)


# --- A stay -------------------------------------------------------------------------------------------------


def _stay(patient: Patient, stay_id: int) -> DetoxStay:
    queryset = DetoxStay.objects.select_related("site", "started_by", "discharged_by", "episode")
    stay = get_object_or_404(queryset, pk=stay_id, patient=patient)
    stay.patient = patient  # the checked patient, already loaded
    return stay


def _stay_page(
    request: AuthedRequest,
    patient: Patient,
    stay: DetoxStay,
    *,
    check_form: CheckForm | None = None,
    discharge_form: DischargeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = patient.program.zone
    rows = services_detox.stay_checks(stay)
    active = stay.status == DetoxStay.Status.ACTIVE
    can_write = request.user.can(Cap.DETOX) and active
    state = services_detox.status_of(stay, [r.check for r in rows]) if active else None
    context = {
        "patient": patient,
        "nav": "patients",
        "stay": stay,
        "rows": rows,
        "state": state,
        "upcoming": detox.due_checks(stay.started_at, [r.check.checked_at for r in rows], stay.check_every_hours)
        if active
        else (),
        "length_note": detox.expected_length_note(stay.expected_days),
        "can_write": can_write,
        "check_form": check_form or (CheckForm(zone=zone) if can_write else None),
        "discharge_form": discharge_form or (DischargeForm(zone=zone) if can_write else None),
        "overdose_risk_text": detox.OVERDOSE_RISK_TEXT,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "assess/detox_stay.html", context, status=status)


@login_required
@require_GET
def stay_page(request: AuthedRequest, patient_id: int, stay_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ, object_type="detoxstay")
    if isinstance(patient, HttpResponse):
        return patient
    return _stay_page(request, patient, _stay(patient, stay_id))


def _check_errors(exc: ValidationError) -> ValidationError:
    """Service names (answers.<item id>, administered_at) → the form's (cows_<item id>, checked_at)."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, Any] = {}
    for name, errors in exc.error_dict.items():
        if name.startswith("answers."):
            target = cows_field_name(name.removeprefix("answers."))
        else:
            target = {"administered_at": "checked_at"}.get(name, name)
        renamed.setdefault(target, []).extend(errors)
    return ValidationError(renamed)


@login_required
@require_POST
def record_check(request: AuthedRequest, patient_id: int, stay_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.DETOX, object_type="detoxstay")
    if isinstance(patient, HttpResponse):
        return patient
    stay = _stay(patient, stay_id)
    form = CheckForm(request.POST, zone=patient.program.zone)
    if form.is_valid():
        try:
            checked = services_detox.record_check(request.user, patient, stay, form.to_input())
        except ValidationError as exc:
            _form_errors(form, _check_errors(exc))
        else:
            if checked.created:
                cows = checked.check.cows
                messages.success(request, f"Check recorded: COWS {cows.total} ({detox.band_name(cows.total)}).")
                for alert in checked.alerts:
                    messages.warning(request, alert.message)
                for note in checked.notes:
                    messages.info(request, note)
            else:
                messages.info(request, "This check was already recorded; nothing was saved twice.")
            return redirect("assess:detox_stay", patient_id=patient.pk, stay_id=stay.pk)
    return _stay_page(request, patient, stay, check_form=form, status=422)


@login_required
@require_POST
def discharge(request: AuthedRequest, patient_id: int, stay_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.DETOX, object_type="detoxstay")
    if isinstance(patient, HttpResponse):
        return patient
    stay = _stay(patient, stay_id)
    form = DischargeForm(request.POST, zone=patient.program.zone)
    if form.is_valid():
        try:
            done = services_detox.discharge_stay(request.user, patient, stay, form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if done.changed:
                messages.success(request, "Discharged from withdrawal management, with the continuing-care plan.")
                for note in done.messages:
                    messages.warning(request, note)
            else:
                messages.info(request, "This stay was already discharged; nothing was changed.")
            return redirect("assess:detox_stay", patient_id=patient.pk, stay_id=stay.pk)
    return _stay_page(request, patient, stay, discharge_form=form, status=422)


urlpatterns: list[URLPattern] = [
    path("detox/", board, name="detox_board"),
    path("patients/<int:patient_id>/detox/", patient_detox, name="detox_patient"),
    path("patients/<int:patient_id>/detox/start/", start, name="detox_start"),
    path("patients/<int:patient_id>/detox/<int:stay_id>/", stay_page, name="detox_stay"),
    path("patients/<int:patient_id>/detox/<int:stay_id>/checks/", record_check, name="detox_check"),
    path("patients/<int:patient_id>/detox/<int:stay_id>/discharge/", discharge, name="detox_discharge"),
]
