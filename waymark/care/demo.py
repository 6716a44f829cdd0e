"""Synthetic counselling and continuing-care data for `waymark demo`, for the demo
counsellor (Casey Morgan): two groups with rosters, six weeks of past sessions
with attendance and a few DAP notes, two weeks of upcoming sessions, individual
sessions, signed treatment plans (one overdue for review, one whose review a
lapse brought forward), continuing-care plans for a person who was discharged,
one stepping down and the demo patient, and the preparing-for-treatment
checklist for the newest admission.

Written through the care services (groups, sessions, plans, levels, aftercare),
so every count, status and audit row on the demo pages is what a clinic's would
be; only the plans' signature dates are moved back afterwards, because a plan
signed weeks ago cannot be signed weeks ago today. Deterministic for a seed.
Every person and every word here is made up."""

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from waymark.care import services_aftercare as aftercare
from waymark.care import services_groups as groups
from waymark.care import services_levels as levels
from waymark.care import services_plans as plans
from waymark.care import services_sessions as sessions
from waymark.care.models import (
    Attendance,
    CareGroup,
    ContinuingCarePlan,
    InterventionKind,
    ProblemArea,
    TreatmentPlan,
)
from waymark.chart import services as chart_services
from waymark.chart.models import CareTeamMember, Consent, Episode, LevelOfCare, Patient
from waymark.core import audit
from waymark.core.models import Program, User

HISTORY_DAYS = 42  # six weeks of past sessions
AHEAD_DAYS = 14  # two weeks of upcoming ones
INDIVIDUAL_MINUTES = 50
INDIVIDUAL_PEOPLE = 5
INDIVIDUAL_TIMES = (dt.time(9, 0), dt.time(11, 30), dt.time(13, 0), dt.time(15, 30), dt.time(16, 30))


@dataclass(frozen=True)
class GroupSpec:
    name: str
    topic: str
    weekdays: tuple[int, ...]  # 0 Monday
    at: dt.time
    minutes: int
    capacity: int
    members: int


GROUPS = (
    GroupSpec("Relapse prevention", CareGroup.Topic.RELAPSE_PREVENTION, (1, 3), dt.time(10, 0), 60, 10, 8),
    GroupSpec("Early recovery", CareGroup.Topic.EARLY_RECOVERY, (0,), dt.time(14, 0), 90, 8, 6),
)

GROUP_NOTES = (
    (
        "Attended the full session. Shared a high-risk situation from the weekend (a party where others were "
        "using) and how they left early and called their sister.",
        "Good use of a planned coping response; growing confidence in naming triggers to the group.",
        "Keep the trigger log this week; bring one situation to Thursday's group to role-play a refusal.",
    ),
    (
        "Arrived on time and took part in the cravings exercise. Said cravings are less frequent since the "
        "dose change but still strong in the evenings.",
        "Engaged and insightful; evening routine remains the main risk period.",
        "Build an evening plan with two activities and one person to call; review next session.",
    ),
)
INDIVIDUAL_NOTES = (
    (
        "Discussed the first weeks back at work and the stress of long shifts. No use reported since the last "
        "session. Sleeping about six hours a night.",
        "Stable on medication, motivated, some strain from work hours. Strengths: family support, routine.",
        "Continue weekly sessions; practise the breathing exercise before shifts; ask HR about a steady schedule.",
    ),
    (
        "Talked about arguments at home and the urge to use afterwards. Called their sponsor twice this week "
        "instead of using.",
        "Using supports well under stress; conflict at home remains a trigger to plan for.",
        "Offer a family session; rehearse leaving the room and calling someone; keep naloxone at home.",
    ),
    (
        "Reviewed progress on the goals in the plan. Sleeping better; mood brighter than at intake.",
        "Good progress on goals; mild symptoms of low mood remain.",
        "Continue the mindfulness practice and the sleep diary; next session in two weeks.",
    ),
)

Intervention = tuple[str, str, str, str]  # kind, what, how often, who: a demo account's name or words
Problem = tuple[str, str, str, str, int, list[Intervention]]  # area, description, goal, objective, days, …

PLAN_A: tuple[Problem, ...] = (
    (
        ProblemArea.OPIOID_USE,
        "Daily fentanyl use before admission; cravings and withdrawal made it hard to keep a routine.",
        "I want to stay on my medication and be there for my kids.",
        "Take my medication daily as prescribed, with no missed doses, for 8 weeks",
        56,
        [
            (InterventionKind.MEDICATION, "Medication for opioid use disorder, as prescribed", "daily", "prescriber"),
            (InterventionKind.CBT, "Relapse prevention group", "twice a week, 60 minutes", "counsellor"),
        ],
    ),
    (
        ProblemArea.HOUSING,
        "Staying with a friend for now; needs a stable place to live.",
        "Have my own place, somewhere quiet.",
        "Complete two housing applications with the housing coordinator within 4 weeks",
        28,
        [(InterventionKind.CASE_MANAGEMENT, "Housing applications and referrals", "weekly", "Peer recovery coach")],
    ),
)
PLAN_B: tuple[Problem, ...] = (
    (
        ProblemArea.OPIOID_USE,
        "Heroin and fentanyl use for several years; two earlier treatment attempts.",
        "I want to feel in control of my life again.",
        "Attend the Early recovery group at least 3 of every 4 weeks for 8 weeks",
        56,
        [(InterventionKind.MI, "Motivational interviewing in individual sessions", "every two weeks", "counsellor")],
    ),
    (
        ProblemArea.MENTAL_HEALTH,
        "Low mood and poor sleep, reported at intake.",
        "Sleep through the night and not feel so down.",
        "Practise a mindfulness exercise 4 evenings a week and keep a sleep diary for 6 weeks",
        42,
        [(InterventionKind.MINDFULNESS, "Mindfulness practice, taught in sessions", "weekly", "counsellor")],
    ),
)


def _at(program: Program, day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=program.zone)


def _weekday(day: dt.date, today: dt.date) -> dt.date:
    """The day itself on a weekday; on a weekend the Friday before (a past day) or the Monday after."""
    if day.weekday() < 5:
        return day
    if day < today:
        return day - dt.timedelta(days=day.weekday() - 4)
    return day + dt.timedelta(days=7 - day.weekday())


@dataclass
class Cast:
    """Who is who in the demo, chosen from the demo's patients."""

    open_episodes: dict[int, Episode]  # patient id → newest open episode (not in detox)
    discharged: list[Episode]  # newest episodes that ended, most recent first
    caseload: set[int]
    patients: dict[int, Patient]
    demo_patient: Patient | None


def _cast(patients: Sequence[Patient], counsellor: User) -> Cast:
    by_id = {p.pk: p for p in patients}
    newest: dict[int, Episode] = {}
    for episode in Episode.objects.filter(patient_id__in=by_id).order_by("admitted_on", "pk"):
        newest[episode.patient_id] = episode
    open_episodes = {
        pid: e
        for pid, e in newest.items()
        if e.discharged_on is None and e.level_of_care != LevelOfCare.WITHDRAWAL_MANAGEMENT
    }
    discharged = sorted(
        (e for e in newest.values() if e.discharged_on), key=lambda e: e.discharged_on or dt.date.min, reverse=True
    )
    caseload = set(
        CareTeamMember.objects.filter(user=counsellor, ended_on__isnull=True, patient_id__in=by_id).values_list(
            "patient_id", flat=True
        )
    )
    demo_patient = next((p for p in patients if p.user_id), None)
    return Cast(open_episodes, discharged, caseload, by_id, demo_patient)


def _in_treatment_since(cast: Cast, before: dt.date, exclude: set[int]) -> list[int]:
    """People with an open episode admitted by `before`, the counsellor's caseload first."""
    ids = [pid for pid, e in cast.open_episodes.items() if e.admitted_on <= before and pid not in exclude]
    return sorted(ids, key=lambda pid: (pid not in cast.caseload, pid))


@transaction.atomic
def load_care_demo(program: Program, accounts: dict[str, User], patients: Sequence[Patient], seed: int) -> None:
    """Add the care demo once per program (a second call finds the groups and does nothing)."""
    if not patients or CareGroup.objects.filter(program=program).exists():
        return
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    counsellor = accounts["counsellor"]
    cast = _cast(patients, counsellor)
    today = program.clinic_day()
    in_groups = _groups(program, counsellor, cast, rng, today)
    seen = _individual_sessions(program, counsellor, cast, rng, today, in_groups)
    _treatment_plans(accounts, cast, today, seen)
    _continuing_care(accounts, cast, today)
    _preparation(accounts, cast)


# --- Groups ---------------------------------------------------------------------------------------------------


def _groups(program: Program, counsellor: User, cast: Cast, rng: random.Random, today: dt.date) -> list[int]:
    site = program.sites.order_by("id").first()
    taken: set[int] = set()
    demo = cast.demo_patient
    order: list[int] = []
    for spec in GROUPS:
        group = groups.create_group(
            counsellor,
            program,
            groups.GroupInput(
                name=spec.name,
                topic=spec.topic,
                facilitator=counsellor,
                capacity=spec.capacity,
                weekdays=spec.weekdays,
                starts_at_time=spec.at,
                minutes=spec.minutes,
                site=site,
            ),
        )
        if spec.topic == CareGroup.Topic.EARLY_RECOVERY:
            # Newer admissions, the demo patient among them when they are in treatment.
            members = _in_treatment_since(cast, today - dt.timedelta(days=14), taken)
            members.sort(
                key=lambda pid: (pid != getattr(demo, "pk", None), -cast.open_episodes[pid].admitted_on.toordinal())
            )
            first_join = today - dt.timedelta(days=HISTORY_DAYS + 7)
        else:
            exclude = taken | ({demo.pk} if demo else set())
            members = _in_treatment_since(cast, today - dt.timedelta(days=HISTORY_DAYS + 14), exclude)
            first_join = today - dt.timedelta(days=HISTORY_DAYS + 14)
        chosen = members[: spec.members]
        for pid in chosen:
            joined = max(cast.open_episodes[pid].admitted_on, first_join)
            groups.add_member(counsellor, group, cast.patients[pid], joined)
        taken.update(chosen)
        order.extend(chosen)
        groups.schedule_sessions(
            counsellor, group, today - dt.timedelta(days=HISTORY_DAYS), today + dt.timedelta(days=AHEAD_DAYS)
        )
        _take_group_attendance(counsellor, group, chosen, rng)
    _group_notes(counsellor, cast, order)
    return order


def _mark(rng: random.Random, reliability: float, minutes: int) -> tuple[str, int | None]:
    roll = rng.random()
    if roll < reliability:
        return "attended", minutes
    if roll < reliability + 0.06:
        return "late", minutes - rng.choice([10, 15, 20])
    if roll < reliability + 0.09:
        return "cancelled", None
    return "no_show", None


def _take_group_attendance(counsellor: User, group: CareGroup, members: list[int], rng: random.Random) -> None:
    """Attendance for every group session that has ended. Bulk-written for speed (about 130 rows): one audit
    row per session rather than one per person, as services_sessions.record_attendance would write."""
    now = timezone.now()
    rows = list(
        Attendance.objects.filter(
            session__group=group, starts_at__lte=now - dt.timedelta(minutes=group.minutes)
        ).order_by("starts_at", "patient_id")
    )
    # Most people come most weeks; one person has missed the last three (the caseload's no-show streak).
    reliability = {pid: rng.uniform(0.7, 0.92) for pid in members}
    streak_of = members[-1] if group.topic == CareGroup.Topic.RELAPSE_PREVENTION and members else None
    streak_from = sorted({r.starts_at for r in rows if r.patient_id == streak_of})[-3:]
    for row in rows:
        if row.patient_id == streak_of and row.starts_at in streak_from:
            row.status, row.minutes_attended = "no_show", None
        else:
            row.status, row.minutes_attended = _mark(rng, reliability[row.patient_id], group.minutes)
        row.recorded_by, row.recorded_at = counsellor, row.starts_at + dt.timedelta(minutes=group.minutes)
    Attendance.objects.bulk_update(rows, ["status", "minutes_attended", "recorded_by", "recorded_at"])
    for session_id in sorted({r.session_id for r in rows}):
        audit.record(
            counsellor,
            "attendance",
            program_id=group.program_id,
            object_type="counsellingsession",
            object_id=session_id,
            reason="status, minutes_attended (demo data)",
        )


def _group_notes(counsellor: User, cast: Cast, members: list[int]) -> None:
    """DAP notes for two people at their latest attended group session."""
    written = 0
    for pid in members:
        row = (
            Attendance.objects.filter(patient_id=pid, session__group__isnull=False, status="attended")
            .order_by("-starts_at")
            .first()
        )
        if row is None:
            continue
        data, assessment, plan = GROUP_NOTES[written]
        sessions.write_note(counsellor, cast.patients[pid], row, data=data, assessment=assessment, plan=plan)
        written += 1
        if written == len(GROUP_NOTES):
            return


# --- Individual sessions --------------------------------------------------------------------------------------


def _individual_sessions(
    program: Program, counsellor: User, cast: Cast, rng: random.Random, today: dt.date, in_groups: list[int]
) -> list[int]:
    """Every two weeks for six weeks, and one in the next two weeks, for a few people on the caseload."""
    people = [pid for pid in in_groups if pid in cast.caseload]
    people += [pid for pid in _in_treatment_since(cast, today - dt.timedelta(days=HISTORY_DAYS), set(people))]
    people = people[:INDIVIDUAL_PEOPLE]
    site = program.sites.order_by("id").first()
    now = timezone.now()
    notes = iter(INDIVIDUAL_NOTES)
    for n, pid in enumerate(people):
        patient = cast.patients[pid]
        time = INDIVIDUAL_TIMES[n % len(INDIVIDUAL_TIMES)]
        past = [_weekday(today - dt.timedelta(days=d + n), today) for d in (40, 26, 12)]
        days = [d for d in past if d >= cast.open_episodes[pid].admitted_on]
        days.append(_weekday(today + dt.timedelta(days=rng.randrange(2, AHEAD_DAYS)), today))
        last_attended: Attendance | None = None
        for day in days:
            scheduled = sessions.schedule_session(
                counsellor,
                patient,
                sessions.SessionInput(
                    kind="individual",
                    starts_at=_at(program, day, time),
                    planned_minutes=INDIVIDUAL_MINUTES,
                    site=site,
                    topic="Individual counselling",
                ),
            )
            if scheduled.session.starts_at > now - dt.timedelta(minutes=INDIVIDUAL_MINUTES):
                continue  # still to come
            came = rng.random() < 0.85
            mark: sessions.Mark = ("attended", INDIVIDUAL_MINUTES) if came else ("no_show", None)
            recorded = sessions.record_attendance(counsellor, scheduled.session, {pid: mark})
            if came:
                last_attended = recorded[0]
        if last_attended is not None and n < len(INDIVIDUAL_NOTES):
            data, assessment, plan = next(notes)
            sessions.write_note(counsellor, patient, last_attended, data=data, assessment=assessment, plan=plan)
    return people


# --- Treatment plans ------------------------------------------------------------------------------------------


def _signed_plan(
    accounts: dict[str, User], patient: Patient, episode: Episode, content: tuple[Problem, ...], effective_on: dt.date
) -> TreatmentPlan:
    counsellor = accounts["counsellor"]
    plan = plans.start_plan(counsellor, patient, episode).plan
    today = patient.program.clinic_day()
    for area, description, words, objective, days, interventions in content:
        problem = plans.add_problem(counsellor, plan, plans.ProblemInput(area=area, description=description))
        goal = plans.add_goal(counsellor, problem, words)
        plans.add_objective(
            counsellor, goal, plans.ObjectiveInput(description=objective, target_on=today + dt.timedelta(days=days))
        )
        for kind, what, how_often, who in interventions:
            staff = accounts.get(who)
            plans.add_intervention(
                counsellor,
                goal,
                plans.InterventionInput(
                    kind=kind,
                    description=what,
                    frequency=how_often,
                    responsible_id=staff.pk if staff else None,
                    responsible_other="" if staff else who,
                ),
            )
    plans.sign_as_clinician(counsellor, plan)
    plans.record_patient_signature(counsellor, plan, f"{patient.given_name} {patient.family_name}")
    # Signed on `effective_on`, not today (see the module docstring).
    signed_at = _at(patient.program, effective_on, dt.time(15, 0))
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        effective_on=effective_on,
        clinician_signed_at=signed_at,
        patient_signed_at=signed_at,
        created_at=signed_at - dt.timedelta(days=2),
    )
    plan.refresh_from_db()
    return plan


def _treatment_plans(accounts: dict[str, User], cast: Cast, today: dt.date, seen: list[int]) -> None:
    """Four signed plans: one overdue for review, one whose review a lapse brought forward, one reviewed and
    continued, one new (the demo patient's, when they are in treatment)."""
    counsellor = accounts["counsellor"]
    demo = cast.demo_patient
    long_enough = [
        pid for pid in _in_treatment_since(cast, today - dt.timedelta(days=60), set()) if pid in cast.caseload
    ]
    people = [pid for pid in seen if pid in long_enough] + [pid for pid in long_enough if pid not in seen]
    people = [pid for pid in people if pid != getattr(demo, "pk", None)][:3]
    if demo is not None and demo.pk in cast.open_episodes:
        people.append(demo.pk)
    stories = ["overdue", "lapse", "reviewed", "new"]
    for n, (pid, story) in enumerate(zip(people, stories, strict=False)):
        patient, episode = cast.patients[pid], cast.open_episodes[pid]
        effective = {"overdue": 44, "lapse": 18, "reviewed": 52, "new": 6}[story]
        effective_on = max(episode.admitted_on, today - dt.timedelta(days=effective))
        plan = _signed_plan(accounts, patient, episode, PLAN_A if n % 2 == 0 else PLAN_B, effective_on)
        if story == "lapse":
            plans.record_recovery_event(
                counsellor,
                patient,
                "lapse",
                max(episode.admitted_on, today - dt.timedelta(days=4)),
                substances="Fentanyl",
                notes="Used once after an argument at home; called their sponsor the next morning and came in.",
            )
        elif story == "reviewed":
            plans.record_review(
                counsellor,
                plan,
                today - dt.timedelta(days=20),
                "continue",
                notes="Good progress on both goals; continue as planned.",
            )


# --- Continuing care ------------------------------------------------------------------------------------------


def _continuing_care(accounts: dict[str, User], cast: Cast, today: dt.date) -> None:
    """A plan for someone recently discharged, someone stepping down to outpatient, and the demo patient."""
    counsellor = accounts["counsellor"]
    discharged = next((e for e in cast.discharged if e.patient_id in cast.caseload), None)
    if discharged is not None:
        aftercare.save_continuing_care_plan(
            counsellor,
            cast.patients[discharged.patient_id],
            discharged,
            first_appointment="Westbrook Family Medicine, the Monday after discharge at 9:30",
            medication=ContinuingCarePlan.Medication.BUPRENORPHINE,
            medication_where="Dr. Alvarez, Westbrook Family Medicine, 207-555-0123 (prescription sent)",
            ongoing_therapy="Weekly counselling with Harbor Recovery's outpatient team for three months.",
            support_groups=["smart", "na"],
            support_groups_notes="SMART Recovery online on Wednesdays; NA at St. Luke's on Saturdays, 10:00.",
            medical_follow_up=["hep_c_test", "hep_b_vaccine"],
            medical_follow_up_notes="Hepatitis C result to be discussed with the primary care doctor.",
            naloxone=ContinuingCarePlan.Naloxone.KIT_GIVEN,
            housing=ContinuingCarePlan.Housing.FAMILY,
            housing_notes="With their mother in Westbrook.",
            work_needs="Back to work part time; a letter for the employer was given.",
            emergency_contacts="Mother, 207-555-0177. Sponsor (NA), 207-555-0164.",
        )
    demo_id = getattr(cast.demo_patient, "pk", None)
    stepping = next(
        (
            e
            for pid, e in sorted(cast.open_episodes.items())
            if pid in cast.caseload
            and pid != demo_id
            and e.level_of_care in {LevelOfCare.INTENSIVE_OUTPATIENT, LevelOfCare.PARTIAL_HOSPITALISATION}
        ),
        None,
    )
    if stepping is not None:
        patient = cast.patients[stepping.patient_id]
        levels.plan_step(
            counsellor,
            patient,
            stepping,
            levels.StepInput(
                to_level=LevelOfCare.OUTPATIENT,
                planned_on=today + dt.timedelta(days=10),
                criteria="Attending group at least twice a week; no use for four weeks; a stable place to stay.",
            ),
        )
        aftercare.save_continuing_care_plan(
            counsellor,
            patient,
            stepping,
            first_appointment="Standard outpatient at Harbor Street Clinic from the step-down day, Tuesdays 13:00",
            medication=ContinuingCarePlan.Medication.METHADONE,
            medication_where="Harbor Recovery OTP dosing window, as now",
            ongoing_therapy="Individual counselling every two weeks; Relapse prevention group on Thursdays.",
            support_groups=["na"],
            naloxone=ContinuingCarePlan.Naloxone.HAS_KIT,
            housing=ContinuingCarePlan.Housing.SOBER_LIVING,
            housing_notes="Cedar House recovery residence.",
        )
    demo = cast.demo_patient
    if demo is not None and demo.pk in cast.open_episodes:
        aftercare.save_continuing_care_plan(
            counsellor,
            demo,
            cast.open_episodes[demo.pk],
            medication=ContinuingCarePlan.Medication.UNDECIDED,
            ongoing_therapy="Early recovery group on Mondays; individual sessions every two weeks.",
            support_groups=["smart"],
            medical_follow_up=["hiv_test", "hep_c_test"],
            naloxone=ContinuingCarePlan.Naloxone.KIT_GIVEN,
            housing=ContinuingCarePlan.Housing.SOBER_LIVING,
            housing_notes="Looking at two recovery residences near the clinic.",
            emergency_contacts="Brother, 207-555-0142.",
        )
        # Their counselling notes may be read by the rest of their care team (REFERENCE.md §10).
        chart_services.record_consent(
            counsellor,
            demo,
            kind=Consent.Kind.COUNSELLING_NOTES,
            disclosing_party=demo.program.name,
            information_description="Counselling notes",
            recipients="My care team at Harbor Recovery (prescriber and nurses)",
            purpose="Coordinating my treatment",
            expiry_kind=Consent.Expiry.END_OF_TREATMENT,
            right_to_revoke_explained=True,
            signed_by=f"{demo.given_name} {demo.family_name}",
            signed_on=today - dt.timedelta(days=7),
        )


def _preparation(accounts: dict[str, User], cast: Cast) -> None:
    """The newest admission is working through the preparing-for-treatment checklist: 3 of 6 done."""
    if not cast.open_episodes:
        return
    episode = max(cast.open_episodes.values(), key=lambda e: (e.admitted_on, e.pk))
    patient = cast.patients[episode.patient_id]
    counsellor = accounts["counsellor"]
    chart_services.add_to_care_team(accounts["admin"], patient, counsellor)
    Step = aftercare.StepInput
    aftercare.set_preparation_steps(
        counsellor,
        patient,
        episode,
        {
            "admissions": Step("done", "Questions answered at the intake call."),
            "bills": Step("to_do", "Rent due on the 1st: asking their partner to pay it."),
            "children": Step("not_needed"),
            "pets": Step("to_do", "A neighbour may feed the cat; confirming on Friday."),
            "work": Step("done", "Medical leave agreed with HR; forms copied."),
            "bring": Step("to_do"),
        },
    )
