"""Counselling groups: creating and changing a recurring group, its roster
(joining within the capacity, leaving keeps the history) and scheduling its
sessions, each with an attendance row for every member expected that day.
One function per use case, each atomic and audited; Cap.SESSIONS (counsellors)
and the group's own program.

When a weekly group meets is the pure `schedules.occurrences`; a meeting time
is the program's wall-clock time, stored in UTC. Scheduling is idempotent (a
group meets once at a given time: the unique constraint group + starts_at), so
running it again adds only what is missing, including members who joined since.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from waymark.care import schedules
from waymark.care.models import Attendance, CareGroup, CounsellingSession, GroupMembership, Modality
from waymark.care.services_sessions import check_minutes, check_modality, check_site, same_program
from waymark.chart.models import Patient
from waymark.core import audit
from waymark.core.models import Program, Site, User
from waymark.core.roles import Cap, Role
from waymark.core.services import require

CAPACITY_RANGE = (1, 50)
MAX_SCHEDULE_DAYS = 366
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class GroupInput:
    name: str
    topic: str
    facilitator: User | None
    capacity: int | None
    weekdays: Sequence[int]
    starts_at_time: dt.time | None
    minutes: int | None
    site: Site | None = None
    modality: str = Modality.IN_PERSON
    active: bool = True


@dataclass(frozen=True)
class ScheduleResult:
    sessions_added: int
    attendances_added: int
    sessions_in_range: int


def counsellors(program: Program) -> QuerySet[User]:
    """Who may facilitate a group: the program's active counsellors."""
    return User.objects.filter(program=program, role=Role.COUNSELLOR, is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def weekdays_label(weekdays: Iterable[int]) -> str:
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(weekdays) if d in range(7))


def _validate_group(program: Program, data: GroupInput, group: CareGroup | None) -> None:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Give the group a name."
    elif len(name) > 120:
        errors["name"] = "The name is at most 120 characters."
    else:
        same_name = CareGroup.objects.filter(program=program, name__iexact=name)
        if group is not None:
            same_name = same_name.exclude(pk=group.pk)
        if same_name.exists():
            errors["name"] = f"This program already has a group called {name!r}."
    if data.topic not in CareGroup.Topic.values:
        errors["topic"] = "Choose the topic: " + ", ".join(str(label) for label in CareGroup.Topic.labels) + "."
    f = data.facilitator
    if f is None:
        errors["facilitator"] = "Choose the counsellor who facilitates the group."
    elif f.program_id != program.pk or f.role != Role.COUNSELLOR or not f.is_active:
        errors["facilitator"] = "The facilitator must be an active counsellor of this program."
    low, high = CAPACITY_RANGE
    if data.capacity is None or isinstance(data.capacity, bool) or not low <= data.capacity <= high:
        errors["capacity"] = f"Capacity is {low}–{high} people; {data.capacity} given."
    elif group is not None:
        members = group.memberships.filter(left_on__isnull=True).count()
        if data.capacity < members:
            errors["capacity"] = f"{members} people are in the group: capacity cannot be below {members}."
    days = list(data.weekdays)
    if not days:
        errors["weekdays"] = "Choose at least one day of the week the group meets."
    elif any(isinstance(d, bool) or not isinstance(d, int) or d not in range(7) for d in days):
        errors["weekdays"] = "Days of the week run from 0 (Monday) to 6 (Sunday)."
    if data.starts_at_time is None:
        errors["starts_at_time"] = "Give the time the group starts."
    check_minutes(errors, "minutes", data.minutes)
    check_site(errors, program.pk, data.site)
    check_modality(errors, data.modality)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_group(actor: User, program: Program, data: GroupInput) -> CareGroup:
    require(actor, Cap.SESSIONS, "run counselling groups")
    same_program(actor, program.pk, "program")
    _validate_group(program, data, None)
    assert data.facilitator is not None and data.starts_at_time is not None
    assert data.capacity is not None and data.minutes is not None
    group = CareGroup.objects.create(
        program=program,
        site=data.site,
        name=data.name.strip(),
        topic=data.topic,
        facilitator=data.facilitator,
        capacity=data.capacity,
        weekdays=sorted(set(data.weekdays)),
        starts_at_time=data.starts_at_time,
        minutes=data.minutes,
        modality=data.modality,
        active=True,
        created_by=actor,
    )
    audit.record(actor, "create", program_id=program.pk, object_type="care_group", object_id=group.pk)
    return group


def _future_sessions(group: CareGroup) -> QuerySet[CounsellingSession]:
    """Sessions not started yet whose attendance nobody has recorded."""
    recorded = Attendance.objects.filter(session__group=group).exclude(status=Attendance.Status.EXPECTED)
    return group.sessions.filter(starts_at__gt=timezone.now()).exclude(pk__in=recorded.values("session_id").distinct())


@transaction.atomic
def update_group(actor: User, group: CareGroup, data: GroupInput) -> int:
    """Change a group. Sessions not yet started follow the change (facilitator, site, length, modality); if
    the days or the time change they are moved to the new times over the same days. A closed group
    (active False) keeps its history; its upcoming sessions are taken off. Returns how many upcoming
    sessions were moved or removed."""
    require(actor, Cap.SESSIONS, "run counselling groups")
    same_program(actor, group.program_id, "group")
    group = CareGroup.objects.select_for_update().select_related("program").get(pk=group.pk)
    # Facilitating a group opens its members' records: only the facilitator hands it on.
    if group.facilitator_id != actor.pk:
        raise PermissionDenied("Only the group's facilitator changes the group or hands it to a colleague.")
    _validate_group(group.program, data, group)
    new_days = sorted(set(data.weekdays))
    rescheduled = new_days != sorted(group.weekdays) or data.starts_at_time != group.starts_at_time
    closing = group.active and not data.active
    assert data.facilitator is not None and data.starts_at_time is not None
    assert data.capacity is not None and data.minutes is not None
    group.name, group.topic, group.site, group.facilitator = data.name.strip(), data.topic, data.site, data.facilitator
    group.capacity, group.weekdays, group.starts_at_time = data.capacity, new_days, data.starts_at_time
    group.minutes, group.modality, group.active = data.minutes, data.modality, data.active
    group.save()
    upcoming = _future_sessions(group)
    moved = 0
    if rescheduled or closing:
        starts = list(upcoming.values_list("starts_at", flat=True))
        moved = len(starts)
        Attendance.objects.filter(session__in=upcoming).delete()
        upcoming.delete()
        if starts and not closing:
            first, last = (group.program.clinic_day(at) for at in (min(starts), max(starts)))
            _schedule(actor, group, first, last, after=timezone.now())
    else:
        moved = upcoming.update(
            counsellor=group.facilitator, site=group.site, planned_minutes=group.minutes, modality=group.modality
        )
    audit.record(actor, "update", program_id=group.program_id, object_type="care_group", object_id=group.pk)
    return moved


# --- Roster -------------------------------------------------------------------------------------------------


def _local_day(program: Program, at: dt.datetime) -> dt.date:
    return program.clinic_day(at)


def _add_to_upcoming_sessions(group: CareGroup, membership: GroupMembership) -> int:
    """Attendance rows for a new member at the group's scheduled sessions from the day they join on."""
    program = group.program
    now = timezone.now()
    rows = [
        Attendance(session=s, patient_id=membership.patient_id, starts_at=s.starts_at)
        for s in group.sessions.filter(starts_at__gt=now).exclude(attendances__patient_id=membership.patient_id)
        if _local_day(program, s.starts_at) >= membership.joined_on
    ]
    Attendance.objects.bulk_create(rows)
    return len(rows)


JOIN_PAST = dt.timedelta(days=365)
JOIN_AHEAD = dt.timedelta(days=90)


@transaction.atomic
def add_member(actor: User, group: CareGroup, patient: Patient, joined_on: dt.date) -> GroupMembership:
    """Add a person to the roster within the capacity; they are expected at the group's sessions already
    scheduled from the day they join."""
    require(actor, Cap.SESSIONS, "change a group's roster")
    same_program(actor, group.program_id, "group")
    # Locking the group serialises joins, so two at once cannot both take the last place.
    group = CareGroup.objects.select_for_update().select_related("program").get(pk=group.pk)
    if patient.program_id != group.program_id:
        raise ValidationError({"patient": "This person is a patient of another program."})
    if not group.active:
        raise ValidationError({"patient": f"{group.name} is closed: reopen it before adding people."})
    if not isinstance(joined_on, dt.date):
        raise ValidationError({"joined_on": "Give the day the person joins."})
    today = group.program.clinic_day()
    if not today - JOIN_PAST <= joined_on <= today + JOIN_AHEAD:
        raise ValidationError(
            {"joined_on": f"The joining day is at most {JOIN_PAST.days} days ago or {JOIN_AHEAD.days} days ahead."}
        )
    current = group.memberships.filter(left_on__isnull=True)
    already = current.filter(patient=patient).first()
    if already is not None:
        raise ValidationError(
            {"patient": f"{patient.display_name} is already in this group (since {already.joined_on:%Y-%m-%d})."}
        )
    taken = current.count()
    if taken >= group.capacity:
        raise ValidationError({"patient": f"The group is full: {taken} of {group.capacity} places taken."})
    membership = GroupMembership.objects.create(group=group, patient=patient, joined_on=joined_on, added_by=actor)
    _add_to_upcoming_sessions(group, membership)
    audit.record_patient_object(actor, "group_join", patient, membership, reason="group, joined_on")
    return membership


@transaction.atomic
def remove_member(actor: User, group: CareGroup, membership: GroupMembership, left_on: dt.date) -> None:
    """Take a person off the roster from `left_on`. Their membership and past attendance stay (history);
    they are no longer expected at sessions from that day on."""
    require(actor, Cap.SESSIONS, "change a group's roster")
    same_program(actor, group.program_id, "group")
    membership = GroupMembership.objects.select_for_update().select_related("patient").get(pk=membership.pk)
    if membership.group_id != group.pk:
        raise PermissionDenied("This membership is not in this group.")
    if membership.left_on is not None:
        raise ValidationError(f"{membership.patient.display_name} already left the group on {membership.left_on}.")
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": f"Leaving cannot be before joining on {membership.joined_on:%Y-%m-%d}."})
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    program = Program.objects.get(pk=group.program_id)
    gone = [
        a.pk
        for a in Attendance.objects.filter(
            session__group=group,
            patient_id=membership.patient_id,
            status=Attendance.Status.EXPECTED,
            starts_at__gt=timezone.now(),
        )
        if _local_day(program, a.starts_at) >= left_on
    ]
    Attendance.objects.filter(pk__in=gone).delete()
    audit.record_patient_object(actor, "group_leave", membership.patient, membership, reason="left_on")


# --- Sessions -----------------------------------------------------------------------------------------------


def meeting_times(group: CareGroup, first_day: dt.date, last_day: dt.date) -> list[dt.datetime]:
    """When the group meets from `first_day` to `last_day`: the program's wall-clock time, in UTC."""
    zone = group.program.zone
    return [
        dt.datetime.combine(day, group.starts_at_time, tzinfo=zone).astimezone(dt.UTC)
        for day in schedules.occurrences(group.weekdays, first_day, last_day)
    ]


def _schedule(
    actor: User, group: CareGroup, first_day: dt.date, last_day: dt.date, after: dt.datetime | None = None
) -> ScheduleResult:
    program = group.program
    times = [at for at in meeting_times(group, first_day, last_day) if after is None or at > after]
    existing = {s.starts_at: s for s in group.sessions.filter(starts_at__in=times)}
    new = [
        CounsellingSession(
            program=program,
            site=group.site,
            counsellor=group.facilitator,
            kind=CounsellingSession.Kind.GROUP,
            modality=group.modality,
            group=group,
            starts_at=at,
            planned_minutes=group.minutes,
            topic=group.get_topic_display(),
            created_by=actor,
        )
        for at in times
        if at not in existing
    ]
    CounsellingSession.objects.bulk_create(new)
    new_times = {s.starts_at for s in new}
    sessions = list(group.sessions.filter(starts_at__in=times))
    now = timezone.now()
    # New sessions get every member expected that day; sessions already there only if they have not started.
    fill = [s for s in sessions if s.starts_at in new_times or s.starts_at > now]
    members = list(group.memberships.filter(left_on__isnull=True).values_list("patient_id", "joined_on"))
    have = set(Attendance.objects.filter(session__in=fill).values_list("session_id", "patient_id"))
    rows = [
        Attendance(session=s, patient_id=patient_id, starts_at=s.starts_at)
        for s in fill
        for patient_id, joined_on in members
        if (s.pk, patient_id) not in have and joined_on <= _local_day(program, s.starts_at)
    ]
    Attendance.objects.bulk_create(rows)
    return ScheduleResult(len(new), len(rows), len(times))


@transaction.atomic
def schedule_sessions(actor: User, group: CareGroup, first_day: dt.date, last_day: dt.date) -> ScheduleResult:
    """One session per meeting from `first_day` to `last_day` (inclusive), each with an attendance row
    (expected) for every member in the group that day. Running it again adds only what is missing: no
    session twice, and members who joined since are added to the sessions not yet started."""
    require(actor, Cap.SESSIONS, "schedule group sessions")
    same_program(actor, group.program_id, "group")
    group = CareGroup.objects.select_for_update().select_related("program", "facilitator").get(pk=group.pk)
    errors: dict[str, str] = {}
    if not group.active:
        raise ValidationError(f"{group.name} is closed: reopen it before scheduling sessions.")
    if last_day < first_day:
        errors["last_day"] = f"Schedule through a day on or after {first_day:%Y-%m-%d}."
    elif (last_day - first_day).days >= MAX_SCHEDULE_DAYS:
        errors["last_day"] = f"Schedule at most {MAX_SCHEDULE_DAYS} days at a time."
    if errors:
        raise ValidationError(errors)
    result = _schedule(actor, group, first_day, last_day)
    audit.record(
        actor,
        "schedule",
        program_id=group.program_id,
        object_type="care_group",
        object_id=group.pk,
        reason="first_day, last_day",
    )
    return result


# --- Reading ------------------------------------------------------------------------------------------------


def groups_of(program: Program) -> QuerySet[CareGroup]:
    """The program's groups with their roster count and next meeting: one query."""
    now = timezone.now()
    return (
        CareGroup.objects.filter(program=program)
        .select_related("facilitator", "site")
        .annotate(
            members=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
            next_meeting=Subquery(
                CounsellingSession.objects.filter(group=OuterRef("pk"), starts_at__gt=now)
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
        )
        .order_by("-active", "name")
    )


def roster(group: CareGroup) -> QuerySet[GroupMembership]:
    return (
        group.memberships.filter(left_on__isnull=True)
        .select_related("patient")
        .order_by("patient__family_name", "patient__given_name")
    )


def former_members(group: CareGroup) -> QuerySet[GroupMembership]:
    return group.memberships.filter(left_on__isnull=False).select_related("patient").order_by("-left_on")
