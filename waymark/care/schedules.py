"""Dates and counts for counselling: when a treatment plan is due for review,
when a recurring group meets, attendance statistics, days since a person was
last seen and no-show streaks. Pure module: plain values in, dataclasses out.

Rules (ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- Plan review (`care.plan.review_interval`): a signed plan is due for review a
  fixed number of days after it took effect or was last reviewed. The interval
  is program policy (state rules differ); default 30 days [unverified], per
  program in `Program.rule_settings["care.plan.review_interval_days"]` (7–365).
- Review overdue (`care.plan.review_overdue`): overdue once the clinic day is
  past the due date; on the due date it is due, not overdue.
- Lapse prompts review (`care.plan.lapse_prompts_review`): a lapse or relapse
  brings the review forward to the day it was recorded (never later than it
  already was). It is a signal to adjust treatment, never a failure flag
  (PRODUCT.md §8).
- Attendance (`care.attendance.rate`): attended and late count as attended; a
  cancelled session is left out of the rate; a no-show counts against it.
- Not seen (`care.caseload.not_seen_days`): a person is "not seen in N days"
  when their last attended (or late) session was more than N clinic days ago,
  or they have none; N defaults to 14 on the caseload page (1–365).
- No-show streak (`care.caseload.no_show_streak`): no-shows in a row, newest
  first, stopping at the first attended or late session; cancelled sessions do
  not break or extend it. Shown from 2 in a row.
- Counselling is never a condition of medication (`care.counselling.not_a_condition_of_medication`):
  nothing in attendance or no-shows blocks or changes dosing (REFERENCE.md §5, 2024 rule).
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from waymark.core.rule_info import RuleInfo

REVIEW_INTERVAL = "care.plan.review_interval"
REVIEW_OVERDUE = "care.plan.review_overdue"
LAPSE_PROMPTS_REVIEW = "care.plan.lapse_prompts_review"
ATTENDANCE_RATE = "care.attendance.rate"
NOT_SEEN_DAYS = "care.caseload.not_seen_days"
NO_SHOW_STREAK = "care.caseload.no_show_streak"
NOT_A_CONDITION = "care.counselling.not_a_condition_of_medication"

SETTING_REVIEW_DAYS = "care.plan.review_interval_days"
DEFAULT_REVIEW_DAYS = 30
REVIEW_DAYS_RANGE = (7, 365)
DEFAULT_NOT_SEEN_DAYS = 14
NOT_SEEN_RANGE = (1, 365)
STREAK_SHOWN_FROM = 2

ATTENDED = frozenset({"attended", "late"})
STATUSES = ("attended", "late", "no_show", "cancelled")


class SettingsError(ValueError):
    pass


def review_interval_days(rule_settings: Mapping[str, Any]) -> int:
    """The program's review interval; a bad setting raises SettingsError naming it."""
    raw = rule_settings.get(SETTING_REVIEW_DAYS, DEFAULT_REVIEW_DAYS)
    low, high = REVIEW_DAYS_RANGE
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise SettingsError(f"{SETTING_REVIEW_DAYS} must be a whole number of days from {low} to {high}.")
    return raw


# --- Plan review --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewStatus:
    due_on: dt.date
    state: str  # "upcoming", "due", "overdue"
    days: int  # days until due (upcoming), or days overdue (overdue); 0 when due today
    prompted_by_lapse: bool

    @property
    def label(self) -> str:
        if self.state == "overdue":
            return f"Review overdue by {self.days} day{'s' if self.days != 1 else ''}"
        if self.state == "due":
            return "Review due today"
        return f"Review in {self.days} day{'s' if self.days != 1 else ''}"


def review_due_on(
    effective_on: dt.date,
    reviews: Iterable[dt.date],
    interval_days: int,
    lapses: Iterable[dt.date] = (),
) -> tuple[dt.date, bool]:
    """When the plan is next due for review, and whether a lapse brought it forward.

    The interval runs from the latest of the plan taking effect and its reviews; a lapse on a later day
    moves the due date to the lapse's day if that is sooner (a review on the lapse's day has dealt with it).
    Rules care.plan.review_interval and care.plan.lapse_prompts_review."""
    last = max([effective_on, *reviews])
    due = last + dt.timedelta(days=interval_days)
    prompts = [d for d in lapses if d > last]
    if prompts and min(prompts) < due:
        return min(prompts), True
    return due, False


def review_status(due_on: dt.date, today: dt.date, prompted_by_lapse: bool = False) -> ReviewStatus:
    """Rule care.plan.review_overdue: overdue only once today is past the due date."""
    if today > due_on:
        return ReviewStatus(due_on, "overdue", (today - due_on).days, prompted_by_lapse)
    if today == due_on:
        return ReviewStatus(due_on, "due", 0, prompted_by_lapse)
    return ReviewStatus(due_on, "upcoming", (due_on - today).days, prompted_by_lapse)


# --- Recurring groups ---------------------------------------------------------------------------------------


def occurrences(weekdays: Iterable[int], first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last` (inclusive) falling on one of `weekdays` (Monday 0 … Sunday 6)."""
    days = set(weekdays)
    if any(d not in range(7) for d in days):
        raise ValueError("Weekdays run from 0 (Monday) to 6 (Sunday).")
    out = []
    day = first
    while day <= last:
        if day.weekday() in days:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


# --- Attendance ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceStats:
    attended: int
    late: int
    no_show: int
    cancelled: int
    minutes: int

    @property
    def counted(self) -> int:
        """Sessions that count toward the rate: everything but cancelled ones."""
        return self.attended + self.late + self.no_show

    @property
    def rate(self) -> float | None:
        """Share attended (on time or late) of the sessions that went ahead; None when there were none.
        Rule care.attendance.rate."""
        return (self.attended + self.late) / self.counted if self.counted else None

    @property
    def rate_label(self) -> str:
        if self.rate is None:
            return "—"
        return f"{round(self.rate * 100)}% ({self.attended + self.late} of {self.counted})"


def attendance_stats(rows: Iterable[tuple[str, int]]) -> AttendanceStats:
    """Counts from (status, minutes attended) pairs; minutes only count for attended and late sessions."""
    counts = dict.fromkeys(STATUSES, 0)
    minutes = 0
    for status, mins in rows:
        if status not in counts:
            raise ValueError(f"Unknown attendance status {status!r}.")
        counts[status] += 1
        if status in ATTENDED:
            minutes += mins
    return AttendanceStats(counts["attended"], counts["late"], counts["no_show"], counts["cancelled"], minutes)


def no_show_streak(newest_first: Sequence[str]) -> int:
    """No-shows in a row from the newest session back to the last attended or late one; cancelled sessions
    are skipped. Rule care.caseload.no_show_streak."""
    streak = 0
    for status in newest_first:
        if status in ATTENDED:
            break
        if status == "no_show":
            streak += 1
    return streak


def days_since(last_seen: dt.date | None, today: dt.date) -> int | None:
    return None if last_seen is None else (today - last_seen).days


def not_seen(last_seen: dt.date | None, today: dt.date, days: int) -> bool:
    """Not seen in `days` days: last seen more than `days` clinic days ago, or never. Seen exactly `days`
    days ago still counts as seen. Rule care.caseload.not_seen_days."""
    return last_seen is None or (today - last_seen).days > days


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        REVIEW_INTERVAL,
        "A signed treatment plan is due for review a set number of days after it took effect or was last "
        "reviewed; revising the plan starts a new version with its own date.",
        f"{DEFAULT_REVIEW_DAYS} days",
        "Program policy (state rules differ) [unverified]",
        f"per program ({SETTING_REVIEW_DAYS}, {REVIEW_DAYS_RANGE[0]}–{REVIEW_DAYS_RANGE[1]})",
    ),
    RuleInfo(
        REVIEW_OVERDUE,
        "A plan review is overdue once the clinic day is past its due date (on the due date it is due, not "
        "overdue); overdue reviews are flagged on the plan and the counsellor's caseload.",
        "alert",
        "issue #6 (periodic review dates with overdue alerts)",
        "no",
    ),
    RuleInfo(
        LAPSE_PROMPTS_REVIEW,
        "Recording a lapse or relapse brings the plan review forward to that day; it is a clinical event that "
        "prompts a review, never a failure flag, and it erases nothing.",
        "review due on the day recorded",
        "PRODUCT.md §8 (a lapse is a signal to adjust treatment); issue #6",
        "no",
    ),
    RuleInfo(
        ATTENDANCE_RATE,
        "Attendance rate = (attended + late) ÷ (attended + late + no-show); cancelled sessions are left out.",
        "late counts as attended",
        "issue #6 (attended/late/no-show/cancelled)",
        "no",
    ),
    RuleInfo(
        NOT_SEEN_DAYS,
        "The caseload lists people whose last attended session was more than N days ago, or who have none.",
        f"{DEFAULT_NOT_SEEN_DAYS} days",
        "issue #6 (who has not been seen in N days); N is chosen on the page",
        f"per view ({NOT_SEEN_RANGE[0]}–{NOT_SEEN_RANGE[1]} days)",
    ),
    RuleInfo(
        NO_SHOW_STREAK,
        "No-shows in a row since the last attended session (cancelled sessions neither break nor extend the "
        f"streak); the caseload shows streaks of {STREAK_SHOWN_FROM} or more as a prompt to reach out.",
        f"shown from {STREAK_SHOWN_FROM}",
        "issue #6 (no-show streaks)",
        "no",
    ),
    RuleInfo(
        NOT_A_CONDITION,
        "Counselling attendance never blocks or changes medication: no-shows prompt outreach, not sanctions.",
        "enforced (no link from attendance to dosing)",
        "REFERENCE.md §5 (42 CFR 8.12, 2024: counselling may not be a condition of receiving medication)",
        "no",
    ),
)
