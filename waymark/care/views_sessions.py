"""Counselling-session pages: a person's sessions (attendance statistics, the
schedule-a-session form), recording attendance at an individual or family
session, the DAP note of one attendance, and a counsellor's own schedule.

Thin views: patients come from `_patient` (chart.access.patient_for, checked and
audited; off the care team, the break-glass form); writes from
services_sessions.py, whose errors are put next to the fields (status 422,
nothing saved). Reading a note is decided and audited by
services_sessions.read_note; a refusal is shown with its reason (403)."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.care import schedules, services_sessions
from waymark.care.forms_sessions import AttendanceForm, NoteForm, SessionForm
from waymark.care.models import Attendance, CounsellingNote, CounsellingSession
from waymark.chart.access import Need
from waymark.chart.models import Patient
from waymark.chart.views import patient_for_request
from waymark.core import audit
from waymark.core.models import Site
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

PAST_SHOWN = 50
MY_DAYS_BACK = 14
MY_DAYS_AHEAD = 14


def _patient(request: AuthedRequest, patient_id: int, need: Need, object_type: str, object_id: object = "") -> Any:
    return patient_for_request(request, patient_id, need, object_type, object_id)


def _sites(program_id: int) -> list[Site]:
    return list(Site.objects.filter(program_id=program_id).order_by("name"))


# --- A person's sessions ------------------------------------------------------------------------------------


def _sessions_page(
    request: AuthedRequest, patient: Patient, *, form: SessionForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    rows = list(services_sessions.patient_attendances(patient))
    upcoming = [r for r in reversed(rows) if r.starts_at > now]
    past = [r for r in rows if r.starts_at <= now]
    can_write = user.can(Cap.SESSIONS)
    if form is None and can_write:
        form = SessionForm(zone=patient.program.zone, sites=_sites(patient.program_id))
    stats = services_sessions.stats_for(patient)
    context = {
        "patient": patient,
        "nav": "patients",
        "stats": stats,
        "stats_line": services_sessions.stats_line(stats),
        "upcoming": upcoming,
        "past": past[:PAST_SHOWN],
        "past_more": max(0, len(past) - PAST_SHOWN),
        "attended": schedules.ATTENDED,
        "can_write": can_write,
        "form": form,
        "break_glass": patient.opened_by_break_glass,
        "drift": now + services_sessions.CLOCK_DRIFT,
    }
    return render(request, "care/session_list.html", context, status=status)


@login_required
@require_GET
def sessions(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.READ, "counselling_sessions")
    if isinstance(patient, HttpResponse):
        return patient
    return _sessions_page(request, patient)


@login_required
@require_POST
def session_schedule(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.SESSIONS, "counselling_sessions")
    if isinstance(patient, HttpResponse):
        return patient
    form = SessionForm(request.POST, zone=patient.program.zone, sites=_sites(patient.program_id))
    if form.is_valid():
        try:
            done = services_sessions.schedule_session(request.user, patient, form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            when = services_sessions.local_time(patient.program, done.session.starts_at)
            if done.created:
                messages.success(request, f"{done.session.get_kind_display()} session scheduled for {when}.")
            else:
                messages.info(request, f"This session ({when}) was already scheduled; nothing was saved twice.")
            return redirect("care:sessions", patient_id=patient.pk)
    return _sessions_page(request, patient, form=form, status=422)


# --- Attendance at an individual or family session ------------------------------------------------------------


def _attendance(patient: Patient, attendance_id: int) -> Attendance:
    queryset = Attendance.objects.select_related("session", "session__site", "session__counsellor")
    row = get_object_or_404(queryset, pk=attendance_id, patient=patient)
    row.patient = patient  # the checked patient, already loaded
    return row


def _attendance_page(
    request: AuthedRequest, patient: Patient, row: Attendance, form: AttendanceForm | None, status: int = 200
) -> HttpResponse:
    session = row.session
    open_for_recording = session.starts_at <= timezone.now() + services_sessions.CLOCK_DRIFT
    if form is None:
        form = AttendanceForm(rows=[row], planned=session.planned_minutes)
    row.has_note = CounsellingNote.objects.filter(attendance=row).exists()  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "nav": "patients",
        "session": session,
        "form": form,
        "open_for_recording": open_for_recording,
        "action": request.path,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "care/session_attendance.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthedRequest, patient_id: int, attendance_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Need.SESSIONS, "attendance", attendance_id)
    if isinstance(patient, HttpResponse):
        return patient
    row = _attendance(patient, attendance_id)
    session = row.session
    if session.group_id is not None:
        return redirect("care:group_attendance", group_id=session.group_id, session_id=session.pk)
    if request.method == "GET":
        return _attendance_page(request, patient, row, None)
    form = AttendanceForm(request.POST, rows=[row], planned=session.planned_minutes)
    if form.is_valid():
        try:
            services_sessions.record_attendance(request.user, session, form.marks())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form.add_service_errors(exc.message_dict)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, "Attendance saved.")
            return redirect("care:session_attendance", patient_id=patient.pk, attendance_id=row.pk)
    return _attendance_page(request, patient, row, form, status=422)


# --- The DAP note of one attendance -------------------------------------------------------------------------


def _note_page(
    request: AuthedRequest,
    patient: Patient,
    row: Attendance,
    note: CounsellingNote | None,
    *,
    form: NoteForm | None = None,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    attended = row.status in schedules.ATTENDED
    can_write = (
        not refused
        and user.can(Cap.SESSIONS)
        and attended
        and not patient.opened_by_break_glass
        and (note is None or note.author_id == user.pk)
    )
    editing = can_write and (note is None or request.GET.get("edit") == "1" or form is not None)
    if editing and form is None:
        initial = {"data": note.data, "assessment": note.assessment, "plan": note.plan} if note else {}
        form = NoteForm(initial=initial)
    context = {
        "patient": patient,
        "nav": "patients",
        "row": row,
        "session": row.session,
        "note": note,
        "refused": refused,
        "attended": attended,
        "can_write": can_write,
        "form": form if editing else None,
        "break_glass": patient.opened_by_break_glass,
    }
    return render(request, "care/note.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def note(request: AuthedRequest, patient_id: int, attendance_id: int) -> HttpResponse:
    need = Need.READ if request.method == "GET" else Need.SESSIONS
    patient = _patient(request, patient_id, need, "attendance", attendance_id)
    if isinstance(patient, HttpResponse):
        return patient
    row = _attendance(patient, attendance_id)
    try:
        current = services_sessions.read_note(request.user, patient, row)
    except services_sessions.NoteRefused as exc:
        return _note_page(request, patient, row, None, refused=exc.reason, status=403)
    if request.method == "GET":
        return _note_page(request, patient, row, current)
    form = NoteForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            written = services_sessions.write_note(
                request.user, patient, row, data=d["data"], assessment=d["assessment"], plan=d["plan"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Note saved." if written.created else "Note updated.")
            return redirect("care:note", patient_id=patient.pk, attendance_id=row.pk)
    return _note_page(request, patient, row, current, form=form, status=422)


# --- A counsellor's own schedule ----------------------------------------------------------------------------


def _day_bounds(zone: Any, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start, end


@login_required
@require_GET
def my_sessions(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.can(Cap.SESSIONS):
        raise PermissionDenied("The session schedule is for counsellors.")
    program = user.staff_program
    zone = program.zone
    today = program.clinic_day()
    sites = _sites(program.pk)
    raw = request.GET.get("site", "")
    site = next((s for s in sites if str(s.pk) == raw), None)
    start, end = _day_bounds(zone, today - dt.timedelta(days=MY_DAYS_BACK), today + dt.timedelta(days=MY_DAYS_AHEAD))
    found = (
        CounsellingSession.objects.filter(counsellor=user, program=program, starts_at__gte=start, starts_at__lt=end)
        .select_related("site", "group")
        .prefetch_related(
            Prefetch(
                "attendances", queryset=Attendance.objects.select_related("patient").order_by("patient__family_name")
            )
        )
        .order_by("starts_at", "id")
    )
    if site is not None:
        found = found.filter(site=site)
    days: dict[dt.date, list[CounsellingSession]] = defaultdict(list)
    for s in found:
        s.recorded = sum(1 for a in s.attendances.all() if a.status != Attendance.Status.EXPECTED)  # type: ignore[attr-defined]
        days[program.clinic_day(s.starts_at)].append(s)
    audit.record(user, "read", program_id=program.pk, object_type="session_schedule", object_id=site.pk if site else "")
    context = {
        "nav": "my_sessions",
        "program": program,
        "today": today,
        "upcoming": [(d, days[d]) for d in sorted(days) if d >= today],
        "past": [(d, days[d]) for d in sorted(days, reverse=True) if d < today],
        "sites": sites,
        "site": site,
        "days_back": MY_DAYS_BACK,
        "days_ahead": MY_DAYS_AHEAD,
    }
    return render(request, "care/sessions_mine.html", context)


urlpatterns: list[URLPattern] = [
    path("sessions/mine/", my_sessions, name="my_sessions"),
    path("patients/<int:patient_id>/sessions/", sessions, name="sessions"),
    path("patients/<int:patient_id>/sessions/schedule/", session_schedule, name="session_schedule"),
    path(
        "patients/<int:patient_id>/sessions/<int:attendance_id>/attendance/",
        session_attendance,
        name="session_attendance",
    ),
    path("patients/<int:patient_id>/sessions/<int:attendance_id>/note/", note, name="note"),
]
