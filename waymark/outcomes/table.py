"""The dashboard's table and its CSV: one row per group, counts with their denominators.

Pure module (no Django): takes the engine's GroupOutcome rows, returns plain cells.
Every share's denominator is in the row next to it: episodes for induction,
retention and continuity; expected specimens for negativity; expected sessions for
attendance. Nothing here is patient-level.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class GroupLike(Protocol):
    """The fields of report.GroupOutcome the table reads."""

    @property
    def group(self) -> str: ...
    @property
    def episodes(self) -> int: ...
    @property
    def patients(self) -> int: ...
    @property
    def inducted(self) -> int: ...
    @property
    def retained(self) -> dict[int, int]: ...
    @property
    def continuity_180(self) -> int: ...
    @property
    def expected_specimens(self) -> int: ...
    @property
    def negative_specimens(self) -> int: ...
    @property
    def negative_share(self) -> float | None: ...
    @property
    def longest_negative_run_median(self) -> float | None: ...
    @property
    def sessions_expected(self) -> int: ...
    @property
    def sessions_attended(self) -> int: ...
    @property
    def attendance_rate(self) -> float | None: ...
    @property
    def cm_cost_per_patient(self) -> Decimal: ...
    @property
    def median_days_to_first_dose(self) -> float | None: ...


@dataclass(frozen=True)
class Count:
    """n of a denominator, with its share (None when the denominator is 0)."""

    n: int
    of: int

    @property
    def share(self) -> float | None:
        return self.n / self.of if self.of else None

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.0f}%"


@dataclass(frozen=True)
class Row:
    group: str
    episodes: int
    patients: int
    inducted: Count
    retained: tuple[tuple[int, Count], ...]
    continuity: Count
    negative: Count
    longest_negative_run: str
    attendance: Count
    cm_cost_per_patient: str
    days_to_first_dose: str


def number(value: float | None) -> str:
    """A median: whole numbers without decimals, halves with one; "—" when there is none."""
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def money(value: Decimal) -> str:
    return f"${value.quantize(Decimal('0.01')):,}"


def rows(groups: Sequence[GroupLike], retention_days: Sequence[int]) -> list[Row]:
    return [
        Row(
            group=g.group,
            episodes=g.episodes,
            patients=g.patients,
            inducted=Count(g.inducted, g.episodes),
            retained=tuple((d, Count(g.retained.get(d, 0), g.episodes)) for d in retention_days),
            continuity=Count(g.continuity_180, g.episodes),
            negative=Count(g.negative_specimens, g.expected_specimens),
            longest_negative_run=number(g.longest_negative_run_median),
            attendance=Count(g.sessions_attended, g.sessions_expected),
            cm_cost_per_patient=money(g.cm_cost_per_patient),
            days_to_first_dose=number(g.median_days_to_first_dose),
        )
        for g in groups
    ]


def _share(count: Count) -> str:
    share = count.share
    return "" if share is None else f"{share:.4f}"


def csv_header(retention_days: Sequence[int], continuity_days: int = 180) -> list[str]:
    retained = [name for d in retention_days for name in (f"retained_{d}", f"retained_{d}_share")]
    return [
        "group",
        "episodes",
        "patients",
        "inducted",
        "inducted_share",
        *retained,
        f"continuity_{continuity_days}",
        f"continuity_{continuity_days}_share",
        "expected_specimens",
        "negative_specimens",
        "negative_share",
        "longest_negative_run_median",
        "sessions_expected",
        "sessions_attended",
        "attendance_rate",
        "cm_cost_per_patient",
        "median_days_to_first_dose",
    ]


def safe_text(text: str) -> str:
    """A label that a spreadsheet will not run as a formula (a cohort named "=HYPERLINK(…)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(groups: Sequence[GroupLike], retention_days: Sequence[int]) -> list[list[str]]:
    """Counts as integers, shares 0–1 with four decimals, empty where there is no denominator."""
    out = []
    for g, row in zip(groups, rows(groups, retention_days), strict=True):
        retained = [cell for _, c in row.retained for cell in (str(c.n), _share(c))]
        out.append(
            [
                safe_text(g.group),
                str(g.episodes),
                str(g.patients),
                str(g.inducted),
                _share(row.inducted),
                *retained,
                str(g.continuity_180),
                _share(row.continuity),
                str(g.expected_specimens),
                str(g.negative_specimens),
                _share(row.negative),
                "" if g.longest_negative_run_median is None else number(g.longest_negative_run_median),
                str(g.sessions_expected),
                str(g.sessions_attended),
                _share(row.attendance),
                str(g.cm_cost_per_patient.quantize(Decimal("0.01"))),
                "" if g.median_days_to_first_dose is None else number(g.median_days_to_first_dose),
            ]
        )
    return out
