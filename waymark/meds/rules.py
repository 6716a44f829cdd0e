"""Clinical rules for medication orders, the dosing window, take-homes and
injections. Pure module (no Django): plain dataclasses in, findings out.

A finding is `ok`, `warn` (shown, documented, never stops anyone) or
`needs_override` (a prescriber must give a written reason, which is audited).
Every rule has an id, a default, a source line in REFERENCE.md and a program
setting keyed by its id (Program.rule_settings); `RULE_INFO` is the list
docs/clinical-rules.md mirrors.

Mismatches between what the nurse is about to give and what is ordered are not
findings: they block outright (`dose_mismatch`), because the fix is to pour
again or to change the order, never to override at the window.
"""

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from waymark.core.rule_info import RuleInfo
from waymark.meds import schedules
from waymark.meds.medications import Family, Medication, info


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    NEEDS_OVERRIDE = "needs_override"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    level: Level
    message: str


def needs_override(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level is Level.NEEDS_OVERRIDE]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level is Level.WARN]


# --- Settings ------------------------------------------------------------------


class OpioidType(StrEnum):
    SHORT_ACTING = "short_acting"  # heroin, oxycodone, hydrocodone …
    LONG_ACTING = "long_acting"  # extended-release formulations
    FENTANYL = "fentanyl"
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"


@dataclass(frozen=True)
class MedsSettings:
    """Every configurable default, with the rule id whose setting changes it."""

    # meds.methadone.first_day_limit — REFERENCE.md §5: 30 mg first dose, 40 mg first day (pre-2024, the
    # stricter default); the 2024 rule's 50 mg first day is a program choice.
    first_dose_mg: Decimal = Decimal(30)
    first_day_mg: Decimal = Decimal(40)
    # meds.methadone.dose_increase_step — no figure in REFERENCE.md: an unverified program default.
    max_increase_mg: Decimal = Decimal(10)
    # meds.methadone.daily_dose_warning — REFERENCE.md §6: maintenance usually 60–120 mg [secondary].
    methadone_warn_above_mg: Decimal = Decimal(120)
    # meds.methadone.qtc — REFERENCE.md §6 (Krantz 2009).
    qtc_monitor_ms: int = 450
    qtc_high_ms: int = 500
    ecg_dose_threshold_mg: Decimal = Decimal(100)
    # meds.methadone.missed_doses — REFERENCE.md §6 (Australian guideline): review from 3 days.
    missed_hold_from_days: int = 3
    # meds.buprenorphine.induction_readiness — REFERENCE.md §6 [secondary].
    cows_threshold: int = 8
    wait_hours: Mapping[OpioidType, int] = field(
        default_factory=lambda: {
            OpioidType.SHORT_ACTING: 12,
            OpioidType.FENTANYL: 12,
            OpioidType.LONG_ACTING: 24,
            OpioidType.METHADONE: 24,
            OpioidType.BUPRENORPHINE: 0,
        }
    )
    # meds.buprenorphine.daily_dose_warning — REFERENCE.md §6: warn, never hard-cap at 24 mg.
    buprenorphine_warn_above_mg: Decimal = Decimal(24)
    # meds.naltrexone_xr.readiness — REFERENCE.md §6: ≥7 days after short-acting, up to 14 after
    # methadone or buprenorphine; naloxone challenge optional.
    opioid_free_days_short: int = 7
    opioid_free_days_long: int = 14
    require_naloxone_challenge: bool = False
    negative_test_within_days: int = 7
    # meds.injection.interval — REFERENCE.md §6: every 4 weeks.
    injection_interval_days: int = 28
    # meds.take_home.limit — REFERENCE.md §5.
    take_home_schedule: schedules.TakeHomeSchedule = schedules.FEDERAL_2024
    # meds.take_home.closure_days — weekdays the program is closed (Monday = 0 … Sunday = 6).
    closed_weekdays: frozenset[int] = frozenset({6})
    # meds.clinic_day.close — local hour at which the clinic day is closed and missed doses marked.
    close_hour: int = 23


class SettingsError(ValueError):
    pass


def _number(value: Any, name: str, low: float, high: float) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SettingsError(f"{name} must be a number.")
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise SettingsError(f"{name} must be a number.") from exc
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}.")
    return number


def settings_from(rule_settings: Mapping[str, Any]) -> MedsSettings:
    """Build the program's settings from Program.rule_settings; unknown or bad values raise SettingsError."""
    s = MedsSettings()
    changes: dict[str, Any] = {}
    first_day = rule_settings.get("meds.methadone.first_day_limit")
    if first_day is not None:
        if not isinstance(first_day, Mapping):
            raise SettingsError('meds.methadone.first_day_limit is {"first_dose_mg": 30, "first_day_mg": 40}.')
        changes["first_dose_mg"] = _number(first_day.get("first_dose_mg", 30), "first_dose_mg", 1, 100)
        changes["first_day_mg"] = _number(first_day.get("first_day_mg", 40), "first_day_mg", 1, 100)
    simple: dict[str, tuple[str, float, float, type]] = {
        "meds.methadone.dose_increase_step": ("max_increase_mg", 1, 100, Decimal),
        "meds.methadone.daily_dose_warning": ("methadone_warn_above_mg", 20, 400, Decimal),
        "meds.methadone.missed_doses": ("missed_hold_from_days", 2, 14, int),
        "meds.buprenorphine.daily_dose_warning": ("buprenorphine_warn_above_mg", 8, 48, Decimal),
        "meds.injection.interval": ("injection_interval_days", 21, 35, int),
        "meds.clinic_day.close": ("close_hour", 12, 23, int),
    }
    for rule_id, (attr, low, high, kind) in simple.items():
        if rule_id in rule_settings:
            number = _number(rule_settings[rule_id], rule_id, low, high)
            changes[attr] = int(number) if kind is int else number
    bup = rule_settings.get("meds.buprenorphine.induction_readiness")
    if bup is not None:
        if not isinstance(bup, Mapping):
            raise SettingsError('meds.buprenorphine.induction_readiness is {"cows_threshold": 8, "wait_hours": {..}}.')
        if "cows_threshold" in bup:
            changes["cows_threshold"] = int(_number(bup["cows_threshold"], "cows_threshold", 0, 48))
        waits = dict(s.wait_hours)
        raw_waits = bup.get("wait_hours", {})
        if not isinstance(raw_waits, Mapping):
            raise SettingsError('wait_hours is {"short_acting": 12, "long_acting": 24, ...}.')
        for key, hours in raw_waits.items():
            try:
                opioid = OpioidType(key)
            except ValueError as exc:
                raise SettingsError(f"Unknown opioid type {key!r} in wait_hours.") from exc
            waits[opioid] = int(_number(hours, f"wait_hours.{key}", 0, 240))
        changes["wait_hours"] = waits
    ntx = rule_settings.get("meds.naltrexone_xr.readiness")
    if ntx is not None:
        if not isinstance(ntx, Mapping):
            raise SettingsError("meds.naltrexone_xr.readiness is an object of day counts.")
        if "opioid_free_days_short" in ntx:
            days = _number(ntx["opioid_free_days_short"], "opioid_free_days_short", 7, 30)
            changes["opioid_free_days_short"] = int(days)
        if "opioid_free_days_long" in ntx:
            days = _number(ntx["opioid_free_days_long"], "opioid_free_days_long", 7, 30)
            changes["opioid_free_days_long"] = int(days)
        if "require_naloxone_challenge" in ntx:
            if not isinstance(ntx["require_naloxone_challenge"], bool):
                raise SettingsError("require_naloxone_challenge must be true or false.")
            changes["require_naloxone_challenge"] = ntx["require_naloxone_challenge"]
    if "meds.take_home.limit" in rule_settings:
        try:
            changes["take_home_schedule"] = schedules.schedule_from_settings(rule_settings["meds.take_home.limit"])
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
    if "meds.take_home.closure_days" in rule_settings:
        days = rule_settings["meds.take_home.closure_days"]
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise SettingsError("meds.take_home.closure_days is a list of weekdays, Monday 0 to Sunday 6.")
        changes["closed_weekdays"] = frozenset(days)
    return replace(s, **changes)


# --- The window: what the nurse is about to give -------------------------------


TENFOLD = Decimal(10)


def mg(value: Decimal) -> str:
    """A dose as people write it: 40, 37.5, 0.54 (no trailing zeros, no exponent)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def dose_mismatch(
    *,
    ordered_mg: Decimal,
    given_mg: Decimal,
    ordered_concentration: Decimal | None,
    given_concentration: Decimal | None,
) -> str | None:
    """Why this administration may not go ahead, or None. Rule meds.window.matches_order."""
    if given_mg <= 0:
        raise ValueError("The amount given must be more than 0 mg.")
    if ordered_concentration is not None:
        if given_concentration is None:
            raise ValueError("Confirm the concentration of the solution (mg/mL).")
        if given_concentration <= 0:
            raise ValueError("The concentration must be more than 0 mg/mL.")
        if given_concentration != ordered_concentration:
            ratio = max(given_concentration, ordered_concentration) / min(given_concentration, ordered_concentration)
            tenfold = " — a 10-fold difference" if ratio >= TENFOLD else ""
            return (
                f"The order is for {mg(ordered_concentration)} mg/mL solution; you confirmed "
                f"{mg(given_concentration)} mg/mL{tenfold}. Use the ordered stock bottle, or ask the prescriber to "
                "change the order."
            )
    if given_mg != ordered_mg:
        ratio = max(given_mg, ordered_mg) / min(given_mg, ordered_mg)
        if ratio >= TENFOLD:
            return (
                f"{mg(given_mg)} mg is a 10-fold difference from the ordered {mg(ordered_mg)} mg. "
                "Check the decimal point and the measure before giving anything."
            )
        return (
            f"{mg(given_mg)} mg does not match the ordered {mg(ordered_mg)} mg for this dose. Give the ordered amount, "
            "or ask the prescriber to change the order."
        )
    return None


def ml_for(mg: Decimal, concentration: Decimal) -> Decimal:
    return (mg / concentration).quantize(Decimal("0.01"))


# --- Findings for an administration and for an order --------------------------


@dataclass(frozen=True)
class DoseContext:
    """What the rules need to judge one dose at the window."""

    medication: Medication
    clinic_day: dt.date
    amount_mg: Decimal
    given_today_mg: Decimal  # already given earlier today (split doses)
    first_dose_day: bool  # no earlier dose of this family (or a new induction after missed days)
    missed_days: int  # consecutive clinic days missed before today (0 when none, or first dose)
    reviewed_since_missed: bool  # a prescriber released the hold after those missed days
    latest_qtc_ms: int | None = None
    co_use: tuple[str, ...] = ()  # documented benzodiazepine / alcohol co-use
    induction: "InductionFacts | None" = None
    low_dose_induction: bool = False


@dataclass(frozen=True)
class InductionFacts:
    """Buprenorphine induction readiness (REFERENCE.md §6)."""

    hours_since_last_use: Decimal
    opioid_type: OpioidType
    cows_total: int


@dataclass(frozen=True)
class MissedDoseAction:
    missed_days: int
    hold: bool
    action: str
    suggested_mg: Decimal | None


def missed_dose_action(missed_days: int, usual_mg: Decimal, s: MedsSettings) -> MissedDoseAction:
    """REFERENCE.md §6, methadone missed doses (Australian national guideline, confirmed for that source):
    1 day no change; 2 usual dose if not intoxicated; 3 half dose after prescriber review; 4 see prescriber,
    restart at 40 mg or half dose, whichever is lower; ≥5 treat as new induction. The day a hold starts is
    the program's setting (default 3)."""
    half = (usual_mg / 2).quantize(Decimal("0.01"))
    if missed_days <= 1:
        return MissedDoseAction(missed_days, False, "No change.", usual_mg)
    if missed_days == 2:
        action = "Give the usual dose if the person is not intoxicated; check first."
        suggested: Decimal | None = usual_mg
    elif missed_days == 3:
        action = f"Prescriber review; half dose ({mg(half)} mg)."
        suggested = half
    elif missed_days == 4:
        restart = min(Decimal(40), half)
        action = f"See the prescriber; restart at 40 mg or half the dose, whichever is lower ({mg(restart)} mg)."
        suggested = restart
    else:
        action = "Treat as a new induction: prescriber review and first-day limits apply."
        suggested = None
    return MissedDoseAction(missed_days, missed_days >= s.missed_hold_from_days, action, suggested)


def _first_day(ctx: DoseContext, s: MedsSettings) -> list[Finding]:
    rule_id = "meds.methadone.first_day_limit"
    if not ctx.first_dose_day:
        return []
    out = []
    if ctx.given_today_mg == 0 and ctx.amount_mg > s.first_dose_mg:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"A first methadone dose above {mg(s.first_dose_mg)} mg needs a prescriber's documented reason "
                f"({mg(ctx.amount_mg)} mg).",
            )
        )
    total = ctx.given_today_mg + ctx.amount_mg
    if total > s.first_day_mg:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"The first day's total would be {mg(total)} mg, above {mg(s.first_day_mg)} mg; the record must show "
                f"that {mg(s.first_day_mg)} mg did not suppress withdrawal.",
            )
        )
    return out


def _missed(ctx: DoseContext, usual_mg: Decimal, s: MedsSettings) -> list[Finding]:
    rule_id = "meds.methadone.missed_doses"
    if ctx.missed_days < 2:
        return []
    action = missed_dose_action(ctx.missed_days, usual_mg, s)
    text = f"Missed {ctx.missed_days} days in a row. {action.action}"
    if action.hold and not ctx.reviewed_since_missed:
        return [Finding(rule_id, Level.NEEDS_OVERRIDE, text)]
    return [Finding(rule_id, Level.WARN, text)]


def _qtc_window(ctx: DoseContext, s: MedsSettings) -> list[Finding]:
    rule_id = "meds.methadone.qtc"
    if ctx.latest_qtc_ms is None:
        return []
    if ctx.latest_qtc_ms > s.qtc_high_ms:
        return [
            Finding(
                rule_id,
                Level.WARN,
                f"Last QTc {ctx.latest_qtc_ms} ms (>{s.qtc_high_ms}): the prescriber "
                "should consider reducing or stopping methadone. Do not withhold today's dose on this alone.",
            )
        ]
    if ctx.latest_qtc_ms >= s.qtc_monitor_ms:
        return [
            Finding(
                rule_id,
                Level.WARN,
                f"Last QTc {ctx.latest_qtc_ms} ms ({s.qtc_monitor_ms}–{s.qtc_high_ms}): discuss and monitor.",
            )
        ]
    return []


def _co_use(ctx: DoseContext) -> list[Finding]:
    if not ctx.co_use:
        return []
    return [
        Finding(
            "meds.co_use.warn_never_withhold",
            Level.WARN,
            f"Documented co-use: {', '.join(ctx.co_use)}. Assess sedation and manage the risk; do not withhold "
            "medication on this alone (FDA 2017).",
        )
    ]


def _bup_induction(ctx: DoseContext, s: MedsSettings) -> list[Finding]:
    rule_id = "meds.buprenorphine.induction_readiness"
    if not ctx.first_dose_day or ctx.low_dose_induction:
        return []
    facts = ctx.induction
    if facts is None:
        return [
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                "Record induction readiness first: time and type of last opioid use and a current COWS score.",
            )
        ]
    out = []
    wait = s.wait_hours[facts.opioid_type]
    if facts.hours_since_last_use < wait:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"Last {facts.opioid_type.replace('_', '-')} use "
                f"{mg(facts.hours_since_last_use)} h ago; wait at least {wait} h to avoid precipitated "
                "withdrawal.",
            )
        )
    if facts.cows_total < s.cows_threshold:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"COWS {facts.cows_total} is below {s.cows_threshold}: objective withdrawal is not yet present.",
            )
        )
    if facts.opioid_type is OpioidType.FENTANYL:
        out.append(
            Finding(
                rule_id,
                Level.WARN,
                "After fentanyl, consider a low-dose induction with the full agonist continued (REFERENCE.md §6).",
            )
        )
    return out


def _bup_daily(total_mg: Decimal, induction_day: int | None, s: MedsSettings) -> list[Finding]:
    out = []
    if total_mg > s.buprenorphine_warn_above_mg:
        out.append(
            Finding(
                "meds.buprenorphine.daily_dose_warning",
                Level.WARN,
                f"{mg(total_mg)} mg/day is above "
                f"{mg(s.buprenorphine_warn_above_mg)} mg; appropriate for some people (2025 labels). "
                "Not capped.",
            )
        )
    label_day_max = {1: Decimal(8), 2: Decimal(16)}.get(induction_day or 0)
    if label_day_max is not None and total_mg > label_day_max:
        out.append(
            Finding(
                "meds.buprenorphine.induction_days",
                Level.WARN,
                f"Day {induction_day} of induction: {mg(total_mg)} mg is above the label's {mg(label_day_max)} mg.",
            )
        )
    return out


def _methadone_daily(total_mg: Decimal, s: MedsSettings) -> list[Finding]:
    if total_mg > s.methadone_warn_above_mg:
        return [
            Finding(
                "meds.methadone.daily_dose_warning",
                Level.WARN,
                f"{mg(total_mg)} mg/day is above "
                f"{mg(s.methadone_warn_above_mg)} mg (maintenance is usually 60–120 mg); check the QTc.",
            )
        ]
    return []


def evaluate_dose(ctx: DoseContext, usual_daily_mg: Decimal, s: MedsSettings) -> list[Finding]:
    """Findings for giving `ctx.amount_mg` now. `usual_daily_mg` is the order's daily total."""
    family = info(ctx.medication).family
    findings = _co_use(ctx)
    if family is Family.METHADONE:
        findings += _first_day(ctx, s) + _missed(ctx, usual_daily_mg, s) + _qtc_window(ctx, s)
    elif family is Family.BUPRENORPHINE:
        findings += _bup_induction(ctx, s)
    return findings


@dataclass(frozen=True)
class OrderContext:
    medication: Medication
    daily_mg: Decimal
    per_dose_mg: Decimal
    previous_daily_mg: Decimal | None  # the order this one replaces, same medication
    new_start: bool  # first order of this family, or a new induction
    latest_qtc_ms: int | None
    plan_daily_mg: tuple[Decimal, ...] = ()  # a plan's daily totals, in order
    course_days: int | None = None


def evaluate_order(ctx: OrderContext, s: MedsSettings) -> list[Finding]:
    family = info(ctx.medication).family
    out: list[Finding] = []
    days = ctx.plan_daily_mg or (ctx.daily_mg,)
    if family is Family.METHADONE:
        if ctx.new_start and days[0] > s.first_day_mg:
            out.append(
                Finding(
                    "meds.methadone.first_day_limit",
                    Level.NEEDS_OVERRIDE,
                    f"A first-day methadone total of {mg(days[0])} mg is above {mg(s.first_day_mg)} mg.",
                )
            )
        if ctx.new_start and ctx.per_dose_mg > s.first_dose_mg:
            out.append(
                Finding(
                    "meds.methadone.first_day_limit",
                    Level.NEEDS_OVERRIDE,
                    f"A first methadone dose of {mg(ctx.per_dose_mg)} mg is above {mg(s.first_dose_mg)} mg.",
                )
            )
        # Each step up, from the order it replaces and from one plan day to the next.
        previous = [ctx.previous_daily_mg] if ctx.previous_daily_mg is not None else []
        for before, after in itertools.pairwise([*previous, *days]):
            if after - before > s.max_increase_mg:
                out.append(
                    Finding(
                        "meds.methadone.dose_increase_step",
                        Level.NEEDS_OVERRIDE,
                        f"An increase of {mg(after - before)} mg in one step (from {mg(before)} to {mg(after)} mg) "
                        f"is more than the program's {mg(s.max_increase_mg)} mg.",
                    )
                )
        out += _methadone_daily(max(days), s)
        if ctx.latest_qtc_ms is not None and ctx.latest_qtc_ms > s.qtc_high_ms:
            out.append(
                Finding(
                    "meds.methadone.qtc",
                    Level.NEEDS_OVERRIDE,
                    f"Last QTc {ctx.latest_qtc_ms} ms is "
                    f"above {s.qtc_high_ms} ms: consider reducing or stopping methadone.",
                )
            )
        elif ctx.latest_qtc_ms is not None and ctx.latest_qtc_ms >= s.qtc_monitor_ms:
            out.append(
                Finding(
                    "meds.methadone.qtc",
                    Level.WARN,
                    f"Last QTc {ctx.latest_qtc_ms} ms ({s.qtc_monitor_ms}–{s.qtc_high_ms}): discuss and monitor.",
                )
            )
    elif family is Family.BUPRENORPHINE and info(ctx.medication).code is not Medication.BUPRENORPHINE_XR:
        for day, total in enumerate(days, start=1):
            out += _bup_daily(total, day if ctx.new_start else None, s)
    elif ctx.medication is Medication.LOFEXIDINE:
        out += lofexidine_findings(ctx.per_dose_mg, ctx.daily_mg, ctx.course_days)
    return _dedupe(out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.rule_id, f.message) not in seen:
            seen.add((f.rule_id, f.message))
            out.append(f)
    return out


# Lofexidine (REFERENCE.md §6, confirmed): max 0.72 mg per dose and 2.88 mg/day, up to 14 days.
LOFEXIDINE_MAX_DOSE_MG = Decimal("0.72")
LOFEXIDINE_MAX_DAY_MG = Decimal("2.88")
LOFEXIDINE_MAX_COURSE_DAYS = 14


def lofexidine_findings(per_dose_mg: Decimal, daily_mg: Decimal, course_days: int | None) -> list[Finding]:
    rule_id = "meds.lofexidine.limits"
    out = []
    if per_dose_mg > LOFEXIDINE_MAX_DOSE_MG:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"{mg(per_dose_mg)} mg per dose is above the {mg(LOFEXIDINE_MAX_DOSE_MG)} mg maximum.",
            )
        )
    if daily_mg > LOFEXIDINE_MAX_DAY_MG:
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"{mg(daily_mg)} mg/day is above the {mg(LOFEXIDINE_MAX_DAY_MG)} mg maximum.",
            )
        )
    if course_days is not None and course_days > LOFEXIDINE_MAX_COURSE_DAYS:
        out.append(
            Finding(
                rule_id,
                Level.WARN,
                f"A {course_days}-day course is longer than the labelled "
                f"{LOFEXIDINE_MAX_COURSE_DAYS} days; taper over 2–4 days.",
            )
        )
    return out


# --- ECG schedule for methadone (REFERENCE.md §6, Krantz 2009) -----------------


def dose_above_since(versions: list[tuple[dt.date, Decimal]], threshold: Decimal) -> dt.date | None:
    """Start date of the current run of order versions (start date, daily mg; oldest first)
    whose dose is above `threshold`, or None when the latest is not above it."""
    since: dt.date | None = None
    for start_on, daily_mg in versions:
        since = (since or start_on) if daily_mg > threshold else None
    return since


def ecg_due(
    *,
    started_on: dt.date,
    today: dt.date,
    ecg_dates: list[dt.date],
    daily_mg: Decimal,
    above_threshold_since: dt.date | None,
    s: MedsSettings,
) -> list[Finding]:
    """ECG at baseline, within 30 days, yearly, and after the dose rises above 100 mg/day."""
    rule_id = "meds.methadone.qtc"
    ecgs = sorted(ecg_dates)
    if not ecgs:
        return [Finding(rule_id, Level.WARN, "Baseline ECG due.")]
    out = []
    if today > started_on + dt.timedelta(days=30) and not any(d > started_on for d in ecgs):
        out.append(Finding(rule_id, Level.WARN, "The 30-day ECG is due."))
    if (today - ecgs[-1]).days > 365:
        out.append(Finding(rule_id, Level.WARN, f"Yearly ECG due (last {ecgs[-1]:%Y-%m-%d})."))
    if daily_mg > s.ecg_dose_threshold_mg and above_threshold_since is not None and ecgs[-1] < above_threshold_since:
        out.append(
            Finding(
                rule_id,
                Level.WARN,
                f"ECG due: the dose rose above {mg(s.ecg_dose_threshold_mg)} mg/day "
                f"on {above_threshold_since:%Y-%m-%d}.",
            )
        )
    return out


def qtc_finding(qtc_ms: int, s: MedsSettings) -> Finding:
    if qtc_ms > s.qtc_high_ms:
        return Finding(
            "meds.methadone.qtc",
            Level.NEEDS_OVERRIDE,
            f"QTc {qtc_ms} ms is above {s.qtc_high_ms} ms: consider reducing or stopping methadone.",
        )
    if qtc_ms >= s.qtc_monitor_ms:
        return Finding("meds.methadone.qtc", Level.WARN, f"QTc {qtc_ms} ms: discuss and monitor.")
    return Finding("meds.methadone.qtc", Level.OK, f"QTc {qtc_ms} ms.")


# --- Extended-release naltrexone and injections --------------------------------


@dataclass(frozen=True)
class NaltrexoneFacts:
    last_opioid_use_on: dt.date | None  # None: no opioid use known
    last_opioid_type: OpioidType | None
    negative_test_on: dt.date | None
    naloxone_challenge_passed: bool | None  # None: not done


def naltrexone_readiness(facts: NaltrexoneFacts, today: dt.date, s: MedsSettings) -> list[Finding]:
    """REFERENCE.md §6: ≥7 opioid-free days after short-acting opioids, ≥14 after methadone or
    buprenorphine (and long-acting); a negative drug test; optional naloxone challenge."""
    rule_id = "meds.naltrexone_xr.readiness"
    out = []
    if facts.last_opioid_use_on is not None:
        long = facts.last_opioid_type in (OpioidType.METHADONE, OpioidType.BUPRENORPHINE, OpioidType.LONG_ACTING)
        need = s.opioid_free_days_long if long else s.opioid_free_days_short
        free = (today - facts.last_opioid_use_on).days
        if free < need:
            out.append(
                Finding(
                    rule_id,
                    Level.NEEDS_OVERRIDE,
                    f"{free} opioid-free days; {need} are needed after "
                    f"{(facts.last_opioid_type or OpioidType.SHORT_ACTING).replace('_', '-')} opioids. "
                    "Starting too early precipitates withdrawal.",
                )
            )
    if facts.negative_test_on is None or not (
        0 <= (today - facts.negative_test_on).days <= s.negative_test_within_days
    ):
        out.append(
            Finding(
                rule_id,
                Level.NEEDS_OVERRIDE,
                f"No negative opioid drug test in the last {s.negative_test_within_days} days.",
            )
        )
    if facts.naloxone_challenge_passed is False:
        out.append(Finding(rule_id, Level.NEEDS_OVERRIDE, "The naloxone challenge was not passed."))
    elif facts.naloxone_challenge_passed is None and s.require_naloxone_challenge:
        out.append(Finding(rule_id, Level.NEEDS_OVERRIDE, "This program requires a naloxone challenge first."))
    return out


@dataclass(frozen=True)
class InjectionStatus:
    due_on: dt.date
    overdue_days: int  # 0 when not overdue


def injection_status(last_given_on: dt.date, today: dt.date, s: MedsSettings) -> InjectionStatus:
    due = last_given_on + dt.timedelta(days=s.injection_interval_days)
    return InjectionStatus(due, max(0, (today - due).days))


def injection_findings(
    *, last_given_on: dt.date | None, last_site: str | None, site: str, today: dt.date, s: MedsSettings
) -> list[Finding]:
    out = []
    if last_given_on is not None:
        status = injection_status(last_given_on, today, s)
        early = (status.due_on - today).days
        if early > 7:
            out.append(
                Finding(
                    "meds.injection.interval",
                    Level.NEEDS_OVERRIDE,
                    f"The last injection was on "
                    f"{last_given_on:%Y-%m-%d}; the next is due {status.due_on:%Y-%m-%d} "
                    f"({early} days from now).",
                )
            )
    if last_site is not None and site == last_site:
        out.append(
            Finding(
                "meds.injection.site_rotation",
                Level.WARN,
                f"The last injection was also in the {site.replace('_', ' ')}; rotate sites.",
            )
        )
    return out


# --- Take-homes -----------------------------------------------------------------


def take_home_findings(
    *,
    supply_days: int,
    limit: schedules.TakeHomeLimit,
    eligibility_documented: bool,
    closure_days: int,
) -> list[Finding]:
    """A take-home supply beyond the current limit, or without the six documented considerations,
    needs an override. Closure (Sunday/holiday) doses are counted separately (REFERENCE.md §5)."""
    out = []
    regular = supply_days - closure_days
    if regular > limit.max_supply_days:
        out.append(
            Finding(
                schedules.TAKE_HOME_RULE_ID,
                Level.NEEDS_OVERRIDE,
                f"{regular} take-home days is more "
                f"than the {limit.max_supply_days}-day limit on day {limit.days_in_treatment} of "
                f"treatment ({limit.schedule} schedule).",
            )
        )
    if regular > 0 and not eligibility_documented:
        out.append(
            Finding(
                "meds.take_home.eligibility",
                Level.NEEDS_OVERRIDE,
                "The practitioner has not recorded the six take-home eligibility considerations.",
            )
        )
    return out


def closure_days_between(first: dt.date, last: dt.date, closed: frozenset[int], holidays: set[dt.date]) -> int:
    days = 0
    day = first
    while day <= last:
        if day.weekday() in closed or day in holidays:
            days += 1
        day += dt.timedelta(days=1)
    return days


# --- Registry ---------------------------------------------------------------------

RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        "meds.window.matches_order",
        "The amount in mg and the solution's concentration the nurse confirms "
        "must match the active order's dose for the slot; a 10-fold difference is named. Blocks; the fix is "
        "to pour again or change the order.",
        "exact match",
        "REFERENCE.md §10 (dispensing log); ISMP high-alert medication practice",
        "no",
    ),
    RuleInfo(
        "meds.window.one_dose_per_slot",
        "One administration per patient, clinic day and slot; a retry with "
        "the same idempotency key returns the first record.",
        "enforced by a unique constraint",
        "ARCHITECTURE.md (idempotent clinical writes)",
        "no",
    ),
    RuleInfo(
        "meds.window.hold",
        "A patient on hold (missed doses, or placed by a prescriber) is not dosed until a "
        "prescriber reviews and releases the hold.",
        "enforced",
        "REFERENCE.md §6 (missed doses)",
        "no",
    ),
    RuleInfo(
        "meds.methadone.first_day_limit",
        "First methadone dose and first-day total; above them needs a documented override.",
        "30 mg / 40 mg",
        "REFERENCE.md §5 (pre-2024 rule; 2024 rule 50 mg first day [secondary])",
        "per program (meds.methadone.first_day_limit)",
    ),
    RuleInfo(
        "meds.methadone.dose_increase_step",
        "A methadone order may rise by at most this much per change "
        "without an override. REFERENCE.md gives no figure: an unverified program default.",
        "10 mg",
        "program default [unverified]",
        "per program (meds.methadone.dose_increase_step)",
    ),
    RuleInfo(
        "meds.methadone.daily_dose_warning",
        "Warn above a daily methadone total.",
        "120 mg/day",
        "REFERENCE.md §6 (maintenance usually 60–120 mg [secondary])",
        "per program (meds.methadone.daily_dose_warning)",
    ),
    RuleInfo(
        "meds.methadone.qtc",
        "ECG at baseline, within 30 days, yearly and above 100 mg/day; QTc 450–500 ms "
        "discuss and monitor (warn); >500 ms consider reducing or stopping (override to order).",
        "450 / 500 ms",
        "REFERENCE.md §6 (Krantz 2009)",
        "no",
    ),
    RuleInfo(
        "meds.methadone.missed_doses",
        "Consecutive missed days: 1 no change; 2 usual dose if not intoxicated "
        "(warn); 3 half dose after prescriber review; 4 see prescriber, restart at 40 mg or half, whichever "
        "is lower; 5+ new induction. From 3 days a hold needs prescriber review.",
        "hold from 3 days",
        "REFERENCE.md §6 (Australian national guideline)",
        "per program (meds.methadone.missed_doses)",
    ),
    RuleInfo(
        "meds.buprenorphine.induction_readiness",
        "First buprenorphine dose: objective withdrawal (COWS at or "
        "above the threshold) and enough hours since the last opioid (12 short-acting or fentanyl, 24 "
        "long-acting or methadone); fentanyl suggests low-dose induction.",
        "COWS 8; 12 h / 24 h",
        "REFERENCE.md §6 [secondary]",
        "per program (meds.buprenorphine.induction_readiness)",
    ),
    RuleInfo(
        "meds.buprenorphine.induction_days",
        "Warn when induction day 1 exceeds 8 mg or day 2 exceeds 16 mg.",
        "8 mg / 16 mg",
        "REFERENCE.md §6 (older label)",
        "no",
    ),
    RuleInfo(
        "meds.buprenorphine.daily_dose_warning",
        "Warn above a daily buprenorphine total; never a hard cap.",
        "24 mg/day",
        "REFERENCE.md §6 (2025 labels)",
        "per program (meds.buprenorphine.daily_dose_warning)",
    ),
    RuleInfo(
        "meds.naltrexone_xr.readiness",
        "Extended-release naltrexone needs opioid-free days (7 after "
        "short-acting, 14 after methadone, buprenorphine or long-acting), a negative drug test within 7 days, "
        "and optionally a naloxone challenge; checked before the first injection and again when one is "
        "more than 14 days overdue.",
        "7 / 14 days",
        "REFERENCE.md §6 (label); the 7-day test window is a program default [unverified]",
        "per program (meds.naltrexone_xr.readiness)",
    ),
    RuleInfo(
        "meds.injection.interval",
        "Extended-release injections every 28 days, with due and overdue alerts; "
        "an injection more than 7 days early needs an override.",
        "28 days",
        "REFERENCE.md §6",
        "per program (meds.injection.interval)",
    ),
    RuleInfo(
        "meds.injection.site_rotation",
        "Warn when an injection goes in the same site as the last one.",
        "warn",
        "program default [unverified]: not in REFERENCE.md",
        "no",
    ),
    RuleInfo(
        "meds.co_use.warn_never_withhold",
        "Benzodiazepine or alcohol co-use: warn and document; never withhold methadone or buprenorphine automatically.",
        "warn",
        "REFERENCE.md §6 (FDA 2017)",
        "no",
    ),
    RuleInfo(
        "meds.lofexidine.limits",
        "Lofexidine at most 0.72 mg per dose and 2.88 mg/day (override), course up to 14 days (warn).",
        "0.72 mg / 2.88 mg / 14 days",
        "REFERENCE.md §6 (label)",
        "no",
    ),
    RuleInfo(
        "meds.take_home.limit",
        "Maximum take-home supply by days in continuous treatment (day of admission "
        "= 0): 0–14 → 7, 15–30 → 14, 31+ → 28; or the pre-2024 schedule, or a stricter program schedule.",
        "federal-2024",
        "REFERENCE.md §5 (42 CFR 8.12(i), 2024)",
        "per program (meds.take_home.limit)",
    ),
    RuleInfo(
        "meds.take_home.eligibility",
        "Take-homes need the practitioner's record of the six eligibility considerations, each documented.",
        "required",
        "REFERENCE.md §5",
        "no",
    ),
    RuleInfo(
        "meds.take_home.closure_days",
        "Doses for days the clinic is closed (weekdays set by the program, and "
        "listed holidays) are take-homes outside the limit.",
        "Sunday",
        "42 CFR 8.12(i) closure take-homes [unverified]: not in REFERENCE.md",
        "per program (meds.take_home.closure_days)",
    ),
    RuleInfo(
        "meds.clinic_day.close",
        "At the close of each clinic day, every patient due a window dose who had "
        "none (and no take-home for the day) is marked missed; missed days then drive the hold.",
        "23:00 program time",
        "REFERENCE.md §6 (missed doses)",
        "per program (meds.clinic_day.close)",
    ),
)
