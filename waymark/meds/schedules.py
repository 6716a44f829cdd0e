"""Schedules: take-home supply limits by days in treatment, and day-by-day dose
plans (tapers, low-dose buprenorphine induction). Pure module (no Django).

Sources: REFERENCE.md §5 (42 CFR 8.12 as revised 2024; pre-2024 66 FR 4098),
REFERENCE.md §6 (low-dose induction protocol).
"""

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

TAKE_HOME_RULE_ID = "meds.take_home.limit"


@dataclass(frozen=True)
class Step:
    from_day: int  # first day in continuous treatment this step applies (day of admission = 0)
    max_supply_days: int


@dataclass(frozen=True)
class TakeHomeSchedule:
    name: str
    steps: tuple[Step, ...]  # ascending from_day, the first from day 0
    source: str


# 42 CFR 8.12(i) as revised in 2024: 0–14 days → 7; 15–30 → 14; 31+ → 28 (REFERENCE.md §5, confirmed).
FEDERAL_2024 = TakeHomeSchedule(
    "federal-2024",
    (Step(0, 7), Step(15, 14), Step(31, 28)),
    "42 CFR 8.12(i) (2024 revision, 89 FR 7528); REFERENCE.md §5",
)

# Pre-2024 (66 FR 4098): days 1–90 one take-home a week; 91–180 two; 181–270 three;
# rest of year 1 up to 6 days; after 1 year up to 2 weeks; after 2 years up to a
# month (taken as 30 days). REFERENCE.md §5, confirmed.
PRE_2024 = TakeHomeSchedule(
    "pre-2024",
    (Step(0, 1), Step(91, 2), Step(181, 3), Step(271, 6), Step(366, 14), Step(731, 30)),
    "42 CFR 8.12(i) before 2024 (66 FR 4098); REFERENCE.md §5",
)

NAMED_SCHEDULES = {s.name: s for s in (FEDERAL_2024, PRE_2024)}


@dataclass(frozen=True)
class TakeHomeLimit:
    days_in_treatment: int
    max_supply_days: int
    schedule: str
    rule_id: str = TAKE_HOME_RULE_ID


def schedule_from_settings(value: object) -> TakeHomeSchedule:
    """A program's `meds.take_home.limit` setting: a schedule name, or
    {"name": ..., "steps": [[from_day, max_supply_days], ...]} for a stricter state
    schedule (for example Virginia's 1 / 5 / 14 / 28 days at the program's own day counts).
    Raises ValueError with a message a program admin can act on."""
    if value is None:
        return FEDERAL_2024
    if isinstance(value, str):
        if value not in NAMED_SCHEDULES:
            raise ValueError(f"Unknown take-home schedule {value!r}; use one of {', '.join(NAMED_SCHEDULES)}.")
        return NAMED_SCHEDULES[value]
    if not isinstance(value, Mapping):
        raise ValueError("A take-home schedule is a name or {name, steps}.")
    name = str(value.get("name") or "program")
    raw = value.get("steps")
    if not isinstance(raw, Sequence) or not raw:
        raise ValueError("A custom take-home schedule needs steps: [[from_day, max_supply_days], ...].")
    steps: list[Step] = []
    for item in raw:
        if not (isinstance(item, Sequence) and len(item) == 2 and all(isinstance(n, int) for n in item)):
            raise ValueError("Each step is [from_day, max_supply_days] in whole days.")
        steps.append(Step(int(item[0]), int(item[1])))
    if steps[0].from_day != 0:
        raise ValueError("The first step must start at day 0.")
    for before, after in itertools.pairwise(steps):
        if after.from_day <= before.from_day:
            raise ValueError("Steps must be in ascending order of from_day.")
    for step in steps:
        if not 0 <= step.max_supply_days <= FEDERAL_2024.steps[-1].max_supply_days:
            raise ValueError("A step's supply must be 0–28 days: a program may be stricter than federal, not looser.")
    federal = TakeHomeSchedule("federal-2024", FEDERAL_2024.steps, FEDERAL_2024.source)
    for step in steps:
        if step.max_supply_days > take_home_limit(federal, step.from_day).max_supply_days:
            raise ValueError(
                f"From day {step.from_day} the federal limit is "
                f"{take_home_limit(federal, step.from_day).max_supply_days} days; a program schedule may not exceed it."
            )
    return TakeHomeSchedule(name, tuple(steps), "program setting (state rule)")


def take_home_limit(schedule: TakeHomeSchedule, days_in_treatment: int) -> TakeHomeLimit:
    if days_in_treatment < 0:
        raise ValueError("Days in treatment cannot be negative.")
    supply = 0
    for step in schedule.steps:
        if days_in_treatment >= step.from_day:
            supply = step.max_supply_days
    return TakeHomeLimit(days_in_treatment, supply, schedule.name)


def days_in_treatment(admitted_on: dt.date, on: dt.date) -> int:
    """Days of continuous treatment: the day of admission is day 0."""
    return (on - admitted_on).days


# --- Dose plans ---------------------------------------------------------------


@dataclass(frozen=True)
class PlanDay:
    day: int  # 1-based
    on: dt.date
    slot_doses_mg: tuple[Decimal, ...]  # one entry per administration that day

    @property
    def total_mg(self) -> Decimal:
        return sum(self.slot_doses_mg, Decimal(0))


def taper_plan(
    start_on: dt.date, start_mg: Decimal, step_mg: Decimal, interval_days: int, floor_mg: Decimal = Decimal(0)
) -> list[PlanDay]:
    """Step down by `step_mg` every `interval_days` from `start_mg` to `floor_mg`
    (0 ends the plan with the last non-zero step). One dose a day."""
    if step_mg <= 0 or interval_days < 1:
        raise ValueError("A taper steps down by more than 0 mg, at least a day apart.")
    if not 0 <= floor_mg < start_mg:
        raise ValueError("The taper's floor must be below its starting dose.")
    steps = [start_mg]
    while True:
        following = steps[-1] - step_mg
        if following <= floor_mg:
            if floor_mg > 0:
                steps.append(floor_mg)
            break
        steps.append(following)
    if len(steps) * interval_days > 730:
        raise ValueError("That taper would last more than two years; use a larger step or a shorter interval.")
    plan: list[PlanDay] = []
    for dose in steps:
        for _ in range(interval_days):
            day = len(plan) + 1
            plan.append(PlanDay(day, start_on + dt.timedelta(days=day - 1), (dose,)))
    return plan


# Low-dose buprenorphine induction with the full agonist continued (REFERENCE.md §6,
# one published outpatient protocol, confirmed): day 1 0.5 mg; 2: 0.5 mg ×2; 3: 1 mg ×2;
# 4: 2 mg ×2; 5: 2 mg ×3; 6: 4 mg ×3; then clinician discretion.
LOW_DOSE_INDUCTION: tuple[tuple[Decimal, ...], ...] = (
    (Decimal("0.5"),),
    (Decimal("0.5"),) * 2,
    (Decimal("1"),) * 2,
    (Decimal("2"),) * 2,
    (Decimal("2"),) * 3,
    (Decimal("4"),) * 3,
)


def low_dose_buprenorphine_induction(start_on: dt.date) -> list[PlanDay]:
    return [PlanDay(i + 1, start_on + dt.timedelta(days=i), doses) for i, doses in enumerate(LOW_DOSE_INDUCTION)]
