"""Insights from a person's own daily check-ins: craving by weekday and time of
day, triggers that most often come before high craving or use, how sleep and
meetings relate to the next day's craving, and the early-warning pattern.
Pure module: `DayRecord`s in, frozen dataclasses out (keys and numbers, no
prose); every result carries its counts so the page can say how sure it is.

These are descriptions of the person's own history, not predictions or
diagnoses: a link between a trigger and craving is an association in their
check-ins, not proof that one causes the other.

Rules (ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- Craving patterns (`companion.insights.craving_patterns`): mean craving (0–10)
  by weekday (Monday … Sunday) and by the local hour of the check-in: morning
  5–11, afternoon 12–16, evening 17–21, night 22–4. A group is only called the
  highest when it and at least one other group have `MIN_DAYS` check-ins.
- Trigger links (`companion.insights.trigger_links`): for each trigger, the
  share of days it was reported that were followed, the same day or the next,
  by high craving (≥ 7 of 10) or use, against the same share on days without
  it. A day counts once we can tell: it was itself a high-craving or use day,
  or the next day has a check-in. Triggers are listed from `MIN_DAYS` such
  days, strongest difference first, with a 95% interval for the difference
  (Agresti–Caffo: one success and one failure added to each group, normal
  approximation).
- Next-day comparisons (`companion.insights.next_day`): craving the day after
  a short night (sleep reported < 6 h) against ≥ 6 h, and the day after a day
  with a meeting against a day without. The check-in asks for hours of sleep
  *last night*, so the day after the night is the same check-in's day
  (`SLEEP_LAG_DAYS` = 0); a meeting on day d is compared with day d + 1's
  craving (`MEETING_LAG_DAYS` = 1). Difference of means with a 95% Welch interval
  (Satterthwaite degrees of freedom, two-sided t quantile from a table, rounded
  down to the nearest tabled degrees of freedom so the interval is never too
  narrow; 1.980 from 120 on).
- Confidence (`companion.insights.minimum_data`): "not_enough_data" when either
  side of a comparison has fewer than `MIN_GROUP` (10) days; "unclear" when the
  95% interval includes 0; "likely" otherwise. All thresholds [design choice].
- Early warning (`companion.insights.early_warning`): rising craving over the
  last `window_days` (5) days — at least 3 check-ins with a craving in the
  window, the least-squares slope (points per day) times the days between the
  first and last of them is ≥ `rise` (2 points), and the latest craving is ≥ 5
  — together with isolation (no support contact on any check-in of the last
  `isolation_days` (3) days, with at least 2 check-ins in them) or missed
  meetings (no meeting in the last `meeting_gap_days` (7) days although the
  person went to at least one in the 28 days before). From issue #7 (rising
  craving over several days together with isolation or missed meetings);
  numbers [design choice], not a validated clinical instrument.
"""

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from waymark.core.rule_info import RuleInfo

CRAVING_PATTERNS = "companion.insights.craving_patterns"
TRIGGER_LINKS = "companion.insights.trigger_links"
NEXT_DAY = "companion.insights.next_day"
MINIMUM_DATA = "companion.insights.minimum_data"
EARLY_WARNING = "companion.insights.early_warning"

MIN_DAYS = 5  # days a group or trigger needs before it is shown or called the highest
MIN_GROUP = 10  # days each side of a comparison needs before we say "likely" or "unclear"
HIGH_CRAVING = 7  # craving (0–10) counted as high for trigger links
SHORT_SLEEP_HOURS = 6.0  # sleep below this many hours is a short night
# Days from the check-in reporting the factor to the check-in whose craving is compared. A check-in's sleep is
# "hours of sleep last night" (forms_checkin.py), so the day after that night is the check-in's own day.
SLEEP_LAG_DAYS = 0
MEETING_LAG_DAYS = 1
Z_975 = 1.96

WINDOW_DAYS = 5
RISE_POINTS = 2
ISOLATION_DAYS = 3
MEETING_GAP_DAYS = 7
MIN_WINDOW_CHECKINS = 3  # check-ins with a craving needed in the window to see a trend
WARNING_MIN_LATEST_CRAVING = 5  # the latest craving in the window must be at least this
MIN_ISOLATION_CHECKINS = 2  # check-ins needed in the isolation days to call it isolation
MEETING_LOOKBACK_DAYS = 28  # a meeting in these days before the gap makes the gap "missed meetings"

NOT_ENOUGH_DATA = "not_enough_data"
UNCLEAR = "unclear"
LIKELY = "likely"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MORNING, AFTERNOON, EVENING, NIGHT = "morning", "afternoon", "evening", "night"
TIMES_OF_DAY = (MORNING, AFTERNOON, EVENING, NIGHT)

SLEEP, MEETING = "sleep", "meeting"
FACTORS = (SLEEP, MEETING)

RISING_CRAVING, ISOLATION, MISSED_MEETINGS = "rising_craving", "isolation", "missed_meetings"

# Two-sided 95% t quantiles (t₀.₉₇₅) by degrees of freedom.
# fmt: off
_T975 = (
    (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262),
    (10, 2.228), (11, 2.201), (12, 2.179), (13, 2.160), (14, 2.145), (15, 2.131), (16, 2.120), (17, 2.110),
    (18, 2.101), (19, 2.093), (20, 2.086), (21, 2.080), (22, 2.074), (23, 2.069), (24, 2.064), (25, 2.060),
    (26, 2.056), (27, 2.052), (28, 2.048), (29, 2.045), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980),
)
# fmt: on

ONE_DAY = dt.timedelta(days=1)
_EPSILON = 1e-9


@dataclass(frozen=True)
class DayRecord:
    """One day's check-in, as the insights need it."""

    day: dt.date
    craving: int | None = None  # 0–10
    mood: int | None = None  # 1–5
    triggers: frozenset[str] = frozenset()
    sleep_hours: float | None = None
    used: bool | None = None
    meeting: bool = False
    support_contact: bool = False
    hour: int | None = None  # local hour of the check-in (0–23)

    def __post_init__(self) -> None:
        if self.craving is not None and not 0 <= self.craving <= 10:
            raise ValueError(f"Craving {self.craving} on {self.day} is outside 0–10.")
        if self.mood is not None and not 1 <= self.mood <= 5:
            raise ValueError(f"Mood {self.mood} on {self.day} is outside 1–5.")
        if self.sleep_hours is not None and not 0 <= self.sleep_hours <= 24:
            raise ValueError(f"Sleep of {self.sleep_hours} h on {self.day} is outside 0–24.")
        if self.hour is not None and not 0 <= self.hour <= 23:
            raise ValueError(f"Check-in hour {self.hour} on {self.day} is outside 0–23.")


def _by_day(records: Iterable[DayRecord]) -> dict[dt.date, DayRecord]:
    """One record per day; if a day appears twice, the later record wins."""
    return {r.day: r for r in records}


# --- Craving by weekday and time of day ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupStat:
    key: str  # a weekday ("monday" …) or time of day ("morning" …)
    n: int  # check-ins with a craving in the group
    mean: float | None  # mean craving; None when n is 0

    @property
    def enough_data(self) -> bool:
        return self.n >= MIN_DAYS


def time_of_day(hour: int) -> str:
    """morning 5–11, afternoon 12–16, evening 17–21, night 22–4."""
    if 5 <= hour <= 11:
        return MORNING
    if 12 <= hour <= 16:
        return AFTERNOON
    if 17 <= hour <= 21:
        return EVENING
    return NIGHT


def _group_stats(keys: Sequence[str], values: dict[str, list[int]]) -> list[GroupStat]:
    return [GroupStat(k, len(values.get(k, ())), statistics.fmean(values[k]) if values.get(k) else None) for k in keys]


def _craving_by_weekday(by_day: dict[dt.date, DayRecord]) -> list[GroupStat]:
    values: dict[str, list[int]] = {}
    for day, r in by_day.items():
        if r.craving is not None:
            values.setdefault(WEEKDAYS[day.weekday()], []).append(r.craving)
    return _group_stats(WEEKDAYS, values)


def _craving_by_time_of_day(by_day: dict[dt.date, DayRecord]) -> list[GroupStat]:
    values: dict[str, list[int]] = {}
    for r in by_day.values():
        if r.craving is not None and r.hour is not None:
            values.setdefault(time_of_day(r.hour), []).append(r.craving)
    return _group_stats(TIMES_OF_DAY, values)


def craving_by_weekday(records: Iterable[DayRecord]) -> list[GroupStat]:
    """Mean craving for each weekday, Monday first. Rule companion.insights.craving_patterns."""
    return _craving_by_weekday(_by_day(records))


def craving_by_time_of_day(records: Iterable[DayRecord]) -> list[GroupStat]:
    """Mean craving by the local hour of the check-in: morning, afternoon, evening, night (check-ins without
    an hour are left out). Rule companion.insights.craving_patterns."""
    return _craving_by_time_of_day(_by_day(records))


def highest(groups: Iterable[GroupStat]) -> GroupStat | None:
    """The group with the highest mean among those with enough data (first in order on a tie); None unless
    at least two groups have enough data to compare."""
    ready = [g for g in groups if g.enough_data and g.mean is not None]
    if len(ready) < 2:
        return None
    return max(ready, key=lambda g: g.mean or 0.0)


# --- Intervals ----------------------------------------------------------------------------------------------


def t975(df: float) -> float:
    """Two-sided 95% t quantile, with the degrees of freedom rounded down to the table (never too narrow;
    1.980 from 120 on)."""
    if df < 1:
        raise ValueError("Degrees of freedom must be at least 1.")
    return next(value for tabled_df, value in reversed(_T975) if df >= tabled_df)


def _verdict(n_a: int, n_b: int, low: float | None, high: float | None) -> str:
    if n_a < MIN_GROUP or n_b < MIN_GROUP or low is None or high is None:
        return NOT_ENOUGH_DATA
    return UNCLEAR if low <= 0 <= high else LIKELY


# --- Trigger links ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerLink:
    trigger: str
    days_present: int  # check-ins that reported the trigger
    days_with: int  # of those, days where we can tell what followed
    followed_with: int  # … followed (same or next day) by high craving or use
    days_without: int  # days we can tell about that did not report the trigger
    followed_without: int
    share_with: float  # followed_with / days_with
    share_without: float | None  # None when every day we can tell about reported the trigger
    difference: float | None  # share_with − share_without
    low: float | None  # 95% interval for the difference (Agresti–Caffo)
    high: float | None
    confidence: str  # "not_enough_data", "unclear", "likely"


def _agresti_caffo(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    p1, p2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
    se = math.sqrt(p1 * (1 - p1) / (n1 + 2) + p2 * (1 - p2) / (n2 + 2))
    centre = p1 - p2
    return max(-1.0, centre - Z_975 * se), min(1.0, centre + Z_975 * se)


def _trigger_links(by_day: dict[dt.date, DayRecord], high_craving: int) -> list[TriggerLink]:
    def hard(r: DayRecord | None) -> bool:
        return r is not None and ((r.craving is not None and r.craving >= high_craving) or r.used is True)

    present: Counter[str] = Counter()
    with_n: Counter[str] = Counter()
    with_followed: Counter[str] = Counter()
    total = followed_total = 0
    for day, r in by_day.items():
        present.update(r.triggers)
        nxt = by_day.get(day + ONE_DAY)
        this_hard = hard(r)
        if not this_hard and nxt is None:
            continue  # cannot tell what followed
        followed = this_hard or hard(nxt)
        total += 1
        followed_total += followed
        with_n.update(r.triggers)
        if followed:
            with_followed.update(r.triggers)

    links = []
    for trigger, n_with in with_n.items():
        if n_with < MIN_DAYS:
            continue
        x_with = with_followed[trigger]
        n_without, x_without = total - n_with, followed_total - x_with
        share_without = x_without / n_without if n_without else None
        share_with = x_with / n_with
        low = high = None
        if n_without:
            low, high = _agresti_caffo(x_with, n_with, x_without, n_without)
        links.append(
            TriggerLink(
                trigger=trigger,
                days_present=present[trigger],
                days_with=n_with,
                followed_with=x_with,
                days_without=n_without,
                followed_without=x_without,
                share_with=share_with,
                share_without=share_without,
                difference=None if share_without is None else share_with - share_without,
                low=low,
                high=high,
                confidence=_verdict(n_with, n_without, low, high),
            )
        )
    links.sort(key=lambda t: (t.difference is None, -(t.difference or 0.0), -t.days_with, t.trigger))
    return links


def trigger_links(records: Iterable[DayRecord], high_craving: int = HIGH_CRAVING) -> list[TriggerLink]:
    """Triggers reported on at least MIN_DAYS days we can tell about, with how often high craving
    (≥ `high_craving`) or use followed the same or next day, with and without them; strongest first.
    Rule companion.insights.trigger_links."""
    return _trigger_links(_by_day(records), high_craving)


# --- Sleep and meetings against next-day craving ------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    factor: str  # "sleep" or "meeting"
    group_key: str  # "short_sleep" or "meeting"
    other_key: str  # "enough_sleep" or "no_meeting"
    group_n: int  # days in the group with a craving to compare
    other_n: int
    group_mean: float | None  # mean craving the day after
    other_mean: float | None
    difference: float | None  # group_mean − other_mean, in craving points
    low: float | None  # 95% Welch interval for the difference (only with MIN_GROUP days on each side)
    high: float | None
    confidence: str  # "not_enough_data", "unclear", "likely"


def welch_interval(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """95% interval for mean(a) − mean(b) without assuming equal variances (each needs ≥ 2 values)."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    diff = statistics.fmean(a) - statistics.fmean(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    margin = t975(df) * se
    return diff - margin, diff + margin


def _next_day_comparison(by_day: dict[dt.date, DayRecord], factor: str) -> Comparison:
    if factor == SLEEP:
        keys, lag = ("short_sleep", "enough_sleep"), SLEEP_LAG_DAYS * ONE_DAY
    elif factor == MEETING:
        keys, lag = ("meeting", "no_meeting"), MEETING_LAG_DAYS * ONE_DAY
    else:
        raise ValueError(f"Unknown factor {factor!r}; expected one of {', '.join(FACTORS)}.")
    group: list[float] = []
    other: list[float] = []
    for day, r in by_day.items():
        nxt = by_day.get(day + lag)
        if nxt is None or nxt.craving is None:
            continue
        if factor == SLEEP:
            if r.sleep_hours is None:
                continue
            in_group = r.sleep_hours < SHORT_SLEEP_HOURS
        else:
            in_group = r.meeting
        (group if in_group else other).append(nxt.craving)

    group_mean = statistics.fmean(group) if group else None
    other_mean = statistics.fmean(other) if other else None
    low = high = None
    if len(group) >= MIN_GROUP and len(other) >= MIN_GROUP:
        low, high = welch_interval(group, other)
    return Comparison(
        factor=factor,
        group_key=keys[0],
        other_key=keys[1],
        group_n=len(group),
        other_n=len(other),
        group_mean=group_mean,
        other_mean=other_mean,
        difference=None if group_mean is None or other_mean is None else group_mean - other_mean,
        low=low,
        high=high,
        confidence=_verdict(len(group), len(other), low, high),
    )


def next_day_comparison(records: Iterable[DayRecord], factor: str) -> Comparison:
    """Craving the day after a short night (sleep < 6 h) vs ≥ 6 h ("sleep": day d's "sleep last night" with
    day d's craving), or the day after a day with a meeting vs without ("meeting": day d's meeting with day
    d + 1's craving). Rule companion.insights.next_day."""
    return _next_day_comparison(_by_day(records), factor)


# --- Early warning ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlyWarning:
    today: dt.date
    window_start: dt.date
    cravings: tuple[tuple[dt.date, int], ...]  # the window's check-ins with a craving, oldest first
    slope: float  # craving points per day (least squares)
    rise: float  # slope × days from the first to the last of those check-ins
    latest_craving: int
    isolation: bool  # no support contact in the last isolation_days days
    missed_meetings: bool  # no meeting in the last meeting_gap_days days after going in the 4 weeks before
    last_support_contact: dt.date | None  # latest check-in up to today with a support contact
    last_meeting: dt.date | None  # latest check-in up to today with a meeting

    @property
    def signals(self) -> tuple[str, ...]:
        """What was seen: "rising_craving", then "isolation" and/or "missed_meetings"."""
        seen = [RISING_CRAVING]
        if self.isolation:
            seen.append(ISOLATION)
        if self.missed_meetings:
            seen.append(MISSED_MEETINGS)
        return tuple(seen)


def _slope(points: Sequence[tuple[int, int]]) -> float:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def _early_warning(
    by_day: dict[dt.date, DayRecord],
    today: dt.date,
    window_days: int,
    rise: float,
    isolation_days: int,
    meeting_gap_days: int,
) -> EarlyWarning | None:
    window_start = today - (window_days - 1) * ONE_DAY
    cravings = []
    for offset in range(window_days):
        r = by_day.get(window_start + offset * ONE_DAY)
        if r is not None and r.craving is not None:
            cravings.append((r.day, r.craving))
    if len(cravings) < MIN_WINDOW_CHECKINS or cravings[-1][1] < WARNING_MIN_LATEST_CRAVING:
        return None
    slope = _slope([((d - window_start).days, c) for d, c in cravings])
    seen_rise = slope * (cravings[-1][0] - cravings[0][0]).days
    if seen_rise < rise - _EPSILON:  # a rise of exactly `rise` counts, whatever the float rounding
        return None

    recent = [r for r in (by_day.get(today - i * ONE_DAY) for i in range(isolation_days)) if r is not None]
    isolation = len(recent) >= min(MIN_ISOLATION_CHECKINS, isolation_days) and not any(
        r.support_contact for r in recent
    )
    gap_start = today - (meeting_gap_days - 1) * ONE_DAY
    lookback_start = gap_start - MEETING_LOOKBACK_DAYS * ONE_DAY
    last_support = last_meeting = None
    met_in_gap = met_before = False
    for day, r in by_day.items():
        if day > today:
            continue
        if r.support_contact and (last_support is None or day > last_support):
            last_support = day
        if r.meeting:
            if last_meeting is None or day > last_meeting:
                last_meeting = day
            met_in_gap = met_in_gap or day >= gap_start
            met_before = met_before or lookback_start <= day < gap_start
    missed = met_before and not met_in_gap
    if not (isolation or missed):
        return None
    return EarlyWarning(
        today=today,
        window_start=window_start,
        cravings=tuple(cravings),
        slope=slope,
        rise=seen_rise,
        latest_craving=cravings[-1][1],
        isolation=isolation,
        missed_meetings=missed,
        last_support_contact=last_support,
        last_meeting=last_meeting,
    )


def early_warning(
    records: Iterable[DayRecord],
    today: dt.date,
    *,
    window_days: int = WINDOW_DAYS,
    rise: float = RISE_POINTS,
    isolation_days: int = ISOLATION_DAYS,
    meeting_gap_days: int = MEETING_GAP_DAYS,
) -> EarlyWarning | None:
    """The early-warning pattern as of `today`, or None: rising craving in the last `window_days` days together
    with isolation or missed meetings. Rule companion.insights.early_warning."""
    if min(window_days, isolation_days, meeting_gap_days) < 1:
        raise ValueError("Early-warning day counts must be at least 1.")
    return _early_warning(_by_day(records), today, window_days, rise, isolation_days, meeting_gap_days)


# --- Everything for the insights page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    today: dt.date
    days_recorded: int  # check-ins up to today
    first_day: dt.date | None
    craving_by_weekday: list[GroupStat]
    craving_by_time_of_day: list[GroupStat]
    trigger_links: list[TriggerLink]
    sleep: Comparison
    meeting: Comparison
    early_warning: EarlyWarning | None

    @property
    def top_weekday(self) -> GroupStat | None:
        return highest(self.craving_by_weekday)

    @property
    def top_time_of_day(self) -> GroupStat | None:
        return highest(self.craving_by_time_of_day)


def summarise(records: Iterable[DayRecord], today: dt.date) -> Insights:
    """Every insight from the check-ins up to `today` (later ones are ignored)."""
    by_day = {r.day: r for r in records if r.day <= today}
    return Insights(
        today=today,
        days_recorded=len(by_day),
        first_day=min(by_day) if by_day else None,
        craving_by_weekday=_craving_by_weekday(by_day),
        craving_by_time_of_day=_craving_by_time_of_day(by_day),
        trigger_links=_trigger_links(by_day, HIGH_CRAVING),
        sleep=_next_day_comparison(by_day, SLEEP),
        meeting=_next_day_comparison(by_day, MEETING),
        early_warning=_early_warning(by_day, today, WINDOW_DAYS, RISE_POINTS, ISOLATION_DAYS, MEETING_GAP_DAYS),
    )


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        CRAVING_PATTERNS,
        "Mean craving by weekday and by time of the check-in (morning 5–11, afternoon 12–16, evening 17–21, "
        f"night 22–4), each with its number of check-ins; a group is called the highest only when it and one "
        f"other have {MIN_DAYS}+ check-ins.",
        f"{MIN_DAYS} check-ins per group",
        "issue #7 (craving by weekday and time); hour bands [design choice]",
        "no",
    ),
    RuleInfo(
        TRIGGER_LINKS,
        f"For each trigger: the share of days it was reported that were followed (same or next day) by craving "
        f"≥ {HIGH_CRAVING}/10 or use, against days without it, with a 95% Agresti–Caffo interval; listed from "
        f"{MIN_DAYS} days, strongest first. An association in the person's own check-ins, not a cause.",
        f"high craving ≥ {HIGH_CRAVING}; listed from {MIN_DAYS} days",
        "issue #7 (triggers that most often precede high craving or use); thresholds [design choice]",
        "no",
    ),
    RuleInfo(
        NEXT_DAY,
        f"Craving the day after a night of under {SHORT_SLEEP_HOURS:g} h sleep vs {SHORT_SLEEP_HOURS:g} h or more "
        "(the check-in's 'sleep last night' with the same check-in's craving), and the day after a meeting vs a "
        "day without: difference of means with a 95% Welch interval (Satterthwaite degrees of freedom, t quantile "
        "rounded to the safe side).",
        f"short sleep < {SHORT_SLEEP_HOURS:g} h",
        "issue #7 (relation of sleep or meetings to next-day craving); cut-off [design choice]",
        "no",
    ),
    RuleInfo(
        MINIMUM_DATA,
        f"An insight says 'not enough data yet' until each side of a comparison has {MIN_GROUP} days; "
        "'unclear' when its 95% interval includes no difference; 'likely' otherwise. Groups and triggers are "
        f"shown from {MIN_DAYS} days; a craving trend needs {MIN_WINDOW_CHECKINS} check-ins.",
        f"{MIN_GROUP} days per side; {MIN_DAYS} per group",
        "issue #7 (honest about uncertainty); thresholds [design choice]",
        "no",
    ),
    RuleInfo(
        EARLY_WARNING,
        f"Early warning: over the last {WINDOW_DAYS} days, {MIN_WINDOW_CHECKINS}+ check-ins whose least-squares "
        f"craving trend rises by {RISE_POINTS}+ points with the latest craving {WARNING_MIN_LATEST_CRAVING}+, "
        f"together with isolation (no support contact in the last {ISOLATION_DAYS} days, "
        f"{MIN_ISOLATION_CHECKINS}+ check-ins) or missed meetings (none in {MEETING_GAP_DAYS} days after at least "
        f"one in the {MEETING_LOOKBACK_DAYS} days before). Prompts the person to open their plan; alerts the care "
        "team only with consent.",
        f"{WINDOW_DAYS} days, +{RISE_POINTS} points, latest ≥ {WARNING_MIN_LATEST_CRAVING}",
        "issue #7 (rising craving over several days with isolation or missed meetings); PRODUCT.md §8; "
        "numbers [design choice], not a validated instrument",
        "no",
    ),
)
