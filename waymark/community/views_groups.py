"""My groups (/community/): the groups a person is in, with their unread "I need support now" alerts; joining
with an invitation code; inviting a sponsor or mentee; peer moderators starting an open group. And the
program's groups for staff (/community/program-groups/): cohort groups with member counts (staff never read a
board they are not in), making one, adding the program's patients and peer moderators.

Groups are for people in recovery (patients, with or without a program) and peer moderators; counsellors and
program admins manage their program's groups without being in them. Writes go through services.py, which
checks who may do what and audits it; its errors appear next to the fields (422, nothing saved). Another
program's group is a 404. Every page costs the same number of queries whatever the number of groups."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from waymark.chart.models import Patient
from waymark.community import access, services
from waymark.community.forms_groups import (
    AddModeratorForm,
    AddPatientForm,
    CohortForm,
    JoinForm,
    OpenGroupForm,
    PairForm,
)
from waymark.community.models import Group, Membership
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap, Role
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

CURRENT = Q(left_at__isnull=True, removed_at__isnull=True)


def _is_patient(user: User) -> bool:
    return user.is_active and user.role == Role.PATIENT


def _is_peer_moderator(user: User) -> bool:
    return user.can(Cap.COMMUNITY_MODERATE)


def _may_be_in_groups(user: User) -> bool:
    return _is_patient(user) or _is_peer_moderator(user)


def _require_group_person(user: User) -> None:
    if not _may_be_in_groups(user):
        raise PermissionDenied("Peer groups are for people in recovery and peer moderators.")


def _at_group(group: Group) -> str:
    return f"{reverse('community:groups')}#group-{group.pk}"


# --- My groups -----------------------------------------------------------------------------------------------


@dataclass
class GroupRow:
    member: Membership
    alerts: int  # unread "I need support now" posts
    people: int  # current members, the person included
    code: str  # the invitation code, for the people who may hand it out; else ""


def _rows(user: User) -> list[GroupRow]:
    """The person's groups, with alert counts and, where theirs to give, the invitation code. Three queries."""
    memberships = services.my_groups(user)
    alerts: dict[int, int] = {}
    for alert in services.unseen_support_alerts(user):
        alerts[alert.message.group_id] = alerts.get(alert.message.group_id, 0) + 1
    people = dict(
        Membership.objects.filter(CURRENT, group__in=[m.group_id for m in memberships])
        .values("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    rows = []
    for member in memberships:
        group, count = member.group, people.get(member.group_id, 1)
        # An open group's code is its moderators' to share; a pair's code is shown until the other person joins.
        shows_code = (group.kind == Group.Kind.OPEN and member.moderates) or (
            group.kind == Group.Kind.PAIR and count < 2
        )
        code = (group.invite_code or "") if shows_code and group.closed_at is None else ""
        rows.append(GroupRow(member, alerts.get(member.group_id, 0), count, code))
    return rows


def _groups_page(request: AuthedRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    in_groups = _may_be_in_groups(user)
    context = {
        "nav": "community",
        "in_groups": in_groups,
        "rows": _rows(user) if in_groups else [],
        "join_form": forms.get("join_form") or JoinForm(),
        "pair_form": (forms.get("pair_form") or PairForm()) if _is_patient(user) else None,
        "open_form": (forms.get("open_form") or OpenGroupForm()) if _is_peer_moderator(user) else None,
        "manages_cohorts": services.can_manage_cohorts(user),
    }
    return render(request, "community/groups.html", context, status=status)


@login_required
@access.as_the_person_lives
@require_GET
def groups(request: AuthedRequest) -> HttpResponse:
    if not _may_be_in_groups(request.user) and not services.can_manage_cohorts(request.user):
        raise PermissionDenied("Peer groups are for people in recovery and peer moderators.")
    return _groups_page(request)


@login_required
@access.as_the_person_lives
@require_http_methods(["GET", "POST"])
def join(request: AuthedRequest) -> HttpResponse:
    """Join an open group or a pair with its code. A wrong code and a full pair get the same answer."""
    _require_group_person(request.user)
    form = JoinForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = services.join_with_code(
                    request.user, form.cleaned_data["code"], form.cleaned_data["display_name"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Welcome to %(group)s. Others see you as %(name)s.")
                    % {"group": member.group.name, "name": member.display_name},
                )
                return redirect("community:board", group_id=member.group_id)
        return render(request, "community/join.html", {"nav": "community", "form": form}, status=422)
    return render(request, "community/join.html", {"nav": "community", "form": form})


@login_required
@access.as_the_person_lives
@require_http_methods(["GET", "POST"])
def pair_new(request: AuthedRequest) -> HttpResponse:
    """Make a sponsor/mentee pair and get the code to give the other person."""
    if not _is_patient(request.user):
        raise PermissionDenied("Sponsor and mentee pairs are for people in recovery.")
    form = PairForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = services.create_pair(
                    request.user, as_sponsor=form.as_sponsor, display_name=form.cleaned_data["display_name"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your pair is ready. Give the code below to the other person."))
                return redirect(_at_group(member.group))
        return render(request, "community/pair_new.html", {"nav": "community", "form": form}, status=422)
    return render(request, "community/pair_new.html", {"nav": "community", "form": form})


@login_required
@access.as_the_person_lives
@require_http_methods(["GET", "POST"])
def open_new(request: AuthedRequest) -> HttpResponse:
    """A peer moderator starts an open group, moderates it, and shares its invitation code."""
    if not _is_peer_moderator(request.user):
        raise PermissionDenied("Only peer moderators start open groups.")
    form = OpenGroupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = services.create_open_group(
                    request.user, form.cleaned_data["name"], form.cleaned_data["display_name"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(group)s is open. Share its invitation code below with the people you invite.")
                    % {"group": member.group.name},
                )
                return redirect(_at_group(member.group))
        return render(request, "community/open_new.html", {"nav": "community", "form": form}, status=422)
    return render(request, "community/open_new.html", {"nav": "community", "form": form})


# --- The program's groups, for staff ------------------------------------------------------------------------


def _require_cohorts(user: User) -> None:
    if not services.can_manage_cohorts(user):
        raise PermissionDenied("The program's groups are managed by its counsellors and program admins.")


def _cohort(request: AuthedRequest, group_id: int) -> Group:
    _require_cohorts(request.user)
    queryset = Group.objects.select_related("program")
    return get_object_or_404(queryset, pk=group_id, kind=Group.Kind.COHORT, program_id=request.user.program_pk)


@login_required
@access.as_the_person_lives
@require_GET
def program_groups(request: AuthedRequest) -> HttpResponse:
    """The program's cohort groups with how many people are in each; never their messages."""
    user = request.user
    _require_cohorts(user)
    current = Q(memberships__left_at__isnull=True, memberships__removed_at__isnull=True)
    rows = (
        Group.objects.filter(kind=Group.Kind.COHORT, program_id=user.program_pk)
        .annotate(
            members=Count("memberships", filter=current & ~Q(memberships__role=Membership.Role.MODERATOR)),
            moderators=Count("memberships", filter=current & Q(memberships__role=Membership.Role.MODERATOR)),
        )
        .order_by("closed_at", "name", "pk")
    )
    context = {"nav": "community", "groups": list(rows), "program": user.staff_program}
    return render(request, "community/program_groups.html", context)


@login_required
@access.as_the_person_lives
@require_http_methods(["GET", "POST"])
def cohort_new(request: AuthedRequest) -> HttpResponse:
    _require_cohorts(request.user)
    form = CohortForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                group = services.create_cohort_group(request.user, form.cleaned_data["name"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request, _("%(group)s is ready. Add its members and a peer moderator.") % {"group": group.name}
                )
                return redirect("community:cohort_members", group_id=group.pk)
        return render(request, "community/cohort_new.html", {"nav": "community", "form": form}, status=422)
    return render(request, "community/cohort_new.html", {"nav": "community", "form": form})


def _roster(group: Group) -> list[Membership]:
    return list(
        Membership.objects.filter(CURRENT, group=group)
        .select_related("user__patient")
        .order_by("-role", "joined_at", "pk")  # moderators first
    )


def _patient_choices(program_id: int, taken: set[int]) -> list[tuple[int, str]]:
    """The program's patients with an active account who are not in the group yet."""
    people = (
        Patient.objects.filter(program_id=program_id, user__isnull=False, user__is_active=True)
        .exclude(user_id__in=taken)
        .order_by("family_name", "given_name", "pk")
        .values_list("pk", "family_name", "given_name", "mrn")
    )
    return [(pk, f"{family}, {given} (MRN {mrn})") for pk, family, given, mrn in people]


def _moderator_choices(program_id: int, taken: set[int]) -> list[tuple[int, str]]:
    people = (
        User.objects.filter(program_id=program_id, role=Role.PEER_MODERATOR, is_active=True)
        .exclude(pk__in=taken)
        .order_by("last_name", "first_name", "username")
    )
    return [(u.pk, u.get_full_name() or u.username) for u in people]


def _add(request: AuthedRequest, group: Group, form: AddPatientForm | AddModeratorForm) -> str:
    """Add the chosen person and say who was added; "" (with the errors on the form) if they cannot be."""
    if not form.is_valid():
        return ""
    if isinstance(form, AddModeratorForm):
        person = User.objects.get(pk=form.cleaned_data["moderator"])
        name = person.get_full_name() or person.username
    else:
        patient = Patient.objects.select_related("user").get(pk=form.cleaned_data["patient"])
        person, name = patient.user, f"{patient.given_name} {patient.family_name}"  # type: ignore[assignment]
    try:
        services.add_to_cohort(request.user, group, person, moderator=isinstance(form, AddModeratorForm))
    except ValidationError as exc:
        _form_errors(form, exc)
        return ""
    return name


@login_required
@access.as_the_person_lives
@require_http_methods(["GET", "POST"])
def cohort_members(request: AuthedRequest, group_id: int) -> HttpResponse:
    """Who is in a cohort group, and adding the program's patients (with accounts) and peer moderators."""
    group = _cohort(request, group_id)
    roster = _roster(group)
    taken = {m.user_id for m in roster}
    program_id = request.user.program_pk
    data = request.POST if request.method == "POST" else None
    adding_moderator = data is not None and "moderator" in data
    patient_form = AddPatientForm(None if adding_moderator else data, choices=_patient_choices(program_id, taken))
    moderator_form = AddModeratorForm(data if adding_moderator else None, choices=_moderator_choices(program_id, taken))
    status = 200
    if request.method == "POST":
        form: AddPatientForm | AddModeratorForm = moderator_form if adding_moderator else patient_form
        if group.closed_at is not None:
            form.add_error(None, _("This group is closed."))
        elif added := _add(request, group, form):
            messages.success(request, _("%(person)s is in %(group)s.") % {"person": added, "group": group.name})
            return redirect("community:cohort_members", group_id=group.pk)
        status = 422
    audit.record(request.user, "read", program_id=group.program_id, object_type="community_group", object_id=group.pk)
    context = {
        "nav": "community",
        "group": group,
        "roster": roster,
        "patient_form": patient_form,
        "moderator_form": moderator_form,
    }
    return render(request, "community/cohort_members.html", context, status=status)
