"""How much service a level of care is expected to deliver, and how the hours
actually delivered compare. Pure module: plain values in, plain dataclasses out.

Sources (rule ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- ASAM Criteria 3rd edition (REFERENCE.md §8) [confirmed]: level 1 outpatient
  under 9 h/week; 2.1 intensive outpatient 9–19 h/week; 2.5 partial
  hospitalisation 20 h/week or more.
- PRODUCT.md §7 (the seeds' care path): partial hospitalisation 4–6 h/day,
  5–7 days/week; intensive outpatient 2–4 h/day, 3–5 days/week; standard
  outpatient 1–2 sessions/week; short-term residential 3–6 weeks; long-term
  residential 6–12 months.

Where the two disagree (intensive outpatient: 2–4 h × 3–5 days spans 6–20 h, ASAM
says 9–19 h) the weekly comparison uses ASAM's hours, which REFERENCE.md marks
confirmed, and the daily pattern is shown as guidance. Weeks are 7-day blocks
counted from the day the person entered the level; a block still running (or cut
short by the next level) is shown but not judged.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from waymark.core.rule_info import RuleInfo

WEEKLY_HOURS = "care.intensity.weekly_hours"
OUTPATIENT_SESSIONS = "care.intensity.outpatient_sessions"
RESIDENTIAL_LENGTH = "care.intensity.residential_length"


@dataclass(frozen=True)
class Expectation:
    """What a level is expected to deliver. None means the source sets no figure."""

    level: str
    guidance: str  # one plain sentence for the page
    min_hours_week: Decimal | None = None
    max_hours_week: Decimal | None = None  # None with a minimum: "or more"
    min_sessions_week: int | None = None
    max_sessions_week: int | None = None
    min_stay_days: int | None = None
    max_stay_days: int | None = None
    usual_stay: str = ""  # "3–6 weeks"
    source: str = ""


EXPECTATIONS: dict[str, Expectation] = {
    "partial_hospitalisation": Expectation(
        "partial_hospitalisation",
        "4–6 hours a day, 5–7 days a week (20 hours a week or more).",
        min_hours_week=Decimal(20),
        source="REFERENCE.md §8 (ASAM 2.5: ≥20 h/week); PRODUCT.md §7 (4–6 h/day, 5–7 days/week)",
    ),
    "intensive_outpatient": Expectation(
        "intensive_outpatient",
        "2–4 hours a day, 3–5 days a week (9–19 hours a week).",
        min_hours_week=Decimal(9),
        max_hours_week=Decimal(19),
        source="REFERENCE.md §8 (ASAM 2.1: 9–19 h/week); PRODUCT.md §7 (2–4 h/day, 3–5 days/week)",
    ),
    "outpatient": Expectation(
        "outpatient",
        "1–2 sessions a week, under 9 hours a week.",
        max_hours_week=Decimal("8.99"),
        min_sessions_week=1,
        max_sessions_week=2,
        source="PRODUCT.md §7 (1–2 sessions/week); REFERENCE.md §8 (ASAM 1: <9 h/week)",
    ),
    "residential_short": Expectation(
        "residential_short",
        "A stay of 3–6 weeks.",
        min_stay_days=21,
        max_stay_days=42,
        usual_stay="3–6 weeks",
        source="PRODUCT.md §7 (short-term residential 3–6 weeks)",
    ),
    "residential_long": Expectation(
        "residential_long",
        "A stay of 6–12 months.",
        min_stay_days=182,
        max_stay_days=365,
        usual_stay="6–12 months",
        source="PRODUCT.md §7 (long-term residential 6–12 months)",
    ),
}

NO_FIGURE = "No weekly figure is set for this level; hours are shown as delivered."


def expectation(level: str) -> Expectation:
    return EXPECTATIONS.get(level, Expectation(level, NO_FIGURE))


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Delivered:
    """One attended session (or part of it) counted toward a level's intensity."""

    day: dt.date
    minutes: int


@dataclass(frozen=True)
class WeekRow:
    starts_on: dt.date
    ends_on: dt.date  # inclusive
    hours: Decimal
    sessions: int
    complete: bool  # a full 7 days at this level, and over
    status: str  # "below", "within", "above", "not judged", "no figure"
    explanation: str


def judge_week(exp: Expectation, minutes: int, sessions: int) -> tuple[str, str]:
    """Compare one full week with the level's expectation: (status, plain explanation)."""
    hours = _hours(minutes)
    has_hours = exp.min_hours_week is not None or exp.max_hours_week is not None
    has_sessions = exp.min_sessions_week is not None
    if not has_hours and not has_sessions:
        return "no figure", f"{hours} h in {sessions} session{'s' if sessions != 1 else ''}."
    if exp.min_sessions_week is not None and sessions < exp.min_sessions_week:
        return "below", f"{sessions} session{'s' if sessions != 1 else ''}; expected {_session_range(exp)}."
    if exp.min_hours_week is not None and hours < exp.min_hours_week:
        return "below", f"{hours} h; expected {_hour_range(exp)}."
    if exp.max_sessions_week is not None and sessions > exp.max_sessions_week:
        return "above", f"{sessions} sessions; expected {_session_range(exp)}."
    if exp.max_hours_week is not None and hours > exp.max_hours_week:
        return "above", f"{hours} h; expected {_hour_range(exp)}."
    return "within", f"{hours} h in {sessions} session{'s' if sessions != 1 else ''}; expected {_expected(exp)}."


def _hour_range(exp: Expectation) -> str:
    if exp.min_hours_week is not None and exp.max_hours_week is not None:
        return f"{exp.min_hours_week}–{exp.max_hours_week} h a week"
    if exp.min_hours_week is not None:
        return f"{exp.min_hours_week} h a week or more"
    return "under 9 h a week"


def _session_range(exp: Expectation) -> str:
    return f"{exp.min_sessions_week}–{exp.max_sessions_week} sessions a week"


def _expected(exp: Expectation) -> str:
    if exp.min_sessions_week is not None:
        return f"{_session_range(exp)}, {_hour_range(exp)}"
    return _hour_range(exp)


def weeks_at_level(
    exp: Expectation, starts_on: dt.date, ends_on: dt.date | None, delivered: Iterable[Delivered], today: dt.date
) -> list[WeekRow]:
    """7-day blocks from `starts_on` to the day before `ends_on` (or to `today` while the level is current),
    each with the hours and sessions delivered in it and, for complete blocks, how they compare.
    Rule care.intensity.weekly_hours / care.intensity.outpatient_sessions."""
    last = (ends_on - dt.timedelta(days=1)) if ends_on is not None else today
    if last < starts_on:
        return []
    minutes: dict[int, int] = {}
    sessions: dict[int, int] = {}
    for d in delivered:
        if starts_on <= d.day <= last:
            block = (d.day - starts_on).days // 7
            minutes[block] = minutes.get(block, 0) + d.minutes
            sessions[block] = sessions.get(block, 0) + 1
    rows = []
    for block in range((last - starts_on).days // 7 + 1):
        first = starts_on + dt.timedelta(days=7 * block)
        end = first + dt.timedelta(days=6)
        complete = end <= last and (ends_on is not None or end < today)
        m, s = minutes.get(block, 0), sessions.get(block, 0)
        if complete:
            status, why = judge_week(exp, m, s)
        else:
            status, why = "not judged", f"{_hours(m)} h so far; a week is judged once all 7 days have passed."
        rows.append(WeekRow(first, min(end, last), _hours(m), s, complete, status, why))
    return rows


@dataclass(frozen=True)
class StayLength:
    days: int
    status: str  # "short of", "within", "past", "no figure"
    explanation: str


def stay_length(exp: Expectation, starts_on: dt.date, ends_on: dt.date | None, today: dt.date) -> StayLength:
    """Length of a residential stay against 3–6 weeks or 6–12 months. A stay still running that has not yet
    reached the minimum is "short of" it, not a fault. Rule care.intensity.residential_length."""
    days = ((ends_on or today) - starts_on).days
    weeks = f"{days // 7} week{'s' if days // 7 != 1 else ''} {days % 7} day{'s' if days % 7 != 1 else ''}"
    if exp.min_stay_days is None or exp.max_stay_days is None:
        return StayLength(days, "no figure", f"{days} days at this level.")
    if days < exp.min_stay_days:
        return StayLength(days, "short of", f"{weeks}; this level usually lasts {exp.usual_stay}.")
    if days > exp.max_stay_days:
        return StayLength(days, "past", f"{weeks}; longer than the usual {exp.usual_stay}.")
    return StayLength(days, "within", f"{weeks}; within the usual {exp.usual_stay}.")


@dataclass(frozen=True)
class Period:
    level: str
    starts_on: dt.date
    ends_on: dt.date | None  # the next level's start, or the discharge date; None while current


def periods(changes: Sequence[tuple[str, dt.date]], discharged_on: dt.date | None) -> list[Period]:
    """An episode's level-of-care history as periods: each change lasts until the next one starts.
    Two changes on one day: the later one stands, the earlier lasts no days and is dropped."""
    ordered = sorted(changes, key=lambda c: c[1])
    out: list[Period] = []
    for i, (level, start) in enumerate(ordered):
        end = ordered[i + 1][1] if i + 1 < len(ordered) else discharged_on
        if end is not None and end <= start:
            continue
        out.append(Period(level, start, end))
    return out


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        WEEKLY_HOURS,
        "Hours of counselling delivered each full week at a level are compared with the level's expected "
        "intensity: intensive outpatient 9–19 h/week, partial hospitalisation 20 h/week or more, standard "
        "outpatient under 9 h/week. A week still running is shown, not judged.",
        "IOP 9–19 h, PHP ≥20 h, outpatient <9 h a week",
        "REFERENCE.md §8 (ASAM 3rd ed. levels 1, 2.1, 2.5); PRODUCT.md §7 for the daily pattern",
        "no",
    ),
    RuleInfo(
        OUTPATIENT_SESSIONS,
        "Standard outpatient is expected to deliver 1–2 sessions a week; fewer or more in a full week is shown.",
        "1–2 sessions a week",
        "PRODUCT.md §7",
        "no",
    ),
    RuleInfo(
        RESIDENTIAL_LENGTH,
        "A residential stay's length is shown against the level's usual length: short-term 3–6 weeks, "
        "long-term 6–12 months.",
        "21–42 days; 182–365 days",
        "PRODUCT.md §7",
        "no",
    ),
)
