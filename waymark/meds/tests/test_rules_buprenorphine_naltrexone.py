"""Buprenorphine, extended-release naltrexone, injections, lofexidine and co-use
rules (pure).

Numbers come from ../shared/clinical/REFERENCE.md §6: buprenorphine COWS ≥ 8,
≥12 h after short-acting opioids, 24 h after long-acting; day 1 up to 8 mg,
day 2 up to 16 mg; warn (never cap) above 24 mg/day. Naltrexone XR 380 mg every
4 weeks; 7 opioid-free days after short-acting, 14 after buprenorphine or
methadone. Lofexidine 0.72 mg per dose, 2.88 mg/day, up to 14 days.
Benzodiazepines: warn, never withhold (FDA 2017). The 7-day window for a
negative drug test and the 7-days-early injection limit are documented
defaults in waymark/meds/rules.py.
"""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.meds import rules
from waymark.meds.medications import Medication
from waymark.meds.rules import (
    DoseContext,
    Finding,
    InductionFacts,
    Level,
    MedsSettings,
    NaltrexoneFacts,
    OpioidType,
    OrderContext,
    SettingsError,
)

DEFAULTS = MedsSettings()
DAY = dt.date(2025, 3, 10)

READINESS = "meds.buprenorphine.induction_readiness"
BUP_DAILY = "meds.buprenorphine.daily_dose_warning"
INDUCTION_DAYS = "meds.buprenorphine.induction_days"
NALTREXONE = "meds.naltrexone_xr.readiness"
INTERVAL = "meds.injection.interval"
ROTATION = "meds.injection.site_rotation"
LOFEXIDINE = "meds.lofexidine.limits"
CO_USE = "meds.co_use.warn_never_withhold"


def only(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def levels(findings: list[Finding], rule_id: str) -> list[Level]:
    return [f.level for f in only(findings, rule_id)]


# --- Buprenorphine induction readiness (at the window) ------------------------------


def first_bup_dose(
    facts: InductionFacts | None,
    *,
    low_dose: bool = False,
    first: bool = True,
    medication: Medication = Medication.BUPRENORPHINE,
) -> DoseContext:
    return DoseContext(
        medication=medication,
        clinic_day=DAY,
        amount_mg=Decimal(4),
        given_today_mg=Decimal(0),
        first_dose_day=first,
        missed_days=0,
        reviewed_since_missed=False,
        induction=facts,
        low_dose_induction=low_dose,
    )


def ready(hours: str = "12", opioid: OpioidType = OpioidType.SHORT_ACTING, cows: int = 8) -> InductionFacts:
    return InductionFacts(hours_since_last_use=Decimal(hours), opioid_type=opioid, cows_total=cows)


def readiness(
    facts: InductionFacts | None,
    s: MedsSettings = DEFAULTS,
    *,
    low_dose: bool = False,
    first: bool = True,
    medication: Medication = Medication.BUPRENORPHINE,
) -> list[Finding]:
    ctx = first_bup_dose(facts, low_dose=low_dose, first=first, medication=medication)
    return rules.evaluate_dose(ctx, Decimal(8), s)


class TestInductionReadiness:
    def test_cows_8_after_12_hours_is_ready(self) -> None:
        assert readiness(ready("12", cows=8)) == []

    def test_cows_7_needs_an_override(self) -> None:
        findings = readiness(ready("12", cows=7))
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE]
        assert "COWS 7 is below 8" in findings[0].message
        assert "objective withdrawal" in findings[0].message

    def test_11_9_hours_after_short_acting_needs_an_override(self) -> None:
        findings = readiness(ready("11.9"))
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE]
        message = findings[0].message
        assert "short-acting" in message and "11.9 h" in message and "at least 12 h" in message
        assert "precipitated withdrawal" in message

    @pytest.mark.parametrize("opioid", [OpioidType.LONG_ACTING, OpioidType.METHADONE])
    def test_long_acting_opioids_and_methadone_need_24_hours(self, opioid: OpioidType) -> None:
        assert readiness(ready("24", opioid)) == []
        findings = readiness(ready("23.9", opioid))
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE]
        assert "at least 24 h" in findings[0].message
        assert opioid.replace("_", "-") in findings[0].message

    def test_too_early_and_too_little_withdrawal_give_two_findings(self) -> None:
        findings = readiness(ready("6", cows=4))
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE, Level.NEEDS_OVERRIDE]

    def test_fentanyl_warns_about_low_dose_induction(self) -> None:
        findings = readiness(ready("12", OpioidType.FENTANYL, cows=8))
        assert levels(findings, READINESS) == [Level.WARN]
        assert "low-dose induction" in findings[0].message and "fentanyl" in findings[0].message

    def test_fentanyl_too_early_needs_an_override_and_still_warns(self) -> None:
        findings = readiness(ready("11.9", OpioidType.FENTANYL, cows=8))
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE, Level.WARN]

    def test_missing_facts_need_an_override(self) -> None:
        findings = readiness(None)
        assert levels(findings, READINESS) == [Level.NEEDS_OVERRIDE]
        assert "Record induction readiness" in findings[0].message
        assert "COWS" in findings[0].message

    def test_it_applies_to_buprenorphine_naloxone_too(self) -> None:
        assert levels(readiness(None, medication=Medication.BUPRENORPHINE_NALOXONE), READINESS) == [
            Level.NEEDS_OVERRIDE
        ]

    @pytest.mark.parametrize("facts", [None, ready("1", OpioidType.FENTANYL, cows=0)])
    def test_a_low_dose_induction_skips_readiness(self, facts: InductionFacts | None) -> None:
        assert readiness(facts, low_dose=True) == []

    def test_readiness_is_for_the_first_dose_only(self) -> None:
        assert readiness(None, first=False) == []

    def test_readiness_does_not_apply_to_methadone(self) -> None:
        assert only(readiness(None, medication=Medication.METHADONE), READINESS) == []

    def test_the_program_may_change_the_threshold_and_waits(self) -> None:
        s = rules.settings_from(
            {"meds.buprenorphine.induction_readiness": {"cows_threshold": 10, "wait_hours": {"methadone": 36}}}
        )
        assert s.cows_threshold == 10
        assert s.wait_hours[OpioidType.METHADONE] == 36
        assert s.wait_hours[OpioidType.SHORT_ACTING] == 12  # untouched waits keep their defaults
        assert levels(readiness(ready("12", cows=9), s), READINESS) == [Level.NEEDS_OVERRIDE]
        assert readiness(ready("12", cows=10), s) == []
        assert levels(readiness(ready("35.9", OpioidType.METHADONE, cows=10), s), READINESS) == [Level.NEEDS_OVERRIDE]
        assert readiness(ready("36", OpioidType.METHADONE, cows=10), s) == []

    def test_an_unknown_opioid_type_is_refused(self) -> None:
        with pytest.raises(SettingsError, match="Unknown opioid type 'heroin'"):
            rules.settings_from({"meds.buprenorphine.induction_readiness": {"wait_hours": {"heroin": 12}}})

    def test_an_out_of_range_wait_is_refused_with_the_range(self) -> None:
        with pytest.raises(SettingsError, match=r"wait_hours\.methadone must be between 0 and 240"):
            rules.settings_from({"meds.buprenorphine.induction_readiness": {"wait_hours": {"methadone": 500}}})

    @pytest.mark.parametrize("value", [8, {"cows_threshold": 60}, {"wait_hours": [12, 24]}])
    def test_bad_readiness_settings_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.buprenorphine.induction_readiness": value})


# --- Buprenorphine orders: daily warning and induction days -------------------------


def bup_order(
    daily: str,
    *,
    new_start: bool = False,
    plan: tuple[str, ...] = (),
    medication: Medication = Medication.BUPRENORPHINE,
) -> OrderContext:
    return OrderContext(
        medication=medication,
        daily_mg=Decimal(daily),
        per_dose_mg=Decimal(daily),
        previous_daily_mg=None,
        new_start=new_start,
        latest_qtc_ms=None,
        plan_daily_mg=tuple(Decimal(d) for d in plan),
    )


class TestBuprenorphineDailyDose:
    def test_24_mg_does_not_warn(self) -> None:
        assert rules.evaluate_order(bup_order("24"), DEFAULTS) == []

    @pytest.mark.parametrize("daily", ["24.5", "25", "32"])
    def test_above_24_mg_warns_and_is_never_capped(self, daily: str) -> None:
        findings = rules.evaluate_order(bup_order(daily), DEFAULTS)
        assert levels(findings, BUP_DAILY) == [Level.WARN]
        assert rules.needs_override(findings) == []
        assert f"{daily} mg/day" in findings[0].message and "above 24 mg" in findings[0].message
        assert "Not capped" in findings[0].message

    def test_buprenorphine_naloxone_follows_the_same_rule(self) -> None:
        findings = rules.evaluate_order(bup_order("25", medication=Medication.BUPRENORPHINE_NALOXONE), DEFAULTS)
        assert levels(findings, BUP_DAILY) == [Level.WARN]

    def test_extended_release_injection_is_not_a_daily_dose(self) -> None:
        assert rules.evaluate_order(bup_order("300", medication=Medication.BUPRENORPHINE_XR), DEFAULTS) == []

    def test_every_day_of_a_plan_is_checked(self) -> None:
        findings = rules.evaluate_order(bup_order("16", plan=("16", "20", "28")), DEFAULTS)
        assert levels(findings, BUP_DAILY) == [Level.WARN]
        assert "28 mg/day" in findings[0].message

    def test_the_program_may_lower_the_threshold(self) -> None:
        s = rules.settings_from({"meds.buprenorphine.daily_dose_warning": 16})
        assert rules.evaluate_order(bup_order("16"), s) == []
        assert levels(rules.evaluate_order(bup_order("17"), s), BUP_DAILY) == [Level.WARN]

    @pytest.mark.parametrize("value", [7, 49, "many"])
    def test_bad_thresholds_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.buprenorphine.daily_dose_warning": value})


class TestInductionDays:
    def test_8_then_16_mg_is_within_the_label(self) -> None:
        assert rules.evaluate_order(bup_order("8", new_start=True, plan=("8", "16", "16")), DEFAULTS) == []

    def test_9_mg_on_day_1_warns(self) -> None:
        findings = rules.evaluate_order(bup_order("9", new_start=True, plan=("9", "16")), DEFAULTS)
        assert levels(findings, INDUCTION_DAYS) == [Level.WARN]
        assert "Day 1" in findings[0].message and "9 mg" in findings[0].message and "8 mg" in findings[0].message

    def test_17_mg_on_day_2_warns(self) -> None:
        findings = rules.evaluate_order(bup_order("8", new_start=True, plan=("8", "17")), DEFAULTS)
        assert levels(findings, INDUCTION_DAYS) == [Level.WARN]
        assert "Day 2" in findings[0].message and "17 mg" in findings[0].message and "16 mg" in findings[0].message

    def test_a_single_day_new_start_is_day_1(self) -> None:
        assert rules.evaluate_order(bup_order("8", new_start=True), DEFAULTS) == []
        assert levels(rules.evaluate_order(bup_order("9", new_start=True), DEFAULTS), INDUCTION_DAYS) == [Level.WARN]

    def test_the_label_limits_apply_only_to_a_new_start(self) -> None:
        assert rules.evaluate_order(bup_order("16"), DEFAULTS) == []

    def test_day_3_has_no_label_limit_below_the_daily_warning(self) -> None:
        assert rules.evaluate_order(bup_order("8", new_start=True, plan=("8", "16", "24")), DEFAULTS) == []

    def test_induction_days_never_need_an_override(self) -> None:
        findings = rules.evaluate_order(bup_order("32", new_start=True, plan=("32", "32")), DEFAULTS)
        assert rules.needs_override(findings) == []
        assert levels(findings, INDUCTION_DAYS) == [Level.WARN, Level.WARN]
        assert levels(findings, BUP_DAILY) == [Level.WARN]  # the same message twice is shown once


# --- Extended-release naltrexone readiness ---------------------------------------------


def naltrexone(
    *,
    free_days: int | None = 7,
    opioid: OpioidType | None = OpioidType.SHORT_ACTING,
    test_days_ago: int | None = 0,
    challenge: bool | None = None,
    s: MedsSettings = DEFAULTS,
) -> list[Finding]:
    facts = NaltrexoneFacts(
        last_opioid_use_on=DAY - dt.timedelta(days=free_days) if free_days is not None else None,
        last_opioid_type=opioid,
        negative_test_on=DAY - dt.timedelta(days=test_days_ago) if test_days_ago is not None else None,
        naloxone_challenge_passed=challenge,
    )
    return rules.naltrexone_readiness(facts, DAY, s)


class TestNaltrexoneReadiness:
    def test_seven_opioid_free_days_after_short_acting_is_ready(self) -> None:
        assert naltrexone(free_days=7) == []

    def test_six_days_after_short_acting_needs_an_override(self) -> None:
        findings = naltrexone(free_days=6)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE]
        message = findings[0].message
        assert "6 opioid-free days; 7 are needed" in message and "short-acting" in message
        assert "precipitates withdrawal" in message

    @pytest.mark.parametrize("opioid", [OpioidType.METHADONE, OpioidType.BUPRENORPHINE, OpioidType.LONG_ACTING])
    def test_methadone_buprenorphine_and_long_acting_need_14_days(self, opioid: OpioidType) -> None:
        assert naltrexone(free_days=14, opioid=opioid) == []
        findings = naltrexone(free_days=13, opioid=opioid)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert "13 opioid-free days; 14 are needed" in findings[0].message
        assert opioid.replace("_", "-") in findings[0].message

    def test_no_known_opioid_use_needs_no_opioid_free_period(self) -> None:
        assert naltrexone(free_days=None, opioid=None) == []

    def test_a_negative_test_7_days_ago_is_current(self) -> None:
        assert naltrexone(test_days_ago=7) == []

    @pytest.mark.parametrize("days_ago", [8, None, -1])
    def test_a_stale_missing_or_future_negative_test_needs_an_override(self, days_ago: int | None) -> None:
        findings = naltrexone(test_days_ago=days_ago)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert "No negative opioid drug test in the last 7 days" in findings[0].message

    def test_a_failed_naloxone_challenge_needs_an_override(self) -> None:
        findings = naltrexone(challenge=False)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert "naloxone challenge was not passed" in findings[0].message

    def test_the_challenge_is_optional_by_default(self) -> None:
        assert DEFAULTS.require_naloxone_challenge is False
        assert naltrexone(challenge=None) == []

    def test_a_program_may_require_the_challenge(self) -> None:
        s = rules.settings_from({"meds.naltrexone_xr.readiness": {"require_naloxone_challenge": True}})
        findings = naltrexone(challenge=None, s=s)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert "requires a naloxone challenge" in findings[0].message
        assert naltrexone(challenge=True, s=s) == []

    def test_the_require_flag_must_be_a_boolean(self) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.naltrexone_xr.readiness": {"require_naloxone_challenge": "false"}})

    def test_a_program_may_ask_for_longer_opioid_free_periods(self) -> None:
        s = rules.settings_from(
            {"meds.naltrexone_xr.readiness": {"opioid_free_days_short": 10, "opioid_free_days_long": 21}}
        )
        assert levels(naltrexone(free_days=9, s=s), NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert naltrexone(free_days=10, s=s) == []
        assert levels(naltrexone(free_days=20, opioid=OpioidType.METHADONE, s=s), NALTREXONE) == [Level.NEEDS_OVERRIDE]
        assert naltrexone(free_days=21, opioid=OpioidType.METHADONE, s=s) == []

    @pytest.mark.parametrize(
        "value", [7, {"opioid_free_days_short": 6}, {"opioid_free_days_long": 31}, {"opioid_free_days_short": "a"}]
    )
    def test_a_program_may_not_shorten_the_periods_or_give_nonsense(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.naltrexone_xr.readiness": value})

    def test_all_problems_are_reported_together(self) -> None:
        findings = naltrexone(free_days=2, test_days_ago=None, challenge=False)
        assert levels(findings, NALTREXONE) == [Level.NEEDS_OVERRIDE] * 3


# --- Injections: interval and site rotation -----------------------------------------------


class TestInjectionInterval:
    LAST = dt.date(2025, 1, 1)

    def test_the_default_interval_is_28_days(self) -> None:
        assert DEFAULTS.injection_interval_days == 28

    @pytest.mark.parametrize(
        ("today", "overdue"),
        [(dt.date(2025, 1, 20), 0), (dt.date(2025, 1, 29), 0), (dt.date(2025, 1, 30), 1), (dt.date(2025, 2, 3), 5)],
    )
    def test_due_and_overdue(self, today: dt.date, overdue: int) -> None:
        status = rules.injection_status(self.LAST, today, DEFAULTS)
        assert status.due_on == dt.date(2025, 1, 29)
        assert status.overdue_days == overdue

    def test_the_program_may_change_the_interval(self) -> None:
        s = rules.settings_from({"meds.injection.interval": 21})
        assert rules.injection_status(self.LAST, self.LAST, s).due_on == dt.date(2025, 1, 22)

    @pytest.mark.parametrize("value", [20, 36, "monthly"])
    def test_bad_intervals_are_refused(self, value: object) -> None:
        with pytest.raises(SettingsError):
            rules.settings_from({"meds.injection.interval": value})

    def inject(self, today: dt.date, *, last: dt.date | None = LAST, last_site: str | None = None) -> list[Finding]:
        return rules.injection_findings(
            last_given_on=last, last_site=last_site, site="right_gluteal", today=today, s=DEFAULTS
        )

    def test_seven_days_early_is_ok(self) -> None:
        assert self.inject(dt.date(2025, 1, 22)) == []

    def test_more_than_seven_days_early_needs_an_override(self) -> None:
        findings = self.inject(dt.date(2025, 1, 21))
        assert levels(findings, INTERVAL) == [Level.NEEDS_OVERRIDE]
        message = findings[0].message
        assert "2025-01-01" in message and "2025-01-29" in message and "8 days from now" in message

    def test_on_time_or_late_is_ok(self) -> None:
        assert self.inject(dt.date(2025, 1, 29)) == []
        assert self.inject(dt.date(2025, 3, 1)) == []

    def test_the_first_injection_has_no_interval(self) -> None:
        assert self.inject(DAY, last=None) == []

    def test_the_same_site_twice_warns(self) -> None:
        findings = self.inject(dt.date(2025, 1, 29), last_site="right_gluteal")
        assert levels(findings, ROTATION) == [Level.WARN]
        assert "right gluteal" in findings[0].message and "rotate" in findings[0].message

    @pytest.mark.parametrize("last_site", ["left_gluteal", None])
    def test_a_different_or_unknown_last_site_is_ok(self, last_site: str | None) -> None:
        assert self.inject(dt.date(2025, 1, 29), last_site=last_site) == []


# --- Lofexidine (REFERENCE.md §6, label) ------------------------------------------------------


class TestLofexidine:
    def test_the_labelled_maxima_are_ok(self) -> None:
        assert rules.lofexidine_findings(Decimal("0.72"), Decimal("2.88"), 14) == []

    def test_the_usual_regimen_is_ok(self) -> None:
        # 3 tablets (0.54 mg) four times daily.
        assert rules.lofexidine_findings(Decimal("0.54"), Decimal("0.54") * 4, 7) == []

    def test_above_0_72_mg_per_dose_needs_an_override(self) -> None:
        findings = rules.lofexidine_findings(Decimal("0.73"), Decimal("2.19"), 7)
        assert levels(findings, LOFEXIDINE) == [Level.NEEDS_OVERRIDE]
        assert "0.73 mg per dose" in findings[0].message and "0.72 mg" in findings[0].message

    def test_above_2_88_mg_a_day_needs_an_override(self) -> None:
        findings = rules.lofexidine_findings(Decimal("0.54"), Decimal("2.89"), 7)
        assert levels(findings, LOFEXIDINE) == [Level.NEEDS_OVERRIDE]
        assert "2.89 mg/day" in findings[0].message and "2.88 mg" in findings[0].message

    def test_a_15_day_course_warns(self) -> None:
        findings = rules.lofexidine_findings(Decimal("0.54"), Decimal("2.16"), 15)
        assert levels(findings, LOFEXIDINE) == [Level.WARN]
        assert "15-day course" in findings[0].message and "14 days" in findings[0].message
        assert "taper" in findings[0].message

    def test_an_open_ended_course_is_not_judged(self) -> None:
        assert rules.lofexidine_findings(Decimal("0.54"), Decimal("2.16"), None) == []

    def test_the_order_rules_apply_them(self) -> None:
        ctx = OrderContext(
            medication=Medication.LOFEXIDINE,
            daily_mg=Decimal("2.92"),
            per_dose_mg=Decimal("0.73"),
            previous_daily_mg=None,
            new_start=True,
            latest_qtc_ms=None,
            course_days=15,
        )
        assert levels(rules.evaluate_order(ctx, DEFAULTS), LOFEXIDINE) == [
            Level.NEEDS_OVERRIDE,
            Level.NEEDS_OVERRIDE,
            Level.WARN,
        ]


# --- Co-use: warn, never withhold (FDA 2017) ---------------------------------------------------


class TestCoUse:
    @pytest.mark.parametrize("medication", [Medication.METHADONE, Medication.BUPRENORPHINE])
    def test_co_use_warns_and_never_needs_an_override(self, medication: Medication) -> None:
        ctx = DoseContext(
            medication=medication,
            clinic_day=DAY,
            amount_mg=Decimal(16),
            given_today_mg=Decimal(0),
            first_dose_day=False,
            missed_days=0,
            reviewed_since_missed=False,
            co_use=("benzodiazepines", "alcohol"),
        )
        findings = rules.evaluate_dose(ctx, Decimal(16), DEFAULTS)
        assert [(f.rule_id, f.level) for f in findings] == [(CO_USE, Level.WARN)]
        assert "benzodiazepines, alcohol" in findings[0].message
        assert "do not withhold" in findings[0].message and "FDA 2017" in findings[0].message

    def test_no_co_use_no_warning(self) -> None:
        ctx = first_bup_dose(ready(), first=False)
        assert only(rules.evaluate_dose(ctx, Decimal(8), DEFAULTS), CO_USE) == []
