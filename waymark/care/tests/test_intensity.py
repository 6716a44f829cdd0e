"""Level-of-care intensity (pure rules, intensity.py): a full week's hours against
ASAM's figures (intensive outpatient 9–19 h, partial hospitalisation 20 h or more,
REFERENCE.md §8) and standard outpatient's 1–2 sessions; a week still running is
not judged; a residential stay's length against 3–6 weeks and 6–12 months; an
episode's level history as periods, including two changes on one day."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.care import intensity
from waymark.care.intensity import Delivered, Period

MONDAY = dt.date(2026, 3, 2)
D = dt.timedelta(days=1)
IOP = intensity.expectation("intensive_outpatient")
PHP = intensity.expectation("partial_hospitalisation")
OP = intensity.expectation("outpatient")


def week(exp: intensity.Expectation, minutes: list[int]) -> intensity.WeekRow:
    """One complete week at the level: the sessions on its first days, judged a day after it ended."""
    delivered = [Delivered(MONDAY + i * D, m) for i, m in enumerate(minutes)]
    rows = intensity.weeks_at_level(exp, MONDAY, None, delivered, today=MONDAY + 8 * D)
    assert rows[0].complete
    return rows[0]


def minutes(hours: str, sessions: int) -> list[int]:
    total = int(Decimal(hours) * 60)
    return [total // sessions + (1 if i < total % sessions else 0) for i in range(sessions)]


class TestWeeklyHours:
    @pytest.mark.parametrize(
        ("exp", "hours", "status"),
        [
            (IOP, "8.9", "below"),
            (IOP, "9.0", "within"),
            (IOP, "19.0", "within"),
            (IOP, "19.1", "above"),
            (PHP, "19.9", "below"),
            (PHP, "20.0", "within"),
            (PHP, "35.0", "within"),  # "20 hours or more": no ceiling
        ],
    )
    def test_asam_hours_at_their_edges(self, exp: intensity.Expectation, hours: str, status: str) -> None:
        row = week(exp, minutes(hours, 4))
        assert (row.hours, row.sessions, row.status) == (Decimal(hours), 4, status)

    def test_the_explanation_gives_the_hours_and_what_was_expected(self) -> None:
        assert week(IOP, minutes("8.5", 3)).explanation == "8.5 h; expected 9–19 h a week."
        assert week(IOP, minutes("9", 3)).explanation == "9.0 h in 3 sessions; expected 9–19 h a week."
        assert week(PHP, minutes("12", 4)).explanation == "12.0 h; expected 20 h a week or more."

    def test_hours_are_judged_as_shown_to_a_tenth(self) -> None:
        # 8 h 57 min shows as 9.0 h and is judged as 9.0 h; 8 h 56 min shows as 8.9 h.
        assert (week(IOP, [537]).hours, week(IOP, [537]).status) == (Decimal("9.0"), "within")
        assert (week(IOP, [536]).hours, week(IOP, [536]).status) == (Decimal("8.9"), "below")


class TestOutpatientSessions:
    @pytest.mark.parametrize(
        ("sessions", "status"),
        [([], "below"), ([50], "within"), ([50, 50], "within"), ([50, 50, 50], "above")],
    )
    def test_one_or_two_sessions_a_week(self, sessions: list[int], status: str) -> None:
        assert week(OP, sessions).status == status

    def test_nine_hours_is_no_longer_standard_outpatient(self) -> None:
        row = week(OP, [270, 270])
        assert (row.hours, row.status) == (Decimal("9.0"), "above")
        assert row.explanation == "9.0 h; expected under 9 h a week."

    def test_no_sessions_says_so(self) -> None:
        assert week(OP, []).explanation == "0 sessions; expected 1–2 sessions a week."


class TestWeeks:
    def test_a_week_still_running_is_shown_but_not_judged(self) -> None:
        today = MONDAY + 9 * D  # the second week's third day
        rows = intensity.weeks_at_level(IOP, MONDAY, None, [Delivered(MONDAY + 8 * D, 120)], today)
        assert [(r.starts_on, r.ends_on, r.complete) for r in rows] == [
            (MONDAY, MONDAY + 6 * D, True),
            (MONDAY + 7 * D, today, False),
        ]
        assert rows[0].status == "below" and rows[1].status == "not judged"
        assert rows[1].explanation == "2.0 h so far; a week is judged once all 7 days have passed."

    def test_the_last_day_of_a_week_is_judged_the_day_after(self) -> None:
        on_day_7 = intensity.weeks_at_level(IOP, MONDAY, None, [], MONDAY + 6 * D)
        on_day_8 = intensity.weeks_at_level(IOP, MONDAY, None, [], MONDAY + 7 * D)
        assert on_day_7[0].status == "not judged"
        assert on_day_8[0].status == "below"

    def test_a_week_cut_short_by_the_next_level_is_not_judged(self) -> None:
        # At the level Monday to the next Wednesday (the next level started on Thursday).
        rows = intensity.weeks_at_level(IOP, MONDAY, MONDAY + 10 * D, [], MONDAY + 60 * D)
        assert [(r.ends_on, r.status) for r in rows] == [(MONDAY + 6 * D, "below"), (MONDAY + 9 * D, "not judged")]

    def test_sessions_outside_the_period_are_not_counted(self) -> None:
        delivered = [Delivered(MONDAY - D, 600), Delivered(MONDAY, 540), Delivered(MONDAY + 7 * D, 600)]
        rows = intensity.weeks_at_level(IOP, MONDAY, MONDAY + 7 * D, delivered, MONDAY + 30 * D)
        assert len(rows) == 1 and rows[0].hours == Decimal("9.0") and rows[0].status == "within"

    def test_a_level_without_a_weekly_figure_shows_hours_as_delivered(self) -> None:
        row = week(intensity.expectation("otp"), [45])
        assert row.status == "no figure" and row.explanation == "0.8 h in 1 session."
        assert intensity.expectation("otp").guidance == intensity.NO_FIGURE

    def test_a_level_that_started_today_for_no_days_has_no_weeks(self) -> None:
        assert intensity.weeks_at_level(IOP, MONDAY, MONDAY, [], MONDAY + D) == []

    @given(st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=30))
    def test_weeks_cover_the_period_without_gaps(self, length: int, extra: int) -> None:
        today = MONDAY + (length + extra) * D
        rows = intensity.weeks_at_level(IOP, MONDAY, None, [], today)
        assert rows[0].starts_on == MONDAY and rows[-1].ends_on == today
        assert all(b.starts_on == a.ends_on + D for a, b in itertools.pairwise(rows))
        assert all(r.complete for r in rows[:-1])


class TestResidentialLength:
    SHORT = intensity.expectation("residential_short")
    LONG = intensity.expectation("residential_long")

    @pytest.mark.parametrize(
        ("level", "days", "status"),
        [
            ("residential_short", 20, "short of"),
            ("residential_short", 21, "within"),
            ("residential_short", 42, "within"),
            ("residential_short", 43, "past"),
            ("residential_long", 181, "short of"),
            ("residential_long", 182, "within"),
            ("residential_long", 365, "within"),
            ("residential_long", 366, "past"),
        ],
    )
    def test_length_at_its_edges(self, level: str, days: int, status: str) -> None:
        ended = intensity.stay_length(intensity.expectation(level), MONDAY, MONDAY + days * D, MONDAY + 500 * D)
        running = intensity.stay_length(intensity.expectation(level), MONDAY, None, MONDAY + days * D)
        assert (ended.days, ended.status) == (running.days, running.status) == (days, status)

    def test_the_explanation_in_weeks_and_days(self) -> None:
        assert intensity.stay_length(self.SHORT, MONDAY, None, MONDAY + 20 * D).explanation == (
            "2 weeks 6 days; this level usually lasts 3–6 weeks."
        )
        assert intensity.stay_length(self.SHORT, MONDAY, MONDAY + 43 * D, MONDAY).explanation == (
            "6 weeks 1 day; longer than the usual 3–6 weeks."
        )
        assert intensity.stay_length(self.LONG, MONDAY, None, MONDAY + 7 * D).explanation == (
            "1 week 0 days; this level usually lasts 6–12 months."
        )

    def test_other_levels_have_no_length_figure(self) -> None:
        assert intensity.stay_length(IOP, MONDAY, None, MONDAY + 10 * D).status == "no figure"


class TestPeriods:
    def test_each_level_lasts_until_the_next_starts(self) -> None:
        changes = [("residential_short", MONDAY), ("intensive_outpatient", MONDAY + 30 * D)]
        assert intensity.periods(changes, None) == [
            Period("residential_short", MONDAY, MONDAY + 30 * D),
            Period("intensive_outpatient", MONDAY + 30 * D, None),
        ]

    def test_the_discharge_ends_the_last_period(self) -> None:
        changes = [("outpatient", MONDAY + 5 * D), ("intensive_outpatient", MONDAY)]  # any order
        assert intensity.periods(changes, MONDAY + 40 * D) == [
            Period("intensive_outpatient", MONDAY, MONDAY + 5 * D),
            Period("outpatient", MONDAY + 5 * D, MONDAY + 40 * D),
        ]

    def test_two_changes_on_one_day_the_later_one_stands(self) -> None:
        changes = [
            ("residential_short", MONDAY),
            ("partial_hospitalisation", MONDAY + 9 * D),
            ("intensive_outpatient", MONDAY + 9 * D),  # recorded after, the same day
        ]
        assert intensity.periods(changes, None) == [
            Period("residential_short", MONDAY, MONDAY + 9 * D),
            Period("intensive_outpatient", MONDAY + 9 * D, None),
        ]

    def test_a_change_on_the_discharge_day_lasts_no_days(self) -> None:
        changes = [("intensive_outpatient", MONDAY), ("outpatient", MONDAY + 9 * D)]
        assert intensity.periods(changes, MONDAY + 9 * D) == [Period("intensive_outpatient", MONDAY, MONDAY + 9 * D)]
