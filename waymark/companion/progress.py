"""Time in recovery, recovery stage, milestones and meeting streaks for the
recovery companion. Pure module: dates in, frozen dataclasses out.

Rules (ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- Local day (`companion.progress.local_day`): every count runs on the person's
  own calendar day, in the time zone of their companion profile; a check-in at
  23:30 in New York belongs to that New York day, whatever the server's clock.
- Time in recovery (`companion.progress.time_in_recovery`), shown two ways so a
  lapse never erases progress (issue #7, PRODUCT.md §8):
  * days since last use: use-free days after the last recorded use (or from
    the start if there is none), today included unless today is a use day.
    Started today with no use → 1; used today → 0; used yesterday → 1.
  * total days in recovery: days from the start to today, both included, on
    which no use was recorded. A lapse day simply does not add a day, so the
    count never goes down.
  Days without a check-in count as days without use (the person is not asked
  to prove every day). Use before the start date, or after today, is ignored.
  A start date in the future gives zeros everywhere [design choice].
- Stage (`companion.progress.stage`): early under 90 days, middle 90–364 days,
  long-term from 365 days, counted on total days in recovery so a lapse never
  sends someone back to the beginning (PRODUCT.md §8 names early 1–3 months,
  middle 3–12 months, long-term 1 year+; the first month counts as early and
  the day boundaries are [design choice]).
- Milestones (`companion.progress.milestones`): 1 day, 1 week, 30, 60 and 90
  days, 6 months (182 days), 1 year (365 days), 18 months (547 days), then
  every year (365 × N days) up to 50 years; reached on total days in recovery,
  so a milestone once reached stays reached after a lapse (issue #7).
- Meeting streak (`companion.progress.meeting_streak`): weeks run Monday to
  Sunday; a week counts when it had at least one meeting. The current week is
  still open: no meeting yet this week does not break the streak (it is the
  run of weeks up to last week), a meeting this week extends it [design choice].
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from waymark.core.rule_info import RuleInfo

LOCAL_DAY = "companion.progress.local_day"
TIME_IN_RECOVERY = "companion.progress.time_in_recovery"
STAGE = "companion.progress.stage"
MILESTONES_RULE = "companion.progress.milestones"
MEETING_STREAK = "companion.progress.meeting_streak"


# --- Local day ----------------------------------------------------------------------------------------------


def local_day(at: dt.datetime, time_zone: str) -> dt.date:
    """The person's calendar day at the aware moment `at`, in the IANA zone `time_zone` (e.g.
    "America/New_York"). A naive datetime raises ValueError; an unknown zone raises
    zoneinfo.ZoneInfoNotFoundError. Rule companion.progress.local_day."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("local_day needs an aware datetime (with a time zone), not a naive one.")
    return at.astimezone(ZoneInfo(time_zone)).date()


# --- Time in recovery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryTime:
    started_on: dt.date
    today: dt.date
    last_use: dt.date | None  # the latest use day from started_on to today; None if none
    days_since_last_use: int  # started today with no use → 1; used today → 0; used yesterday → 1
    total_days_in_recovery: int  # days from started_on to today (inclusive) without use; never goes down
    days_since_start: int  # days from started_on to today, both included (started today → 1)
    lapse_days: int  # use days from started_on to today

    @property
    def not_started(self) -> bool:
        """The start date is still in the future (every count is 0)."""
        return self.today < self.started_on


def recovery_time(started_on: dt.date, use_days: Iterable[dt.date], today: dt.date) -> RecoveryTime:
    """Both ways of counting time in recovery. `use_days` may repeat a day or come in any order; days before
    `started_on` or after `today` are ignored. Rule companion.progress.time_in_recovery."""
    if today < started_on:
        return RecoveryTime(started_on, today, None, 0, 0, 0, 0)
    uses = {d for d in use_days if started_on <= d <= today}
    days_since_start = (today - started_on).days + 1
    last_use = max(uses) if uses else None
    since_last = days_since_start if last_use is None else (today - last_use).days
    return RecoveryTime(
        started_on=started_on,
        today=today,
        last_use=last_use,
        days_since_last_use=since_last,
        total_days_in_recovery=days_since_start - len(uses),
        days_since_start=days_since_start,
        lapse_days=len(uses),
    )


# --- Stage --------------------------------------------------------------------------------------------------


class Stage(StrEnum):
    EARLY = "early"
    MIDDLE = "middle"
    LONG_TERM = "long_term"


MIDDLE_FROM_DAYS = 90  # about 3 months
LONG_TERM_FROM_DAYS = 365  # 1 year


def stage_for(total_days_in_recovery: int) -> Stage:
    """Early below 90 days, middle from 90 to 364, long-term from 365, on total days in recovery (never on
    days since last use). Rule companion.progress.stage."""
    if total_days_in_recovery >= LONG_TERM_FROM_DAYS:
        return Stage.LONG_TERM
    if total_days_in_recovery >= MIDDLE_FROM_DAYS:
        return Stage.MIDDLE
    return Stage.EARLY


# --- Milestones ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    days: int
    key: str  # "1_day", "1_week", "30_days", … "6_months", "1_year", "18_months", "2_years" … "50_years"


DAYS_PER_YEAR = 365  # a "year" milestone is 365 × N days; leap days are not counted separately
MILESTONE_YEARS_UP_TO = 50

MILESTONES: tuple[Milestone, ...] = (
    Milestone(1, "1_day"),
    Milestone(7, "1_week"),
    Milestone(30, "30_days"),
    Milestone(60, "60_days"),
    Milestone(90, "90_days"),
    Milestone(182, "6_months"),
    Milestone(365, "1_year"),
    Milestone(547, "18_months"),
    *(Milestone(DAYS_PER_YEAR * n, f"{n}_years") for n in range(2, MILESTONE_YEARS_UP_TO + 1)),
)


def milestones_reached(total_days_in_recovery: int) -> list[Milestone]:
    """Every milestone with `days` ≤ total days in recovery, in order. Rule companion.progress.milestones."""
    return [m for m in MILESTONES if m.days <= total_days_in_recovery]


def next_milestone(total_days_in_recovery: int) -> Milestone | None:
    """The first milestone not yet reached; None past the last one (50 years)."""
    return next((m for m in MILESTONES if m.days > total_days_in_recovery), None)


# --- Meeting streaks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingStreak:
    current_weeks: int  # weeks in a row with a meeting, up to this week (or last week while this one is open)
    longest_weeks: int  # the longest such run up to this week
    meetings_this_week: int  # meetings logged from this Monday to today (two on one day count as two)


def _week(day: dt.date) -> int:
    """Index of the Monday–Sunday week holding `day` (date.min, ordinal 1, is a Monday)."""
    return (day.toordinal() - 1) // 7


def meeting_streak(meeting_days: Iterable[dt.date], today: dt.date) -> MeetingStreak:
    """Attendance streaks in whole weeks (Monday–Sunday). Meetings after today are ignored; each entry in
    `meeting_days` is one meeting. Rule companion.progress.meeting_streak."""
    this_week = _week(today)
    weeks: set[int] = set()
    this_week_count = 0
    for day in meeting_days:
        if day > today:
            continue
        week = _week(day)
        weeks.add(week)
        if week == this_week:
            this_week_count += 1

    current = 0
    week = this_week if this_week in weeks else this_week - 1
    while week in weeks:
        current += 1
        week -= 1

    longest = 0
    for week in weeks:
        if week - 1 in weeks:
            continue  # not the first week of a run
        run = 1
        while week + run in weeks:
            run += 1
        longest = max(longest, run)
    return MeetingStreak(current, longest, this_week_count)


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        LOCAL_DAY,
        "Companion days (check-ins, time in recovery, streaks) are the person's own calendar days in the time "
        "zone of their companion profile, not the server's.",
        "profile time zone",
        "issue #7 (streak and stage calculations across time zones)",
        "per person (companion profile time zone)",
    ),
    RuleInfo(
        TIME_IN_RECOVERY,
        "Time in recovery is shown two ways: days since last use (use-free days after the last use, today "
        "included; 0 on a use day) and total days in recovery (days since the start without use), so a lapse "
        "never erases progress. Days without a check-in count as days without use; a future start date gives 0.",
        "both counts shown",
        "issue #7; PRODUCT.md §8 (a lapse is a signal, never failure); counting conventions [design choice]",
        "no",
    ),
    RuleInfo(
        STAGE,
        f"Recovery stage from total days in recovery: early below {MIDDLE_FROM_DAYS} days, middle "
        f"{MIDDLE_FROM_DAYS}–{LONG_TERM_FROM_DAYS - 1} days, long-term from {LONG_TERM_FROM_DAYS} days; a lapse "
        "never moves someone back to the start.",
        f"early < {MIDDLE_FROM_DAYS} d ≤ middle < {LONG_TERM_FROM_DAYS} d ≤ long-term",
        "PRODUCT.md §8 (early 1–3 months, middle 3–12 months, long-term 1 year+); day boundaries [design choice]",
        "no",
    ),
    RuleInfo(
        MILESTONES_RULE,
        "Milestones at 1 day, 1 week, 30, 60 and 90 days, 6 months (182 days), 1 year (365), 18 months (547), "
        f"then every {DAYS_PER_YEAR} days up to {MILESTONE_YEARS_UP_TO} years, reached on total days in recovery "
        "so a milestone once reached is never lost to a lapse.",
        "as listed",
        "issue #7 (1 day, 1 week, 30/60/90 days, 6 months, 1 year, …); day counts [design choice]",
        "no",
    ),
    RuleInfo(
        MEETING_STREAK,
        "Meeting streak: Monday–Sunday weeks in a row with at least one meeting; the current week stays open "
        "(no meeting yet this week does not break the streak).",
        "weekly",
        "issue #7 (meetings log with attendance streaks); week rule [design choice]",
        "no",
    ),
)
