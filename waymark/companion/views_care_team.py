"""Staff: what a person in a program chose to share from their companion, and the
alerts they turned on. Every page reaches the person through the chart's one
gate (`patient_for`: program, care team or break-glass, audited); patients use
their own companion pages instead.

Trends appear only while the person shares them (CompanionProfile.share_trends);
a journal entry or the plan only when the person shared that entry or the plan.
Alerts exist only because the person turned them on; once raised they are part of
the program's record of care and stay visible after the person turns sharing off.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from waymark.chart.access import Need
from waymark.chart.models import Patient
from waymark.chart.views import patient_for_request
from waymark.companion import services_data
from waymark.companion.access import no_store
from waymark.companion.models import CareTeamAlert
from waymark.core import audit
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest


def _staff_only(request: AuthedRequest) -> None:
    if not request.user.is_staff_member:
        raise PermissionDenied("This page is for a person's care team. Your own companion is at /companion/.")


def _page(
    request: AuthedRequest, patient: Patient, note_errors: dict[int, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    shared = services_data.shared_with_care_team(patient)
    context = {
        "nav": "patients",
        "patient": patient,
        "shared": shared,
        "break_glass": patient.opened_by_break_glass,
        "note_errors": note_errors or {},
        "max_note": services_data.MAX_ACK_NOTE,
    }
    return no_store(render(request, "companion/care_patient.html", context, status=status))


@login_required
@require_GET
def trends(request: AuthedRequest, patient_id: int) -> HttpResponse:
    _staff_only(request)
    patient = patient_for_request(request, patient_id, Need.READ, "companion")
    if isinstance(patient, HttpResponse):
        return patient
    return _page(request, patient)


@login_required
@require_POST
def acknowledge(request: AuthedRequest, patient_id: int, alert_id: int) -> HttpResponse:
    _staff_only(request)
    patient = patient_for_request(request, patient_id, Need.WRITE, "careteamalert", alert_id)
    if isinstance(patient, HttpResponse):
        return patient
    alert = get_object_or_404(CareTeamAlert, pk=alert_id, patient=patient)
    back = (
        reverse("companion:care_alerts")
        if request.POST.get("back") == "alerts"
        else reverse("companion:care_trends", args=[patient.pk])
    )
    try:
        services_data.acknowledge_alert(request.user, patient, alert, request.POST.get("note", ""))
    except services_data.AlreadyAcknowledged:
        messages.info(request, _("This alert was already acknowledged."))
        return redirect(back)
    except ValidationError as exc:
        errors = exc.message_dict.get("note", exc.messages) if hasattr(exc, "error_dict") else exc.messages
        return _page(request, patient, {alert.pk: errors}, status=422)
    messages.success(request, _("Alert acknowledged."))
    return redirect(back)


@login_required
@require_GET
def alerts(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _staff_only(request)
    if not user.can(Cap.CHART_READ):
        raise PermissionDenied(f"Your role ({user.role_label}) does not read charts.")
    rows = list(services_data.open_alerts_for(user)[: services_data.OPEN_ALERTS_SHOWN])
    audit.record(
        user, "read", program_id=user.program_id, object_type="companion_alerts", reason=f"{len(rows)} open alerts"
    )
    return no_store(render(request, "companion/care_alerts.html", {"nav": "patients", "alerts": rows}))
