"""Day-by-day dose plans: tapers and the low-dose buprenorphine induction
(REFERENCE.md §6: day 1 0.5 mg; 2: 0.5 mg ×2; 3: 1 mg ×2; 4: 2 mg ×2;
5: 2 mg ×3; 6: 4 mg ×3; then clinician discretion)."""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.meds import rules, schedules
from waymark.meds.medications import Medication
from waymark.meds.schedules import PlanDay

START = dt.date(2025, 3, 10)


def totals(plan: list[PlanDay]) -> list[Decimal]:
    return [d.total_mg for d in plan]


class TestTaperPlan:
    def test_60_mg_down_10_mg_every_7_days(self) -> None:
        plan = schedules.taper_plan(START, Decimal(60), Decimal(10), 7)
        assert len(plan) == 42
        expected = [Decimal(mg) for mg in (60, 50, 40, 30, 20, 10) for _ in range(7)]
        assert totals(plan) == expected
        assert [d.day for d in plan] == list(range(1, 43))
        assert [d.on for d in plan] == [START + dt.timedelta(days=n) for n in range(42)]
        assert all(len(d.slot_doses_mg) == 1 for d in plan)

    def test_a_floor_ends_the_plan_at_the_floor(self) -> None:
        plan = schedules.taper_plan(START, Decimal(60), Decimal(10), 7, floor_mg=Decimal(20))
        assert totals(plan)[::7] == [Decimal(mg) for mg in (60, 50, 40, 30, 20)]
        assert len(plan) == 35

    def test_a_floor_between_steps_is_the_last_step(self) -> None:
        plan = schedules.taper_plan(START, Decimal(60), Decimal(10), 7, floor_mg=Decimal(25))
        assert totals(plan)[::7] == [Decimal(mg) for mg in (60, 50, 40, 30, 25)]

    def test_a_step_that_does_not_divide_the_dose_stops_above_zero(self) -> None:
        plan = schedules.taper_plan(START, Decimal(25), Decimal(10), 3)
        assert totals(plan) == [Decimal(25)] * 3 + [Decimal(15)] * 3 + [Decimal(5)] * 3
        assert plan[-1].on == START + dt.timedelta(days=8)

    def test_a_daily_taper(self) -> None:
        plan = schedules.taper_plan(START, Decimal(4), Decimal(1), 1)
        assert totals(plan) == [Decimal(4), Decimal(3), Decimal(2), Decimal(1)]

    @pytest.mark.parametrize("step", ["0", "-10"])
    def test_the_step_must_be_positive(self, step: str) -> None:
        with pytest.raises(ValueError, match="more than 0 mg"):
            schedules.taper_plan(START, Decimal(60), Decimal(step), 7)

    @pytest.mark.parametrize("interval", [0, -7])
    def test_the_interval_must_be_at_least_a_day(self, interval: int) -> None:
        with pytest.raises(ValueError, match="at least a day apart"):
            schedules.taper_plan(START, Decimal(60), Decimal(10), interval)

    @pytest.mark.parametrize("floor", ["60", "70", "-1"])
    def test_the_floor_must_be_below_the_start_and_not_negative(self, floor: str) -> None:
        with pytest.raises(ValueError, match="floor"):
            schedules.taper_plan(START, Decimal(60), Decimal(10), 7, floor_mg=Decimal(floor))

    def test_a_taper_longer_than_two_years_is_refused(self) -> None:
        with pytest.raises(ValueError, match="two years"):
            schedules.taper_plan(START, Decimal(400), Decimal(1), 7)


class TestLowDoseInduction:
    def test_it_is_the_reference_protocol_days_1_to_6(self) -> None:
        plan = schedules.low_dose_buprenorphine_induction(START)
        half, one, two, four = Decimal("0.5"), Decimal(1), Decimal(2), Decimal(4)
        assert [d.slot_doses_mg for d in plan] == [
            (half,),
            (half, half),
            (one, one),
            (two, two),
            (two, two, two),
            (four, four, four),
        ]
        assert totals(plan) == [Decimal("0.5"), Decimal(1), Decimal(2), Decimal(4), Decimal(6), Decimal(12)]

    def test_days_are_numbered_and_dated_consecutively(self) -> None:
        plan = schedules.low_dose_buprenorphine_induction(START)
        assert [d.day for d in plan] == [1, 2, 3, 4, 5, 6]
        assert [d.on for d in plan] == [START + dt.timedelta(days=n) for n in range(6)]

    def test_it_raises_no_finding_as_a_new_start_order(self) -> None:
        plan = schedules.low_dose_buprenorphine_induction(START)
        ctx = rules.OrderContext(
            medication=Medication.BUPRENORPHINE,
            daily_mg=plan[0].total_mg,
            per_dose_mg=Decimal("0.5"),
            previous_daily_mg=None,
            new_start=True,
            latest_qtc_ms=None,
            plan_daily_mg=tuple(totals(plan)),
        )
        assert rules.evaluate_order(ctx, rules.MedsSettings()) == []


def test_plan_day_total_sums_its_doses() -> None:
    assert PlanDay(1, START, (Decimal("0.5"), Decimal("0.5"), Decimal(1))).total_mg == Decimal(2)
    assert PlanDay(1, START, ()).total_mg == Decimal(0)
