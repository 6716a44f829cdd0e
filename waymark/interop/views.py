"""FHIR pages: export a patient's record to a recipient under consent (staff), download one's own record (the
person), import a bundle from another system into a new chart (staff).

Thin: patients come from `chart.access.patient_for` (checked and audited), writes from fhir/services.py and
fhir/bundle_import.py. Nothing about a patient goes in a URL but its id."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.chart.access import Need, patient_for
from waymark.chart.models import Patient
from waymark.chart.views import _patient_or_break_glass
from waymark.core.roles import Cap, Role
from waymark.core.types import AuthedRequest
from waymark.interop.fhir import bundle_import, services
from waymark.interop.fhir.export import PART2_NOTICE
from waymark.interop.fhir.forms import ExportForm, ImportForm

FHIR_JSON = "application/fhir+json"


def _attachment(download: services.Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=f"{FHIR_JSON}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def fhir_export(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """Export the record to a named recipient, under a consent that covers them and the purpose."""
    user = request.user
    if user.role == Role.PATIENT:
        # Another person's id is a 404 (patient_for); one's own record is downloaded without a consent.
        patient_for(user, patient_id, Need.READ, object_type="own_record")
        return redirect("interop:my_record_fhir")
    if not (user.can(Cap.DISCLOSURE_WRITE) and user.can(Cap.CHART_READ)):
        raise PermissionDenied(f"Your role ({user.role_label}) cannot disclose records.")
    action = "open_form" if request.method == "GET" else "write"
    patient = _patient_or_break_glass(request, patient_id, Need.READ, action=action, object_type="fhir_export")
    if isinstance(patient, HttpResponse):
        return patient
    consents = patient.consents.all()
    form = ExportForm(request.POST or None, consents=consents)
    refused: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            download = services.export_for_recipient(
                user,
                patient,
                consent=data["consent"],
                recipient=data["recipient"],
                purpose=data["purpose"],
                information_confirmed=data["information_confirmed"],
            )
        except services.ExportRefused as exc:
            refused = exc.reasons
        else:
            return _attachment(download)
    context = {
        "patient": patient,
        "form": form,
        "consents": consents,
        "refused": refused,
        "notice": PART2_NOTICE,
        "nav": "patients",
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "interop/export_form.html", context, status=status)


@login_required
def my_record_fhir(request: AuthedRequest) -> HttpResponse:
    """The person's own record as a FHIR Bundle (right of access): no consent, not a disclosure, audited."""
    user = request.user
    if user.role != Role.PATIENT:
        raise PermissionDenied("This download is the person's own record; staff export from the chart.")
    own = Patient.objects.filter(user=user).only("id").first()
    if own is None:
        raise Http404("There is no treatment record linked to your account.")
    patient = patient_for(user, own.pk, Need.READ, action="read", object_type="own_record_fhir")
    return _attachment(services.export_own_record(user, patient))


@login_required
@require_http_methods(["GET", "POST"])
def fhir_import(request: AuthedRequest) -> HttpResponse:
    """Upload a FHIR Bundle from another system: a new chart with its diagnoses and drug tests."""
    user = request.user
    if not user.can(Cap.PATIENT_CREATE) or user.program is None:
        raise PermissionDenied(f"Your role ({user.role_label}) cannot add patients.")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["bundle"]
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems = [f"The file is not JSON: {exc}."]
        else:
            try:
                result = bundle_import.import_bundle(user, user.program, data, source_name=upload.name)
            except bundle_import.BundleRejected as exc:
                problems = exc.problems
            else:
                counts = result.run.counts
                state = (
                    "New chart opened"
                    if result.created
                    else "Imported before from the same source into this chart; only what was missing was added"
                )
                messages.success(
                    request,
                    f"{state}: MRN {result.patient.mrn}, {counts['episodes']['added']} episode(s), "
                    f"{counts['specimens']['added']} specimen(s) and {counts['results']['added']} result(s) added.",
                )
                for warning in result.warnings:
                    messages.info(request, f"{warning['table']}: {warning['note']}")
                return redirect("chart", patient_id=result.patient.pk)
    context = {"form": form, "problems": problems, "nav": "patients"}
    return render(request, "interop/import_form.html", context, status=422 if request.method == "POST" else 200)
