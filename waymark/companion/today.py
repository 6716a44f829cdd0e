"""What the companion's home shows: the person's time in recovery and milestones (from their check-ins, counted
by `progress`), and today's plan gathered from the other apps — the medication order and any take-home dose,
counselling sessions and groups in the next 7 days, today's check-in, the incentive balance when the program
runs contingency management, and the continuing-care plan.

Reads only: the writes (a milestone celebrated) are in services_home.py. Every read is for the signed-in
person's own account; a program patient's chart rows are reached through `services.patient_of(user)`, which
is their own chart. The number of queries does not grow with the number of check-ins or days in recovery.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext

from waymark.care.models import Attendance, ContinuingCarePlan, GroupMembership
from waymark.care.services_aftercare import continuing_care_for
from waymark.chart.models import Patient
from waymark.companion import progress, services
from waymark.companion.models import CheckIn, CompanionProfile, MilestoneSeen
from waymark.core.models import User
from waymark.incentives.models import Enrollment
from waymark.incentives.services import patient_incentives
from waymark.meds.medications import CATALOGUE, Delivery, Medication
from waymark.meds.models import MedicationOrder, TakeHomeDispense
from waymark.meds.rules import mg

APPOINTMENT_DAYS = 7  # today and the next 7 days

# --- Time in recovery and milestones ----------------------------------------------------------------------


def milestone_label(milestone: progress.Milestone) -> str:
    """A milestone in words, in the page's language: "1 day", "1 week", "90 days", "6 months", "2 years"."""
    number, _, unit = milestone.key.partition("_")
    n = int(number)
    if unit == "week":
        return gettext("1 week")
    if unit == "months":
        return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}
    if unit in ("year", "years"):
        return ngettext("%(n)d year", "%(n)d years", n) % {"n": n}
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


@dataclass(frozen=True)
class ReachedMilestone:
    milestone: progress.Milestone
    reached_on: dt.date

    @property
    def label(self) -> str:
        return milestone_label(self.milestone)


@dataclass(frozen=True)
class Recovery:
    time: progress.RecoveryTime
    stage: progress.Stage
    reached: list[ReachedMilestone]  # oldest first
    next: progress.Milestone | None
    next_on: dt.date | None  # the day the next milestone is reached if no use is recorded before it
    seen_keys: frozenset[str] = frozenset()  # milestones already shown to the person (MilestoneSeen)

    @property
    def days_to_next(self) -> int | None:
        return (self.next_on - self.time.today).days if self.next_on is not None else None

    @property
    def next_label(self) -> str:
        return milestone_label(self.next) if self.next is not None else ""


def reached_on(started_on: dt.date, use_days: list[dt.date], days: int) -> dt.date:
    """The first day on which total days in recovery (rule companion.progress.time_in_recovery: days from the
    start without use) reaches `days`. `use_days`: sorted, from `started_on` on. That day D satisfies
    D = start + (days − 1) + (uses on or before D); iterating from no uses climbs to the smallest such D."""
    uses = 0
    while True:
        day = started_on + dt.timedelta(days=days - 1 + uses)
        now = sum(1 for u in use_days if u <= day)
        if now == uses:
            return day
        uses = now


def recovery_for(user: User, profile: CompanionProfile, today: dt.date) -> Recovery:
    """Both counts of time in recovery, the stage, the milestones reached (with the day each was reached) and
    the next one. Use days are the check-ins where the person said they used (one query); milestones already
    shown to the person (one query) stay reached even when a lapse reported later, on or before the day one
    was reached, brings the total below it: a lapse never takes a milestone back."""
    started = profile.recovery_started_on
    use_days = sorted(
        set(CheckIn.objects.filter(user=user, used_today=True, day__gte=started).values_list("day", flat=True))
    )
    time = progress.recovery_time(started, use_days, today)
    total = time.total_days_in_recovery
    reached = [ReachedMilestone(m, reached_on(started, use_days, m.days)) for m in progress.milestones_reached(total)]
    have = {r.milestone.key for r in reached}
    known = {m.key: m for m in progress.MILESTONES}
    seen = list(MilestoneSeen.objects.filter(user=user).values_list("key", "reached_on"))
    for key, on in seen:
        milestone = known.get(key)
        # Seen under this start date only (a start date moved later, or corrected, does not keep old ones).
        if milestone is None or key in have or not started <= on <= today:
            continue
        if milestone.days <= time.days_since_start:
            reached.append(ReachedMilestone(milestone, on))
            have.add(key)
    reached.sort(key=lambda r: r.milestone.days)
    upcoming = next((m for m in progress.MILESTONES if m.days > total and m.key not in have), None)
    next_on = None
    if upcoming is not None and not time.not_started:
        # Every day from tomorrow counts if no use is recorded: the milestone is (days still needed) away.
        next_on = today + dt.timedelta(days=upcoming.days - total)
    elif upcoming is not None:
        next_on = started + dt.timedelta(days=upcoming.days - 1)
    return Recovery(time, progress.stage_for(total), reached, upcoming, next_on, frozenset(key for key, _on in seen))


def unseen_milestones(user: User, recovery: Recovery) -> list[ReachedMilestone]:
    """Milestones reached that the person has not been shown yet (oldest first)."""
    return [r for r in recovery.reached if r.milestone.key not in recovery.seen_keys]


# --- Today's plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    medication: str  # the order's medication, as the chart names it
    dose: str  # "80 mg", or "40 mg + 40 mg" for a split dose
    frequency: str  # the order's frequency label
    delivery: str  # "window", "injection", "prescription"
    take_home_today: bool  # a take-home bottle covers today


@dataclass(frozen=True)
class Appointment:
    day: dt.date  # in the person's zone
    at: dt.time  # local time, in the person's zone (naive, so templates show it as it is)
    minutes: int
    kind: str  # "individual", "family", "group"
    group_name: str
    modality: str  # "in_person", "video", "phone"
    site: str
    counsellor: str
    today: bool


@dataclass(frozen=True)
class GroupLine:
    name: str
    weekdays: str  # "Tue, Thu", in the page's language
    at: dt.time


@dataclass(frozen=True)
class TodayPlan:
    today: dt.date
    patient: Patient | None
    check_in: CheckIn | None  # today's, if done
    dose_reminder_at: dt.time | None
    doses: list[Dose] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    groups: list[GroupLine] = field(default_factory=list)
    incentive_balance: Decimal | None = None  # only when the person has a contingency-management enrolment
    continuing_care: ContinuingCarePlan | None = None

    @property
    def appointments_today(self) -> list[Appointment]:
        return [a for a in self.appointments if a.today]

    @property
    def appointments_later(self) -> list[Appointment]:
        return [a for a in self.appointments if not a.today]


def _doses(patient: Patient, today: dt.date) -> list[Dose]:
    orders = list(
        MedicationOrder.objects.filter(patient=patient, status=MedicationOrder.Status.ACTIVE, start_on__lte=today)
        .filter(Q(stop_on__isnull=True) | Q(stop_on__gte=today))
        .exclude(medication=Medication.NALOXONE_KIT)
        .order_by("medication")
    )
    if not orders:
        return []
    take_home = set(
        TakeHomeDispense.objects.filter(
            order__in=orders, first_day__lte=today, last_day__gte=today, returned_on__isnull=True
        ).values_list("order_id", flat=True)
    )
    doses = []
    for order in orders:
        info = CATALOGUE.get(Medication(order.medication))
        slots = order.slot_doses()
        doses.append(
            Dose(
                medication=order.get_medication_display(),
                dose=" + ".join(f"{mg(d)} mg" for d in slots) if len(slots) > 1 else f"{mg(order.dose_mg)} mg",
                frequency=order.get_frequency_display(),
                delivery=info.delivery.value if info else Delivery.PRESCRIPTION.value,
                take_home_today=order.pk in take_home,
            )
        )
    return doses


def _appointments(patient: Patient, zone: ZoneInfo, today: dt.date) -> list[Appointment]:
    start = dt.datetime.combine(today, dt.time.min, zone)
    end = dt.datetime.combine(today + dt.timedelta(days=APPOINTMENT_DAYS + 1), dt.time.min, zone)
    rows = (
        Attendance.objects.filter(patient=patient, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Attendance.Status.CANCELLED)
        .select_related("session__group", "session__site", "session__counsellor")
        .order_by("starts_at", "id")
    )
    found = []
    for row in rows:
        session = row.session
        at = row.starts_at.astimezone(zone)
        found.append(
            Appointment(
                day=at.date(),
                at=at.time().replace(tzinfo=None),
                minutes=session.planned_minutes,
                kind=session.kind,
                group_name=session.group.name if session.group else "",
                modality=session.modality,
                site=session.site.name if session.site else "",
                counsellor=session.counsellor.get_full_name() or session.counsellor.username,
                today=at.date() == today,
            )
        )
    return found


def _groups(patient: Patient) -> list[GroupLine]:
    memberships = GroupMembership.objects.filter(
        patient=patient, left_on__isnull=True, group__active=True
    ).select_related("group")
    return [
        GroupLine(
            m.group.name,
            ", ".join(str(WEEKDAYS_ABBR[d]) for d in sorted(m.group.weekdays) if d in WEEKDAYS_ABBR),
            m.group.starts_at_time,
        )
        for m in memberships.order_by("group__name")
    ]


def _incentive_balance(patient: Patient) -> Decimal | None:
    if not Enrollment.objects.filter(patient=patient).exists():
        return None
    return patient_incentives(patient).balance


def today_plan(user: User, profile: CompanionProfile, today: dt.date, patient: Patient | None = None) -> TodayPlan:
    """Today's plan for the person. `patient`: their chart if they are a program patient (looked up when not
    given); a self-guided person's plan is their check-in and dose reminder only."""
    check_in = CheckIn.objects.filter(user=user, day=today).first()
    if patient is None:
        patient = services.patient_of(user)
    if patient is None:
        return TodayPlan(today, None, check_in, profile.dose_reminder_at)
    return TodayPlan(
        today=today,
        patient=patient,
        check_in=check_in,
        dose_reminder_at=profile.dose_reminder_at,
        doses=_doses(patient, today),
        appointments=_appointments(patient, ZoneInfo(profile.time_zone), today),
        groups=_groups(patient),
        incentive_balance=_incentive_balance(patient),
        continuing_care=continuing_care_for(patient),
    )


def local_now(profile: CompanionProfile) -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(profile.time_zone))
