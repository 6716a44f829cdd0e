"""Insights from a person's own check-ins (pure rules, insights.py), on synthetic
histories with known planted patterns (seeded random.Random) and on small
hand-counted ones: the highest-craving weekday and time of day, the trigger most
often followed by high craving or use, short sleep and meetings against next-day
craving with an honest verdict ("likely", "unclear", "not_enough_data"), the
early-warning pattern with and without isolation or missed meetings, and a 3-year
history summarised in one go."""

import datetime as dt
import random

import pytest

from waymark.companion import insights
from waymark.companion.insights import DayRecord

D = dt.timedelta(days=1)
MONDAY = dt.date(2026, 1, 5)
CONFLICT = frozenset({"conflict"})
NONE: frozenset[str] = frozenset()


def synthetic(
    days: int,
    seed: int,
    *,
    start: dt.date = MONDAY,
    friday_extra: int = 0,
    conflict_effect: bool = False,
    sleep_effect: int = 0,
    meeting_effect: int = 0,
) -> list[DayRecord]:
    """A daily history with noise (craving 1–5) and whichever patterns are planted:
    - friday_extra: craving on Fridays is higher by this many points;
    - conflict_effect: "conflict" (about 1 day in 5) is followed by craving 8 the next day 80% of the time,
      other days 10% of the time; "stress" and "boredom" come and go with no effect;
    - sleep_effect: after a short night (< 6 h, about 1 night in 3; reported in the morning's check-in as
      "sleep last night") craving that day is higher by this much;
    - meeting_effect: the day after a meeting (about 1 day in 3) craving changes by this much."""
    rng = random.Random(seed)
    records: list[DayRecord] = []
    prev: DayRecord | None = None
    for i in range(days):
        day = start + i * D
        sleep = round(rng.uniform(3.5, 5.9) if rng.random() < 0.35 else rng.uniform(6.0, 9.0), 1)
        craving = rng.randint(1, 5)
        if day.weekday() == 4:
            craving += friday_extra
        if conflict_effect:
            after_conflict = prev is not None and "conflict" in prev.triggers
            craving = 8 if rng.random() < (0.8 if after_conflict else 0.1) else rng.randint(1, 4)
        if sleep < 6:
            craving += sleep_effect
        if prev is not None and prev.meeting:
            craving += meeting_effect
        triggers = {t for t, p in (("conflict", 0.2), ("stress", 0.3), ("boredom", 0.3)) if rng.random() < p}
        record = DayRecord(
            day=day,
            craving=max(0, min(10, craving)),
            mood=rng.randint(1, 5),
            triggers=frozenset(triggers),
            sleep_hours=sleep,
            used=False,
            meeting=rng.random() < 0.3,
            support_contact=rng.random() < 0.7,
            hour=rng.randint(0, 23),
        )
        records.append(record)
        prev = record
    return records


def by_key(groups: list[insights.GroupStat]) -> dict[str, tuple[int, float | None]]:
    return {g.key: (g.n, g.mean) for g in groups}


class TestDayRecord:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("craving", 11, "Craving 11"),
            ("craving", -1, "Craving -1"),
            ("mood", 0, "Mood 0"),
            ("mood", 6, "Mood 6"),
            ("sleep_hours", 24.5, "Sleep of 24.5 h"),
            ("hour", 24, "Check-in hour 24"),
        ],
    )
    def test_out_of_range_values_are_refused(self, field: str, value: float, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            DayRecord(MONDAY, **{field: value})  # type: ignore[arg-type]


class TestCravingByWeekday:
    def test_means_and_counts_per_weekday(self) -> None:
        # Four weeks: craving 2, Fridays 5, Sundays checked in without a craving; one Wednesday missing.
        records = [
            DayRecord(day, craving=None if day.weekday() == 6 else 5 if day.weekday() == 4 else 2)
            for day in (MONDAY + i * D for i in range(28))
            if day != MONDAY + 9 * D
        ]
        assert by_key(insights.craving_by_weekday(records)) == {
            "monday": (4, 2.0),
            "tuesday": (4, 2.0),
            "wednesday": (3, 2.0),
            "thursday": (4, 2.0),
            "friday": (4, 5.0),
            "saturday": (4, 2.0),
            "sunday": (0, None),
        }
        # Four Fridays are fewer than MIN_DAYS (5): nothing is called the highest yet.
        assert insights.highest(insights.craving_by_weekday(records)) is None

    def test_fridays_planted_3_points_higher_come_out_on_top(self) -> None:
        groups = insights.craving_by_weekday(synthetic(52 * 7, seed=7, friday_extra=3))
        assert [g.n for g in groups] == [52] * 7
        top = insights.highest(groups)
        assert top is not None and top.key == "friday"
        others = [g.mean for g in groups if g.key != "friday" and g.mean is not None]
        assert top.mean is not None and 2.5 < top.mean - sum(others) / len(others) < 3.5

    def test_no_group_is_the_highest_with_only_one_group_with_enough_data(self) -> None:
        groups = [insights.GroupStat("monday", 9, 4.0), insights.GroupStat("tuesday", 4, 9.0)]
        assert insights.highest(groups) is None
        groups.append(insights.GroupStat("wednesday", 5, 3.0))
        assert insights.highest(groups) == insights.GroupStat("monday", 9, 4.0)


class TestCravingByTimeOfDay:
    @pytest.mark.parametrize(
        ("hour", "key"),
        [
            (0, "night"),
            (4, "night"),
            (5, "morning"),
            (11, "morning"),
            (12, "afternoon"),
            (16, "afternoon"),
            (17, "evening"),
            (21, "evening"),
            (22, "night"),
            (23, "night"),
        ],
    )
    def test_the_hour_bands(self, hour: int, key: str) -> None:
        assert insights.time_of_day(hour) == key

    def test_means_and_counts_per_time_of_day(self) -> None:
        hours_cravings = [(4, 8), (5, 1), (11, 3), (12, 4), (16, 4), (17, 6), (21, 7), (22, 9), (None, 10)]
        records = [DayRecord(MONDAY + i * D, craving=c, hour=h) for i, (h, c) in enumerate(hours_cravings)]
        records.append(DayRecord(MONDAY + 20 * D, craving=None, hour=9))
        assert by_key(insights.craving_by_time_of_day(records)) == {
            "morning": (2, 2.0),
            "afternoon": (2, 4.0),
            "evening": (2, 6.5),
            "night": (2, 8.5),
        }


class TestTriggerLinks:
    def test_counts_on_a_hand_counted_history(self) -> None:
        spec = {  # day number: (triggers, craving, used); days 8 and 10 have no check-in
            1: (CONFLICT, 2, None),
            2: (NONE, 2, True),
            3: (CONFLICT, 1, None),
            4: (NONE, 1, None),
            5: (CONFLICT, 1, None),
            6: (NONE, 9, None),
            7: (CONFLICT, 1, None),
            9: (CONFLICT, 8, None),
            11: (NONE, 0, None),
            12: (NONE, 0, None),
            13: (CONFLICT, 3, None),
            14: (NONE, 7, None),
        }
        records = [DayRecord(MONDAY + (n - 1) * D, craving=c, triggers=t, used=u) for n, (t, c, u) in spec.items()]
        # With conflict: 1 (next day use), 3 (no), 5 (next day 9), 9 (8 itself), 13 (next day 7) → 4 of 5;
        # day 7 is left out (no check-in on day 8 to tell). Without: 2 (use), 4 (no), 6 (9), 11 (no), 12 (no),
        # 14 (7) → 3 of 6; day 14 counts because it is itself high, day 12 because day 13 has a check-in.
        (link,) = insights.trigger_links(records)
        assert (link.trigger, link.days_present, link.days_with, link.followed_with) == ("conflict", 6, 5, 4)
        assert (link.days_without, link.followed_without) == (6, 3)
        assert (link.share_with, link.share_without) == (0.8, 0.5)
        assert link.difference == pytest.approx(0.3)
        # Agresti–Caffo: 5/7 − 4/8 ± 1.96 × √(5/7·2/7/7 + ½·½/8)
        assert (link.low, link.high) == (pytest.approx(-0.26743, abs=1e-5), pytest.approx(0.69600, abs=1e-5))
        assert link.confidence == insights.NOT_ENOUGH_DATA  # fewer than 10 days on each side

    def test_a_higher_bar_for_high_craving_changes_what_counts(self) -> None:
        records = [
            DayRecord(MONDAY + i * D, craving=8 if i % 2 else 2, triggers=CONFLICT if i % 2 == 0 else NONE)
            for i in range(12)
        ]
        (link,) = insights.trigger_links(records)
        assert (link.days_with, link.followed_with, link.days_without, link.followed_without) == (6, 6, 6, 6)
        (link,) = insights.trigger_links(records, high_craving=9)
        assert (link.days_with, link.followed_with, link.days_without, link.followed_without) == (6, 0, 5, 0)

    def test_triggers_seen_on_fewer_than_min_days_are_left_out(self) -> None:
        records = [DayRecord(MONDAY + i * D, craving=2, triggers=CONFLICT if i < 4 else NONE) for i in range(20)]
        assert insights.trigger_links(records) == []
        records[4] = DayRecord(MONDAY + 4 * D, craving=2, triggers=CONFLICT)
        assert [link.trigger for link in insights.trigger_links(records)] == ["conflict"]

    def test_conflict_planted_before_high_craving_is_the_top_link(self) -> None:
        links = insights.trigger_links(synthetic(365, seed=11, conflict_effect=True))
        top = links[0]
        assert top.trigger == "conflict"
        assert top.share_with > 0.75
        assert top.share_without is not None and top.share_without < 0.3
        assert top.confidence == insights.LIKELY
        assert top.low is not None and top.low > 0.3
        rest = {link.trigger: link for link in links[1:]}
        assert set(rest) == {"stress", "boredom"}
        assert all(link.confidence == insights.UNCLEAR for link in rest.values())

    def test_a_trigger_reported_every_day_has_nothing_to_compare_with(self) -> None:
        records = [DayRecord(MONDAY + i * D, craving=8, triggers=CONFLICT) for i in range(6)]
        (link,) = insights.trigger_links(records)
        assert (link.days_with, link.followed_with, link.days_without) == (6, 6, 0)
        assert (link.share_without, link.difference, link.low, link.high) == (None, None, None, None)
        assert link.confidence == insights.NOT_ENOUGH_DATA


def sleep_history(pairs: list[tuple[float, int]]) -> list[DayRecord]:
    """Consecutive days, day i reporting pairs[i] as (sleep last night, craving)."""
    return [DayRecord(MONDAY + i * D, sleep_hours=sleep, craving=c) for i, (sleep, c) in enumerate(pairs)]


class TestNextDayComparison:
    def test_a_welch_interval_counted_by_hand(self) -> None:
        # Short nights → next-day craving 4, 6, 4, 6 … (mean 5, variance 10/9); ≥ 6 h → 2, 4, … (mean 3).
        short = [(5.0, 4 if i % 2 else 6) for i in range(10)]
        enough = [(6.0, 2 if i % 2 else 4) for i in range(10)]
        result = insights.next_day_comparison(sleep_history(short + enough), "sleep")
        assert (result.group_key, result.other_key) == ("short_sleep", "enough_sleep")
        assert (result.group_n, result.other_n, result.group_mean, result.other_mean) == (10, 10, 5.0, 3.0)
        assert result.difference == 2.0
        # SE = √(2 × 10/9 / 10) = 0.471405; Satterthwaite df = 18 → t = 2.101; margin 0.990421.
        assert (result.low, result.high) == (pytest.approx(1.009579, abs=1e-6), pytest.approx(2.990421, abs=1e-6))
        assert result.confidence == insights.LIKELY

    def test_6_hours_counts_as_enough_sleep_and_a_check_in_without_craving_is_left_out(self) -> None:
        records = [*sleep_history([(5.9, 3), (6.0, 1)]), DayRecord(MONDAY + 10 * D, sleep_hours=2.0)]
        result = insights.next_day_comparison(records, "sleep")
        assert (result.group_n, result.group_mean, result.other_n, result.other_mean) == (1, 3.0, 1, 1.0)

    def test_sleep_last_night_goes_with_the_same_check_in_and_a_meeting_with_the_next(self) -> None:
        records = [
            DayRecord(MONDAY, sleep_hours=5.0, meeting=True, craving=9),
            DayRecord(MONDAY + D, sleep_hours=8.0, meeting=False, craving=1),
            DayRecord(MONDAY + 2 * D, craving=5),
        ]
        sleep = insights.next_day_comparison(records, "sleep")
        assert (sleep.group_n, sleep.group_mean, sleep.other_n, sleep.other_mean) == (1, 9.0, 1, 1.0)
        meeting = insights.next_day_comparison(records, "meeting")
        assert (meeting.group_n, meeting.group_mean, meeting.other_n, meeting.other_mean) == (1, 1.0, 1, 5.0)
        assert meeting.difference == -4.0

    def test_too_few_days_is_not_enough_data_but_the_means_are_there(self) -> None:
        pairs = [(5.0, 6)] * 9 + [(7.0, 2)] * 30
        result = insights.next_day_comparison(sleep_history(pairs), "sleep")
        assert (result.group_n, result.other_n, result.difference) == (9, 30, 4.0)
        assert (result.low, result.high) == (None, None)
        assert result.confidence == insights.NOT_ENOUGH_DATA
        assert insights.next_day_comparison([], "meeting").confidence == insights.NOT_ENOUGH_DATA

    def test_short_sleep_planted_2_points_is_likely(self) -> None:
        result = insights.next_day_comparison(synthetic(200, seed=3, sleep_effect=2), "sleep")
        assert result.group_n + result.other_n == 200
        assert result.difference is not None and 1.5 < result.difference < 2.5
        assert result.low is not None and result.low > 0
        assert result.confidence == insights.LIKELY

    def test_meetings_planted_2_points_lower_is_likely(self) -> None:
        result = insights.next_day_comparison(synthetic(200, seed=5, meeting_effect=-2), "meeting")
        assert (result.group_key, result.other_key) == ("meeting", "no_meeting")
        # Planted −2, but cravings stop at 0, so the difference seen is a little smaller.
        assert result.difference is not None and -2.0 < result.difference < -1.0
        assert result.high is not None and result.high < 0
        assert result.confidence == insights.LIKELY

    @pytest.mark.parametrize("factor", ["sleep", "meeting"])
    def test_pure_noise_is_unclear(self, factor: str) -> None:
        result = insights.next_day_comparison(synthetic(200, seed=1), factor)
        assert min(result.group_n, result.other_n) >= insights.MIN_GROUP
        assert result.low is not None and result.high is not None and result.low < 0 < result.high
        assert result.confidence == insights.UNCLEAR

    def test_an_unknown_factor_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown factor 'mood'"):
            insights.next_day_comparison([], "mood")

    @pytest.mark.parametrize(("df", "t"), [(1, 12.706), (9.9, 2.262), (18, 2.101), (45, 2.021), (5000, 1.980)])
    def test_the_t_quantile_rounds_degrees_of_freedom_down(self, df: float, t: float) -> None:
        assert insights.t975(df) == t


TODAY = dt.date(2026, 6, 30)


def steady_month(*, support: bool = True, meetings: bool = True) -> list[DayRecord]:
    """30 days up to 5 days before TODAY: craving 2, support contact every day, a meeting every Monday."""
    first = TODAY - 34 * D
    return [
        DayRecord(
            first + i * D, craving=2, support_contact=support, meeting=meetings and (first + i * D).weekday() == 0
        )
        for i in range(30)
    ]


def last_days(
    cravings: list[int | None], *, support: bool = False, meeting: bool = False, end: dt.date = TODAY
) -> list[DayRecord]:
    """Check-ins for the len(cravings) days up to `end` (None: no check-in that day)."""
    first = end - (len(cravings) - 1) * D
    return [
        DayRecord(first + i * D, craving=c, support_contact=support, meeting=meeting)
        for i, c in enumerate(cravings)
        if c is not None
    ]


class TestEarlyWarning:
    def test_rising_craving_with_no_support_contact_is_detected(self) -> None:
        records = steady_month(meetings=False) + last_days([3, 4, 5, 6, 7])
        warning = insights.early_warning(records, TODAY)
        assert warning is not None
        assert warning.window_start == TODAY - 4 * D
        assert warning.cravings == tuple((TODAY - (4 - i) * D, 3 + i) for i in range(5))
        assert (warning.slope, warning.rise, warning.latest_craving) == (1.0, 4.0, 7)
        assert (warning.isolation, warning.missed_meetings) == (True, False)
        assert warning.signals == ("rising_craving", "isolation")
        assert warning.last_support_contact == TODAY - 5 * D
        assert warning.last_meeting is None

    def test_rising_craving_with_support_and_meetings_kept_is_not_a_warning(self) -> None:
        records = steady_month() + last_days([3, 4, 5, 6, 7], support=True, meeting=True)
        assert insights.early_warning(records, TODAY) is None

    def test_one_support_contact_in_the_last_3_days_is_not_isolation(self) -> None:
        records = steady_month() + last_days([3, 4, 5, 6], meeting=True, end=TODAY - D) + last_days([7], support=True)
        assert insights.early_warning(records, TODAY) is None
        # Three days back is outside the isolation days: still isolation.
        records = (
            steady_month() + last_days([3, 4], support=True, end=TODAY - 3 * D) + last_days([5, 6, 7], meeting=True)
        )
        warning = insights.early_warning(records, TODAY)
        assert warning is not None and warning.signals == ("rising_craving", "isolation")

    def test_isolation_needs_2_check_ins_in_the_last_3_days(self) -> None:
        records = steady_month(meetings=False) + last_days([3, 4, None, None, 7])
        assert insights.early_warning(records, TODAY) is None
        records = steady_month(meetings=False) + last_days([3, 4, None, 6, 7])
        warning = insights.early_warning(records, TODAY)
        assert warning is not None and warning.isolation

    def test_missed_meetings_after_going_weekly_is_detected(self) -> None:
        # Mondays up to 22 June; TODAY is Tuesday 30 June, so the last 7 days (24–30 June) had none.
        records = steady_month() + last_days([3, 4, 5, 6, 7], support=True)
        warning = insights.early_warning(records, TODAY)
        assert warning is not None
        assert warning.signals == ("rising_craving", "missed_meetings")
        assert warning.last_meeting == dt.date(2026, 6, 22)
        assert warning.last_support_contact == TODAY

    def test_no_meeting_in_the_4_weeks_before_is_not_missed_meetings(self) -> None:
        records = steady_month(meetings=False) + last_days([3, 4, 5, 6, 7], support=True)
        assert insights.early_warning(records, TODAY) is None

    def test_the_4_weeks_before_the_gap_are_counted_to_the_day(self) -> None:
        # The gap is 24–30 June; the 28 days before it are 27 May – 23 June (TODAY − 34 … TODAY − 7).
        for meeting_on, missed in ((TODAY - 34 * D, True), (TODAY - 35 * D, False), (TODAY - 7 * D, True)):
            records = [DayRecord(meeting_on, meeting=True), *last_days([3, 4, 5, 6, 7], support=True)]
            warning = insights.early_warning(records, TODAY)
            assert (warning is not None and warning.missed_meetings) is missed, meeting_on
        records = [DayRecord(TODAY - 6 * D, meeting=True), *last_days([3, 4, 5, 6, 7], support=True)]
        assert insights.early_warning(records, TODAY) is None  # a meeting on the first day of the gap

    @pytest.mark.parametrize(
        ("cravings", "rise"),
        [([None, None, 3, 4, 5], 2.0), ([2, None, 4, None, 6], 4.0), ([5, 2, 3, 5, 6], 2.0)],
    )
    def test_a_rise_of_2_points_or_more_over_3_check_ins_counts(self, cravings: list[int | None], rise: float) -> None:
        warning = insights.early_warning(steady_month(meetings=False) + last_days(cravings), TODAY)
        assert warning is not None and warning.rise == pytest.approx(rise)

    @pytest.mark.parametrize(
        "cravings",
        [
            [None, None, 3, 3, 4],  # slope 0.5 over 2 days: +1 only
            [7, 7, 7, 7, 7],  # high but not rising
            [0, 1, 2, 3, 4],  # rising but the latest is below 5
            [None, None, None, 3, 8],  # only 2 check-ins
            [8, 7, 6, 5, 6],  # falling
        ],
    )
    def test_other_craving_shapes_are_not_a_warning(self, cravings: list[int | None]) -> None:
        assert insights.early_warning(steady_month(meetings=False) + last_days(cravings), TODAY) is None

    def test_check_ins_without_a_craving_are_not_part_of_the_trend(self) -> None:
        records = steady_month(meetings=False) + last_days([3, 4, 6], end=TODAY - D) + [DayRecord(TODAY)]
        warning = insights.early_warning(records, TODAY)
        assert warning is not None
        assert [c for _, c in warning.cravings] == [3, 4, 6]
        assert (warning.latest_craving, warning.rise) == (6, pytest.approx(3.0))
        records = steady_month(meetings=False) + last_days([5, 8], end=TODAY - 3 * D)
        records += [DayRecord(TODAY - 2 * D), DayRecord(TODAY - D), DayRecord(TODAY)]
        assert insights.early_warning(records, TODAY) is None  # two cravings are not a trend

    def test_the_window_and_thresholds_can_be_changed(self) -> None:
        records = steady_month(meetings=False) + last_days([2, 2, 2, 2, 3, 4, 5])
        assert insights.early_warning(records, TODAY) is not None  # last 5: 2, 2, 3, 4, 5 → rise 3.2
        assert insights.early_warning(records, TODAY, window_days=3, rise=3) is None  # 3, 4, 5 → rise 2
        assert insights.early_warning(records, TODAY, isolation_days=40) is None  # contacts 7+ days ago count
        with pytest.raises(ValueError, match="at least 1"):
            insights.early_warning(records, TODAY, window_days=0)

    def test_check_ins_after_today_are_not_used(self) -> None:
        records = steady_month(meetings=False) + last_days([3, 4, 5, 6, 7])
        records.append(DayRecord(TODAY + D, craving=1, support_contact=True))
        warning = insights.early_warning(records, TODAY)
        assert warning is not None and warning.last_support_contact == TODAY - 5 * D


class TestSummarise:
    def test_a_3_year_history_with_planted_patterns(self) -> None:
        first = TODAY - 1094 * D
        records = synthetic(1090, seed=2026, start=first, friday_extra=3, sleep_effect=2)
        records += last_days([3, 4, 5, 6, 7])  # an early warning in the last 5 days, no support contact
        records.append(DayRecord(TODAY + D, craving=10, hour=3))  # tomorrow: ignored
        assert len(records) == 1096
        result = insights.summarise(records, TODAY)
        assert (result.today, result.days_recorded, result.first_day) == (TODAY, 1095, first)
        assert sum(g.n for g in result.craving_by_weekday) == 1095
        assert result.top_weekday is not None and result.top_weekday.key == "friday"
        assert sum(g.n for g in result.craving_by_time_of_day) == 1090  # the last 5 have no hour
        assert result.top_time_of_day is not None
        assert {link.trigger for link in result.trigger_links} == {"conflict", "stress", "boredom"}
        assert result.sleep.confidence == insights.LIKELY
        assert result.sleep.low is not None and result.sleep.low > 0
        assert result.meeting.confidence == insights.UNCLEAR
        assert result.early_warning is not None
        # No support contact in the last 3 days, and no meeting since 19 June after some in the weeks before.
        assert result.early_warning.signals == ("rising_craving", "isolation", "missed_meetings")
        assert [c for _, c in result.early_warning.cravings] == [3, 4, 5, 6, 7]

    def test_an_empty_history(self) -> None:
        result = insights.summarise([], TODAY)
        assert (result.days_recorded, result.first_day, result.trigger_links) == (0, None, [])
        assert [g.n for g in result.craving_by_weekday] == [0] * 7
        assert (result.top_weekday, result.top_time_of_day, result.early_warning) == (None, None, None)
        assert result.sleep.confidence == result.meeting.confidence == insights.NOT_ENOUGH_DATA

    def test_a_day_given_twice_counts_once_with_the_later_record(self) -> None:
        records = [DayRecord(MONDAY, craving=9), DayRecord(MONDAY, craving=1)]
        result = insights.summarise(records, MONDAY)
        assert result.days_recorded == 1
        assert result.craving_by_weekday[0] == insights.GroupStat("monday", 1, 1.0)
        assert insights.craving_by_weekday(records)[0] == insights.GroupStat("monday", 1, 1.0)
