"""Set-up for the session, group and note tests: groups with N members,
sessions in the past (so attendance may be recorded), marks, consents, and the
pages' URLs. Everything is written through the services (set-up, when that is
not the behaviour under test)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from waymark.care import services_groups, services_sessions
from waymark.care.models import Attendance, CareGroup, CounsellingNote, CounsellingSession
from waymark.chart.models import Consent, Patient
from waymark.conftest import World, make_consent, make_patient
from waymark.core.models import User
from waymark.core.roles import Role

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def today(world: World) -> dt.date:
    return world.program.clinic_day()


def counsellor(world: World) -> User:
    return world.user(Role.COUNSELLOR)


def group_input(world: World, **changes: Any) -> services_groups.GroupInput:
    fields: dict[str, Any] = {
        "name": "Relapse prevention, Tuesday",
        "topic": "relapse_prevention",
        "facilitator": counsellor(world),
        "capacity": 8,
        "weekdays": EVERY_DAY,
        "starts_at_time": dt.time(10, 0),
        "minutes": 90,
        "site": world.site,
        "modality": "in_person",
    }
    fields.update(changes)
    return services_groups.GroupInput(**fields)


def make_group(world: World, **changes: Any) -> CareGroup:
    return services_groups.create_group(counsellor(world), world.program, group_input(world, **changes))


def group_fields(group: CareGroup, **changes: Any) -> dict[str, Any]:
    """A group's current settings as GroupInput fields, with `changes`."""
    fields: dict[str, Any] = {
        "name": group.name,
        "topic": group.topic,
        "facilitator": group.facilitator,
        "capacity": group.capacity,
        "weekdays": list(group.weekdays),
        "starts_at_time": group.starts_at_time,
        "minutes": group.minutes,
        "site": group.site,
        "modality": group.modality,
        "active": group.active,
    }
    fields.update(changes)
    return fields


def people(world: World, n: int, start: int = 1) -> list[Patient]:
    """`n` people of the program, named so they sort in order (Member01, Member02 …)."""
    return [
        make_patient(world.program, f"HR-G{i}", f"Person{i:02d}", f"Member{i:02d}", site=world.site)
        for i in range(start, start + n)
    ]


def group_with(
    world: World, n: int, joined_on: dt.date | None = None, **changes: Any
) -> tuple[CareGroup, list[Patient]]:
    group = make_group(world, **changes)
    members = people(world, n)
    for p in members:
        services_groups.add_member(counsellor(world), group, p, joined_on or today(world) - dt.timedelta(days=30))
    return group, members


def past_session(world: World, group: CareGroup, days_ago: int = 1) -> CounsellingSession:
    """The group's meeting `days_ago` days ago (the group meets every day at 10:00), scheduled now."""
    day = today(world) - dt.timedelta(days=days_ago)
    services_groups.schedule_sessions(counsellor(world), group, day, day)
    (at,) = services_groups.meeting_times(group, day, day)
    return group.sessions.get(starts_at=at)


def individual(
    world: World, patient: Patient | None = None, starts_at: dt.datetime | None = None, **changes: Any
) -> Attendance:
    """An individual session with the counsellor (a day ago unless said), and the person's attendance row."""
    fields: dict[str, Any] = {
        "kind": "individual",
        "starts_at": starts_at or ago(days=1),
        "planned_minutes": 60,
        "modality": "in_person",
        "site": world.site,
        "topic": "",
    }
    fields.update(changes)
    done = services_sessions.schedule_session(
        counsellor(world), patient or world.patient, services_sessions.SessionInput(**fields)
    )
    return done.attendance


def attended(
    world: World, patient: Patient | None = None, status: str = "attended", minutes: int | None = 60
) -> Attendance:
    row = individual(world, patient)
    services_sessions.record_attendance(counsellor(world), row.session, {row.patient_id: (status, minutes)})
    row.refresh_from_db()
    return row


def note_on(world: World, row: Attendance, author: User | None = None, text: str = "") -> CounsellingNote:
    written = services_sessions.write_note(
        author or counsellor(world),
        row.patient,
        row,
        data=text or "Talked about cravings at work; used the urge-surfing skill twice.",
        assessment="Engaged, hopeful; cravings lower than last week.",
        plan="Practise the skill daily; next session in one week.",
    )
    return written.note


def counselling_consent(world: World, patient: Patient | None = None, **changes: Any) -> Consent:
    fields: dict[str, Any] = {
        "kind": "counselling_notes",
        "information_description": "Counselling notes",
        "recipients": "The care team at Harbor Recovery",
        "purpose": "Coordinated treatment",
        "signed_on": today(world) - dt.timedelta(days=10),
    }
    fields.update(changes)
    return make_consent(patient or world.patient, counsellor(world), **fields)


def status_form(rows: list[Attendance], marks: dict[int, tuple[str, Any]]) -> dict[str, str]:
    """The attendance screen's POST: status_<id> and minutes_<id> per person."""
    data: dict[str, str] = {}
    for row in rows:
        status, minutes = marks[row.patient_id]
        if status:
            data[f"status_{row.patient_id}"] = status
        data[f"minutes_{row.patient_id}"] = "" if minutes is None else str(minutes)
    return data


def rows_of(session: CounsellingSession) -> list[Attendance]:
    return list(session.attendances.select_related("patient").order_by("patient__family_name"))


# --- URLs ---------------------------------------------------------------------------------------------------


def sessions_url(patient: Patient) -> str:
    return f"/care/patients/{patient.pk}/sessions/"


def schedule_url(patient: Patient) -> str:
    return f"/care/patients/{patient.pk}/sessions/schedule/"


def attendance_url(row: Attendance) -> str:
    return f"/care/patients/{row.patient_id}/sessions/{row.pk}/attendance/"


def note_url(row: Attendance) -> str:
    return f"/care/patients/{row.patient_id}/sessions/{row.pk}/note/"


def group_url(group: CareGroup) -> str:
    return f"/care/groups/{group.pk}/"


def group_attendance_url(session: CounsellingSession) -> str:
    return f"/care/groups/{session.group_id}/sessions/{session.pk}/"
