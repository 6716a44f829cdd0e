"""Random testing days (waymark/labs/schedules.py): reproducible from the seed,
only on open days, re-checkable by hand with SHA-256, and fair across weekdays."""

import calendar
import datetime as dt
import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.labs.schedules import open_days, random_test_days

SEED = "clinic-2025"
MON_WED_FRI = frozenset({0, 2, 4})
WEEKDAYS = frozenset(range(5))


def d(day: int, month: int = 3, year: int = 2025) -> dt.date:
    return dt.date(year, month, day)


class TestReproducible:
    def test_same_inputs_give_the_same_days(self) -> None:
        first = random_test_days(SEED, "P-0001", 2025, 3, 3, MON_WED_FRI)
        assert first == random_test_days(SEED, "P-0001", 2025, 3, 3, MON_WED_FRI)
        assert first == [d(10), d(21), d(26)]

    def test_another_seed_gives_other_days(self) -> None:
        assert random_test_days("clinic-2026", "P-0001", 2025, 3, 3, MON_WED_FRI) == [d(10), d(19), d(31)]

    def test_another_person_gives_other_days(self) -> None:
        assert random_test_days(SEED, "P-0002", 2025, 3, 3, MON_WED_FRI) == [d(5), d(19), d(31)]

    def test_one_ranking_checked_by_hand(self) -> None:
        # March 2025 Mondays are the 3rd, 10th, 17th, 24th and 31st. Their digests of
        # "clinic-2025:P-0001:2025-03-DD" begin 3rd e25d…, 10th 2491…, 17th d162…, 24th c17f…, 31st f96a…,
        # so the ranking is 10th, 24th, 17th, 3rd, 31st, and two tests fall on the 10th and 24th.
        prefixes = {
            day: hashlib.sha256(f"clinic-2025:P-0001:2025-03-{day:02d}".encode()).hexdigest()[:4]
            for day in (3, 10, 17, 24, 31)
        }
        assert prefixes == {3: "e25d", 10: "2491", 17: "d162", 24: "c17f", 31: "f96a"}
        assert random_test_days(SEED, "P-0001", 2025, 3, 2, frozenset({0})) == [d(10), d(24)]
        assert random_test_days(SEED, "P-0001", 2025, 3, 3, frozenset({0})) == [d(10), d(17), d(24)]


class TestOpenDays:
    def test_only_open_weekdays(self) -> None:
        days = random_test_days(SEED, "P-0001", 2025, 3, 8, MON_WED_FRI)
        assert len(days) == 8
        assert {day.weekday() for day in days} <= MON_WED_FRI

    def test_never_a_closed_day(self) -> None:
        assert d(10) in random_test_days(SEED, "P-0001", 2025, 3, 3, MON_WED_FRI)
        days = random_test_days(SEED, "P-0001", 2025, 3, 3, MON_WED_FRI, frozenset({d(10)}))
        assert days == [d(19), d(21), d(26)]

    def test_fewer_open_days_than_asked_gives_every_open_day(self) -> None:
        sundays = [d(2), d(9), d(16), d(23), d(30)]
        assert random_test_days(SEED, "P-0001", 2025, 3, 10, frozenset({6})) == sundays
        closed = frozenset({d(9), d(23)})
        assert random_test_days(SEED, "P-0001", 2025, 3, 31, frozenset({6}), closed) == [d(2), d(16), d(30)]

    def test_closed_all_month_gives_no_days(self) -> None:
        closed = frozenset(d(n) for n in range(1, 32))
        assert random_test_days(SEED, "P-0001", 2025, 3, 4, WEEKDAYS, closed) == []

    def test_closed_days_in_another_month_change_nothing(self) -> None:
        other = frozenset({d(10, month=4), d(21, month=2)})
        assert random_test_days(SEED, "P-0001", 2025, 3, 3, MON_WED_FRI, other) == [d(10), d(21), d(26)]

    def test_leap_february_has_29_days(self) -> None:
        assert random_test_days(SEED, "P-0001", 2024, 2, 31, frozenset(range(7)))[-1] == d(29, month=2, year=2024)
        assert random_test_days(SEED, "P-0001", 2025, 2, 31, frozenset(range(7)))[-1] == d(28, month=2, year=2025)


@st.composite
def draws(draw: st.DrawFn) -> tuple[str, str, int, int, int, frozenset[int], frozenset[dt.date]]:
    year = draw(st.integers(1990, 2100))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    closed = draw(st.frozensets(st.integers(1, last), max_size=10))
    return (
        draw(st.text(min_size=1, max_size=20)),
        draw(st.text(min_size=1, max_size=20)),
        year,
        month,
        draw(st.integers(1, 31)),
        draw(st.frozensets(st.integers(0, 6), min_size=1)),
        frozenset(dt.date(year, month, n) for n in closed),
    )


@given(draws())
def test_days_are_sorted_unique_open_and_in_the_month(
    args: tuple[str, str, int, int, int, frozenset[int], frozenset[dt.date]],
) -> None:
    seed, patient, year, month, per_month, weekdays, closed = args
    days = random_test_days(seed, patient, year, month, per_month, weekdays, closed)
    available = open_days(year, month, weekdays, closed)
    assert days == sorted(set(days))
    assert all(day.year == year and day.month == month for day in days)
    assert all(day.weekday() in weekdays and day not in closed for day in days)
    assert len(days) == min(per_month, len(available))
    assert set(days) <= set(available)


class TestFairness:
    def test_every_open_weekday_is_drawn_about_equally_often(self) -> None:
        # February 2027 has exactly four of each weekday, so with Monday, Wednesday and Friday open (12 open
        # days) every weekday and every day should be drawn equally often. 3,000 people × 4 tests = 12,000
        # draws: 4,000 expected per weekday, 1,000 per day.
        #
        # Tolerance: Pearson's statistic Σ(observed − expected)² / expected, compared with the chi-square
        # value that a fair draw exceeds only 0.1% of the time (13.82 for 2 degrees of freedom over the three
        # weekdays, 31.26 for 11 over the twelve days). Drawing 4 of 12 days without replacement varies less
        # than the chi-square model assumes, so these limits are generous for a fair draw; SHA-256 makes the
        # test deterministic, so it cannot flake. A biased draw fails by far: taking the first four open days
        # of the month would give Mondays 6,000 draws (statistic 1,500).
        people = 3000
        counts: Counter[dt.date] = Counter()
        for n in range(people):
            days = random_test_days(SEED, f"P-{n:05d}", 2027, 2, 4, MON_WED_FRI)
            assert len(days) == 4
            counts.update(days)
        by_weekday: Counter[int] = Counter()
        for day, count in counts.items():
            by_weekday[day.weekday()] += count
        assert set(by_weekday) == MON_WED_FRI
        assert len(counts) == 12

        def pearson(observed: list[int], expected: float) -> float:
            return sum((o - expected) ** 2 / expected for o in observed)

        assert pearson(list(by_weekday.values()), people * 4 / 3) < 13.82
        assert pearson(list(counts.values()), people * 4 / 12) < 31.26


class TestBadInputs:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"month": 0}, "Month 0 is not a month"),
            ({"month": 13}, "Month 13 is not a month"),
            ({"per_month": 0}, "Tests per month must be a whole number from 1 to 31, not 0"),
            ({"per_month": 32}, "Tests per month must be a whole number from 1 to 31, not 32"),
            ({"per_month": True}, "Tests per month must be a whole number"),
            ({"open_weekdays": frozenset()}, "Choose at least one weekday"),
            ({"open_weekdays": frozenset({0, 7})}, "7 is not a weekday"),
            ({"open_weekdays": frozenset({-1, 3})}, "-1 is not a weekday"),
            ({"seed": ""}, "testing seed is empty"),
            ({"patient_key": ""}, "person's key is empty"),
            ({"year": 0}, "Year 0 is not a calendar year"),
        ],
    )
    def test_it_raises_a_clear_error(self, change: dict[str, object], message: str) -> None:
        args: dict[str, object] = {
            "seed": SEED,
            "patient_key": "P-0001",
            "year": 2025,
            "month": 3,
            "per_month": 3,
            "open_weekdays": MON_WED_FRI,
        }
        with pytest.raises(ValueError, match=message):
            random_test_days(**{**args, **change})  # type: ignore[arg-type]
