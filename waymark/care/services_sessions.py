"""Counselling sessions: scheduling an individual or family session, recording
attendance (one person, or a whole group in one transaction), writing a DAP
note and reading one. One function per use case, each atomic and audited.
Callers pass a patient they got from `chart.access.patient_for`; these
functions check the actor's role again (Cap.SESSIONS: counsellors).

Who may read a note is decided by the pure `confidentiality.may_read_note`;
what the attendance numbers mean by `schedules.attendance_stats`. Nothing here
touches medication: counselling is never a condition of dosing
(care.counselling.not_a_condition_of_medication).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from waymark.care import confidentiality, schedules
from waymark.care.models import Attendance, CounsellingNote, CounsellingSession, Modality
from waymark.chart.access import active_break_glass, on_care_team
from waymark.chart.models import Consent, Patient
from waymark.core import audit
from waymark.core.models import Program, Site, User
from waymark.core.roles import Cap, Role
from waymark.core.services import require

# A device clock a little ahead of ours is drift, not the future (as for drug tests and detox checks).
CLOCK_DRIFT = dt.timedelta(minutes=5)
MINUTES_RANGE = (15, 480)  # a planned session or group meeting
MAX_MINUTES_ATTENDED = 600
MAX_TOPIC = 200
MAX_NOTE_PART = 10_000
RECORDED = ("attended", "late", "no_show", "cancelled")
NOTE_PARTS = {
    "data": "Write the data: what was observed and said in the session.",
    "assessment": "Write the assessment: what it means, how the person is doing.",
    "plan": "Write the plan: next steps and the next session.",
}


# --- Shared checks ------------------------------------------------------------------------------------------


def local_time(program: Program, at: dt.datetime) -> str:
    return at.astimezone(program.zone).strftime("%Y-%m-%d %H:%M")


def same_program(actor: User, program_id: int, what: str) -> None:
    if actor.program_id != program_id:
        raise PermissionDenied(f"This {what} belongs to another program.")


def check_minutes(errors: dict[str, str], name: str, minutes: object) -> None:
    low, high = MINUTES_RANGE
    if minutes is None:
        errors[name] = f"Give the length in minutes ({low}–{high})."
    elif isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        errors[name] = f"A session lasts {low}–{high} minutes; {minutes} given."


def check_modality(errors: dict[str, str], modality: str) -> None:
    if modality not in Modality.values:
        errors["modality"] = "Choose how it meets: " + ", ".join(str(label) for label in Modality.labels) + "."


def check_site(errors: dict[str, str], program_id: int, site: Site | None) -> None:
    if site is not None and site.program_id != program_id:
        errors["site"] = "That site is not one of this program's sites."


# --- Scheduling an individual or family session -------------------------------------------------------------


@dataclass(frozen=True)
class SessionInput:
    kind: str  # individual or family
    starts_at: dt.datetime | None
    planned_minutes: int | None
    modality: str = Modality.IN_PERSON
    site: Site | None = None
    topic: str = ""


@dataclass(frozen=True)
class Scheduled:
    session: CounsellingSession
    attendance: Attendance
    created: bool


SESSION_PAST = dt.timedelta(days=90)
SESSION_AHEAD = dt.timedelta(days=366)


def _validate_session(patient: Patient, data: SessionInput) -> None:
    errors: dict[str, str] = {}
    if data.kind not in (CounsellingSession.Kind.INDIVIDUAL, CounsellingSession.Kind.FAMILY):
        errors["kind"] = "Choose an individual or a family session (group sessions come from the group's schedule)."
    if data.starts_at is None:
        errors["starts_at"] = "Give the date and time the session starts."
    elif timezone.is_naive(data.starts_at):
        errors["starts_at"] = "Give the time with its time zone."
    elif not timezone.now() - SESSION_PAST <= data.starts_at <= timezone.now() + SESSION_AHEAD:
        # A walk-in is entered afterwards, a booking made ahead; a year-1900 or 2999 date is a typing error.
        errors["starts_at"] = (
            f"A session starts at most {SESSION_PAST.days} days ago (entered afterwards) "
            f"or up to {SESSION_AHEAD.days} days ahead."
        )
    check_minutes(errors, "planned_minutes", data.planned_minutes)
    check_modality(errors, data.modality)
    check_site(errors, patient.program_id, data.site)
    if len(data.topic) > MAX_TOPIC:
        errors["topic"] = f"The topic is at most {MAX_TOPIC} characters."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def schedule_session(actor: User, patient: Patient, data: SessionInput) -> Scheduled:
    """An individual or family session with the actor as counsellor, and the person's attendance row
    (expected). A session in the past may be entered afterwards (a walk-in). The same session sent twice
    (same person, counsellor, kind and start) is returned, not scheduled again."""
    require(actor, Cap.SESSIONS, "schedule counselling sessions")
    same_program(actor, patient.program_id, "person")
    _validate_session(patient, data)
    assert data.starts_at is not None and data.planned_minutes is not None
    existing = (
        Attendance.objects.select_related("session")
        .filter(
            patient=patient,
            starts_at=data.starts_at,
            session__counsellor=actor,
            session__kind=data.kind,
        )
        .first()
    )
    if existing is not None:
        return Scheduled(existing.session, existing, created=False)
    session = CounsellingSession.objects.create(
        program_id=patient.program_id,
        site=data.site or patient.site,
        counsellor=actor,
        kind=data.kind,
        modality=data.modality,
        starts_at=data.starts_at,
        planned_minutes=data.planned_minutes,
        topic=data.topic.strip(),
        created_by=actor,
    )
    attendance = Attendance.objects.create(session=session, patient=patient, starts_at=session.starts_at)
    audit.record_patient_object(actor, "schedule", patient, session, reason="kind, starts_at, planned_minutes")
    return Scheduled(session, attendance, created=True)


# --- Attendance ---------------------------------------------------------------------------------------------

Mark = tuple[str, int | None]  # (status, minutes attended)


def max_minutes_attended(planned: int) -> int:
    """Minutes attended may run over the plan, up to twice it and never past 600."""
    return min(planned * 2, MAX_MINUTES_ATTENDED)


def _mark_error(row: Attendance, status: str, minutes: object, planned: int) -> str:
    name = row.patient.display_name
    high = max_minutes_attended(planned)
    if status not in RECORDED:
        return f"{name}: choose attended, late, no-show or cancelled."
    if status in schedules.ATTENDED:
        if minutes is None:
            return f"{name}: give the minutes attended (1–{high})."
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= high:
            return (
                f"{name}: minutes attended are 1–{high} (the session was planned for {planned} minutes); "
                f"{minutes} given."
            )
    elif minutes is not None:
        label = Attendance.Status(status).label.lower()
        return f"{name}: leave the minutes empty for {'a ' if status == 'no_show' else ''}{label}."
    if status not in schedules.ATTENDED and getattr(row, "has_note", False):
        return f"{name}: a note is written for this session, so it stays attended or late."
    return ""


@transaction.atomic
def record_attendance(actor: User, session: CounsellingSession, marks: Mapping[int, Mark]) -> list[Attendance]:
    """Record who came to `session`: patient id → (status, minutes attended), for one person or a whole
    group in one transaction. Any error (keyed by the patient's id, naming the person) saves nothing.
    Returns the rows that changed."""
    require(actor, Cap.SESSIONS, "record attendance")
    same_program(actor, session.program_id, "session")
    now = timezone.now()
    if session.starts_at > now + CLOCK_DRIFT:
        program = Program.objects.get(pk=session.program_id)
        raise ValidationError(
            f"This session starts {local_time(program, session.starts_at)}: record attendance once it has started."
        )
    if not marks:
        raise ValidationError("Mark at least one person.")
    rows: dict[int, Attendance] = {
        row.patient_id: row
        for row in Attendance.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(session=session)
        .annotate(has_note=Exists(CounsellingNote.objects.filter(attendance=OuterRef("pk"))))
    }
    errors: dict[str, str] = {}
    for patient_id, (status, minutes) in marks.items():
        row = rows.get(patient_id)
        if row is None:
            errors[str(patient_id)] = "This person is not expected at this session."
            continue
        problem = _mark_error(row, status, minutes, session.planned_minutes)
        if problem:
            errors[str(patient_id)] = problem
    if errors:
        raise ValidationError(errors)
    changed: list[Attendance] = []
    for patient_id, (status, minutes) in marks.items():
        row = rows[patient_id]
        if row.status == status and row.minutes_attended == minutes:
            continue
        row.status, row.minutes_attended, row.recorded_by, row.recorded_at = status, minutes, actor, now
        changed.append(row)
    Attendance.objects.bulk_update(changed, ["status", "minutes_attended", "recorded_by", "recorded_at"])
    for done in changed:
        audit.record_patient_object(actor, "attendance", done.patient, done, reason="status, minutes_attended")
    return changed


def stats_for(patient: Patient) -> schedules.AttendanceStats:
    """The person's attendance statistics over their recorded sessions (rule care.attendance.rate)."""
    rows = Attendance.objects.filter(patient=patient, status__in=RECORDED).values_list("status", "minutes_attended")
    return schedules.attendance_stats((status, minutes or 0) for status, minutes in rows)


def hours(minutes: int) -> str:
    """Minutes as hours to one decimal, without a trailing ".0": 750 → "12.5 h", 600 → "10 h"."""
    text = f"{minutes / 60:.1f}".removesuffix(".0")
    return f"{text} h"


def stats_line(stats: schedules.AttendanceStats) -> str:
    """ "Attended 80% (8 of 10) · 12.5 h"; "Attended — · 0 h" before any session counts."""
    return f"Attended {stats.rate_label} · {hours(stats.minutes)}"


def patient_attendances(patient: Patient) -> QuerySet[Attendance]:
    """The person's sessions, newest first, each with its session (counsellor, site, group) and whether a
    note is written: one query."""
    return (
        Attendance.objects.filter(patient=patient)
        .select_related("session", "session__counsellor", "session__site", "session__group")
        .annotate(has_note=Exists(CounsellingNote.objects.filter(attendance=OuterRef("pk"))))
        .order_by("-starts_at", "-id")
    )


# --- Notes --------------------------------------------------------------------------------------------------


class NoteRefused(PermissionDenied):
    """Not allowed to read this note; the reason says why (confidentiality.may_read_note)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Written:
    note: CounsellingNote
    created: bool


def _note_parts(data: str, assessment: str, plan: str) -> dict[str, str]:
    parts = {"data": data.strip(), "assessment": assessment.strip(), "plan": plan.strip()}
    errors: dict[str, str] = {}
    for name, text in parts.items():
        if not text:
            errors[name] = NOTE_PARTS[name]
        elif len(text) > MAX_NOTE_PART:
            errors[name] = f"At most {MAX_NOTE_PART:,} characters; this is {len(text):,}."
    if errors:
        raise ValidationError(errors)
    return parts


def _check_attendance(patient: Patient, attendance: Attendance) -> None:
    if attendance.patient_id != patient.pk:
        raise PermissionDenied("This session is not this person's.")
    if attendance.status not in schedules.ATTENDED:
        status = Attendance.Status(attendance.status).label.lower()
        raise ValidationError(
            f"A note is written for a session the person attended (on time or late); this one is {status}."
        )


@transaction.atomic
def write_note(
    actor: User, patient: Patient, attendance: Attendance, *, data: str, assessment: str, plan: str
) -> Written:
    """Write the DAP note of one attended (or late) session, or edit it: the author only. Written by the
    person's care team (a group's facilitator is on it) or the session's counsellor; not under break-glass."""
    require(actor, Cap.SESSIONS, "write counselling notes")
    same_program(actor, patient.program_id, "person")
    _check_attendance(patient, attendance)
    parts = _note_parts(data, assessment, plan)
    note = (
        CounsellingNote.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(attendance=attendance)
        .first()
    )
    if note is not None:
        if note.author_id != actor.pk:
            author = note.author.get_full_name() or note.author.username
            raise PermissionDenied(f"Only the note's author ({author}) can change it.")
        for name, text in parts.items():
            setattr(note, name, text)
        note.updated_at = timezone.now()
        note.save(update_fields=[*parts, "updated_at"])
        audit.record_patient_object(actor, "update", patient, note, reason="data, assessment, plan")
        return Written(note, created=False)
    session_counsellor = CounsellingSession.objects.filter(pk=attendance.session_id, counsellor=actor).exists()
    if not session_counsellor and not on_care_team(actor, patient.pk):
        raise PermissionDenied("Counselling notes are written by the person's care team.")
    now = timezone.now()
    try:
        with transaction.atomic():
            note = CounsellingNote.objects.create(
                attendance=attendance, patient=patient, author=actor, written_at=now, updated_at=now, **parts
            )
    except IntegrityError:  # written meanwhile by someone else (or a double click)
        raise ValidationError("A note for this session was saved meanwhile; open it again to see it.") from None
    audit.record_patient_object(actor, "write", patient, note, reason="data, assessment, plan")
    return Written(note, created=True)


def counselling_consent_active(patient: Patient, day: dt.date) -> bool:
    """Whether the person has a counselling-notes consent that is active on `day`."""
    consents = list(Consent.objects.filter(patient=patient, kind=Consent.Kind.COUNSELLING_NOTES))
    if not consents:
        return False
    in_treatment = patient.in_treatment_on(day)
    return any(c.status_on(day, in_treatment) == "active" for c in consents)


def note_reader(user: User, patient: Patient, note: CounsellingNote | None) -> confidentiality.Reader:
    is_the_patient = user.role == Role.PATIENT and patient.user_id == user.pk
    team = not is_the_patient and on_care_team(user, patient.pk)
    return confidentiality.Reader(
        role=user.role,
        is_author=note is not None and note.author_id == user.pk,
        on_care_team=team,
        is_the_patient=is_the_patient,
        break_glass=not team and not is_the_patient and active_break_glass(user, patient.pk) is not None,
    )


def read_note(user: User, patient: Patient, attendance: Attendance) -> CounsellingNote | None:
    """The note of `attendance` (None when none is written yet), if `user` may read it; otherwise
    NoteRefused with the reason. Both are audited ("read" / "read_denied" on counsellingnote), the refusal
    before it is raised, so the privacy officer sees the attempt. Not atomic on purpose: the refusal's audit
    row must outlive the exception."""
    if attendance.patient_id != patient.pk:
        raise PermissionDenied("This session is not this person's.")
    note = CounsellingNote.objects.select_related("author").filter(attendance=attendance).first()
    reader = note_reader(user, patient, note)
    consent = (
        reader.on_care_team
        and reader.role in (Role.NURSE, Role.PRESCRIBER)
        and counselling_consent_active(patient, patient.program.clinic_day())
    )
    decision = confidentiality.may_read_note(reader, consent)
    target: dict[str, Any] = {
        "patient_id": patient.pk,
        "program_id": patient.program_id,
        "object_type": "counsellingnote",
        "object_id": note.pk if note is not None else "",
        "break_glass": reader.break_glass,
    }
    if not decision.allowed:
        audit.record(user, "read_denied", reason=decision.reason, **target)
        raise NoteRefused(decision.reason)
    if note is not None:
        audit.record(user, "read", **target)
    return note
