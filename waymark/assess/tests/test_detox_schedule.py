"""The check schedule of a withdrawal-management stay (pure rules): the baseline
is due at the start, then one interval after the latest check; overdue means
past the due time (exactly at it is on time, one minute later is overdue);
day N of the expected length, and the alert once the stay runs past it."""

import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.assess import detox

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def status(
    now: dt.datetime,
    readings: Sequence[detox.Reading] = (),
    *,
    every_hours: int = 4,
    expected_days: int = 7,
    protocol: str = "buprenorphine",
) -> detox.StayStatus:
    return detox.stay_status(
        started_at=START,
        expected_days=expected_days,
        every_hours=every_hours,
        protocol=protocol,
        readings=readings,
        now=now,
    )


class TestNextCheckDue:
    def test_the_baseline_is_due_when_the_stay_starts(self) -> None:
        assert detox.next_check_due(START, [], 4) == START

    def test_the_next_check_is_one_interval_after_the_latest(self) -> None:
        checks = [START + 5 * H, START, START + 9 * H]  # any order
        assert detox.next_check_due(START, checks, 4) == START + 13 * H

    def test_a_late_check_moves_the_schedule(self) -> None:
        assert detox.next_check_due(START, [START, START + 6 * H], 4) == START + 10 * H

    def test_due_checks_lists_the_next_times_if_each_is_on_time(self) -> None:
        assert detox.due_checks(START, [START], 6, count=3) == (START + 6 * H, START + 12 * H, START + 18 * H)

    @given(st.lists(st.integers(min_value=0, max_value=300), max_size=12), st.integers(min_value=1, max_value=24))
    def test_the_next_check_is_never_before_the_latest_one(self, minutes: list[int], every: int) -> None:
        checks = [START + dt.timedelta(minutes=m) for m in minutes]
        due = detox.next_check_due(START, checks, every)
        assert due >= max(checks, default=START)


class TestOverdue:
    def test_exactly_at_the_due_time_is_on_time(self) -> None:
        due = START + 4 * H
        assert not detox.is_overdue(due, due)
        state = status(due, [detox.Reading(START, 3)])
        assert not state.overdue and state.alerts == ()

    def test_one_minute_late_is_overdue(self) -> None:
        now = START + 4 * H + dt.timedelta(minutes=1)
        state = status(now, [detox.Reading(START, 3)])
        assert state.overdue
        assert [a.rule_id for a in state.alerts] == [detox.CHECK_OVERDUE]
        assert state.alerts[0].message == "COWS check overdue by 1 min."

    def test_a_missing_baseline_is_overdue_after_the_start(self) -> None:
        state = status(START + 2 * H + dt.timedelta(minutes=5))
        assert state.baseline_due and state.overdue
        assert state.alerts[0].message == "Baseline COWS overdue by 2 h 5 min."

    def test_the_program_interval_is_used(self) -> None:
        readings = [detox.Reading(START, 3)]
        assert not status(START + 6 * H, readings, every_hours=6).overdue
        assert status(START + 6 * H + dt.timedelta(minutes=1), readings, every_hours=6).overdue


class TestLength:
    @pytest.mark.parametrize(
        ("after", "day"),
        [
            (dt.timedelta(0), 1),
            (dt.timedelta(hours=23, minutes=59), 1),
            (dt.timedelta(days=1), 2),
            (dt.timedelta(days=6, hours=5), 7),
        ],
    )
    def test_day_of_the_stay(self, after: dt.timedelta, day: int) -> None:
        assert detox.day_of_stay(START, START + after) == day

    def test_past_the_expected_length_alerts(self) -> None:
        end = START + dt.timedelta(days=7)
        on_time = status(end, [detox.Reading(end - H, 2)])
        assert not on_time.past_expected
        late = status(end + dt.timedelta(minutes=1), [detox.Reading(end - H, 2)])
        assert late.past_expected and late.day == 8
        assert [a.rule_id for a in late.alerts] == [detox.EXPECTED_DURATION]
        assert "Day 8 of an expected 7" in late.alerts[0].message

    def test_lofexidine_past_14_days_is_flagged(self) -> None:
        now = START + dt.timedelta(days=14, minutes=1)
        readings = [detox.Reading(now - H, 2)]
        ids = [a.rule_id for a in status(now, readings, protocol="lofexidine", expected_days=14).alerts]
        assert detox.LOFEXIDINE_LIMITS in ids
        ids = [a.rule_id for a in status(now, readings, protocol="buprenorphine", expected_days=14).alerts]
        assert detox.LOFEXIDINE_LIMITS not in ids

    @pytest.mark.parametrize(("days", "note"), [(7, ""), (5, ""), (10, "longer than the typical 5–7"), (3, "shorter")])
    def test_a_length_outside_5_to_7_days_is_noted(self, days: int, note: str) -> None:
        text = detox.expected_length_note(days)
        assert (note in text) if note else text == ""


class TestSettings:
    def test_defaults(self) -> None:
        assert detox.settings_from({}) == detox.DetoxSettings(check_every_hours=4, expected_days=7)

    def test_a_program_sets_its_interval_and_length(self) -> None:
        settings = detox.settings_from({"assess.detox.check_every_hours": 6, "assess.detox.expected_days": 10})
        assert settings == detox.DetoxSettings(check_every_hours=6, expected_days=10)

    @pytest.mark.parametrize(
        "bad",
        [
            {"assess.detox.check_every_hours": 0},
            {"assess.detox.check_every_hours": "4"},
            {"assess.detox.expected_days": 15},
        ],
    )
    def test_a_bad_setting_is_named(self, bad: dict[str, object]) -> None:
        with pytest.raises(detox.SettingsError, match=next(iter(bad))):
            detox.settings_from(bad)

    def test_rule_ids_are_unique_and_sourced(self) -> None:
        ids = [r.id for r in detox.RULE_INFO]
        assert len(ids) == len(set(ids)) and all(i.startswith("assess.detox.") for i in ids)
        assert all(
            "REFERENCE.md" in r.source or "issue #3" in r.source or "[unverified]" in r.source for r in detox.RULE_INFO
        )
