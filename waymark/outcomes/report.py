"""Outcome measures per episode of care, grouped (issue #10 "Outcomes"; REFERENCE.md §9).

The per-episode figures are computed in the database (window functions that run on SQLite ≥ 3.25 and
PostgreSQL); Python only loops over per-episode rows. The definitions are in rules.py (RULE_INFO).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from waymark.chart.models import LevelOfCare
from waymark.meds.medications import CATALOGUE
from waymark.outcomes import rules, sql, survival

CENT = Decimal("0.01")
_LEVEL_LABELS: dict[str, str] = {str(value): str(label) for value, label in LevelOfCare.choices}
_MEDICATION_LABELS: dict[str, str] = {m.code.value: m.label for m in CATALOGUE.values()}

GROUP_BY = ("program", "site", "cohort", "level_of_care", "medication", "admission_month")


@dataclass(frozen=True)
class OutcomeQuery:
    program_ids: tuple[int, ...]  # programs in scope (the caller checks the viewer may see them)
    group_by: str = "cohort"  # one of GROUP_BY
    admitted_from: dt.date | None = None  # episodes admitted on or after
    admitted_to: dt.date | None = None  # episodes admitted on or before
    retention_days: tuple[int, ...] = (30, 90, 180)
    continuity_days: int = 180
    allowed_gap_days: int = 7  # REFERENCE.md §9 (HEDIS POD: a gap of 8+ days breaks)
    missing_counts_as_positive: bool = True  # REFERENCE.md §9 conservative convention; False = missing left out
    data_end: dt.date | None = None  # censoring date; default: the last clinical record in scope


@dataclass(frozen=True)
class GroupOutcome:
    group: str  # label, e.g. cohort name, "2024-03", level label; "(none)" for blanks
    episodes: int
    patients: int
    inducted: int  # ≥1 dose on or after the episode start
    retained: dict[int, int]  # D -> episodes with a dose (coverage) on some day ≥ start + D
    continuity_180: int  # episodes with ≥ continuity_days continuous pharmacotherapy
    expected_specimens: int
    negative_specimens: int
    negative_share: float | None  # negative / expected (None when nothing expected)
    longest_negative_run_median: float | None  # median over episodes of the longest run of negative specimens
    sessions_expected: int
    sessions_attended: int
    attendance_rate: float | None
    cm_cost_per_patient: Decimal  # sum of CM earnings (incentives LedgerEntry kind earned) / patients
    median_days_to_first_dose: float | None
    retention_curve: tuple[tuple[int, float], ...]  # Kaplan–Meier steps (day since start, share still retained)
    # Extra fields (beyond the contract): what the figures were computed with.
    missing_specimens: int = 0  # expected specimens that were missing (missed, refused, invalid, or no specimen)
    positive_specimens: int = 0  # collected and positive for a target opioid
    cm_earned_total: Decimal = field(default=Decimal("0"))
    continuity_days: int = 180  # what continuity_180 counted (the query's continuity_days)

    def as_json(self, retention_days: tuple[int, ...] | None = None) -> dict[str, Any]:
        """The issue's shape first, then the extra keys (counts as integers, shares 0–1)."""
        days = sorted(self.retained) if retention_days is None else list(retention_days)
        return {
            "group": self.group,
            "episodes": self.episodes,
            "patients": self.patients,
            "inducted": self.inducted,
            "retained": {str(d): self.retained[d] for d in days},
            "continuity_180": self.continuity_180,
            "negative_share": self.negative_share,
            "continuity_days": self.continuity_days,
            "expected_specimens": self.expected_specimens,
            "negative_specimens": self.negative_specimens,
            "positive_specimens": self.positive_specimens,
            "missing_specimens": self.missing_specimens,
            "longest_negative_run_median": self.longest_negative_run_median,
            "sessions_expected": self.sessions_expected,
            "sessions_attended": self.sessions_attended,
            "attendance_rate": self.attendance_rate,
            "cm_earned_total": float(self.cm_earned_total),
            "cm_cost_per_patient": float(self.cm_cost_per_patient),
            "median_days_to_first_dose": self.median_days_to_first_dose,
            "retention_curve": [[t, s] for t, s in self.retention_curve],
        }


@dataclass
class _Episode:
    """One episode's facts, as the queries return them (day numbers: days since 1970-01-01)."""

    episode_id: int
    patient_id: int
    start_day: int
    end_day: int
    closed: bool
    weeks: int
    program: str
    site: str | None
    cohort: str
    level_of_care: str
    first_day: int | None = None
    last_day: int | None = None
    first_med: str | None = None
    longest_run: int = 0
    recorded_specimens: int = 0
    negative: int = 0
    positive: int = 0
    missing_recorded: int = 0
    weeks_with_specimen: int = 0
    longest_negative_run: int = 0
    sessions_attended: int = 0
    sessions_expected: int = 0
    cm_earned: Decimal = field(default=Decimal(0))

    @property
    def missing(self) -> int:
        """Missing specimens: recorded ones judged missing plus whole weeks without a specimen."""
        return self.missing_recorded + max(self.weeks - self.weeks_with_specimen, 0)


def check_query(query: OutcomeQuery) -> None:
    """Raise ValueError with a readable message when the query cannot be answered."""
    if not query.program_ids:
        raise ValueError("Choose at least one program.")
    if query.group_by not in GROUP_BY:
        raise ValueError(f"Group by one of {', '.join(GROUP_BY)}, not {query.group_by!r}.")
    if not query.retention_days:
        raise ValueError("Give at least one retention day.")
    if any(d < 0 for d in query.retention_days):
        raise ValueError("Retention days cannot be negative.")
    if query.allowed_gap_days < 0:
        raise ValueError("The allowed gap cannot be negative.")
    if query.continuity_days < 1:
        raise ValueError("Continuity days must be at least 1.")
    if query.admitted_from and query.admitted_to and query.admitted_from > query.admitted_to:
        raise ValueError(
            f"The start date {query.admitted_from:%Y-%m-%d} is after the end date {query.admitted_to:%Y-%m-%d}."
        )


def _dialect() -> sql.Dialect:
    return sql.Dialect("postgresql" if connection.vendor == "postgresql" else "sqlite")


def _rows(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def resolve_data_end(query: OutcomeQuery) -> dt.date:
    """The query's data_end, else the latest record of the programs in scope (rule outcomes.data_end),
    else today."""
    if query.data_end is not None:
        return query.data_end
    (value,) = _rows(sql.data_end_sql(_dialect(), tuple(int(p) for p in query.program_ids)))[0]
    return sql.from_day_number(int(value)) if value is not None else dt.date.today()


def _scope(query: OutcomeQuery, data_end: dt.date) -> sql.Scope:
    return sql.Scope(
        program_ids=tuple(int(p) for p in query.program_ids),
        data_end=sql.day_number(data_end),
        admitted_from=sql.day_number(query.admitted_from) if query.admitted_from else None,
        admitted_to=sql.day_number(query.admitted_to) if query.admitted_to else None,
        gap=int(query.allowed_gap_days),
    )


def _attendance_subquery(program_ids: tuple[int, ...]) -> tuple[str, list[Any]]:
    """Attendance rows (patient_id, day, status) with the day in each program's time zone, built by the
    ORM so the date conversion is the backend's own."""
    from zoneinfo import ZoneInfo

    from django.db.models.functions import TruncDate

    from waymark.care.models import Attendance
    from waymark.core.models import Program

    zones: dict[str, list[int]] = {}
    for pk, zone in Program.objects.filter(pk__in=program_ids).values_list("pk", "time_zone"):
        zones.setdefault(zone, []).append(pk)
    parts: list[str] = []
    params: list[Any] = []
    for zone, ids in sorted(zones.items()):
        qs = (
            Attendance.objects.filter(patient__program_id__in=ids)
            .order_by()
            .annotate(day=TruncDate("starts_at", tzinfo=ZoneInfo(zone)))
            .values("patient_id", "day", "status")
        )
        text, qparams = qs.query.sql_with_params()
        parts.append(f"SELECT * FROM ({text}) z{len(parts)}")  # noqa: S608 (ORM-built SQL; values are parameters)
        params.extend(qparams)
    if not parts:
        return "SELECT NULL AS patient_id, NULL AS day, NULL AS status WHERE 1 = 0", []
    return " UNION ALL ".join(parts), params


def _episodes(query: OutcomeQuery, data_end: dt.date) -> list[_Episode]:
    """Every per-episode figure, in a fixed number of queries (none per episode or per dose)."""
    d = _dialect()
    scope = _scope(query, data_end)
    episodes = {
        row[0]: _Episode(
            episode_id=row[0],
            patient_id=row[1],
            start_day=int(row[2]),
            end_day=int(row[3]),
            closed=bool(row[4]),
            weeks=int(row[5]),
            program=row[6],
            site=row[7],
            cohort=row[8] or "",
            level_of_care=row[9] or "",
        )
        for row in _rows(sql.episodes_sql(d, scope))
    }
    if not episodes:
        return []
    for episode_id, first_day, last_day, first_med, longest in _rows(sql.doses_sql(d, scope)):
        e = episodes[episode_id]
        e.first_day, e.last_day, e.first_med, e.longest_run = int(first_day), int(last_day), first_med, int(longest)
    specimens = sql.specimens_sql(d, scope, query.missing_counts_as_positive)
    for episode_id, recorded, neg, pos, missing, weeks_with, longest in _rows(specimens):
        e = episodes[episode_id]
        e.recorded_specimens, e.negative, e.positive = int(recorded), int(neg or 0), int(pos or 0)
        e.missing_recorded, e.weeks_with_specimen = int(missing or 0), int(weeks_with or 0)
        e.longest_negative_run = int(longest or 0)
    subquery, params = _attendance_subquery(scope.program_ids)
    for episode_id, attended, expected in _rows(sql.attendance_sql(d, scope, subquery), params):
        e = episodes[episode_id]
        e.sessions_attended, e.sessions_expected = int(attended or 0), int(expected or 0)
    for episode_id, earned in _rows(sql.cm_sql(d, scope)):
        episodes[episode_id].cm_earned = Decimal(str(earned or 0))
    return list(episodes.values())


def _label(e: _Episode, group_by: str) -> str:
    """Rule outcomes.grouping."""
    if group_by == "program":
        return e.program or rules.NO_GROUP
    if group_by == "site":
        return e.site or rules.NO_GROUP
    if group_by == "cohort":
        return e.cohort.strip() or rules.NO_GROUP
    if group_by == "level_of_care":
        return _LEVEL_LABELS.get(e.level_of_care, e.level_of_care) or rules.NO_GROUP
    if group_by == "medication":
        if e.first_med is None:
            return rules.NO_DOSE
        return _MEDICATION_LABELS.get(e.first_med, e.first_med)
    if group_by == "admission_month":
        return f"{sql.from_day_number(e.start_day):%Y-%m}"
    raise ValueError(f"Unknown grouping {group_by!r}")


def _summarise(label: str, episodes: list[_Episode], query: OutcomeQuery, data_end_day: int) -> GroupOutcome:
    """Rules outcomes.* over one group's episodes (a loop over episodes, never over doses)."""
    gap = query.allowed_gap_days
    inducted = [e for e in episodes if e.first_day is not None]
    negative = sum(e.negative for e in episodes)
    positive = sum(e.positive for e in episodes)
    missing = sum(e.missing for e in episodes)
    expected = negative + positive + (missing if query.missing_counts_as_positive else 0)

    def expects_specimens(e: _Episode) -> bool:
        if query.missing_counts_as_positive:
            return e.recorded_specimens + e.weeks > 0
        return e.negative + e.positive > 0

    runs = [float(e.longest_negative_run) for e in episodes if expects_specimens(e)]
    patients = len({e.patient_id for e in episodes})
    earned = sum((e.cm_earned for e in episodes), Decimal(0))
    attended = sum(e.sessions_attended for e in episodes)
    sessions = sum(e.sessions_expected for e in episodes)
    curve = survival.kaplan_meier(
        survival.Observation(
            rules.retention_time(e.start_day, e.last_day),
            rules.dropped_out(e.last_day, e.start_day, data_end_day, e.closed, gap),
        )
        for e in episodes
    )
    return GroupOutcome(
        group=label,
        episodes=len(episodes),
        patients=patients,
        inducted=len(inducted),
        retained={
            days: sum(1 for e in episodes if rules.retained(e.start_day, e.last_day, days))
            for days in query.retention_days
        },
        continuity_180=sum(1 for e in inducted if e.longest_run >= query.continuity_days),
        expected_specimens=expected,
        negative_specimens=negative,
        negative_share=rules.share(negative, expected),
        longest_negative_run_median=rules.median(runs),
        sessions_expected=sessions,
        sessions_attended=attended,
        attendance_rate=rules.share(attended, sessions),
        cm_cost_per_patient=(earned / patients).quantize(CENT, rounding=ROUND_HALF_UP) if patients else Decimal("0.00"),
        median_days_to_first_dose=rules.median([float(e.first_day - e.start_day) for e in inducted]),  # type: ignore[operator]
        retention_curve=curve,
        missing_specimens=missing,
        positive_specimens=positive,
        cm_earned_total=earned,
        continuity_days=query.continuity_days,
    )


def outcomes(query: OutcomeQuery) -> list[GroupOutcome]:
    """One GroupOutcome per group, sorted by group label."""
    check_query(query)
    data_end = resolve_data_end(query)
    groups: dict[str, list[_Episode]] = {}
    for e in _episodes(query, data_end):
        groups.setdefault(_label(e, query.group_by), []).append(e)
    end_day = sql.day_number(data_end)
    return [_summarise(label, groups[label], query, end_day) for label in sorted(groups)]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def negativity_by_month(query: OutcomeQuery) -> list[tuple[dt.date, int, int]]:
    """(month start, expected, negative) over all groups together: recorded specimens by their clinic day,
    weeks without a specimen by the week's first day (rule outcomes.expected_specimens). Months where
    nothing was expected are left out."""
    check_query(query)
    data_end = resolve_data_end(query)
    scope = _scope(query, data_end)
    months: dict[dt.date, list[int]] = {}
    for day_no, outcome, count in _rows(sql.negativity_by_week_sql(_dialect(), scope)):
        bucket = months.setdefault(_month_start(sql.from_day_number(int(day_no))), [0, 0])
        missing = outcome in ("M", "W")
        if outcome == "N":
            bucket[1] += int(count)
        if not missing or query.missing_counts_as_positive:
            bucket[0] += int(count)
    return [(month, expected, negative) for month, (expected, negative) in sorted(months.items()) if expected]


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    day = first if first.day == 1 else (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    out = []
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def census_by_level_of_care(query: OutcomeQuery) -> list[tuple[dt.date, dict[str, int]]]:
    """On the 1st of each month from admitted_from (else the earliest admission) to admitted_to (else the
    data's end): open episodes per level of care that day (label -> count), every episode of the programs
    counted whatever its admission date."""
    check_query(query)
    from waymark.chart.models import Episode

    data_end = resolve_data_end(query)
    first = query.admitted_from
    if first is None:
        earliest = (
            Episode.objects.filter(patient__program_id__in=query.program_ids)
            .order_by("admitted_on")
            .values_list("admitted_on", flat=True)
            .first()
        )
        if earliest is None:
            return []
        first = _month_start(earliest)
    last = min(query.admitted_to or data_end, data_end)
    days = _month_starts(first, last)
    if not days:
        return []
    program_ids = tuple(int(p) for p in query.program_ids)
    statement = sql.census_sql(_dialect(), program_ids, sql.day_number(data_end), [sql.day_number(x) for x in days])
    counts: dict[dt.date, dict[str, int]] = {day: {} for day in days}
    for day_no, level, count in _rows(statement):
        label = _LEVEL_LABELS.get(level, level)
        counts[sql.from_day_number(int(day_no))][label] = int(count)
    return [(day, dict(sorted(counts[day].items()))) for day in days]
