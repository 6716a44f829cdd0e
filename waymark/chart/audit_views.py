"""The privacy officer's review: access per patient, per staff member, and
every break-glass use waiting for review. Reviewing is itself audited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from waymark.chart import services
from waymark.chart.access import Need, patient_for
from waymark.chart.models import BreakGlassAccess, Patient
from waymark.core import audit
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest

PAGE = 50


def _require_reviewer(request: AuthedRequest) -> User:
    user = request.user
    if not user.is_authenticated or not user.can(Cap.AUDIT_REVIEW):
        raise PermissionDenied
    return user


@login_required
def audit_review(request: AuthedRequest) -> HttpResponse:
    user = _require_reviewer(request)
    pending = (
        BreakGlassAccess.objects.filter(patient__program_id=user.program_pk, reviewed_at__isnull=True)
        .select_related("user", "patient")
        .order_by("-granted_at")
    )
    mrn = request.POST.get("mrn", "").strip() if request.method == "POST" else ""
    if mrn:
        found = Patient.objects.filter(program_id=user.program_pk, mrn__iexact=mrn).only("id").first()
        if found:
            return redirect("audit_patient", patient_id=found.pk)
        messages.error(request, f"No patient with MRN {mrn} in this program.")
    staff = User.objects.filter(program_id=user.program_pk).exclude(role="patient").order_by("username")
    audit.record(user, "read", program_id=user.program_pk, object_type="audit_overview")
    return render(request, "chart/audit_review.html", {"pending": pending, "staff": staff, "nav": "audit"})


@login_required
def audit_patient(request: AuthedRequest, patient_id: int) -> HttpResponse:
    user = _require_reviewer(request)
    patient = patient_for(user, patient_id, Need.AUDIT, object_type="audit_log")
    events = AuditEvent.objects.filter(patient_id=patient.pk).order_by("-seq")
    page = Paginator(events, PAGE).get_page(request.GET.get("page"))
    return render(request, "chart/audit_events.html", {"page": page, "patient": patient, "nav": "audit"})


@login_required
def audit_user(request: AuthedRequest, user_id: int) -> HttpResponse:
    reviewer = _require_reviewer(request)
    subject = get_object_or_404(User, pk=user_id, program_id=reviewer.program_pk)
    events = AuditEvent.objects.filter(actor=subject).order_by("-seq")
    page = Paginator(events, PAGE).get_page(request.GET.get("page"))
    audit.record(reviewer, "read", program_id=reviewer.program_pk, object_type="audit_log_user", object_id=subject.pk)
    return render(request, "chart/audit_events.html", {"page": page, "subject": subject, "nav": "audit"})


@login_required
@require_POST
def review_break_glass(request: AuthedRequest, access_id: int) -> HttpResponse:
    reviewer = _require_reviewer(request)
    access = get_object_or_404(
        BreakGlassAccess.objects.select_related("patient"), pk=access_id, patient__program_id=reviewer.program_pk
    )
    try:
        services.review_break_glass(reviewer, access, request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as reviewed.")
    return redirect("audit_review")
