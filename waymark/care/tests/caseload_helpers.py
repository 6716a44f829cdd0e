"""Set-up for the caseload and levels-of-care tests: people on a counsellor's care
team, counselling sessions with one person's attendance, and signed plans, laid
down directly (scheduling and attendance have their own tests)."""

import datetime as dt

from django.utils import timezone

from waymark.care.models import Attendance, CounsellingSession, TreatmentPlan
from waymark.chart.models import CareTeamMember, Episode, LevelOfCareChange, Patient
from waymark.conftest import World, make_patient
from waymark.core.models import User
from waymark.core.roles import Role

CASELOAD_URL = "/care/caseload/"


def today(world: World) -> dt.date:
    return world.program.clinic_day()


def at(world: World, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A wall-clock time in the program's zone on `day`."""
    return dt.datetime.combine(day, dt.time(hour, minute), world.program.zone)


def days_ago(world: World, n: int, hour: int = 10) -> dt.datetime:
    return at(world, today(world) - dt.timedelta(days=n), hour)


def on_caseload(
    world: World,
    n: int,
    *,
    counsellor: User | None = None,
    level: str = "intensive_outpatient",
    admitted_days: int = 60,
) -> Patient:
    """A person with an open episode, on the counsellor's care team."""
    patient = make_patient(world.program, f"HR-C{n}", f"Person{n}", f"Family{n:02d}", site=world.site)
    admitted = today(world) - dt.timedelta(days=admitted_days)
    episode = Episode.objects.create(
        patient=patient, site=world.site, admitted_on=admitted, level_of_care=level, primary_substance="fentanyl"
    )
    LevelOfCareChange.objects.create(episode=episode, level_of_care=level, started_on=admitted, reason="Admission")
    CareTeamMember.objects.create(patient=patient, user=counsellor or world.user(Role.COUNSELLOR), role="counsellor")
    return patient


def attend(
    world: World,
    patient: Patient,
    when: dt.datetime,
    status: str = "attended",
    *,
    minutes: int | None = None,
    planned: int = 60,
    counsellor: User | None = None,
) -> Attendance:
    """An individual session at `when` and the person's attendance; attended and late get their minutes
    (the session's length unless given)."""
    session = CounsellingSession.objects.create(
        program=world.program,
        site=world.site,
        counsellor=counsellor or world.user(Role.COUNSELLOR),
        kind="individual",
        starts_at=when,
        planned_minutes=planned,
        created_by=world.user(Role.COUNSELLOR),
    )
    attended = status in ("attended", "late")
    return Attendance.objects.create(
        session=session,
        patient=patient,
        starts_at=when,
        status=status,
        minutes_attended=(minutes if minutes is not None else planned) if attended else None,
        recorded_at=timezone.now() if status != "expected" else None,
    )


def signed_plan(world: World, patient: Patient, effective_on: dt.date, interval: int = 30) -> TreatmentPlan:
    episode = Episode.objects.filter(patient=patient, discharged_on__isnull=True).get()
    return TreatmentPlan.objects.create(
        patient=patient,
        episode=episode,
        version=1,
        status=TreatmentPlan.Status.ACTIVE,
        review_interval_days=interval,
        effective_on=effective_on,
        clinician_signed_by=world.user(Role.COUNSELLOR),
        clinician_signed_at=timezone.now(),
        created_by=world.user(Role.COUNSELLOR),
    )


def row_html(html: str, patient: Patient) -> str:
    start = html.index(f'<tr id="patient-{patient.pk}"')
    return html[start : html.index("</tr>", start)]
