"""Counselling dates and counts (pure rules, schedules.py): when a plan is due for
review and when that is overdue (the due day is due, the day after overdue); a
lapse brings the review forward; a weekly group's dates across a month end and a
clock change; attendance rate without cancelled sessions; no-show streaks that
cancelled sessions neither break nor extend; "not seen in N days" at N and N+1."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.care import schedules

SIGNED = dt.date(2026, 3, 2)
D = dt.timedelta(days=1)


class TestReviewInterval:
    def test_the_default_is_30_days(self) -> None:
        assert schedules.review_interval_days({}) == 30

    @pytest.mark.parametrize("value", [7, 365])
    def test_a_program_may_choose_from_7_to_365_days(self, value: int) -> None:
        assert schedules.review_interval_days({schedules.SETTING_REVIEW_DAYS: value}) == value

    @pytest.mark.parametrize("value", [6, 366, "30", 30.0, True, None])
    def test_a_bad_setting_is_refused_naming_it(self, value: object) -> None:
        with pytest.raises(schedules.SettingsError, match=r"care\.plan\.review_interval_days must be a whole number"):
            schedules.review_interval_days({schedules.SETTING_REVIEW_DAYS: value})


class TestReviewDue:
    def test_due_one_interval_after_the_plan_took_effect(self) -> None:
        assert schedules.review_due_on(SIGNED, [], 30) == (SIGNED + 30 * D, False)

    def test_the_latest_review_restarts_the_interval(self) -> None:
        reviews = [SIGNED + 40 * D, SIGNED + 25 * D]  # any order
        assert schedules.review_due_on(SIGNED, reviews, 30) == (SIGNED + 70 * D, False)

    def test_a_lapse_brings_the_review_forward_to_its_day(self) -> None:
        assert schedules.review_due_on(SIGNED, [], 30, [SIGNED + 9 * D]) == (SIGNED + 9 * D, True)

    def test_the_earliest_lapse_since_the_last_review_counts(self) -> None:
        due = schedules.review_due_on(SIGNED, [SIGNED + 5 * D], 30, [SIGNED + 3 * D, SIGNED + 12 * D, SIGNED + 8 * D])
        assert due == (SIGNED + 8 * D, True)

    def test_a_review_on_the_lapse_day_has_dealt_with_it(self) -> None:
        assert schedules.review_due_on(SIGNED, [SIGNED + 9 * D], 30, [SIGNED + 9 * D]) == (SIGNED + 39 * D, False)

    def test_a_lapse_never_puts_the_review_later(self) -> None:
        assert schedules.review_due_on(SIGNED, [], 30, [SIGNED + 45 * D]) == (SIGNED + 30 * D, False)

    @given(
        st.lists(st.integers(min_value=0, max_value=400), max_size=5),
        st.lists(st.integers(min_value=0, max_value=400), max_size=5),
        st.integers(min_value=7, max_value=365),
    )
    def test_due_is_after_the_last_review_and_never_later_than_the_interval(
        self, reviews: list[int], lapses: list[int], interval: int
    ) -> None:
        review_days = [SIGNED + r * D for r in reviews]
        due, _ = schedules.review_due_on(SIGNED, review_days, interval, [SIGNED + n * D for n in lapses])
        last = max([SIGNED, *review_days])
        assert last < due <= last + interval * D


class TestReviewStatus:
    @pytest.mark.parametrize(
        ("today", "state", "days", "label"),
        [
            (SIGNED - 2 * D, "upcoming", 2, "Review in 2 days"),
            (SIGNED - D, "upcoming", 1, "Review in 1 day"),
            (SIGNED, "due", 0, "Review due today"),
            (SIGNED + D, "overdue", 1, "Review overdue by 1 day"),
            (SIGNED + 10 * D, "overdue", 10, "Review overdue by 10 days"),
        ],
    )
    def test_due_on_the_day_and_overdue_the_day_after(self, today: dt.date, state: str, days: int, label: str) -> None:
        status = schedules.review_status(SIGNED, today)
        assert (status.state, status.days, status.label) == (state, days, label)

    def test_it_says_when_a_lapse_prompted_the_review(self) -> None:
        assert schedules.review_status(SIGNED, SIGNED, prompted_by_lapse=True).prompted_by_lapse


class TestGroupOccurrences:
    def test_a_twice_weekly_group_across_a_month_end(self) -> None:
        # Tuesdays and Thursdays from Thursday 2026-04-23 to Tuesday 2026-05-05.
        days = schedules.occurrences([1, 3], dt.date(2026, 4, 23), dt.date(2026, 5, 5))
        assert days == [dt.date(2026, 4, d) for d in (23, 28, 30)] + [dt.date(2026, 5, d) for d in (5,)]

    def test_the_clock_change_does_not_move_or_drop_a_day(self) -> None:
        # US clocks go forward on Sunday 2026-03-08 and back on Sunday 2026-11-01: Sunday groups still meet.
        spring = schedules.occurrences([6], dt.date(2026, 3, 1), dt.date(2026, 3, 15))
        autumn = schedules.occurrences([6, 0], dt.date(2026, 10, 31), dt.date(2026, 11, 2))
        assert spring == [dt.date(2026, 3, 1), dt.date(2026, 3, 8), dt.date(2026, 3, 15)]
        assert autumn == [dt.date(2026, 11, 1), dt.date(2026, 11, 2)]

    def test_both_ends_are_included_and_an_empty_range_has_none(self) -> None:
        monday = dt.date(2026, 3, 2)
        assert schedules.occurrences([0], monday, monday) == [monday]
        assert schedules.occurrences([0], monday, monday - D) == []

    @pytest.mark.parametrize("weekdays", [[7], [-1]])
    def test_a_weekday_outside_monday_to_sunday_is_refused(self, weekdays: list[int]) -> None:
        with pytest.raises(ValueError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
            schedules.occurrences(weekdays, SIGNED, SIGNED + 7 * D)


class TestAttendance:
    def test_late_counts_as_attended_and_cancelled_is_left_out(self) -> None:
        stats = schedules.attendance_stats(
            [("attended", 50), ("late", 30), ("no_show", 0), ("cancelled", 0), ("attended", 60)]
        )
        assert (stats.attended, stats.late, stats.no_show, stats.cancelled) == (2, 1, 1, 1)
        assert stats.counted == 4 and stats.rate == 0.75 and stats.rate_label == "75% (3 of 4)"
        assert stats.minutes == 140

    def test_only_cancelled_sessions_have_no_rate(self) -> None:
        stats = schedules.attendance_stats([("cancelled", 0)])
        assert stats.rate is None and stats.rate_label == "—"

    def test_an_unknown_status_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown attendance status 'expected'"):
            schedules.attendance_stats([("expected", 0)])


class TestNoShowStreak:
    @pytest.mark.parametrize(
        ("newest_first", "streak"),
        [
            ([], 0),
            (["attended", "no_show"], 0),
            (["no_show", "no_show", "no_show", "attended", "no_show"], 3),
            (["no_show", "cancelled", "no_show", "late", "no_show"], 2),  # cancelled neither breaks nor extends
            (["cancelled", "cancelled"], 0),
            (["no_show", "no_show"], 2),  # never attended
        ],
    )
    def test_no_shows_in_a_row_since_the_last_attended_session(self, newest_first: list[str], streak: int) -> None:
        assert schedules.no_show_streak(newest_first) == streak


class TestNotSeen:
    TODAY = dt.date(2026, 3, 20)

    @pytest.mark.parametrize(("ago", "flagged"), [(0, False), (14, False), (15, True)])
    def test_seen_exactly_n_days_ago_is_still_seen_and_n_plus_1_is_not(self, ago: int, flagged: bool) -> None:
        last = self.TODAY - ago * D
        assert schedules.not_seen(last, self.TODAY, 14) is flagged
        assert schedules.days_since(last, self.TODAY) == ago

    def test_never_seen_is_not_seen(self) -> None:
        assert schedules.not_seen(None, self.TODAY, 365)
        assert schedules.days_since(None, self.TODAY) is None
