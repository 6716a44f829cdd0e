"""Withdrawal management (detox): the check schedule, the alerts a nurse sees on
the detox board and the stay page, and the plausibility of the vitals typed at a
check. Pure module (no Django): times in, times and alerts out.

Rules (ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- Check schedule (`assess.detox.check_interval`): a COWS with vitals every
  `check_every_hours` hours (program default 4 [unverified]; per program in
  `Program.rule_settings["assess.detox.check_every_hours"]`, per stay at its
  start). The baseline check is due when the stay starts; after that the next
  check is due one interval after the latest check (a late check moves the
  schedule, it does not leave a backlog). REFERENCE.md §1: "baseline, then
  after dosing".
- Overdue (`assess.detox.check_overdue`): a check is overdue once the clock is
  past its due time; exactly at the due time it is still on time.
- Band rise (`assess.detox.band_rise`): alert when a check's COWS total falls in
  a higher band than the check before it (bands from REFERENCE.md §1: 0–4 below
  mild, 5–12 mild, 13–24 moderate, 25–36 moderately severe, >36 severe). Same
  band or falling: no alert.
- Expected duration (`assess.detox.expected_duration`): 5–7 days typical, up to
  10–14 days (issue #3); default 7, allowed 1–14; an alert once the stay runs
  past it.
- Lofexidine (`assess.detox.lofexidine_limits`): REFERENCE.md §6 — at most
  0.72 mg per dose and up to 14 days; a symptom-medication entry above the dose
  and a lofexidine stay past 14 days are flagged.
- Vitals (`assess.detox.vitals_plausible`): plausible input ranges that catch
  typing errors (not clinical thresholds; program default [unverified]).
"""

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from waymark.assess.instruments import COWS
from waymark.core.rule_info import RuleInfo

CHECK_INTERVAL = "assess.detox.check_interval"
CHECK_OVERDUE = "assess.detox.check_overdue"
BAND_RISE = "assess.detox.band_rise"
EXPECTED_DURATION = "assess.detox.expected_duration"
LOFEXIDINE_LIMITS = "assess.detox.lofexidine_limits"
VITALS_PLAUSIBLE = "assess.detox.vitals_plausible"
CONTINUING_CARE = "assess.detox.continuing_care"

SETTING_CHECK_EVERY = "assess.detox.check_every_hours"
SETTING_EXPECTED_DAYS = "assess.detox.expected_days"

DEFAULT_CHECK_EVERY_HOURS = 4  # program default [unverified]
CHECK_EVERY_HOURS_RANGE = (1, 24)
DEFAULT_EXPECTED_DAYS = 7  # issue #3: 5–7 days typical
EXPECTED_DAYS_RANGE = (1, 14)  # issue #3: up to 10–14 days
TYPICAL_DAYS = (5, 7)

LOFEXIDINE_MAX_DOSE_MG = Decimal("0.72")  # REFERENCE.md §6
LOFEXIDINE_MAX_DAYS = 14  # REFERENCE.md §6


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class DetoxSettings:
    check_every_hours: int = DEFAULT_CHECK_EVERY_HOURS
    expected_days: int = DEFAULT_EXPECTED_DAYS


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high} (it is {value!r}).")
    return value


def settings_from(rule_settings: Mapping[str, Any]) -> DetoxSettings:
    """The program's detox settings from Program.rule_settings; a bad value raises SettingsError naming it."""
    return DetoxSettings(
        check_every_hours=_whole(
            rule_settings.get(SETTING_CHECK_EVERY, DEFAULT_CHECK_EVERY_HOURS),
            SETTING_CHECK_EVERY,
            *CHECK_EVERY_HOURS_RANGE,
        ),
        expected_days=_whole(
            rule_settings.get(SETTING_EXPECTED_DAYS, DEFAULT_EXPECTED_DAYS), SETTING_EXPECTED_DAYS, *EXPECTED_DAYS_RANGE
        ),
    )


# --- Schedule ---------------------------------------------------------------------------------------------


def next_check_due(started_at: dt.datetime, checks: Sequence[dt.datetime], every_hours: int) -> dt.datetime:
    """When the next check is due: the baseline at the start when no check is recorded yet, otherwise one
    interval after the latest check. Rule assess.detox.check_interval."""
    if not checks:
        return started_at
    return max(checks) + dt.timedelta(hours=every_hours)


def due_checks(
    started_at: dt.datetime, checks: Sequence[dt.datetime], every_hours: int, count: int = 3
) -> tuple[dt.datetime, ...]:
    """The next `count` due times if each check is done on time (for the stay page's schedule)."""
    first = next_check_due(started_at, checks, every_hours)
    return tuple(first + dt.timedelta(hours=every_hours * n) for n in range(count))


def is_overdue(due: dt.datetime, now: dt.datetime) -> bool:
    """Past its due time; exactly at the due time is on time. Rule assess.detox.check_overdue."""
    return now > due


def day_of_stay(started_at: dt.datetime, now: dt.datetime) -> int:
    """Day N of the stay: the first 24 hours are day 1."""
    if now < started_at:
        return 1
    return (now - started_at) // dt.timedelta(days=1) + 1


def past_expected(started_at: dt.datetime, expected_days: int, now: dt.datetime) -> bool:
    """The stay has run longer than expected; exactly at the end is not past it. Rule assess.detox.expected_duration."""
    return now > started_at + dt.timedelta(days=expected_days)


# --- COWS bands -------------------------------------------------------------------------------------------

_BAND_ORDER = [b.code for b in COWS.bands]


def band_of(total: int) -> str:
    band = COWS.band_for(total)
    if band is None:
        raise ValueError(f"COWS total {total} is outside 0–{COWS.max_total}.")
    return band.code


def band_label(total: int) -> str:
    band = COWS.band_for(total)
    return band.label if band else ""


def band_name(total: int) -> str:
    """The band in words without its range, e.g. "moderately severe"."""
    return band_label(total).split(" (")[0].lower()


def band_rose(previous_total: int | None, total: int) -> bool:
    """True when `total` is in a higher COWS band than `previous_total`. Rule assess.detox.band_rise."""
    if previous_total is None:
        return False
    return _BAND_ORDER.index(band_of(total)) > _BAND_ORDER.index(band_of(previous_total))


def band_rises(totals: Sequence[int]) -> list[bool]:
    """For COWS totals in time order, whether each moved into a higher band than the one before."""
    return [band_rose(totals[n - 1] if n else None, t) for n, t in enumerate(totals)]


# --- Alerts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    rule_id: str
    message: str
    urgent: bool = True


@dataclass(frozen=True)
class Reading:
    """One check as the rules need it: when, and its COWS total."""

    at: dt.datetime
    total: int


def band_rise_alert(previous_total: int | None, total: int) -> Alert | None:
    if not band_rose(previous_total, total):
        return None
    assert previous_total is not None
    return Alert(
        BAND_RISE,
        f"COWS rose from {previous_total} ({band_name(previous_total)}) to {total} ({band_name(total)}): "
        "withdrawal is getting worse. Review symptom relief and the protocol "
        "with the prescriber.",
    )


@dataclass(frozen=True)
class StayStatus:
    day: int
    expected_days: int
    next_due: dt.datetime
    baseline_due: bool  # no check yet: the next one is the baseline
    overdue: bool
    last_total: int | None
    last_band: str
    last_band_label: str
    band_rose: bool
    past_expected: bool
    alerts: tuple[Alert, ...]


def stay_status(
    *,
    started_at: dt.datetime,
    expected_days: int,
    every_hours: int,
    protocol: str,
    readings: Sequence[Reading],
    now: dt.datetime,
) -> StayStatus:
    """Everything the board and the stay page say about an active stay at `now`."""
    ordered = sorted(readings, key=lambda r: r.at)
    due = next_check_due(started_at, [r.at for r in ordered], every_hours)
    overdue = is_overdue(due, now)
    last = ordered[-1] if ordered else None
    previous = ordered[-2] if len(ordered) > 1 else None
    alerts: list[Alert] = []
    if overdue:
        late = _duration(now - due)
        what = "Baseline COWS" if last is None else "COWS check"
        alerts.append(Alert(CHECK_OVERDUE, f"{what} overdue by {late}."))
    rise = band_rise_alert(previous.total if previous else None, last.total) if last else None
    if rise:
        alerts.append(rise)
    day = day_of_stay(started_at, now)
    over = past_expected(started_at, expected_days, now)
    if over:
        alerts.append(
            Alert(
                EXPECTED_DURATION,
                f"Day {day} of an expected {expected_days}: past the expected length. Review the plan and "
                "prepare the continuing-care plan for discharge.",
            )
        )
    if protocol == "lofexidine" and now > started_at + dt.timedelta(days=LOFEXIDINE_MAX_DAYS):
        alerts.append(
            Alert(
                LOFEXIDINE_LIMITS,
                f"Lofexidine is given for up to {LOFEXIDINE_MAX_DAYS} days, tapered over 2–4 days "
                "(REFERENCE.md §6): this stay is past that.",
            )
        )
    return StayStatus(
        day=day,
        expected_days=expected_days,
        next_due=due,
        baseline_due=last is None,
        overdue=overdue,
        last_total=last.total if last else None,
        last_band=band_of(last.total) if last else "",
        last_band_label=band_label(last.total) if last else "",
        band_rose=rise is not None,
        past_expected=over,
        alerts=tuple(alerts),
    )


def _duration(delta: dt.timedelta) -> str:
    """A positive delay as "1 h 5 min", rounded up to the minute."""
    hours, minutes = divmod(max(1, math.ceil(delta.total_seconds() / 60)), 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def expected_length_note(expected_days: int) -> str:
    """A note when the expected length is outside the typical 5–7 days (allowed 1–14; issue #3)."""
    low, high = TYPICAL_DAYS
    if expected_days > high:
        return f"{expected_days} days is longer than the typical {low}–{high} (up to 10–14 for some people)."
    if expected_days < low:
        return f"{expected_days} days is shorter than the typical {low}–{high}."
    return ""


# --- Vitals -----------------------------------------------------------------------------------------------

# Plausible input ranges: they catch typing errors (a pulse of 720, a temperature in the wrong unit), they are
# not clinical thresholds. Program default [unverified].
PULSE_BPM = (20, 250)
SYSTOLIC_MMHG = (50, 260)
DIASTOLIC_MMHG = (20, 160)
RESPIRATORY_RATE = (4, 60)
SPO2_PERCENT = (50, 100)
TEMPERATURE = {"C": (Decimal("30.0"), Decimal("45.0")), "F": (Decimal("86.0"), Decimal("113.0"))}
UNIT_LABEL = {"C": "°C", "F": "°F"}


class VitalsError(ValueError):
    """Implausible vitals. `errors` maps each field at fault to a message naming it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Vitals:
    pulse_bpm: int
    systolic_mmhg: int
    diastolic_mmhg: int
    temperature_c: Decimal
    respiratory_rate: int
    spo2_percent: int


def to_celsius(value: Decimal, unit: str) -> Decimal:
    """A temperature in °C to one decimal (°F converted: (F − 32) × 5/9, half up)."""
    celsius = (value - 32) * 5 / 9 if unit == "F" else value
    return celsius.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def to_fahrenheit(celsius: Decimal) -> Decimal:
    return (celsius * 9 / 5 + 32).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _whole_in(errors: dict[str, str], name: str, label: str, value: object, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = f"{label}: give a whole number in {unit}."
        return 0
    if not low <= value <= high:
        errors[name] = f"{label} {value} {unit} is outside the plausible range {low}–{high} {unit}: check the reading."
    return value


def _temperature(errors: dict[str, str], value: object, unit: str) -> Decimal:
    if unit not in TEMPERATURE:
        errors["temperature_unit"] = "Temperature unit: choose °F or °C."
        return Decimal(0)
    try:
        number = Decimal(str(value)) if value is not None and value != "" else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors["temperature"] = f"Temperature: give a number in {UNIT_LABEL[unit]}."
        return Decimal(0)
    low, high = TEMPERATURE[unit]
    if not low <= number <= high:
        message = (
            f"Temperature {number} {UNIT_LABEL[unit]} is outside the plausible range {low}–{high} {UNIT_LABEL[unit]}"
        )
        other = "C" if unit == "F" else "F"
        other_low, other_high = TEMPERATURE[other]
        if other_low <= number <= other_high:
            message += f": was it measured in {UNIT_LABEL[other]}? Choose that unit."
        else:
            message += ": check the reading."
        errors["temperature"] = message
        return Decimal(0)
    return to_celsius(number, unit)


def check_vitals(
    *,
    pulse_bpm: object,
    systolic_mmhg: object,
    diastolic_mmhg: object,
    temperature: object,
    temperature_unit: str,
    respiratory_rate: object,
    spo2_percent: object,
) -> Vitals:
    """The vitals as stored (temperature in °C), or VitalsError naming every field out of its plausible range.
    Rule assess.detox.vitals_plausible."""
    errors: dict[str, str] = {}
    pulse = _whole_in(errors, "pulse_bpm", "Pulse", pulse_bpm, PULSE_BPM, "bpm")
    systolic = _whole_in(errors, "systolic_mmhg", "Systolic blood pressure", systolic_mmhg, SYSTOLIC_MMHG, "mmHg")
    diastolic = _whole_in(errors, "diastolic_mmhg", "Diastolic blood pressure", diastolic_mmhg, DIASTOLIC_MMHG, "mmHg")
    if "systolic_mmhg" not in errors and "diastolic_mmhg" not in errors and diastolic >= systolic:
        errors["diastolic_mmhg"] = (
            f"Diastolic blood pressure {diastolic} mmHg must be below the systolic {systolic} mmHg: check the order."
        )
    celsius = _temperature(errors, temperature, temperature_unit)
    rate = _whole_in(errors, "respiratory_rate", "Respiratory rate", respiratory_rate, RESPIRATORY_RATE, "breaths/min")
    spo2 = _whole_in(errors, "spo2_percent", "Oxygen saturation (SpO2)", spo2_percent, SPO2_PERCENT, "%")
    if errors:
        raise VitalsError(errors)
    return Vitals(pulse, systolic, diastolic, celsius, rate, spo2)


def cows_pulse_score(pulse_bpm: int) -> int:
    """The COWS pulse item for a resting pulse (REFERENCE.md §1: ≤80 → 0, 81–100 → 1, 101–120 → 2, >120 → 4)."""
    if pulse_bpm <= 80:
        return 0
    if pulse_bpm <= 100:
        return 1
    if pulse_bpm <= 120:
        return 2
    return 4


def pulse_item_note(pulse_bpm: int, item_score: int) -> str:
    """A note when the COWS pulse item does not match the measured pulse (both are kept as entered)."""
    expected = cows_pulse_score(pulse_bpm)
    if expected == item_score:
        return ""
    return (
        f"The COWS pulse item was scored {item_score}, but a resting pulse of {pulse_bpm} bpm scores {expected} "
        "(REFERENCE.md §1). If the pulse changed between readings, nothing needs doing; otherwise record a new check."
    )


_LOFEXIDINE_DOSE = re.compile(r"lofexidine\D{0,20}?(\d+(?:\.\d+)?)\s*mg", re.IGNORECASE)


def lofexidine_dose_note(symptom_medication: str) -> str:
    """A warning when a lofexidine dose written in the symptom medication is above 0.72 mg (REFERENCE.md §6)."""
    match = _LOFEXIDINE_DOSE.search(symptom_medication)
    if not match:
        return ""
    dose = Decimal(match.group(1))
    if dose <= LOFEXIDINE_MAX_DOSE_MG:
        return ""
    return (
        f"Lofexidine {dose} mg is above the {LOFEXIDINE_MAX_DOSE_MG} mg maximum per dose (at most 2.88 mg a day; "
        "REFERENCE.md §6). Check the dose with the prescriber."
    )


# --- Discharge --------------------------------------------------------------------------------------------

OVERDOSE_RISK_TEXT = (
    "Tolerance falls fast after detox: the risk of overdose is highest now (REFERENCE.md §6). Naloxone reverses an "
    "overdose; after fentanyl it can take several doses, and medical care is still needed."
)


def discharge_notes(naloxone_given: bool, overdose_risk_explained: bool) -> list[str]:
    """Warnings for a discharge recorded without naloxone or without the overdose-risk talk (both are allowed:
    the person may decline or leave first, but the gap is said out loud)."""
    notes = []
    if not naloxone_given:
        notes.append("Naloxone was not given. " + OVERDOSE_RISK_TEXT + " Offer it again if you can reach the person.")
    if not overdose_risk_explained:
        notes.append(
            "The overdose risk after detox was not explained. " + OVERDOSE_RISK_TEXT + " Tell the person and "
            "their continuing-care provider."
        )
    return notes


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        CHECK_INTERVAL,
        "During withdrawal management a COWS with vitals is due at the start of the stay (baseline), then one "
        "interval after the latest check; a late check moves the schedule rather than leaving a backlog.",
        f"every {DEFAULT_CHECK_EVERY_HOURS} hours",
        "REFERENCE.md §1 (baseline, then repeated); the interval is a program default [unverified]",
        f"per program ({SETTING_CHECK_EVERY}, 1–24) and per stay",
    ),
    RuleInfo(
        CHECK_OVERDUE,
        "A check not recorded by its due time is overdue (flagged on the detox board and the stay page); "
        "exactly at the due time it is on time.",
        "alert",
        "issue #3 (alert when a check is overdue)",
        "no",
    ),
    RuleInfo(
        BAND_RISE,
        "Alert when a check's COWS total is in a higher band than the check before it (e.g. 12 → 13, mild → "
        "moderate; 24 → 25, moderate → moderately severe); none when the band is the same or lower.",
        "alert",
        "REFERENCE.md §1 (bands); issue #3 (alert when the score rises into a higher band)",
        "no",
    ),
    RuleInfo(
        EXPECTED_DURATION,
        "A stay has an expected length (5–7 days typical, up to 10–14); alert once the stay runs past it.",
        f"{DEFAULT_EXPECTED_DAYS} days (allowed 1–14)",
        "issue #3 (expected duration 5–7 days typical, up to 10–14)",
        f"per program ({SETTING_EXPECTED_DAYS}, 1–14) and per stay",
    ),
    RuleInfo(
        LOFEXIDINE_LIMITS,
        "Lofexidine: warn when a symptom-medication entry gives more than 0.72 mg per dose, and alert when a "
        "lofexidine stay runs past 14 days (taper over 2–4 days).",
        "0.72 mg per dose; 14 days",
        "REFERENCE.md §6 (lofexidine label)",
        "no",
    ),
    RuleInfo(
        VITALS_PLAUSIBLE,
        "Vitals at a check must be plausible readings, each error naming the field: pulse 20–250 bpm, systolic "
        "50–260 and diastolic 20–160 mmHg with diastolic below systolic, temperature 86–113 °F or 30–45 °C "
        "(stored in °C), respiratory rate 4–60/min, SpO2 50–100 %. The COWS pulse item is compared with the "
        "measured pulse (a note, not a refusal).",
        "these ranges",
        "program default [unverified]: input plausibility, not clinical thresholds; COWS pulse item REFERENCE.md §1",
        "no",
    ),
    RuleInfo(
        CONTINUING_CARE,
        "Discharge from withdrawal management needs a continuing-care plan: the next level of care, who with, a "
        "first appointment time or the reason there is none, whether naloxone was given and whether the overdose "
        "risk after detox was explained (a 'no' is recorded with a warning); each missing item is named.",
        "required",
        "issue #3 (detox alone is not treatment); REFERENCE.md §6 (tolerance falls fast after detox: overdose "
        "risk is highest then; naloxone)",
        "no",
    ),
)
