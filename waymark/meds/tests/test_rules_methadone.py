"""Methadone rules (pure): first-day limits, missed doses, daily dose warning,
dose increase step, QTc and the ECG schedule.

Numbers come from ../shared/clinical/REFERENCE.md §5 (first dose 30 mg, first
day 40 mg; 2024 rule 50 mg first day) and §6 (missed-dose schedule, QTc
450/500 ms, ECG at baseline, 30 days, yearly and above 100 mg/day, maintenance
60–120 mg), or from the documented defaults in waymark/meds/rules.py
(dose_increase_step 10 mg, an unverified program default).
"""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.meds import rules
from waymark.meds.medications import Medication
from waymark.meds.rules import DoseContext, Finding, Level, MedsSettings, OrderContext, SettingsError

DEFAULTS = MedsSettings()
DAY = dt.date(2025, 3, 10)

FIRST_DAY = "meds.methadone.first_day_limit"
MISSED = "meds.methadone.missed_doses"
DAILY = "meds.methadone.daily_dose_warning"
STEP = "meds.methadone.dose_increase_step"
QTC = "meds.methadone.qtc"


def dose(
    amount: str,
    *,
    given_today: str = "0",
    first: bool = False,
    missed: int = 0,
    reviewed: bool = False,
    qtc: int | None = None,
    medication: Medication = Medication.METHADONE,
) -> DoseContext:
    return DoseContext(
        medication=medication,
        clinic_day=DAY,
        amount_mg=Decimal(amount),
        given_today_mg=Decimal(given_today),
        first_dose_day=first,
        missed_days=missed,
        reviewed_since_missed=reviewed,
        latest_qtc_ms=qtc,
    )


def order(
    daily: str,
    *,
    per_dose: str | None = None,
    previous: str | None = None,
    new_start: bool = False,
    qtc: int | None = None,
    plan: tuple[str, ...] = (),
) -> OrderContext:
    return OrderContext(
        medication=Medication.METHADONE,
        daily_mg=Decimal(daily),
        per_dose_mg=Decimal(per_dose or daily),
        previous_daily_mg=Decimal(previous) if previous is not None else None,
        new_start=new_start,
        latest_qtc_ms=qtc,
        plan_daily_mg=tuple(Decimal(d) for d in plan),
    )


def only(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def levels(findings: list[Finding], rule_id: str) -> list[Level]:
    return [f.level for f in only(findings, rule_id)]


# --- First-day limits (REFERENCE.md §5) --------------------------------------------


class TestFirstDayAtTheWindow:
    def test_defaults_are_the_stricter_pre_2024_limits(self) -> None:
        assert DEFAULTS.first_dose_mg == Decimal(30)
        assert DEFAULTS.first_day_mg == Decimal(40)

    def test_a_first_dose_of_30_mg_is_ok(self) -> None:
        assert rules.evaluate_dose(dose("30", first=True), Decimal(30), DEFAULTS) == []

    @pytest.mark.parametrize("amount", ["30.5", "31"])
    def test_a_first_dose_above_30_mg_needs_an_override(self, amount: str) -> None:
        findings = rules.evaluate_dose(dose(amount, first=True), Decimal(amount), DEFAULTS)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE]
        message = only(findings, FIRST_DAY)[0].message
        assert "first methadone dose above 30 mg" in message
        assert f"({amount} mg)" in message

    def test_a_second_dose_bringing_the_day_to_40_mg_is_ok(self) -> None:
        assert rules.evaluate_dose(dose("10", given_today="30", first=True), Decimal(40), DEFAULTS) == []

    def test_a_second_dose_bringing_the_day_to_41_mg_needs_an_override(self) -> None:
        findings = rules.evaluate_dose(dose("11", given_today="30", first=True), Decimal(41), DEFAULTS)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE]
        message = findings[0].message
        assert "41 mg" in message and "above 40 mg" in message
        assert "did not suppress withdrawal" in message

    def test_the_per_dose_limit_applies_to_the_first_dose_of_the_day_only(self) -> None:
        # 30 mg already given; a 10 mg top-up is not a "first dose above 30 mg".
        findings = rules.evaluate_dose(dose("10", given_today="30", first=True), Decimal(40), DEFAULTS)
        assert only(findings, FIRST_DAY) == []

    def test_a_single_45_mg_first_dose_breaks_both_limits(self) -> None:
        findings = rules.evaluate_dose(dose("45", first=True), Decimal(45), DEFAULTS)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE, Level.NEEDS_OVERRIDE]

    def test_the_limits_do_not_apply_after_the_first_day(self) -> None:
        assert rules.evaluate_dose(dose("80"), Decimal(80), DEFAULTS) == []

    def test_a_program_may_allow_50_mg_on_the_first_day(self) -> None:
        s = rules.settings_from({"meds.methadone.first_day_limit": {"first_dose_mg": 30, "first_day_mg": 50}})
        assert (s.first_dose_mg, s.first_day_mg) == (Decimal(30), Decimal(50))
        assert rules.evaluate_dose(dose("20", given_today="30", first=True), Decimal(50), s) == []
        findings = rules.evaluate_dose(dose("21", given_today="30", first=True), Decimal(51), s)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE]
        assert "51 mg" in findings[0].message and "above 50 mg" in findings[0].message
        # The first dose is still capped at 30 mg.
        assert levels(rules.evaluate_dose(dose("31", first=True), Decimal(31), s), FIRST_DAY) == [Level.NEEDS_OVERRIDE]

    def test_the_limits_are_methadone_only(self) -> None:
        findings = rules.evaluate_dose(
            dose("45", first=True, medication=Medication.BUPRENORPHINE), Decimal(45), DEFAULTS
        )
        assert only(findings, FIRST_DAY) == []


class TestFirstDayOnTheOrder:
    def test_a_new_start_at_30_plus_10_mg_is_ok(self) -> None:
        assert rules.evaluate_order(order("40", per_dose="30", new_start=True), DEFAULTS) == []

    def test_a_new_start_above_40_mg_a_day_needs_an_override(self) -> None:
        findings = rules.evaluate_order(order("41", per_dose="30", new_start=True), DEFAULTS)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE]
        assert "41 mg" in findings[0].message and "40 mg" in findings[0].message

    def test_a_new_start_with_a_31_mg_dose_needs_an_override(self) -> None:
        findings = rules.evaluate_order(order("31", new_start=True), DEFAULTS)
        assert levels(findings, FIRST_DAY) == [Level.NEEDS_OVERRIDE]
        assert "31 mg" in findings[0].message and "30 mg" in findings[0].message

    def test_a_plan_is_judged_by_its_first_day(self) -> None:
        ok = order("30", new_start=True, plan=("30", "40", "50"))
        assert only(rules.evaluate_order(ok, DEFAULTS), FIRST_DAY) == []
        high = order("30", new_start=True, plan=("45", "45"))
        assert levels(rules.evaluate_order(high, DEFAULTS), FIRST_DAY) == [Level.NEEDS_OVERRIDE]

    def test_an_existing_patient_is_not_a_new_start(self) -> None:
        assert only(rules.evaluate_order(order("80", previous="80"), DEFAULTS), FIRST_DAY) == []

    def test_the_program_setting_moves_the_limit(self) -> None:
        s = rules.settings_from({"meds.methadone.first_day_limit": {"first_dose_mg": 30, "first_day_mg": 50}})
        assert rules.evaluate_order(order("50", per_dose="30", new_start=True), s) == []
        assert levels(rules.evaluate_order(order("51", per_dose="30", new_start=True), s), FIRST_DAY) == [
            Level.NEEDS_OVERRIDE
        ]

    @pytest.mark.parametrize(
        "value",
        [40, "forty", {"first_day_mg": 0}, {"first_day_mg": 150}, {"first_dose_mg": "x"}, {"first_dose_mg": True}],
    )
    def test_bad_settings_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.methadone.first_day_limit": value})


# --- Missed doses (REFERENCE.md §6, Australian guideline) ---------------------------


class TestMissedDoseAction:
    @pytest.mark.parametrize("missed", [0, 1])
    def test_none_or_one_missed_day_changes_nothing(self, missed: int) -> None:
        action = rules.missed_dose_action(missed, Decimal(80), DEFAULTS)
        assert not action.hold
        assert action.suggested_mg == Decimal(80)
        assert "No change" in action.action

    def test_two_days_give_the_usual_dose_if_not_intoxicated(self) -> None:
        action = rules.missed_dose_action(2, Decimal(80), DEFAULTS)
        assert not action.hold
        assert action.suggested_mg == Decimal(80)
        assert "usual dose" in action.action and "not intoxicated" in action.action

    def test_three_days_hold_for_review_and_suggest_half(self) -> None:
        action = rules.missed_dose_action(3, Decimal(100), DEFAULTS)
        assert action.hold
        assert action.suggested_mg == Decimal(50)
        assert "Prescriber review" in action.action and "half dose (50 mg)" in action.action

    @pytest.mark.parametrize(("usual", "restart"), [("100", "40"), ("80", "40"), ("60", "30"), ("45", "22.5")])
    def test_four_days_restart_at_40_mg_or_half_whichever_is_lower(self, usual: str, restart: str) -> None:
        action = rules.missed_dose_action(4, Decimal(usual), DEFAULTS)
        assert action.hold
        assert action.suggested_mg == Decimal(restart)
        assert "whichever is lower" in action.action and f"({restart} mg)" in action.action

    @pytest.mark.parametrize("missed", [5, 6, 10])
    def test_five_days_or_more_are_a_new_induction(self, missed: int) -> None:
        action = rules.missed_dose_action(missed, Decimal(80), DEFAULTS)
        assert action.hold
        assert action.suggested_mg is None
        assert "new induction" in action.action and "first-day limits" in action.action

    def test_the_hold_starts_at_three_days_by_default(self) -> None:
        assert DEFAULTS.missed_hold_from_days == 3
        assert [rules.missed_dose_action(n, Decimal(80), DEFAULTS).hold for n in range(1, 7)] == [
            False,
            False,
            True,
            True,
            True,
            True,
        ]


class TestMissedDosesAtTheWindow:
    def test_one_missed_day_has_no_finding(self) -> None:
        assert rules.evaluate_dose(dose("80", missed=1), Decimal(80), DEFAULTS) == []

    def test_two_missed_days_warn(self) -> None:
        findings = rules.evaluate_dose(dose("80", missed=2), Decimal(80), DEFAULTS)
        assert levels(findings, MISSED) == [Level.WARN]
        assert "Missed 2 days in a row" in findings[0].message
        assert "not intoxicated" in findings[0].message

    def test_three_missed_days_need_an_override_with_half_the_dose_suggested(self) -> None:
        findings = rules.evaluate_dose(dose("40", missed=3), Decimal(80), DEFAULTS)
        assert levels(findings, MISSED) == [Level.NEEDS_OVERRIDE]
        assert "Missed 3 days" in findings[0].message and "half dose (40 mg)" in findings[0].message

    @pytest.mark.parametrize(("usual", "restart"), [("100", "40"), ("60", "30")])
    def test_four_missed_days_need_an_override_and_name_the_restart_dose(self, usual: str, restart: str) -> None:
        findings = rules.evaluate_dose(dose(restart, missed=4), Decimal(usual), DEFAULTS)
        assert levels(findings, MISSED) == [Level.NEEDS_OVERRIDE]
        assert f"({restart} mg)" in findings[0].message

    @pytest.mark.parametrize("missed", [5, 6])
    def test_five_or_six_missed_days_need_an_override_as_a_new_induction(self, missed: int) -> None:
        findings = rules.evaluate_dose(dose("30", missed=missed), Decimal(80), DEFAULTS)
        assert levels(findings, MISSED) == [Level.NEEDS_OVERRIDE]
        assert "new induction" in findings[0].message

    @pytest.mark.parametrize("missed", [3, 4, 5, 6])
    def test_a_prescriber_review_since_the_missed_days_turns_the_override_into_a_warning(self, missed: int) -> None:
        findings = rules.evaluate_dose(dose("30", missed=missed, reviewed=True), Decimal(80), DEFAULTS)
        assert levels(findings, MISSED) == [Level.WARN]
        assert f"Missed {missed} days" in findings[0].message

    def test_a_program_may_start_the_hold_at_four_days(self) -> None:
        s = rules.settings_from({"meds.methadone.missed_doses": 4})
        assert s.missed_hold_from_days == 4
        assert not rules.missed_dose_action(3, Decimal(80), s).hold
        assert levels(rules.evaluate_dose(dose("40", missed=3), Decimal(80), s), MISSED) == [Level.WARN]
        assert levels(rules.evaluate_dose(dose("40", missed=4), Decimal(80), s), MISSED) == [Level.NEEDS_OVERRIDE]

    def test_a_program_may_start_the_hold_at_two_days(self) -> None:
        s = rules.settings_from({"meds.methadone.missed_doses": 2})
        assert levels(rules.evaluate_dose(dose("80", missed=2), Decimal(80), s), MISSED) == [Level.NEEDS_OVERRIDE]

    @pytest.mark.parametrize("value", [1, 15, "three", True, None, [3]])
    def test_bad_missed_dose_settings_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError, match=r"meds\.methadone\.missed_doses"):
            rules.settings_from({"meds.methadone.missed_doses": value})

    def test_missed_dose_rules_are_methadone_only(self) -> None:
        ctx = dose("16", missed=6, medication=Medication.BUPRENORPHINE)
        assert only(rules.evaluate_dose(ctx, Decimal(16), DEFAULTS), MISSED) == []


# --- Daily dose warning and increase step (orders) -----------------------------------


class TestDailyDoseWarning:
    def test_120_mg_does_not_warn(self) -> None:
        assert rules.evaluate_order(order("120", previous="120"), DEFAULTS) == []

    def test_121_mg_warns_and_never_needs_an_override(self) -> None:
        findings = rules.evaluate_order(order("121", previous="121"), DEFAULTS)
        assert levels(findings, DAILY) == [Level.WARN]
        assert rules.needs_override(findings) == []
        assert "121 mg/day" in findings[0].message and "120 mg" in findings[0].message
        assert "QTc" in findings[0].message

    def test_a_plan_warns_on_its_highest_day(self) -> None:
        findings = rules.evaluate_order(order("100", previous="100", plan=("100", "110", "121")), DEFAULTS)
        assert levels(findings, DAILY) == [Level.WARN]
        assert "121 mg/day" in next(f for f in findings if f.rule_id == DAILY).message

    def test_a_plan_step_up_counts_as_an_increase(self) -> None:
        within = rules.evaluate_order(order("100", previous="100", plan=("100", "110", "120")), DEFAULTS)
        assert not [f for f in within if f.rule_id == "meds.methadone.dose_increase_step"]
        jump = rules.evaluate_order(order("100", previous="100", plan=("100", "110", "121")), DEFAULTS)
        step = [f for f in jump if f.rule_id == "meds.methadone.dose_increase_step"]
        assert [f.level for f in step] == [Level.NEEDS_OVERRIDE]
        assert "from 110 to 121 mg" in step[0].message

    def test_the_program_setting_moves_the_threshold(self) -> None:
        s = rules.settings_from({"meds.methadone.daily_dose_warning": 150})
        assert only(rules.evaluate_order(order("150", previous="150"), s), DAILY) == []
        assert levels(rules.evaluate_order(order("151", previous="151"), s), DAILY) == [Level.WARN]

    @pytest.mark.parametrize("value", [19, 401, "lots"])
    def test_bad_thresholds_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.methadone.daily_dose_warning": value})


class TestDoseIncreaseStep:
    def test_the_default_is_10_mg(self) -> None:
        assert DEFAULTS.max_increase_mg == Decimal(10)

    def test_an_increase_of_10_mg_is_ok(self) -> None:
        assert rules.evaluate_order(order("90", previous="80"), DEFAULTS) == []

    def test_an_increase_of_11_mg_needs_an_override(self) -> None:
        findings = rules.evaluate_order(order("91", previous="80"), DEFAULTS)
        assert levels(findings, STEP) == [Level.NEEDS_OVERRIDE]
        assert "increase of 11 mg" in findings[0].message and "10 mg" in findings[0].message

    def test_a_decrease_of_any_size_is_ok(self) -> None:
        assert only(rules.evaluate_order(order("40", previous="80"), DEFAULTS), STEP) == []

    def test_there_is_no_step_without_a_previous_order(self) -> None:
        assert only(rules.evaluate_order(order("40", per_dose="30", new_start=True), DEFAULTS), STEP) == []

    def test_the_program_setting_moves_the_step(self) -> None:
        s = rules.settings_from({"meds.methadone.dose_increase_step": 5})
        assert only(rules.evaluate_order(order("85", previous="80"), s), STEP) == []
        assert levels(rules.evaluate_order(order("86", previous="80"), s), STEP) == [Level.NEEDS_OVERRIDE]


# --- QTc and ECGs (REFERENCE.md §6, Krantz 2009) ------------------------------------------


class TestQtc:
    @pytest.mark.parametrize(
        ("qtc", "level", "words"),
        [
            (449, Level.OK, "QTc 449 ms"),
            (450, Level.WARN, "discuss and monitor"),
            (500, Level.WARN, "discuss and monitor"),
            (501, Level.NEEDS_OVERRIDE, "consider reducing or stopping"),
        ],
    )
    def test_qtc_finding(self, qtc: int, level: Level, words: str) -> None:
        finding = rules.qtc_finding(qtc, DEFAULTS)
        assert finding.rule_id == QTC
        assert finding.level is level
        assert words in finding.message

    @pytest.mark.parametrize(
        ("qtc", "expected"),
        [(None, []), (449, []), (450, [Level.WARN]), (500, [Level.WARN]), (501, [Level.NEEDS_OVERRIDE])],
    )
    def test_an_order_follows_the_same_thresholds(self, qtc: int | None, expected: list[Level]) -> None:
        findings = rules.evaluate_order(order("80", previous="80", qtc=qtc), DEFAULTS)
        assert levels(findings, QTC) == expected

    def test_an_order_with_qtc_above_500_says_what_to_consider(self) -> None:
        findings = only(rules.evaluate_order(order("80", previous="80", qtc=501), DEFAULTS), QTC)
        assert "501 ms" in findings[0].message and "consider reducing or stopping" in findings[0].message

    @pytest.mark.parametrize(
        ("qtc", "expected"),
        [(None, []), (449, []), (450, [Level.WARN]), (500, [Level.WARN]), (501, [Level.WARN]), (650, [Level.WARN])],
    )
    def test_at_the_window_qtc_only_ever_warns(self, qtc: int | None, expected: list[Level]) -> None:
        findings = rules.evaluate_dose(dose("80", qtc=qtc), Decimal(80), DEFAULTS)
        assert levels(findings, QTC) == expected
        assert rules.needs_override(findings) == []

    def test_at_the_window_a_qtc_above_500_says_not_to_withhold_on_that_alone(self) -> None:
        finding = rules.evaluate_dose(dose("80", qtc=501), Decimal(80), DEFAULTS)[0]
        assert "501 ms" in finding.message
        assert "consider reducing or stopping" in finding.message
        assert "Do not withhold" in finding.message


class TestEcgDue:
    START = dt.date(2025, 1, 1)

    def due(
        self,
        today: dt.date,
        ecgs: list[dt.date],
        daily: str = "80",
        above_since: dt.date | None = None,
        started_on: dt.date | None = None,
    ) -> list[Finding]:
        return rules.ecg_due(
            started_on=started_on or self.START,
            today=today,
            ecg_dates=ecgs,
            daily_mg=Decimal(daily),
            above_threshold_since=above_since,
            s=DEFAULTS,
        )

    def test_without_any_ecg_the_baseline_is_due(self) -> None:
        findings = self.due(self.START, [])
        assert [(f.rule_id, f.level) for f in findings] == [(QTC, Level.WARN)]
        assert "Baseline ECG due" in findings[0].message

    def test_the_30_day_ecg_is_due_after_day_30(self) -> None:
        baseline = [self.START - dt.timedelta(days=2)]
        assert self.due(self.START + dt.timedelta(days=30), baseline) == []
        findings = self.due(self.START + dt.timedelta(days=31), baseline)
        assert [f.level for f in findings] == [Level.WARN]
        assert "30-day ECG" in findings[0].message

    def test_a_baseline_on_the_start_day_is_not_the_30_day_ecg(self) -> None:
        findings = self.due(self.START + dt.timedelta(days=31), [self.START])
        assert any("30-day ECG" in f.message for f in findings)

    def test_an_ecg_after_the_start_satisfies_the_30_day_ecg(self) -> None:
        ecgs = [self.START - dt.timedelta(days=2), self.START + dt.timedelta(days=20)]
        assert self.due(self.START + dt.timedelta(days=31), ecgs) == []

    def test_the_yearly_ecg_is_due_366_days_after_the_last(self) -> None:
        last = dt.date(2025, 2, 1)
        ecgs = [self.START, last]
        assert self.due(last + dt.timedelta(days=365), ecgs) == []
        findings = self.due(last + dt.timedelta(days=366), ecgs)
        assert [f.level for f in findings] == [Level.WARN]
        assert "Yearly ECG due" in findings[0].message and "2025-02-01" in findings[0].message

    def test_an_ecg_is_due_when_the_dose_rises_above_100_mg(self) -> None:
        ecgs = [self.START, dt.date(2025, 1, 20)]
        rose = dt.date(2025, 3, 1)
        findings = self.due(dt.date(2025, 3, 5), ecgs, daily="110", above_since=rose)
        assert [f.level for f in findings] == [Level.WARN]
        assert "above 100 mg/day" in findings[0].message and "2025-03-01" in findings[0].message

    def test_100_mg_exactly_is_not_above_the_threshold(self) -> None:
        ecgs = [self.START, dt.date(2025, 1, 20)]
        assert self.due(dt.date(2025, 3, 5), ecgs, daily="100", above_since=dt.date(2025, 3, 1)) == []

    def test_an_ecg_taken_on_or_after_the_rise_satisfies_it(self) -> None:
        rose = dt.date(2025, 3, 1)
        assert self.due(dt.date(2025, 3, 5), [self.START, rose], daily="110", above_since=rose) == []
        assert self.due(dt.date(2025, 3, 5), [self.START, dt.date(2025, 3, 3)], daily="110", above_since=rose) == []

    def test_every_ecg_finding_is_a_warning(self) -> None:
        findings = self.due(dt.date(2027, 1, 1), [self.START], daily="150", above_since=dt.date(2026, 6, 1))
        assert len(findings) == 3
        assert {f.level for f in findings} == {Level.WARN}
        assert {f.rule_id for f in findings} == {QTC}


def test_dose_above_since_follows_the_latest_run_of_versions() -> None:
    d = dt.date(2026, 1, 1)
    versions = [(d, Decimal(90)), (d + dt.timedelta(days=10), Decimal(110)), (d + dt.timedelta(days=20), Decimal(120))]
    assert rules.dose_above_since(versions, Decimal(100)) == d + dt.timedelta(days=10)
    assert rules.dose_above_since([*versions, (d + dt.timedelta(days=30), Decimal(100))], Decimal(100)) is None
