"""Counselling-group pages: the program's groups (roster count against capacity,
next meeting), creating and changing a group, a group's page (roster with add
and remove, "schedule sessions through DATE", upcoming and recent sessions) and
taking a session's attendance for every expected member on one screen.

Group pages need Cap.SESSIONS (counsellors) and the group's own program; reading
a roster or a session's attendance is audited (object type care_group). Adding
or removing a person reaches them through chart.access.patient_for (the care
team, or the break-glass form). Writes go through services_groups.py and
services_sessions.py; their errors are put next to the fields (422, nothing
saved). The list and the attendance screen cost the same number of queries for
one group or member as for many."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.care import services_groups, services_sessions
from waymark.care.forms_sessions import AddMemberForm, AttendanceForm, GroupForm, GroupScheduleForm
from waymark.care.models import Attendance, CareGroup, CounsellingNote, CounsellingSession, GroupMembership
from waymark.chart.access import Need, chart_patients
from waymark.chart.views import _patient_or_break_glass
from waymark.core import audit
from waymark.core.models import Site, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

UPCOMING_SHOWN = 8
RECENT_SHOWN = 8


def _require_sessions(user: User) -> None:
    if not user.can(Cap.SESSIONS):
        raise PermissionDenied("Counselling groups are run by counsellors.")


def _group(request: AuthedRequest, group_id: int) -> CareGroup:
    """The group, if the user facilitates it (another program's group does not exist). Its roster and
    attendance are its members' records: other counsellors see the group in the list, not inside it."""
    _require_sessions(request.user)
    queryset = CareGroup.objects.select_related("program", "facilitator", "site")
    group = get_object_or_404(queryset, pk=group_id, program_id=request.user.program_pk)
    if group.facilitator_id != request.user.pk:
        name = group.facilitator.get_full_name() or group.facilitator.username
        raise PermissionDenied(f"Only the group's facilitator ({name}) opens its roster and attendance.")
    return group


def _audit_read(user: User, group: CareGroup, object_id: object = "") -> None:
    audit.record(user, "read", program_id=group.program_id, object_type="care_group", object_id=object_id or group.pk)


def _group_form(request: AuthedRequest, data: Any = None, **kwargs: Any) -> GroupForm:
    program = request.user.staff_program
    return GroupForm(
        data,
        facilitators=list(services_groups.counsellors(program)),
        sites=list(Site.objects.filter(program=program).order_by("name")),
        **kwargs,
    )


# --- The list -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def groups(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _require_sessions(user)
    program = user.staff_program
    rows = list(services_groups.groups_of(program))
    audit.record(user, "read", program_id=program.pk, object_type="care_group_list")
    context = {"nav": "groups", "groups": rows, "program": program}
    for g in rows:
        g.days = services_groups.weekdays_label(g.weekdays)  # type: ignore[attr-defined]
    return render(request, "care/groups.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    _require_sessions(user)
    if request.method == "GET":
        form = _group_form(request, initial={"facilitator": user.pk})
        return render(request, "care/group_form.html", {"nav": "groups", "form": form, "group": None})
    form = _group_form(request, request.POST)
    if form.is_valid():
        try:
            group = services_groups.create_group(user, user.staff_program, form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{group.name} created. Add people, then schedule its sessions.")
            return redirect("care:group", group_id=group.pk)
    return render(request, "care/group_form.html", {"nav": "groups", "form": form, "group": None}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: AuthedRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    if request.method == "GET":
        form = _group_form(request, initial=GroupForm.initial_from(group), editing=True)
        return render(request, "care/group_form.html", {"nav": "groups", "form": form, "group": group})
    form = _group_form(request, request.POST, editing=True)
    if form.is_valid():
        try:
            changed = services_groups.update_group(request.user, group, form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            text = "Group saved."
            if changed:
                text += f" {changed} upcoming session{'s' if changed != 1 else ''} updated."
            messages.success(request, text)
            return redirect("care:group", group_id=group.pk)
    return render(request, "care/group_form.html", {"nav": "groups", "form": form, "group": group}, status=422)


# --- A group's page -----------------------------------------------------------------------------------------


def _candidates(request: AuthedRequest, group: CareGroup) -> list[tuple[int, str]]:
    """People on the user's care team who are not in the group, for the add form."""
    members = group.memberships.filter(left_on__isnull=True).values("patient_id")
    people = (
        chart_patients(request.user)
        .exclude(pk__in=members)
        .order_by("family_name", "given_name")
        .values_list("pk", "family_name", "given_name", "mrn")
    )
    return [(pk, f"{family}, {given} (MRN {mrn})") for pk, family, given, mrn in people]


def _sessions_with_counts(group: CareGroup) -> Any:
    return group.sessions.annotate(
        expected=Count("attendances"),
        recorded=Count("attendances", filter=~Q(attendances__status=Attendance.Status.EXPECTED)),
        came=Count("attendances", filter=Q(attendances__status__in=["attended", "late"])),
    )


def _group_page(
    request: AuthedRequest,
    group: CareGroup,
    *,
    add_form: AddMemberForm | None = None,
    schedule_form: GroupScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    program = group.program
    today = program.clinic_day()
    now = timezone.now()
    members = list(services_groups.roster(group))
    if add_form is None:
        add_form = AddMemberForm(candidates=_candidates(request, group), today=today)
    if schedule_form is None:
        schedule_form = GroupScheduleForm()
    sessions = _sessions_with_counts(group)
    context = {
        "nav": "groups",
        "group": group,
        "days": services_groups.weekdays_label(group.weekdays),
        "members": members,
        "former": list(services_groups.former_members(group)[:20]),
        "full": len(members) >= group.capacity,
        "add_form": add_form,
        "schedule_form": schedule_form,
        "upcoming": list(sessions.filter(starts_at__gt=now).order_by("starts_at")[:UPCOMING_SHOWN]),
        "recent": list(sessions.filter(starts_at__lte=now).order_by("-starts_at")[:RECENT_SHOWN]),
        "today": today,
    }
    return render(request, "care/group.html", context, status=status)


@login_required
@require_GET
def group(request: AuthedRequest, group_id: int) -> HttpResponse:
    found = _group(request, group_id)
    _audit_read(request.user, found)
    return _group_page(request, found)


@login_required
@require_POST
def group_add_member(request: AuthedRequest, group_id: int) -> HttpResponse:
    found = _group(request, group_id)
    today = found.program.clinic_day()
    form = AddMemberForm(request.POST, candidates=_candidates(request, found), today=today)
    if form.is_valid():
        patient = _patient_or_break_glass(
            request, form.cleaned_data["patient"], Need.SESSIONS, action="write", object_type="care_group"
        )
        if isinstance(patient, HttpResponse):
            return patient
        if patient.opened_by_break_glass:
            # Group membership makes a lasting care relationship; emergency access does not.
            raise PermissionDenied("Add people from your own care team; emergency access does not extend to groups.")
        try:
            services_groups.add_member(request.user, found, patient, form.cleaned_data["joined_on"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{patient.display_name} joined {found.name}.")
            return redirect("care:group", group_id=found.pk)
    return _group_page(request, found, add_form=form, status=422)


@login_required
@require_POST
def group_remove_member(request: AuthedRequest, group_id: int, membership_id: int) -> HttpResponse:
    found = _group(request, group_id)
    membership = get_object_or_404(GroupMembership, pk=membership_id, group=found, left_on__isnull=True)
    patient = _patient_or_break_glass(
        request,
        membership.patient_id,
        Need.SESSIONS,
        action="write",
        object_type="groupmembership",
        object_id=membership.pk,
    )
    if isinstance(patient, HttpResponse):
        return patient
    try:
        # Someone booked to join later leaves on the day they would have joined.
        left_on = max(found.program.clinic_day(), membership.joined_on)
        services_groups.remove_member(request.user, found, membership, left_on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{patient.display_name} left {found.name}; their attendance stays on record.")
    return redirect("care:group", group_id=found.pk)


@login_required
@require_POST
def group_schedule(request: AuthedRequest, group_id: int) -> HttpResponse:
    found = _group(request, group_id)
    form = GroupScheduleForm(request.POST)
    if form.is_valid():
        try:
            done = services_groups.schedule_sessions(
                request.user, found, found.program.clinic_day(), form.cleaned_data["last_day"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if done.sessions_added or done.attendances_added:
                messages.success(
                    request,
                    f"{done.sessions_added} session{'s' if done.sessions_added != 1 else ''} scheduled; "
                    f"{done.attendances_added} attendance row{'s' if done.attendances_added != 1 else ''} added.",
                )
            else:
                messages.info(request, "Everything through that day was already scheduled; nothing was added.")
            return redirect("care:group", group_id=found.pk)
    return _group_page(request, found, schedule_form=form, status=422)


# --- Attendance: one screen for the whole group ----------------------------------------------------------------


def _session(group: CareGroup, session_id: int) -> CounsellingSession:
    session = get_object_or_404(CounsellingSession.objects.select_related("site"), pk=session_id, group=group)
    session.group = group
    return session


def _rows(session: CounsellingSession) -> list[Attendance]:
    return list(
        Attendance.objects.filter(session=session)
        .select_related("patient")
        .annotate(has_note=Exists(CounsellingNote.objects.filter(attendance=OuterRef("pk"))))
        .order_by("patient__family_name", "patient__given_name", "id")
    )


def _attendance_page(
    request: AuthedRequest,
    group: CareGroup,
    session: CounsellingSession,
    rows: list[Attendance],
    form: AttendanceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = AttendanceForm(rows=rows, planned=session.planned_minutes)
    context = {
        "nav": "groups",
        "group": group,
        "session": session,
        "form": form,
        "open_for_recording": session.starts_at <= timezone.now() + services_sessions.CLOCK_DRIFT,
        "action": request.path,
    }
    return render(request, "care/group_attendance.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def group_attendance(request: AuthedRequest, group_id: int, session_id: int) -> HttpResponse:
    found = _group(request, group_id)
    session = _session(found, session_id)
    rows = _rows(session)
    if request.method == "GET":
        audit.record(
            request.user,
            "read",
            program_id=found.program_id,
            object_type="care_group",
            object_id=found.pk,
            reason="session attendance",
        )
        return _attendance_page(request, found, session, rows)
    form = AttendanceForm(request.POST, rows=rows, planned=session.planned_minutes)
    if form.is_valid():
        try:
            changed = services_sessions.record_attendance(request.user, session, form.marks())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form.add_service_errors(exc.message_dict)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                f"Attendance saved for {len(rows)} {'person' if len(rows) == 1 else 'people'}."
                + (f" {len(changed)} of them changed." if len(changed) != len(rows) else ""),
            )
            return redirect("care:group_attendance", group_id=found.pk, session_id=session.pk)
    return _attendance_page(request, found, session, rows, form, status=422)


urlpatterns: list[URLPattern] = [
    path("groups/", groups, name="groups"),
    path("groups/new/", group_create, name="group_create"),
    path("groups/<int:group_id>/", group, name="group"),
    path("groups/<int:group_id>/edit/", group_edit, name="group_edit"),
    path("groups/<int:group_id>/members/", group_add_member, name="group_add_member"),
    path("groups/<int:group_id>/members/<int:membership_id>/remove/", group_remove_member, name="group_remove_member"),
    path("groups/<int:group_id>/schedule/", group_schedule, name="group_schedule"),
    path("groups/<int:group_id>/sessions/<int:session_id>/", group_attendance, name="group_attendance"),
]
