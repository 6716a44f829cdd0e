"""Drug-test pages: a patient's tests (results, what they mean, trend), recording
a specimen or a missed test, adding laboratory results, and random testing.

Thin views: patients come from `patient_for` (checked and audited; off the care
team, the break-glass form), writes from services.py, whose errors are put
next to the fields. Nothing about a patient is ever put in a URL but its id."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from waymark.chart.access import Need, searchable_patients
from waymark.chart.models import Patient
from waymark.chart.views import _patient_or_break_glass
from waymark.core import audit
from waymark.core.models import Site
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors
from waymark.labs import rules, services
from waymark.labs.forms import MissedTestForm, RandomScheduleForm, ResultsForm, SpecimenForm
from waymark.labs.models import Specimen


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str = "drug_tests") -> Any:
    action = "read" if need == Need.READ else ("open_form" if request.method == "GET" else "write")
    return _patient_or_break_glass(request, patient_id, need, action=action, object_type=object_type)


def _tests_page(
    request: AuthedRequest,
    patient: Patient,
    *,
    specimen_form: SpecimenForm | None = None,
    missed_form: MissedTestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = patient.program.zone
    specimens = list(services.patient_specimens(patient))
    medications = services.medication_families(patient)
    rows = [
        (s, services.latest_readings(s.results.all()), rules.interpret(services.facts(s, medications)))
        for s in specimens
    ]
    can_write = request.user.can(Cap.SPECIMEN_WRITE)
    context = {
        "patient": patient,
        "nav": "patients",
        "rows": rows,
        "trend": services.trend(specimens[:30]),
        "latest_alerts": rows[0][2] if rows else [],
        "medications": sorted(medications),
        "can_write": can_write,
        "specimen_form": specimen_form or (SpecimenForm(zone=zone) if can_write else None),
        "missed_form": missed_form or (MissedTestForm(zone=zone) if can_write else None),
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "labs/tests.html", context, status=status)


@login_required
def tests(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ)
    if isinstance(patient, HttpResponse):
        return patient
    return _tests_page(request, patient)


def _after_record(request: AuthedRequest, patient: Patient, recorded: services.Recorded) -> HttpResponse:
    if not recorded.created:
        messages.info(request, "This test was already recorded; nothing was saved twice.")
    else:
        messages.success(request, f"{recorded.specimen} recorded.")
        for alert in rules.interpret(services.facts(recorded.specimen, services.medication_families(patient))):
            level = messages.WARNING if alert.severity is rules.Severity.ALERT else messages.INFO
            messages.add_message(request, level, alert.message)
        for text in recorded.messages:
            messages.success(request, text)
    return redirect("labs:tests", patient_id=patient.pk)


@login_required
@require_POST
def record_specimen(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.SPECIMEN)
    if isinstance(patient, HttpResponse):
        return patient
    form = SpecimenForm(request.POST, zone=patient.program.zone)
    if form.is_valid():
        data = form.to_input()
        try:
            recorded = services.record_specimen(request.user, patient, data)
        except ValidationError as exc:
            _form_errors(form, _field_names(exc, list(data.results)))
        else:
            return _after_record(request, patient, recorded)
    return _tests_page(request, patient, specimen_form=form, status=422)


# Service field names → the form's: the temperature select; the key is a hidden field, whose
# errors no template shows, so its message goes at the top of the form.
_FORM_FIELDS = {"temperature_in_range": "temperature", "idempotency_key": "__all__"}


def _field_names(exc: ValidationError, results: list[services.ResultInput] | None = None) -> ValidationError:
    """Service errors name results.<n>.value_ng_ml or collected_at; the form's fields are value_<analyte>,
    resulted_at, due_at."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, Any] = {}
    prefixes = {"analyte": "result", "result": "result", "value_ng_ml": "value", "cutoff_ng_ml": "cutoff"}
    for name, errors in exc.error_dict.items():
        target = _FORM_FIELDS.get(name, name)
        if name.startswith("results.") and results is not None:
            index, _, attribute = name[len("results.") :].partition(".")
            if index.isdigit() and int(index) < len(results) and attribute in prefixes:
                target = f"{prefixes[attribute]}_{results[int(index)].analyte}"
            elif attribute == "resulted_at":
                target = "resulted_at"
            else:
                target = "__all__"
        renamed.setdefault(target, []).extend(errors)
    return ValidationError(renamed)


@login_required
@require_POST
def record_missed(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.SPECIMEN)
    if isinstance(patient, HttpResponse):
        return patient
    form = MissedTestForm(request.POST, zone=patient.program.zone)
    if form.is_valid():
        try:
            recorded = services.record_specimen(request.user, patient, form.to_input())
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "collected_at" in exc.error_dict:
                exc = ValidationError({"due_at": exc.error_dict["collected_at"]})
            _form_errors(form, _field_names(exc))
        else:
            return _after_record(request, patient, recorded)
    return _tests_page(request, patient, missed_form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def add_results(request: AuthedRequest, patient_id: int, specimen_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.SPECIMEN, object_type="specimen")
    if isinstance(patient, HttpResponse):
        return patient
    specimen = get_object_or_404(services.patient_specimens(patient), pk=specimen_id, status=Specimen.Status.COLLECTED)
    form = ResultsForm(request.POST or None, zone=patient.program.zone)
    if request.method == "POST" and form.is_valid():
        results = form.to_results()
        try:
            if not results:
                raise ValidationError("Choose a result for at least one analyte.")
            texts = services.record_results(request.user, patient, specimen, results)
        except ValidationError as exc:
            _form_errors(form, _field_names(exc, results))
        else:
            messages.success(request, f"{len(results)} result(s) recorded.")
            for text in texts:
                messages.success(request, text)
            return redirect("labs:tests", patient_id=patient.pk)
    context = {"patient": patient, "specimen": specimen, "form": form, "nav": "patients"}
    return render(request, "labs/results.html", context, status=422 if form.errors else 200)


# --- Random testing -------------------------------------------------------------------------


def _site(request: AuthedRequest) -> Site | None:
    raw = request.GET.get("site", "")
    program_sites = Site.objects.filter(program_id=request.user.program_pk)
    if raw.isdigit():
        return program_sites.filter(pk=int(raw)).first()
    return request.user.site or program_sites.order_by("name").first()


@login_required
@require_http_methods(["GET", "POST"])
def random_testing(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not (user.can(Cap.SPECIMEN_WRITE) or user.can(Cap.CM_MANAGE)) or user.program is None:
        raise PermissionDenied("Random testing is for the staff who collect specimens and program admins.")
    program = user.staff_program
    site = _site(request)
    sites = [(s.pk, s.name) for s in Site.objects.filter(program=program).order_by("name")]
    form = RandomScheduleForm(request.POST or None, sites=sites, initial={"starts_on": program.clinic_day()})
    if request.method == "POST":
        if not user.can(Cap.CM_MANAGE):
            raise PermissionDenied("Only a program admin sets the random testing schedule.")
        if form.is_valid():
            chosen = Site.objects.filter(program=program, pk=form.cleaned_data["site"]).first()
            try:
                services.set_random_schedule(
                    user,
                    site=chosen,
                    per_month=form.cleaned_data["per_month"],
                    open_weekdays=form.cleaned_data["open_weekdays"],
                    starts_on=form.cleaned_data["starts_on"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "Random testing schedule saved, with a new seed.")
                return redirect("labs:random")
    day = program.clinic_day()
    schedule = services.random_schedule_for(program, site)
    due: list[Patient] | None = None  # not worked out for an admin who does not collect: the page says nothing
    if user.can(Cap.SPECIMEN_WRITE):
        # Who is due today: people in treatment at this site (the list a collector may search).
        in_treatment = (
            searchable_patients(user)
            .filter(episodes__admitted_on__lte=day, episodes__discharged_on__isnull=True)
            .distinct()
            .order_by("family_name", "given_name")
        )
        if site is not None:
            in_treatment = in_treatment.filter(site=site)
        due = services.due_for_random_test(program, site, day, in_treatment)
        audit.record(
            user, "random_tests_due", program_id=program.pk, object_type="random_tests", object_id=day.isoformat()
        )
    context = {
        "nav": "random",
        "form": form if user.can(Cap.CM_MANAGE) else None,
        "schedule": schedule,
        "site": site,
        "sites": sites,
        "day": day,
        "due": due,
        "weekday_names": [dt.date(2024, 1, 1 + d).strftime("%A") for d in (schedule.open_weekdays if schedule else [])],
    }
    return render(request, "labs/random.html", context, status=422 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("patients/<int:patient_id>/", tests, name="tests"),
    path("patients/<int:patient_id>/specimens/", record_specimen, name="record_specimen"),
    path("patients/<int:patient_id>/missed/", record_missed, name="record_missed"),
    path("patients/<int:patient_id>/specimens/<int:specimen_id>/results/", add_results, name="add_results"),
    path("random/", random_testing, name="random"),
]
