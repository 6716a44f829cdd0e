"""Synthetic recovery-companion data for `waymark demo`: the demo program patient (Jordan Rivera, account
"patient") and one self-guided person (account "river"), each with companion settings and 120 days of daily
check-ins up to yesterday, journal entries (some of Jordan's shared with the care team), a relapse-prevention
plan, support contacts and a meetings log.

The check-ins carry patterns the insights page should find, planted on top of a slowly falling craving:
higher craving on Fridays; a day with conflict followed by a high-craving day; higher craving after a short
night (under 6 h of sleep, asked in the same check-in); lower craving the day after a meeting; and one
lapse, preceded by four days of rising craving without support contact or meetings (the early-warning
pattern). The lapse resets days since
last use, never total days in recovery. Today's check-in is left for the visitor to do.

Written straight to the tables (the check-in service takes check-ins at most a week late), from a fixed seed:
the same data for the same seed and day. Loading again adds nothing. Every person and every word here is
made up.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from waymark.chart.demo import demo_password
from waymark.chart.models import Patient
from waymark.companion import insights, services
from waymark.companion import today as today_mod
from waymark.companion.models import (
    CareTeamAlert,
    CheckIn,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
    MilestoneSeen,
    PlanItem,
    RelapsePlan,
    SupportContact,
)
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Role
from waymark.directory.demo import Output

DAYS = 120  # days of check-ins, up to yesterday
PROGRAM_PATIENT_USERNAME = "patient"
SELF_GUIDED_USERNAME = "river"
SEED = 20240402


@dataclass(frozen=True)
class Persona:
    username: str
    started_days_ago: int  # day 1 of this recovery, counted back from today
    lapse_days_ago: int
    medication: str  # what the check-ins answer for "medication taken"
    meeting_kind: str
    meeting_name: str
    check_in_hour: int  # usual local hour of the evening check-in
    contacts: tuple[tuple[str, str, str, bool], ...]  # name, role, phone, on the plan
    reasons: str
    plan_items: tuple[tuple[str, str, str], ...]  # kind, text, coping
    journal: tuple[tuple[int, str, str, bool], ...]  # days ago, prompt, text, shared with the care team
    celebrate_latest: bool  # leave the newest milestone unseen, so the demo home celebrates it


JORDAN = Persona(
    username=PROGRAM_PATIENT_USERNAME,
    started_days_ago=125,
    lapse_days_ago=50,
    medication=CheckIn.Medication.YES,
    meeting_kind=MeetingLog.Kind.NA,
    meeting_name="Harbor Street NA",
    check_in_hour=20,
    contacts=(
        ("Marcus", SupportContact.Role.SPONSOR, "207-555-0123", True),
        ("Aunt Rosa", SupportContact.Role.FAMILY, "207-555-0164", True),
        ("Casey Morgan", SupportContact.Role.COUNSELLOR, "207-555-0140", True),
        ("Dee", SupportContact.Role.FRIEND, "207-555-0191", False),
    ),
    reasons=(
        "My daughter, Mia\nWaking up clear-headed\nKeeping my job at the warehouse\n"
        "Being someone my family can count on"
    ),
    plan_items=(
        (PlanItem.Kind.TRIGGER, "Friday paydays", "Go straight to my aunt's for dinner; leave my card at home."),
        (PlanItem.Kind.TRIGGER, "Arguments with my ex", "Walk away, text Marcus, and talk it through at group."),
        (PlanItem.Kind.TRIGGER, "Driving past my old block", "Take the long way round on Forest Ave."),
        (PlanItem.Kind.WARNING_SIGN, "Skipping meetings", "Tell Marcus and go to the next meeting, whatever it is."),
        (PlanItem.Kind.WARNING_SIGN, "Not sleeping", "No screens after 11; call the clinic if it lasts a week."),
        (PlanItem.Kind.WARNING_SIGN, "Thinking one time would be fine", "Read my reasons, then call someone."),
    ),
    journal=(
        (100, JournalEntry.Prompt.GRATITUDE, "Grateful Mia called me on her own today. First time in a while.", False),
        (
            76,
            JournalEntry.Prompt.TRIGGERS_FACED,
            "Payday again. Went to Aunt Rosa's straight from work like the plan says. It helped.",
            True,
        ),
        (
            53,
            JournalEntry.Prompt.NONE,
            "Rough week. Fight with my ex on Monday, haven't been to a meeting. Not sleeping.",
            False,
        ),
        (
            49,
            JournalEntry.Prompt.NONE,
            "I used yesterday. I told Casey today. We changed a few things in my plan. I'm still here.",
            True,
        ),
        (30, JournalEntry.Prompt.WINS, "Went to three meetings this week and slept seven hours most nights.", False),
        (12, JournalEntry.Prompt.GRATITUDE, "Marcus picked up at 11pm. That's what a sponsor is for, he said.", False),
        (3, JournalEntry.Prompt.WINS, "Four months. Took Mia to the harbor and didn't think about using once.", True),
    ),
    celebrate_latest=False,
)

RIVER = Persona(
    username=SELF_GUIDED_USERNAME,
    started_days_ago=121,
    lapse_days_ago=36,
    medication=CheckIn.Medication.NOT_APPLICABLE,
    meeting_kind=MeetingLog.Kind.SMART,
    meeting_name="SMART Recovery online",
    check_in_hour=21,
    contacts=(
        ("Sam", SupportContact.Role.SPONSOR, "503-555-0118", True),
        ("Mom", SupportContact.Role.FAMILY, "503-555-0172", True),
        ("Jess", SupportContact.Role.FRIEND, "503-555-0150", True),
    ),
    reasons="Running again\nMy sister's trust\nMoney for the apartment",
    plan_items=(
        (PlanItem.Kind.TRIGGER, "Being alone on weekends", "Plan Saturday the day before: a run and a call."),
        (PlanItem.Kind.TRIGGER, "Back pain after long shifts", "Stretch, heat pad, and ask my doctor, not a friend."),
        (PlanItem.Kind.WARNING_SIGN, "Snapping at people", "Take ten minutes outside and write it down."),
        (PlanItem.Kind.WARNING_SIGN, "Isolating", "Say yes to the next invitation; text Jess."),
    ),
    journal=(
        (90, JournalEntry.Prompt.WINS, "Ran two miles without stopping.", False),
        (37, JournalEntry.Prompt.NONE, "Everything felt loud this week. Didn't call anyone.", False),
        (
            34,
            JournalEntry.Prompt.TRIGGERS_FACED,
            "After the lapse: told Sam, went to a SMART meeting online. Starting again from here, not from zero.",
            False,
        ),
        (8, JournalEntry.Prompt.GRATITUDE, "Mom came over and we cooked. Quiet, good evening.", False),
    ),
    celebrate_latest=True,
)

NOTES = (
    "Long shift, tired but okay.",
    "Good talk with my sponsor.",
    "Cravings after dinner, went for a walk.",
    "Quiet day.",
    "Felt proud today.",
)


@dataclass
class DayPlan:
    day: dt.date
    craving: int
    mood: int
    triggers: list[str]
    sleep: Decimal
    used: bool
    meeting: bool
    support: bool
    hour: int
    exercised: bool
    meals: bool
    mindfulness: bool
    note: str


def _plan_days(persona: Persona, today: dt.date, rng: random.Random) -> list[DayPlan]:
    """Day by day, oldest first: today's craving depends on yesterday's conflict, sleep and meeting."""
    first = today - dt.timedelta(days=DAYS)
    lapse = today - dt.timedelta(days=persona.lapse_days_ago)
    days: list[DayPlan] = []
    for i in range(DAYS):
        day = first + dt.timedelta(days=i)
        before = days[-1] if days else None
        to_lapse = (lapse - day).days  # 4 … 1: the days leading up to the lapse
        craving = 5.5 - 3.0 * i / DAYS + rng.gauss(0, 0.9)
        if day.weekday() == 4:  # Friday
            craving += 2.5
        if before is not None and "conflict" in before.triggers:
            craving += 4.0
        warning = 1 <= to_lapse <= 4
        short = warning or rng.random() < 0.2  # last night's sleep, asked in today's check-in
        if short:
            craving += 2.0
        if before is not None and before.meeting:
            craving -= 1.0
        if warning:
            craving = 4 + (5 - to_lapse)  # 5, 6, 7, 8: rising
        used = day == lapse
        if used:
            craving = 9
        triggers = [t for t, p in (("stress", 0.3), ("money", 0.08), ("pain", 0.06)) if rng.random() < p]
        if rng.random() < 0.12 or to_lapse == 3:
            triggers.append("conflict")
        if day.weekday() in (4, 5) and rng.random() < 0.4:
            triggers.append(rng.choice(["people", "places"]))
        if day.weekday() in (5, 6) and rng.random() < 0.3:
            triggers.append("boredom")
        sleep = Decimal(str(rng.choice([4.0, 4.5, 5.0, 5.5]) if short else rng.choice([6.5, 7.0, 7.5, 8.0, 8.5])))
        if short and rng.random() < 0.5:
            triggers.append("sleep")
        level = max(0, min(10, round(craving)))
        days.append(
            DayPlan(
                day=day,
                craving=level,
                mood=max(1, min(5, round(4.6 - level / 2.5 + rng.gauss(0, 0.5)))),
                triggers=sorted(set(triggers)),
                sleep=sleep,
                used=used,
                meeting=not warning and not used and rng.random() < (0.6 if day.weekday() in (0, 2, 5) else 0.25),
                support=not warning and rng.random() < 0.75,
                hour=persona.check_in_hour if rng.random() < 0.7 else rng.choice([8, 9, 13]),
                exercised=rng.random() < 0.4,
                meals=rng.random() < 0.7,
                mindfulness=rng.random() < 0.35,
                note=rng.choice(NOTES) if rng.random() < 0.15 else "",
            )
        )
    return days


def _user(persona: Persona) -> User | None:
    user = User.objects.filter(username=persona.username).first()
    if user is not None or persona.username != SELF_GUIDED_USERNAME:
        return user
    user = User(username=SELF_GUIDED_USERNAME, role=Role.PATIENT.value, program=None, first_name="River")
    user.set_password(demo_password(SELF_GUIDED_USERNAME))
    user.save()
    return user


def _local(zone: ZoneInfo, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), zone)


def _load_person(persona: Persona, user: User, seed: int) -> CompanionProfile:
    rng = random.Random(f"{seed}-{persona.username}")  # noqa: S311  (synthetic data, not security)
    patient = services.patient_of(user)
    zone_name = patient.program.time_zone if patient else "America/Los_Angeles"
    zone = ZoneInfo(zone_name)
    today = timezone.now().astimezone(zone).date()
    program_patient = patient is not None
    profile = CompanionProfile.objects.create(
        user=user,
        recovery_started_on=today - dt.timedelta(days=persona.started_days_ago),
        time_zone=zone_name,
        language=CompanionProfile.Language.ENGLISH,
        share_trends=program_patient,
        alert_care_team=program_patient,
        sharing_changed_at=timezone.now() if program_patient else None,
        reminder_channel=CompanionProfile.Channel.EMAIL,
        reminder_email=f"{persona.username}@example.org",
        check_in_reminder_at=dt.time(persona.check_in_hour, 0),
        dose_reminder_at=dt.time(8, 0) if program_patient else None,
        created_at=_local(zone, today - dt.timedelta(days=DAYS + 1), 12),
    )
    plans = _plan_days(persona, today, rng)
    CheckIn.objects.bulk_create(
        CheckIn(
            user=user,
            day=p.day,
            mood=p.mood,
            craving=p.craving,
            triggers=p.triggers,
            sleep_hours=p.sleep,
            medication_taken=persona.medication,
            used_today=p.used,
            support_contact=p.support,
            meeting_attended=p.meeting,
            exercised=p.exercised,
            regular_meals=p.meals,
            mindfulness=p.mindfulness,
            note=p.note,
            created_at=_local(zone, p.day, p.hour, rng.randrange(60)),
            updated_at=_local(zone, p.day, p.hour, 59),
        )
        for p in plans
    )
    MeetingLog.objects.bulk_create(
        MeetingLog(
            user=user,
            day=p.day,
            kind=persona.meeting_kind,
            name=persona.meeting_name,
            created_at=_local(zone, p.day, 21),
        )
        for p in plans
        if p.meeting
    )
    for days_ago, prompt, text, shared in persona.journal:
        day = today - dt.timedelta(days=days_ago)
        written = _local(zone, day, 22, 10)
        JournalEntry.objects.create(
            user=user,
            prompt=prompt,
            text=text,
            day=day,
            written_at=written,
            shared_with_care_team=shared and program_patient,
            shared_at=written + dt.timedelta(minutes=5) if shared and program_patient else None,
        )
    plan = RelapsePlan.objects.create(
        user=user, reasons=persona.reasons, shared_with_care_team=program_patient, updated_at=timezone.now()
    )
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, kind=kind, text=text, coping=coping, position=i)
        for i, (kind, text, coping) in enumerate(persona.plan_items)
    )
    SupportContact.objects.bulk_create(
        SupportContact(user=user, name=name, role=role, phone=phone, on_plan=on_plan, position=i)
        for i, (name, role, phone, on_plan) in enumerate(persona.contacts)
    )
    if patient is not None:
        _early_warning_alert(user, profile, patient, today - dt.timedelta(days=persona.lapse_days_ago + 1))
    recovery = today_mod.recovery_for(user, profile, today)
    keep = recovery.reached[:-1] if persona.celebrate_latest else recovery.reached
    MilestoneSeen.objects.bulk_create(
        MilestoneSeen(user=user, key=r.milestone.key, reached_on=r.reached_on, seen_at=_local(zone, r.reached_on, 21))
        for r in keep
    )
    return profile


def _early_warning_alert(user: User, profile: CompanionProfile, patient: Patient, day: dt.date) -> None:
    """The alert the care team got the evening before the lapse (Jordan agreed to alerts), acknowledged the
    next morning by the counsellor: what the real service would have raised from these check-ins."""
    warning = insights.early_warning(services.day_records(user, profile), day)
    if warning is None:
        return
    counsellor = User.objects.filter(username="counsellor").first()
    zone = ZoneInfo(profile.time_zone)
    CareTeamAlert.objects.create(
        patient=patient,
        kind=CareTeamAlert.Kind.EARLY_WARNING,
        day=day,
        summary=services.warning_summary(warning),
        created_at=_local(zone, day, 20, 30),
        acknowledged_by=counsellor,
        acknowledged_at=_local(zone, day + dt.timedelta(days=1), 9, 15) if counsellor else None,
        acknowledged_note="Called Jordan; moved our session to tomorrow and talked through the plan."
        if counsellor
        else "",
    )


@transaction.atomic
def load_demo_companion(stdout: Output | None = None, seed: int = SEED) -> list[CompanionProfile]:
    """Companion data for the demo program patient (when the demo program is loaded) and the self-guided demo
    person; a person who already has companion settings is left as they are. Returns the profiles made."""
    made = []
    for persona in (JORDAN, RIVER):
        user = _user(persona)
        if user is None or CompanionProfile.objects.filter(user=user).exists():
            continue
        made.append(_load_person(persona, user, seed))
    if made:
        audit.record(
            None,
            "demo_load",
            object_type="companion",
            reason=f"companion data for {', '.join(p.user.username for p in made)}",
        )
        if stdout is not None:
            stdout.write(
                f"Recovery companion: {DAYS} days of check-ins for {', '.join(p.user.username for p in made)}.\n"
            )
    return made
