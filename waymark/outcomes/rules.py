"""Definitions of the outcome measures (issue #10 "Outcomes"). Pure module (no Django).

Every definition is a rule with an id in RULE_INFO (mirrored in docs/clinical-rules.md). The numbers
come from REFERENCE.md §6 and §9 or are labelled program defaults. The database side (sql.py) follows
these definitions; the per-episode arithmetic that is not SQL lives here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from waymark.core.rule_info import RuleInfo

# Medications for opioid use disorder whose doses count as pharmacotherapy (NQF 3175 is about these:
# REFERENCE.md §9). Lofexidine and clonidine treat withdrawal symptoms and naloxone reverses overdose:
# they are not maintenance pharmacotherapy and are left out.
MOUD_MEDICATIONS: tuple[str, ...] = (
    "methadone",
    "buprenorphine",
    "buprenorphine_naloxone",
    "buprenorphine_xr",
    "naltrexone_xr",
    "naltrexone_oral",
)

# Days one administration covers (the day given counts as the first). Extended-release naltrexone:
# 380 mg IM every 4 weeks (REFERENCE.md §6) → 28 days. Extended-release buprenorphine: REFERENCE.md has
# no interval; the medication catalogue's monthly interval (28 days) is a program default [unverified].
# Every other dose covers its own day.
COVERAGE_DAYS: dict[str, int] = {"naltrexone_xr": 28, "buprenorphine_xr": 28}
DAILY_COVERAGE_DAYS = 1

# REFERENCE.md §9: HEDIS POD allows gaps of ≤7 days (a gap of 8 or more consecutive days breaks).
DEFAULT_ALLOWED_GAP_DAYS = 7
# REFERENCE.md §9: NQF 3175 counts ≥180 days of continuous pharmacotherapy.
DEFAULT_CONTINUITY_DAYS = 180
# REFERENCE.md §9: retention at 30/90/180 days.
DEFAULT_RETENTION_DAYS: tuple[int, ...] = (30, 90, 180)
# Program default [unverified]: each whole week (7-day block from the episode's start) expects at
# least one specimen.
SPECIMEN_WEEK_DAYS = 7

NO_GROUP = "(none)"
NO_DOSE = "(no dose)"

EPISODE_WINDOW = "outcomes.episode_window"
COVERAGE = "outcomes.coverage"
INDUCTED = "outcomes.inducted"
RETENTION = "outcomes.retention"
CONTINUITY = "outcomes.continuity"
NEGATIVITY = "outcomes.negativity"
EXPECTED_SPECIMENS = "outcomes.expected_specimens"
NEGATIVE_RUN = "outcomes.longest_negative_run"
RETENTION_CURVE = "outcomes.retention_curve"
ATTENDANCE = "outcomes.attendance"
CM_COST = "outcomes.cm_cost"
TIME_TO_FIRST_DOSE = "outcomes.time_to_first_dose"
DATA_END = "outcomes.data_end"
GROUPING = "outcomes.grouping"


def retained(start_day: int, last_covered_day: int | None, days: int) -> bool:
    """Rule outcomes.retention: covered on some day ≥ start + D within the episode's window."""
    return last_covered_day is not None and last_covered_day >= start_day + days


def retention_time(start_day: int, last_covered_day: int | None) -> int:
    """Days retained for the Kaplan–Meier curve: last covered day − start + 1 (0 when never covered)."""
    if last_covered_day is None:
        return 0
    return max(last_covered_day - start_day + 1, 0)


def dropped_out(last_covered_day: int | None, start_day: int, data_end_day: int, closed: bool, gap: int) -> bool:
    """Rule outcomes.retention_curve: an event (dropped out) when the episode ended (discharge, or the
    person's next episode began) by the data's end, or coverage ended more than `gap` days before it;
    otherwise censored at the data's end."""
    last = last_covered_day if last_covered_day is not None else start_day - 1
    return closed or data_end_day - last > gap


def whole_weeks(start_day: int, end_day: int) -> int:
    """Whole 7-day blocks from the start within [start, end] (rule outcomes.expected_specimens)."""
    return max(end_day - start_day + 1, 0) // SPECIMEN_WEEK_DAYS


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        EPISODE_WINDOW,
        "An episode's window runs from admission to discharge, or to the day before the person's next episode "
        "starts, or to the data's end, whichever comes first. Doses, specimens, sessions and CM earnings belong "
        "to the episode whose window holds their day; anything outside every window is left out.",
        "admission … min(discharge, next admission − 1, data end)",
        "issue #10 (outcomes per episode); program default [unverified]",
        "no",
    ),
    RuleInfo(
        COVERAGE,
        "A day is covered by an observed dose of a medication for opioid use disorder (methadone, "
        "buprenorphine, buprenorphine-naloxone, extended-release buprenorphine, naltrexone), an injection, or "
        "a take-home supply (each of its days). An extended-release naltrexone dose or injection covers 28 days "
        "from the day given; extended-release buprenorphine also 28 days. Any of these medications covers: a "
        "switch between them does not break continuity (HEDIS counts different drugs separately). Coverage "
        "stops at the window's end. Refused, held and missed doses, lofexidine and clonidine do not count.",
        "daily dose 1 day; XR naltrexone 28 days; XR buprenorphine 28 days; any MOUD",
        "REFERENCE.md §6 (naltrexone XR 380 mg every 4 weeks), §9 (a supply covers its start date plus days' "
        "supply − 1); XR buprenorphine interval and any-MOUD coverage are program defaults [unverified]",
        "no",
    ),
    RuleInfo(
        INDUCTED,
        "Inducted: at least one covered day (a dose) in the episode's window, on or after its start.",
        "≥1 dose",
        "issue #10",
        "no",
    ),
    RuleInfo(
        RETENTION,
        "Retained at day D: covered on some day ≥ start + D within the episode's window (for daily doses: a "
        "dose on some day ≥ start + D).",
        "D = 30, 90, 180",
        "REFERENCE.md §9 (retention at 30/90/180 days); issue #10",
        "per report (--retention-days)",
    ),
    RuleInfo(
        CONTINUITY,
        "Continuity of pharmacotherapy: the longest run of covered days in the window, where gaps of at most "
        "the allowed gap of uncovered days are bridged (one day more breaks the run), counted from the run's "
        "first to its last covered day inclusive; the episode counts when the run reaches the continuity days.",
        "≥180 days, gaps ≤7 days allowed",
        "REFERENCE.md §9 (NQF 3175 / MIPS 468; HEDIS POD: a gap of 8 or more consecutive days breaks)",
        "per report (--allowed-gap)",
    ),
    RuleInfo(
        NEGATIVITY,
        "Drug-test negativity: negative specimens / expected specimens. Negative: collected, every tested "
        "target opioid analyte (opiates, 6-MAM, fentanyl, oxycodone; not methadone or buprenorphine) negative "
        "and at least one tested, a laboratory result superseding the point-of-care one. A positive wins. An "
        "invalid result, a urine temperature out of range, a missed or refused specimen, or a specimen with no "
        "opioid result is missing. Missing counts as positive (conservative); with the other convention "
        "missing specimens leave the denominator.",
        "missing = positive",
        "REFERENCE.md §9 (share of expected specimens negative; missing counts as positive), §11 (analytes); "
        "invalid as missing follows labs.missed_counts_as_positive",
        "per report (--missing-as)",
    ),
    RuleInfo(
        EXPECTED_SPECIMENS,
        "Expected specimens: every recorded specimen (collected, missed or refused) in the window, plus one "
        "missing specimen for each whole week (7-day block from the episode's start, up to the window's end) "
        "with no specimen recorded.",
        "at least one a week",
        "program default [unverified]: REFERENCE.md §9 does not say how many are expected",
        "no",
    ),
    RuleInfo(
        NEGATIVE_RUN,
        "Longest negative run: the most consecutive negative specimens in an episode, in collection order. A "
        "positive or missing specimen breaks it, and so does a whole week without a specimen (conservative "
        "convention); with the other convention missing specimens are skipped. Median over the episodes that "
        "expected at least one specimen.",
        "missing breaks the run",
        "REFERENCE.md §9 (missing counts as positive); program default [unverified]",
        "per report (--missing-as)",
    ),
    RuleInfo(
        RETENTION_CURVE,
        "Retention curve (Kaplan–Meier): time = last covered day − start + 1 (0 without a dose); an event when "
        "the episode ended (discharge or a next episode) or coverage ended more than the allowed gap before "
        "the data's end, censored at the data's end otherwise.",
        "censored at data end",
        "issue #10 (Kaplan–Meier with censoring at the data's end); REFERENCE.md §9 (allowed gap)",
        "per report (--allowed-gap)",
    ),
    RuleInfo(
        ATTENDANCE,
        "Attendance rate: counselling sessions attended or late / (attended + late + no-show) in the episode's "
        "window; cancelled sessions and ones not yet recorded are left out.",
        "late counts as attended",
        "program default [unverified]: not in REFERENCE.md",
        "no",
    ),
    RuleInfo(
        CM_COST,
        "CM cost per patient: contingency-management earnings (ledger entries of kind earned, before "
        "redemption) dated within the group's episode windows, divided by the group's distinct patients.",
        "earned, per patient",
        "REFERENCE.md §7 (earned vouchers are never taken away); program default [unverified]",
        "no",
    ),
    RuleInfo(
        TIME_TO_FIRST_DOSE,
        "Time to first dose: first covered day − admission, in days; median over inducted episodes.",
        "median, inducted only",
        "issue #10",
        "no",
    ),
    RuleInfo(
        DATA_END,
        "The data's end (censoring date): given by the report, else the latest dose, injection, specimen, "
        "admission or discharge recorded for the programs in scope.",
        "latest record in scope",
        "issue #10 (censoring at the data's end)",
        "per report",
    ),
    RuleInfo(
        GROUPING,
        "Groups: program name; site name; cohort as stored; level of care at admission (first level-of-care "
        "history entry, else the episode's level); medication of the episode's first covered day ('(no dose)' "
        "otherwise); month of admission (YYYY-MM). A blank label is '(none)'.",
        "cohort",
        "issue #10",
        "per report (--group-by)",
    ),
)
