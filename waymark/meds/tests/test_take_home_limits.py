"""Take-home limits (pure part): the federal 2024 and pre-2024 schedules, a
program's stricter schedule, the take-home findings and closure days.

Numbers come from ../shared/clinical/REFERENCE.md §5: 2024 rule 0–14 days → 7,
15–30 → 14, 31+ → 28; pre-2024 one take-home a week for days 1–90, two for
91–180, three for 181–270, up to 6 days for the rest of year 1, 2 weeks after
1 year, a month (taken as 30 days) after 2 years; Virginia's 1 / 5 / 14 / 28.
The day of admission is day 0 (waymark/meds/schedules.py).
"""

import datetime as dt
import re
from typing import Any

import pytest

from waymark.meds import rules, schedules
from waymark.meds.rules import Level, MedsSettings, SettingsError
from waymark.meds.schedules import FEDERAL_2024, PRE_2024, TakeHomeLimit

VIRGINIA: dict[str, Any] = {"name": "virginia", "steps": [[0, 1], [90, 5], [180, 14], [365, 28]]}


class TestFederal2024:
    @pytest.mark.parametrize(
        ("day", "supply"), [(0, 7), (1, 7), (14, 7), (15, 14), (30, 14), (31, 28), (365, 28), (3650, 28)]
    )
    def test_the_limit_by_days_in_treatment(self, day: int, supply: int) -> None:
        limit = schedules.take_home_limit(FEDERAL_2024, day)
        assert limit == TakeHomeLimit(day, supply, "federal-2024", "meds.take_home.limit")

    def test_it_is_the_default(self) -> None:
        assert MedsSettings().take_home_schedule is FEDERAL_2024
        assert rules.settings_from({}).take_home_schedule is FEDERAL_2024
        assert schedules.schedule_from_settings(None) is FEDERAL_2024

    def test_negative_days_are_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            schedules.take_home_limit(FEDERAL_2024, -1)

    def test_the_day_of_admission_is_day_0(self) -> None:
        admitted = dt.date(2025, 3, 1)
        assert schedules.days_in_treatment(admitted, admitted) == 0
        assert schedules.days_in_treatment(admitted, dt.date(2025, 3, 15)) == 14
        assert schedules.days_in_treatment(admitted, dt.date(2025, 3, 16)) == 15


class TestPre2024:
    @pytest.mark.parametrize(
        ("day", "supply"),
        [
            (0, 1),
            (90, 1),
            (91, 2),
            (180, 2),
            (181, 3),
            (270, 3),
            (271, 6),
            (365, 6),
            (366, 14),
            (730, 14),
            (731, 30),
            (2000, 30),
        ],
    )
    def test_the_limit_by_days_in_treatment(self, day: int, supply: int) -> None:
        limit = schedules.take_home_limit(PRE_2024, day)
        assert limit.max_supply_days == supply
        assert limit.schedule == "pre-2024"

    def test_a_program_chooses_it_by_name(self) -> None:
        assert rules.settings_from({"meds.take_home.limit": "pre-2024"}).take_home_schedule is PRE_2024
        assert schedules.schedule_from_settings("federal-2024") is FEDERAL_2024

    def test_an_unknown_name_is_refused_with_the_choices(self) -> None:
        with pytest.raises(ValueError, match="federal-2024, pre-2024"):
            schedules.schedule_from_settings("texas")
        with pytest.raises(SettingsError, match="Unknown take-home schedule 'texas'"):
            rules.settings_from({"meds.take_home.limit": "texas"})


class TestCustomSchedule:
    def test_a_virginia_like_schedule(self) -> None:
        schedule = schedules.schedule_from_settings(VIRGINIA)
        assert schedule.name == "virginia"
        assert "program setting" in schedule.source
        assert [(s.from_day, s.max_supply_days) for s in schedule.steps] == [(0, 1), (90, 5), (180, 14), (365, 28)]
        expected = {0: 1, 89: 1, 90: 5, 179: 5, 180: 14, 364: 14, 365: 28, 1000: 28}
        assert {day: schedules.take_home_limit(schedule, day).max_supply_days for day in expected} == expected
        assert schedules.take_home_limit(schedule, 90).schedule == "virginia"

    def test_it_is_never_looser_than_federal(self) -> None:
        schedule = schedules.schedule_from_settings(VIRGINIA)
        for day in range(800):
            assert (
                schedules.take_home_limit(schedule, day).max_supply_days
                <= schedules.take_home_limit(FEDERAL_2024, day).max_supply_days
            ), day

    def test_a_program_sets_it_through_its_settings(self) -> None:
        s = rules.settings_from({"meds.take_home.limit": VIRGINIA})
        assert s.take_home_schedule.name == "virginia"

    def test_an_unnamed_schedule_is_called_program(self) -> None:
        assert schedules.schedule_from_settings({"steps": [[0, 1]]}).name == "program"

    @pytest.mark.parametrize(
        ("steps", "words"),
        [
            ([[1, 1], [90, 5]], "first step must start at day 0"),
            ([[0, 1], [90, 5], [90, 14]], "ascending order"),
            ([[0, 1], [180, 14], [90, 5]], "ascending order"),
            ([[0, 14]], "From day 0 the federal limit is 7 days"),
            ([[0, 7], [20, 28]], "From day 20 the federal limit is 14 days"),
            ([[0, 1], [400, 30]], "0–28 days"),
            ([[0, -1]], "0–28 days"),
            ([], "needs steps"),
            ([[0, 1.5]], "whole days"),
            ([[0]], "whole days"),
            ([[0, "7"]], "whole days"),
        ],
    )
    def test_invalid_schedules_are_refused_with_a_clear_message(self, steps: list[Any], words: str) -> None:
        with pytest.raises(ValueError, match=re.escape(words)):
            schedules.schedule_from_settings({"name": "state", "steps": steps})
        with pytest.raises(SettingsError, match=re.escape(words)):
            rules.settings_from({"meds.take_home.limit": {"name": "state", "steps": steps}})

    def test_the_federal_message_says_a_program_may_not_exceed_it(self) -> None:
        with pytest.raises(ValueError, match="may not exceed it"):
            schedules.schedule_from_settings({"steps": [[0, 14]]})

    @pytest.mark.parametrize("value", [7, ["federal-2024"], {"name": "x"}])
    def test_other_shapes_are_refused(self, value: object) -> None:
        with pytest.raises(ValueError):
            schedules.schedule_from_settings(value)


class TestTakeHomeFindings:
    LIMIT_7 = schedules.take_home_limit(FEDERAL_2024, 10)

    def test_within_the_limit_with_eligibility_is_ok(self) -> None:
        findings = rules.take_home_findings(
            supply_days=7, limit=self.LIMIT_7, eligibility_documented=True, closure_days=0
        )
        assert findings == []

    def test_beyond_the_limit_needs_an_override(self) -> None:
        findings = rules.take_home_findings(
            supply_days=8, limit=self.LIMIT_7, eligibility_documented=True, closure_days=0
        )
        assert [(f.rule_id, f.level) for f in findings] == [("meds.take_home.limit", Level.NEEDS_OVERRIDE)]
        message = findings[0].message
        assert "8 take-home days" in message and "7-day limit" in message
        assert "day 10" in message and "federal-2024" in message

    def test_closure_days_do_not_count_against_the_limit(self) -> None:
        assert (
            rules.take_home_findings(supply_days=8, limit=self.LIMIT_7, eligibility_documented=True, closure_days=1)
            == []
        )
        findings = rules.take_home_findings(
            supply_days=9, limit=self.LIMIT_7, eligibility_documented=True, closure_days=1
        )
        assert [f.level for f in findings] == [Level.NEEDS_OVERRIDE]
        assert "8 take-home days" in findings[0].message

    def test_missing_eligibility_needs_an_override(self) -> None:
        findings = rules.take_home_findings(
            supply_days=1, limit=self.LIMIT_7, eligibility_documented=False, closure_days=0
        )
        assert [(f.rule_id, f.level) for f in findings] == [("meds.take_home.eligibility", Level.NEEDS_OVERRIDE)]
        assert "six take-home eligibility considerations" in findings[0].message

    def test_a_closure_day_dose_alone_needs_no_eligibility_record(self) -> None:
        findings = rules.take_home_findings(
            supply_days=1, limit=self.LIMIT_7, eligibility_documented=False, closure_days=1
        )
        assert findings == []

    def test_both_problems_are_reported(self) -> None:
        findings = rules.take_home_findings(
            supply_days=10, limit=self.LIMIT_7, eligibility_documented=False, closure_days=0
        )
        assert [f.rule_id for f in findings] == ["meds.take_home.limit", "meds.take_home.eligibility"]
        assert {f.level for f in findings} == {Level.NEEDS_OVERRIDE}

    def test_a_stricter_schedule_with_a_sunday(self) -> None:
        limit = schedules.take_home_limit(schedules.schedule_from_settings(VIRGINIA), 10)
        assert limit.max_supply_days == 1
        saturday, sunday = dt.date(2025, 3, 8), dt.date(2025, 3, 9)
        friday = dt.date(2025, 3, 7)
        closed = MedsSettings().closed_weekdays
        weekend = rules.closure_days_between(saturday, sunday, closed, set())
        assert (
            rules.take_home_findings(supply_days=2, limit=limit, eligibility_documented=True, closure_days=weekend)
            == []
        )
        long_weekend = rules.closure_days_between(friday, sunday, closed, set())
        findings = rules.take_home_findings(
            supply_days=3, limit=limit, eligibility_documented=True, closure_days=long_weekend
        )
        assert [f.level for f in findings] == [Level.NEEDS_OVERRIDE]
        assert "1-day limit" in findings[0].message and "virginia" in findings[0].message


class TestClosureDays:
    SUNDAY = frozenset({6})
    MONDAY = dt.date(2025, 3, 3)

    def test_sunday_is_closed_by_default(self) -> None:
        assert MedsSettings().closed_weekdays == frozenset({6})

    def test_one_sunday_in_a_week(self) -> None:
        assert rules.closure_days_between(self.MONDAY, self.MONDAY + dt.timedelta(days=6), self.SUNDAY, set()) == 1

    def test_two_sundays_in_two_weeks(self) -> None:
        assert rules.closure_days_between(self.MONDAY, self.MONDAY + dt.timedelta(days=13), self.SUNDAY, set()) == 2

    def test_both_ends_count(self) -> None:
        sunday = dt.date(2025, 3, 9)
        assert rules.closure_days_between(sunday, sunday, self.SUNDAY, set()) == 1
        assert rules.closure_days_between(self.MONDAY, sunday - dt.timedelta(days=1), self.SUNDAY, set()) == 0

    def test_holidays_add_to_sundays(self) -> None:
        # 4 July 2025 is a Friday, 6 July a Sunday.
        assert (
            rules.closure_days_between(dt.date(2025, 7, 1), dt.date(2025, 7, 7), self.SUNDAY, {dt.date(2025, 7, 4)})
            == 2
        )

    def test_a_holiday_on_a_sunday_counts_once(self) -> None:
        sunday = dt.date(2025, 7, 6)
        assert rules.closure_days_between(sunday, sunday, self.SUNDAY, {sunday}) == 1

    def test_holidays_outside_the_range_do_not_count(self) -> None:
        assert (
            rules.closure_days_between(
                self.MONDAY, self.MONDAY + dt.timedelta(days=5), self.SUNDAY, {dt.date(2025, 12, 25)}
            )
            == 0
        )

    def test_an_empty_range_has_none(self) -> None:
        assert rules.closure_days_between(self.MONDAY, self.MONDAY - dt.timedelta(days=1), self.SUNDAY, set()) == 0

    def test_a_program_closed_at_weekends(self) -> None:
        s = rules.settings_from({"meds.take_home.closure_days": [5, 6]})
        assert s.closed_weekdays == frozenset({5, 6})
        assert (
            rules.closure_days_between(self.MONDAY, self.MONDAY + dt.timedelta(days=6), s.closed_weekdays, set()) == 2
        )

    @pytest.mark.parametrize("value", [6, [7], [-1], ["6"], "sunday"])
    def test_bad_closure_settings_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError, match="Monday 0 to Sunday 6"):
            rules.settings_from({"meds.take_home.closure_days": value})
