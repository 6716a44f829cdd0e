"""Time in recovery, stage, milestones and meeting streaks (pure rules, progress.py):
a lapse resets days since last use but never total days in recovery, the stage or a
milestone once reached; stage and milestone boundaries on the exact day; the local
day around midnight in New York, Auckland and UTC and across clock changes; meeting
streaks across a year end, with the current week still open."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.companion import progress
from waymark.companion.progress import Stage

START = dt.date(2026, 1, 1)
D = dt.timedelta(days=1)
UTC = dt.UTC


def keys(milestones: list[progress.Milestone]) -> list[str]:
    return [m.key for m in milestones]


class TestTimeInRecovery:
    def test_the_first_day_counts_as_one_day(self) -> None:
        assert progress.recovery_time(START, [], START) == progress.RecoveryTime(
            started_on=START,
            today=START,
            last_use=None,
            days_since_last_use=1,
            total_days_in_recovery=1,
            days_since_start=1,
            lapse_days=0,
        )

    def test_with_no_use_both_counts_are_the_days_since_the_start(self) -> None:
        rt = progress.recovery_time(START, [], dt.date(2026, 3, 1))  # Jan 31 + Feb 28 + 1 days
        assert (rt.days_since_start, rt.total_days_in_recovery, rt.days_since_last_use) == (60, 60, 60)

    def test_a_lapse_resets_days_since_last_use_but_total_days_keep_going(self) -> None:
        lapse = dt.date(2026, 2, 10)
        rt = progress.recovery_time(START, [lapse], dt.date(2026, 3, 1))
        assert rt.last_use == lapse
        assert rt.days_since_last_use == 19  # Feb 11 … Mar 1
        assert rt.total_days_in_recovery == 59  # 60 days less the lapse day
        assert rt.days_since_start == 60
        assert rt.lapse_days == 1

    def test_on_the_lapse_day_total_days_stay_where_they_were_the_day_before(self) -> None:
        lapse = dt.date(2026, 2, 10)
        before = progress.recovery_time(START, [lapse], lapse - D)
        on = progress.recovery_time(START, [lapse], lapse)
        after = progress.recovery_time(START, [lapse], lapse + D)
        assert (before.days_since_last_use, before.total_days_in_recovery) == (40, 40)
        assert (on.days_since_last_use, on.total_days_in_recovery) == (0, 40)
        assert (after.days_since_last_use, after.total_days_in_recovery) == (1, 41)

    def test_several_lapses_each_take_one_day_off_the_total(self) -> None:
        uses = [dt.date(2026, 3, 20), dt.date(2026, 2, 10), dt.date(2026, 2, 11), dt.date(2026, 2, 10)]  # repeat
        rt = progress.recovery_time(START, uses, dt.date(2026, 4, 1))
        assert rt.days_since_start == 91
        assert rt.lapse_days == 3
        assert rt.total_days_in_recovery == 88
        assert rt.last_use == dt.date(2026, 3, 20)
        assert rt.days_since_last_use == 12

    def test_use_on_the_start_day_counts_as_a_lapse(self) -> None:
        rt = progress.recovery_time(START, [START], START)
        assert (rt.days_since_last_use, rt.total_days_in_recovery, rt.days_since_start, rt.lapse_days) == (0, 0, 1, 1)
        later = progress.recovery_time(START, [START], START + 9 * D)
        assert (later.days_since_last_use, later.total_days_in_recovery, later.days_since_start) == (9, 9, 10)

    def test_use_before_the_start_or_after_today_is_ignored(self) -> None:
        rt = progress.recovery_time(START, [START - D, START + 30 * D], START + 9 * D)
        assert (rt.last_use, rt.lapse_days, rt.days_since_last_use, rt.total_days_in_recovery) == (None, 0, 10, 10)

    def test_a_start_in_the_future_gives_zeros(self) -> None:
        rt = progress.recovery_time(START, [START], START - D)
        assert rt.not_started
        assert (rt.days_since_last_use, rt.total_days_in_recovery, rt.days_since_start, rt.lapse_days) == (0, 0, 0, 0)
        assert rt.last_use is None
        assert progress.stage_for(rt.total_days_in_recovery) == Stage.EARLY
        assert progress.next_milestone(rt.total_days_in_recovery) == progress.Milestone(1, "1_day")

    @given(st.sets(st.integers(min_value=-5, max_value=80), max_size=20), st.integers(min_value=0, max_value=70))
    def test_total_days_never_go_down_and_the_counts_add_up(self, uses: set[int], day: int) -> None:
        use_days = [START + n * D for n in uses]
        today = START + day * D
        rt = progress.recovery_time(START, use_days, today)
        tomorrow = progress.recovery_time(START, use_days, today + D)
        assert tomorrow.total_days_in_recovery in (rt.total_days_in_recovery, rt.total_days_in_recovery + 1)
        assert rt.total_days_in_recovery + rt.lapse_days == rt.days_since_start
        assert 0 <= rt.days_since_last_use <= rt.total_days_in_recovery


class TestStage:
    @pytest.mark.parametrize(
        ("days", "stage"),
        [
            (0, Stage.EARLY),
            (1, Stage.EARLY),
            (89, Stage.EARLY),
            (90, Stage.MIDDLE),
            (364, Stage.MIDDLE),
            (365, Stage.LONG_TERM),
            (5000, Stage.LONG_TERM),
        ],
    )
    def test_the_stage_changes_on_the_boundary_day(self, days: int, stage: Stage) -> None:
        assert progress.stage_for(days) == stage

    def test_the_boundaries_are_named(self) -> None:
        assert (progress.MIDDLE_FROM_DAYS, progress.LONG_TERM_FROM_DAYS) == (90, 365)
        assert [s.value for s in Stage] == ["early", "middle", "long_term"]

    def test_a_lapse_in_the_middle_stage_does_not_send_someone_back_to_early(self) -> None:
        today = START + 120 * D
        rt = progress.recovery_time(START, [today], today)
        assert rt.days_since_last_use == 0
        assert rt.total_days_in_recovery == 120
        assert progress.stage_for(rt.total_days_in_recovery) == Stage.MIDDLE

    def test_a_lapse_on_the_day_middle_stage_would_start_holds_it_back_one_day(self) -> None:
        day_90 = START + 89 * D  # the 90th day since the start
        assert progress.stage_for(progress.recovery_time(START, [], day_90).total_days_in_recovery) == Stage.MIDDLE
        lapsed = progress.recovery_time(START, [day_90], day_90)
        assert lapsed.total_days_in_recovery == 89
        assert progress.stage_for(lapsed.total_days_in_recovery) == Stage.EARLY
        next_day = progress.recovery_time(START, [day_90], day_90 + D)
        assert progress.stage_for(next_day.total_days_in_recovery) == Stage.MIDDLE


class TestMilestones:
    def test_the_list_starts_with_the_named_milestones_then_every_year_to_50(self) -> None:
        assert [(m.days, m.key) for m in progress.MILESTONES[:10]] == [
            (1, "1_day"),
            (7, "1_week"),
            (30, "30_days"),
            (60, "60_days"),
            (90, "90_days"),
            (182, "6_months"),
            (365, "1_year"),
            (547, "18_months"),
            (730, "2_years"),
            (1095, "3_years"),
        ]
        assert progress.MILESTONES[-1] == progress.Milestone(18250, "50_years")
        assert len(progress.MILESTONES) == 57
        assert len({m.key for m in progress.MILESTONES}) == 57
        assert all(a.days < b.days for a, b in zip(progress.MILESTONES, progress.MILESTONES[1:], strict=False))

    @pytest.mark.parametrize(
        ("days", "last_key", "count"),
        [
            (1, "1_day", 1),
            (6, "1_day", 1),
            (7, "1_week", 2),
            (29, "1_week", 2),
            (30, "30_days", 3),
            (181, "90_days", 5),
            (182, "6_months", 6),
            (364, "6_months", 6),
            (365, "1_year", 7),
            (546, "1_year", 7),
            (547, "18_months", 8),
            (729, "18_months", 8),
            (730, "2_years", 9),
        ],
    )
    def test_a_milestone_is_reached_on_its_exact_day(self, days: int, last_key: str, count: int) -> None:
        reached = progress.milestones_reached(days)
        assert len(reached) == count
        assert reached[-1].key == last_key

    def test_none_are_reached_before_the_first_day(self) -> None:
        assert progress.milestones_reached(0) == []

    @pytest.mark.parametrize(
        ("days", "key"),
        [
            (0, "1_day"),
            (1, "1_week"),
            (7, "30_days"),
            (90, "6_months"),
            (364, "1_year"),
            (730, "3_years"),
            (18249, "50_years"),
        ],
    )
    def test_the_next_milestone_is_the_first_not_yet_reached(self, days: int, key: str) -> None:
        nxt = progress.next_milestone(days)
        assert nxt is not None and nxt.key == key

    def test_there_is_no_next_milestone_after_50_years(self) -> None:
        assert progress.next_milestone(18250) is None

    def test_a_lapse_after_100_days_keeps_the_90_day_milestone(self) -> None:
        lapse = START + 100 * D  # the 101st day
        rt = progress.recovery_time(START, [lapse], lapse + 2 * D)
        assert rt.days_since_last_use == 2
        assert rt.total_days_in_recovery == 102
        assert keys(progress.milestones_reached(rt.total_days_in_recovery)) == [
            "1_day",
            "1_week",
            "30_days",
            "60_days",
            "90_days",
        ]
        assert progress.next_milestone(rt.total_days_in_recovery) == progress.Milestone(182, "6_months")


class TestLocalDay:
    @pytest.mark.parametrize(
        ("at", "zone", "day"),
        [
            # 03:30 UTC on 1 March is 22:30 the evening before in New York (EST, UTC−5) and 16:30 in Auckland
            # (NZDT, UTC+13).
            (dt.datetime(2026, 3, 1, 3, 30, tzinfo=UTC), "UTC", dt.date(2026, 3, 1)),
            (dt.datetime(2026, 3, 1, 3, 30, tzinfo=UTC), "America/New_York", dt.date(2026, 2, 28)),
            (dt.datetime(2026, 3, 1, 3, 30, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 3, 1)),
            # Auckland's midnight is 11:00 UTC the day before in January (UTC+13).
            (dt.datetime(2026, 1, 15, 10, 59, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 1, 15)),
            (dt.datetime(2026, 1, 15, 11, 0, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 1, 16)),
            (dt.datetime(2026, 1, 15, 11, 0, tzinfo=UTC), "America/New_York", dt.date(2026, 1, 15)),
            # New York's midnight is 05:00 UTC in winter (EST) …
            (dt.datetime(2026, 3, 7, 4, 59, tzinfo=UTC), "America/New_York", dt.date(2026, 3, 6)),
            (dt.datetime(2026, 3, 7, 5, 0, tzinfo=UTC), "America/New_York", dt.date(2026, 3, 7)),
            # … and 04:00 UTC after clocks go forward on 8 March 2026 (EDT, UTC−4).
            (dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC), "America/New_York", dt.date(2026, 3, 7)),
            (dt.datetime(2026, 3, 9, 4, 30, tzinfo=UTC), "America/New_York", dt.date(2026, 3, 9)),
            # Clocks go back on 1 November 2026: 04:30 UTC is 00:30 EDT before, 23:30 EST after.
            (dt.datetime(2026, 10, 31, 4, 30, tzinfo=UTC), "America/New_York", dt.date(2026, 10, 31)),
            (dt.datetime(2026, 11, 2, 4, 30, tzinfo=UTC), "America/New_York", dt.date(2026, 11, 1)),
            # Auckland goes from UTC+13 to UTC+12 on 5 April 2026.
            (dt.datetime(2026, 4, 4, 11, 30, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 4, 5)),
            (dt.datetime(2026, 4, 5, 11, 30, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 4, 5)),
            (dt.datetime(2026, 4, 5, 12, 0, tzinfo=UTC), "Pacific/Auckland", dt.date(2026, 4, 6)),
        ],
    )
    def test_the_day_is_the_persons_own_calendar_day(self, at: dt.datetime, zone: str, day: dt.date) -> None:
        assert progress.local_day(at, zone) == day

    def test_an_aware_time_in_another_zone_is_converted(self) -> None:
        tokyo = dt.timezone(dt.timedelta(hours=9))
        assert progress.local_day(dt.datetime(2026, 6, 1, 8, 0, tzinfo=tokyo), "America/New_York") == dt.date(
            2026, 5, 31
        )

    def test_a_naive_time_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware datetime"):
            progress.local_day(dt.datetime(2026, 3, 1, 3, 30), "UTC")

    def test_the_same_moment_is_a_lapse_on_different_days_for_different_people(self) -> None:
        used_at = dt.datetime(2026, 2, 11, 4, 30, tzinfo=UTC)  # 23:30 on 10 Feb in New York
        now = dt.datetime(2026, 2, 12, 3, 0, tzinfo=UTC)  # 22:00 on 11 Feb in New York; 16:00 on 12 Feb in Auckland
        new_york = progress.recovery_time(
            START, [progress.local_day(used_at, "America/New_York")], progress.local_day(now, "America/New_York")
        )
        auckland = progress.recovery_time(
            START, [progress.local_day(used_at, "Pacific/Auckland")], progress.local_day(now, "Pacific/Auckland")
        )
        assert (new_york.last_use, new_york.days_since_last_use, new_york.total_days_in_recovery) == (
            dt.date(2026, 2, 10),
            1,
            41,
        )
        assert (auckland.last_use, auckland.days_since_last_use, auckland.total_days_in_recovery) == (
            dt.date(2026, 2, 11),
            1,
            42,
        )


class TestMeetingStreak:
    def test_no_meetings_no_streak(self) -> None:
        assert progress.meeting_streak([], START) == progress.MeetingStreak(0, 0, 0)

    def test_weeks_run_monday_to_sunday_across_the_year_end(self) -> None:
        # Monday 29 Dec 2025 to Sunday 4 Jan 2026 is one week (ISO week 1 of 2026).
        meetings = [dt.date(2025, 12, 16), dt.date(2025, 12, 24), dt.date(2025, 12, 29), dt.date(2026, 1, 4)]
        meetings.append(dt.date(2026, 1, 8))
        assert progress.meeting_streak(meetings, dt.date(2026, 1, 9)) == progress.MeetingStreak(4, 4, 1)
        assert progress.meeting_streak(meetings, dt.date(2026, 1, 4)) == progress.MeetingStreak(3, 3, 2)

    def test_the_current_week_is_open_until_it_ends(self) -> None:
        meetings = [dt.date(2026, 1, 14), dt.date(2026, 1, 21), dt.date(2026, 1, 28)]  # three Wednesdays
        sunday = dt.date(2026, 2, 8)
        for today in (dt.date(2026, 2, 2), dt.date(2026, 2, 5), sunday):  # no meeting yet this week
            assert progress.meeting_streak(meetings, today) == progress.MeetingStreak(3, 3, 0)
        # The next Monday, the week without a meeting has closed and broken the streak.
        assert progress.meeting_streak(meetings, sunday + D) == progress.MeetingStreak(0, 3, 0)

    def test_a_meeting_this_week_extends_the_streak(self) -> None:
        meetings = [dt.date(2026, 1, 14), dt.date(2026, 1, 21), dt.date(2026, 1, 28), dt.date(2026, 2, 2)]
        assert progress.meeting_streak(meetings, dt.date(2026, 2, 3)) == progress.MeetingStreak(4, 4, 1)

    def test_a_week_without_a_meeting_breaks_the_run_but_not_the_longest(self) -> None:
        # Five weeks in a row in January 2026, a gap, then two weeks; today is in the second of those.
        meetings = [dt.date(2026, 1, 5) + 7 * n * D for n in range(5)]
        meetings += [dt.date(2026, 2, 16), dt.date(2026, 2, 23), dt.date(2026, 2, 24)]
        assert progress.meeting_streak(meetings, dt.date(2026, 2, 25)) == progress.MeetingStreak(2, 5, 2)

    def test_meetings_after_today_are_ignored(self) -> None:
        meetings = [dt.date(2026, 1, 28), dt.date(2026, 2, 4), dt.date(2026, 2, 11)]
        assert progress.meeting_streak(meetings, dt.date(2026, 2, 3)) == progress.MeetingStreak(1, 1, 0)

    @given(st.lists(st.integers(min_value=0, max_value=120), max_size=30), st.integers(min_value=0, max_value=130))
    def test_the_current_streak_is_never_longer_than_the_longest(self, days: list[int], today: int) -> None:
        streak = progress.meeting_streak([START + n * D for n in days], START + today * D)
        assert 0 <= streak.current_weeks <= streak.longest_weeks
        assert streak.meetings_this_week <= len(days)
