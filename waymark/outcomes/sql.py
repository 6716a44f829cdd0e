"""The SQL behind the outcome report: per-episode aggregates computed in the database.

Every statement runs on SQLite (≥ 3.25, window functions) and PostgreSQL. Dates become integer day
numbers (days since 1970-01-01) so the arithmetic is the same on both; `Dialect` holds the few
expressions that differ. Numbers put into the SQL text are ints the caller has checked (program ids,
day numbers, the allowed gap), so there are no placeholders except in ORM-built subqueries.

Coverage runs (rule outcomes.continuity) are gaps-and-islands over coverage intervals [s, e]: ordered by
start, a row begins a new run when s > (max e of the rows before) + 1 + gap. One window pass (one sort)
over the dose rows gives the previous maximum end, the first medication and the episode's last covered
day; the runs' lengths come from the (few) rows that begin a run, paired with LEAD.
"""

# ruff: noqa: S608 -- table names come from the models; values are checked ints or fixed codes.
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from waymark.care.models import Attendance
from waymark.chart.models import Episode, LevelOfCareChange, Patient
from waymark.core.models import Program, Site
from waymark.incentives.models import LedgerEntry
from waymark.labs.analytes import OPIOID_ANALYTES
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, Injection, MedicationOrder, TakeHomeDispense
from waymark.outcomes.rules import COVERAGE_DAYS, MOUD_MEDICATIONS, SPECIMEN_WEEK_DAYS

EPOCH = dt.date(1970, 1, 1)
_JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def _table(model: type) -> str:
    return model._meta.db_table  # type: ignore[attr-defined]


def _in_list(values: tuple[str, ...] | frozenset[str] | list[str]) -> str:
    for v in values:
        if not v.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"Unexpected code {v!r}")
    return ", ".join(f"'{v}'" for v in sorted(values))


@dataclass(frozen=True)
class Dialect:
    vendor: str  # "sqlite" | "postgresql"

    def day(self, expr: str) -> str:
        """A date column → days since 1970-01-01 (integer)."""
        if self.vendor == "postgresql":
            return f"({expr} - DATE '1970-01-01')"
        return f"CAST(julianday({expr}) - {_JULIAN_EPOCH} AS INTEGER)"

    def date(self, expr: str) -> str:
        """Days since 1970-01-01 → a value comparable with a date column."""
        if self.vendor == "postgresql":
            return f"(DATE '1970-01-01' + ({expr}))"
        return f"date(({expr}) + {_JULIAN_EPOCH})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.vendor == 'postgresql' else 'MIN'}({', '.join(exprs)})"


@dataclass(frozen=True)
class Scope:
    """What the statements are about; all numbers are validated ints."""

    program_ids: tuple[int, ...]
    data_end: int  # day number
    admitted_from: int | None = None
    admitted_to: int | None = None
    gap: int = 7

    def __post_init__(self) -> None:
        if not self.program_ids or not all(isinstance(p, int) for p in self.program_ids):
            raise ValueError("program_ids must be a non-empty tuple of ints")
        for value in (self.data_end, self.admitted_from, self.admitted_to, self.gap):
            if value is not None and not isinstance(value, int):
                raise ValueError("day numbers and the gap must be ints")


def data_end_sql(d: Dialect, program_ids: tuple[int, ...]) -> str:
    """The latest clinical record of the programs (rule outcomes.data_end), as a day number."""
    ids = ", ".join(str(int(i)) for i in program_ids)
    patients = f"SELECT id FROM {_table(Patient)} WHERE program_id IN ({ids})"
    parts = [
        f"SELECT MAX(clinic_day) AS d FROM {_table(DoseAdministration)} WHERE patient_id IN ({patients})",
        f"SELECT MAX(clinic_day) AS d FROM {_table(Injection)} WHERE patient_id IN ({patients})",
        f"SELECT MAX(clinic_day) AS d FROM {_table(Specimen)} WHERE patient_id IN ({patients})",
        f"SELECT MAX(admitted_on) AS d FROM {_table(Episode)} WHERE patient_id IN ({patients})",
        f"SELECT MAX(discharged_on) AS d FROM {_table(Episode)} WHERE patient_id IN ({patients})",
    ]
    union = " UNION ALL ".join(parts)
    return f"SELECT MAX({d.day('d')}) FROM ({union}) latest"


def episodes_cte(d: Dialect, s: Scope) -> str:
    """`ep`: the episodes in scope with their windows (rule outcomes.episode_window).

    Columns: episode_id, patient_id, start_day, end_day, start_date, end_date, closed (0/1), weeks."""
    ids = ", ".join(str(int(i)) for i in s.program_ids)
    end = str(s.data_end)
    filters = []
    if s.admitted_from is not None:
        filters.append(f"start_day >= {s.admitted_from}")
    if s.admitted_to is not None:
        filters.append(f"start_day <= {s.admitted_to}")
    where = f"WHERE {' AND '.join(filters)}" if filters else ""
    end_day = d.least(f"COALESCE(discharged_day, {end})", f"COALESCE(next_start - 1, {end})", end)
    return f"""
ep_all AS (
    SELECT e.id AS episode_id, e.patient_id AS patient_id,
           {d.day("e.admitted_on")} AS start_day,
           {d.day("e.discharged_on")} AS discharged_day,
           LEAD({d.day("e.admitted_on")}) OVER (PARTITION BY e.patient_id ORDER BY e.admitted_on, e.id) AS next_start
    FROM {_table(Episode)} e JOIN {_table(Patient)} p ON p.id = e.patient_id
    WHERE p.program_id IN ({ids})
),
ep_win AS (
    SELECT episode_id, patient_id, start_day, {end_day} AS end_day,
           CASE WHEN (discharged_day IS NOT NULL AND discharged_day <= {end})
                  OR (next_start IS NOT NULL AND next_start - 1 <= {end}) THEN 1 ELSE 0 END AS closed
    FROM ep_all {where}
),
ep AS (
    SELECT episode_id, patient_id, start_day, end_day, closed,
           {d.date("start_day")} AS start_date, {d.date("end_day")} AS end_date,
           CASE WHEN end_day >= start_day THEN (end_day - start_day + 1) / {SPECIMEN_WEEK_DAYS} ELSE 0 END AS weeks
    FROM ep_win
)"""


def episodes_sql(d: Dialect, s: Scope) -> str:
    """One row per episode in scope with what grouping needs."""
    first_level = (
        f"(SELECT lc.level_of_care FROM {_table(LevelOfCareChange)} lc WHERE lc.episode_id = e.id "
        f"ORDER BY lc.started_on, lc.recorded_at, lc.id LIMIT 1)"
    )
    return f"""
WITH {episodes_cte(d, s)}
SELECT ep.episode_id, ep.patient_id, ep.start_day, ep.end_day, ep.closed, ep.weeks,
       pr.name AS program_name, si.name AS site_name, e.cohort,
       COALESCE({first_level}, e.level_of_care) AS level_of_care
FROM ep
JOIN {_table(Episode)} e ON e.id = ep.episode_id
JOIN {_table(Patient)} p ON p.id = ep.patient_id
JOIN {_table(Program)} pr ON pr.id = p.program_id
LEFT JOIN {_table(Site)} si ON si.id = e.site_id
"""


def _cover_case(column: str) -> str:
    whens = " ".join(f"WHEN '{med}' THEN {days - 1}" for med, days in sorted(COVERAGE_DAYS.items()))
    return f"CASE {column} {whens} ELSE 0 END"


def coverage_cte(d: Dialect) -> str:
    """`cov`: coverage intervals (episode_id, s, e, med) inside the windows (rule outcomes.coverage).
    Needs `ep`."""
    moud = _in_list(MOUD_MEDICATIONS)
    clinic = d.day("x.clinic_day")
    return f"""
cov_raw AS (
    SELECT ep.episode_id, ep.end_day, {clinic} AS s, {clinic} + {_cover_case("o.medication")} AS e0,
           o.medication AS med
    FROM {_table(DoseAdministration)} x
    JOIN {_table(MedicationOrder)} o ON o.id = x.order_id
    JOIN ep ON ep.patient_id = x.patient_id AND x.clinic_day BETWEEN ep.start_date AND ep.end_date
    WHERE x.outcome = 'observed' AND o.medication IN ({moud})
    UNION ALL
    SELECT ep.episode_id, ep.end_day, {clinic} AS s, {clinic} + {_cover_case("x.medication")} AS e0,
           x.medication AS med
    FROM {_table(Injection)} x
    JOIN ep ON ep.patient_id = x.patient_id AND x.clinic_day BETWEEN ep.start_date AND ep.end_date
    WHERE x.medication IN ({moud})
    UNION ALL
    SELECT ep.episode_id, ep.end_day, {d.day("x.first_day")} AS s, {d.day("x.last_day")} AS e0,
           o.medication AS med
    FROM {_table(TakeHomeDispense)} x
    JOIN {_table(MedicationOrder)} o ON o.id = x.order_id
    JOIN ep ON ep.patient_id = x.patient_id AND x.first_day BETWEEN ep.start_date AND ep.end_date
    WHERE o.medication IN ({moud})
),
cov AS (
    SELECT episode_id, s, {d.least("e0", "end_day")} AS e, med FROM cov_raw
)"""


def doses_sql(d: Dialect, s: Scope) -> str:
    """Per inducted episode: first_day, last_day, first_med, longest run (rule outcomes.continuity)."""
    order = "PARTITION BY episode_id ORDER BY s, med, e"
    return f"""
WITH {episodes_cte(d, s)},
{coverage_cte(d)},
w AS (
    SELECT episode_id, s, e,
           MAX(e) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end,
           FIRST_VALUE(med) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS first_med,
           MAX(e) OVER (PARTITION BY episode_id) AS last_e
    FROM cov
),
b AS (
    SELECT episode_id, s AS run_start, first_med, last_e,
           LEAD(prev_end) OVER (PARTITION BY episode_id ORDER BY s) AS run_end
    FROM w
    WHERE prev_end IS NULL OR s > prev_end + 1 + {s.gap}
)
SELECT episode_id, MIN(run_start) AS first_day, MAX(last_e) AS last_day, MIN(first_med) AS first_med,
       MAX(COALESCE(run_end, last_e) - run_start + 1) AS longest_run
FROM b
GROUP BY episode_id
"""


def specimen_ctes(d: Dialect) -> str:
    """`sc`: the specimens in the windows with their outcome N / P / M (rule outcomes.negativity), week and the
    episode's whole weeks. A laboratory result supersedes the point-of-care one for the same analyte. Needs `ep`.
    """
    opioids = _in_list([str(a) for a in OPIOID_ANALYTES])
    results = _table(AnalyteResult)
    return f"""
sp AS (
    SELECT ep.episode_id, ep.weeks, ep.start_day, x.id AS specimen_id, {d.day("x.clinic_day")} AS day_no,
           x.collected_at, x.status, CASE WHEN x.temperature_in_range IS FALSE THEN 1 ELSE 0 END AS temp_bad,
           ({d.day("x.clinic_day")} - ep.start_day) / {SPECIMEN_WEEK_DAYS} AS week
    FROM {_table(Specimen)} x
    JOIN ep ON ep.patient_id = x.patient_id AND x.clinic_day BETWEEN ep.start_date AND ep.end_date
),
sc AS (
    SELECT sp.episode_id, sp.weeks, sp.start_day, sp.specimen_id, sp.day_no, sp.collected_at, sp.week,
           CASE WHEN sp.status <> 'collected' THEN 'M'
                WHEN MAX(CASE WHEN r.result = 'positive' THEN 1 ELSE 0 END) = 1 THEN 'P'
                WHEN MAX(CASE WHEN r.result = 'invalid' THEN 1 ELSE 0 END) = 1 OR sp.temp_bad = 1 THEN 'M'
                WHEN MAX(CASE WHEN r.result = 'negative' THEN 1 ELSE 0 END) = 1 THEN 'N'
                ELSE 'M' END AS outcome
    FROM sp LEFT JOIN {results} r
      ON r.specimen_id = sp.specimen_id AND r.analyte IN ({opioids})
     AND (r.method = 'lab' OR NOT EXISTS (
            SELECT 1 FROM {results} l
            WHERE l.specimen_id = r.specimen_id AND l.analyte = r.analyte AND l.method = 'lab'))
    GROUP BY sp.episode_id, sp.weeks, sp.start_day, sp.specimen_id, sp.day_no, sp.collected_at, sp.week,
             sp.status, sp.temp_bad
),
seq AS (
    SELECT episode_id, weeks, start_day, specimen_id, day_no, collected_at, week, outcome,
           LAG(week) OVER (PARTITION BY episode_id ORDER BY day_no, collected_at, specimen_id) AS prev_week,
           LEAD(week) OVER (PARTITION BY episode_id ORDER BY day_no, collected_at, specimen_id) AS next_week
    FROM sc
)"""


def specimens_sql(d: Dialect, s: Scope, missing_counts: bool) -> str:
    """Per episode with specimens: recorded, negative, positive, missing, whole weeks with a specimen, longest
    negative run (rule outcomes.longest_negative_run). Conservative: a positive or missing specimen or a week
    without one breaks a run; otherwise only a positive breaks it and missing ones are skipped."""
    conservative = "outcome <> 'N' OR (prev_week IS NOT NULL AND week - prev_week > 1)"
    breaks = conservative if missing_counts else "outcome = 'P'"
    return f"""
WITH {episodes_cte(d, s)},
{specimen_ctes(d)},
runs AS (
    SELECT episode_id, outcome,
           CASE WHEN week < weeks AND (prev_week IS NULL OR week <> prev_week) THEN 1 ELSE 0 END AS new_week,
           SUM(CASE WHEN {breaks} THEN 1 ELSE 0 END)
               OVER (PARTITION BY episode_id ORDER BY day_no, collected_at, specimen_id ROWS UNBOUNDED PRECEDING)
               AS run_id
    FROM seq
),
per_run AS (
    SELECT episode_id, run_id, COUNT(*) AS recorded,
           SUM(CASE WHEN outcome = 'N' THEN 1 ELSE 0 END) AS negative,
           SUM(CASE WHEN outcome = 'P' THEN 1 ELSE 0 END) AS positive,
           SUM(CASE WHEN outcome = 'M' THEN 1 ELSE 0 END) AS missing,
           SUM(new_week) AS new_weeks
    FROM runs GROUP BY episode_id, run_id
)
SELECT episode_id, SUM(recorded), SUM(negative), SUM(positive), SUM(missing), SUM(new_weeks), MAX(negative)
FROM per_run
GROUP BY episode_id
"""


def negativity_by_week_sql(d: Dialect, s: Scope) -> str:
    """(day number, outcome, count): recorded specimens by their day, and whole weeks without a specimen by the
    week's first day, outcome 'W'. The empty weeks are the gaps between an episode's specimen weeks, before the
    first and after the last, found from the ordered specimens (no per-week rows but the empty ones)."""
    return f"""
WITH RECURSIVE {episodes_cte(d, s)},
{specimen_ctes(d)},
n (k) AS (
    SELECT 0
    UNION ALL
    SELECT k + 1 FROM n WHERE k + 1 < (SELECT MAX(weeks) FROM ep)
),
gaps AS (
    SELECT start_day, COALESCE(prev_week + 1, 0) AS k0, {d.least("week - 1", "weeks - 1")} AS k1
    FROM seq WHERE week > COALESCE(prev_week + 1, 0)
    UNION ALL
    SELECT start_day, week + 1 AS k0, weeks - 1 AS k1 FROM seq WHERE next_week IS NULL AND week + 1 < weeks
    UNION ALL
    SELECT ep.start_day, 0 AS k0, ep.weeks - 1 AS k1 FROM ep
    WHERE ep.weeks > 0 AND NOT EXISTS (
        SELECT 1 FROM {_table(Specimen)} x
        WHERE x.patient_id = ep.patient_id AND x.clinic_day BETWEEN ep.start_date AND ep.end_date)
)
SELECT day_no, outcome, COUNT(*) FROM sc GROUP BY day_no, outcome
UNION ALL
SELECT g.start_day + {SPECIMEN_WEEK_DAYS} * n.k AS day_no, 'W' AS outcome, COUNT(*)
FROM gaps g JOIN n ON n.k BETWEEN g.k0 AND g.k1
GROUP BY g.start_day + {SPECIMEN_WEEK_DAYS} * n.k
"""


def attendance_sql(d: Dialect, s: Scope, attendance_subquery: str) -> str:
    """Per episode: sessions attended (attended, late) and expected (attended, late, no-show)
    (rule outcomes.attendance). `attendance_subquery` gives patient_id, day, status."""
    return f"""
WITH {episodes_cte(d, s)}
SELECT ep.episode_id,
       SUM(CASE WHEN a.status IN ('attended', 'late') THEN 1 ELSE 0 END) AS attended,
       SUM(CASE WHEN a.status IN ('attended', 'late', 'no_show') THEN 1 ELSE 0 END) AS expected
FROM ep JOIN ({attendance_subquery}) a
  ON a.patient_id = ep.patient_id AND a.day BETWEEN ep.start_date AND ep.end_date
GROUP BY ep.episode_id
"""


def attendance_table() -> str:
    return _table(Attendance)


def cm_sql(d: Dialect, s: Scope) -> str:
    """Per episode: CM earnings dated in the window (rule outcomes.cm_cost)."""
    return f"""
WITH {episodes_cte(d, s)}
SELECT ep.episode_id, SUM(l.amount)
FROM ep JOIN {_table(LedgerEntry)} l
  ON l.patient_id = ep.patient_id AND l.event_day BETWEEN ep.start_date AND ep.end_date
WHERE l.kind = 'earned'
GROUP BY ep.episode_id
"""


def census_sql(d: Dialect, program_ids: tuple[int, ...], data_end: int, days: list[int]) -> str:
    """(day number, level, open episodes) on each of `days`: an episode is open on a day inside its
    window; its level that day is the latest level-of-care entry started on or before it, else the first
    entry, else the episode's level."""
    s = Scope(program_ids, data_end)
    values = " UNION ALL ".join(f"SELECT {int(n)} AS day_no" for n in days)
    at_day = (
        f"(SELECT lc.level_of_care FROM {_table(LevelOfCareChange)} lc WHERE lc.episode_id = ep.episode_id "
        f"AND lc.started_on <= {d.date('m.day_no')} ORDER BY lc.started_on DESC, lc.recorded_at DESC, lc.id DESC "
        f"LIMIT 1)"
    )
    first = (
        f"(SELECT lc.level_of_care FROM {_table(LevelOfCareChange)} lc WHERE lc.episode_id = ep.episode_id "
        f"ORDER BY lc.started_on, lc.recorded_at, lc.id LIMIT 1)"
    )
    return f"""
WITH {episodes_cte(d, s)},
m AS ({values})
SELECT day_no, level, COUNT(*) FROM (
    SELECT m.day_no, COALESCE({at_day}, {first}, e.level_of_care) AS level
    FROM m JOIN ep ON ep.start_day <= m.day_no AND ep.end_day >= m.day_no
    JOIN {_table(Episode)} e ON e.id = ep.episode_id
) open_episodes
GROUP BY day_no, level
"""
