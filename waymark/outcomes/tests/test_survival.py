"""Kaplan–Meier against a hand-computed example (survival.py is pure: no database)."""

import pytest

from waymark.outcomes.survival import Observation, kaplan_meier, survival_at


def test_hand_computed_curve() -> None:
    # Six episodes: events at 3, 5, 8, 12; censored at 5 and 10.
    # t=3: 6 at risk, 1 event → 5/6. t=5: 5 at risk (the one censored at 5 still counts), 1 event → 5/6 × 4/5.
    # t=8: 3 at risk → × 2/3. t=10: censored, no step. t=12: 1 at risk, 1 event → 0.
    obs = [
        Observation(3, True),
        Observation(5, False),
        Observation(5, True),
        Observation(8, True),
        Observation(10, False),
        Observation(12, True),
    ]
    curve = kaplan_meier(obs)
    assert [t for t, _ in curve] == [0, 3, 5, 8, 12]
    assert [s for _, s in curve] == pytest.approx([1.0, 5 / 6, 2 / 3, 4 / 9, 0.0])


def test_everyone_censored_keeps_the_curve_flat() -> None:
    assert kaplan_meier([Observation(30, False), Observation(90, False)]) == ((0, 1.0),)


def test_no_censoring_matches_the_plain_share_retained() -> None:
    times = [1, 31, 31, 91, 200]
    curve = kaplan_meier(Observation(t, True) for t in times)
    for d in (0, 30, 31, 90, 180):
        assert survival_at(curve, d) == pytest.approx(sum(t > d for t in times) / len(times))


def test_events_at_time_zero_lower_the_first_step() -> None:
    # Never dosed and dropped out: time 0, an event.
    curve = kaplan_meier([Observation(0, True), Observation(10, True)])
    assert curve == ((0, 0.5), (10, 0.0))


def test_empty_and_bad_input() -> None:
    assert kaplan_meier([]) == ()
    assert survival_at((), 5) is None
    with pytest.raises(ValueError, match="negative"):
        kaplan_meier([Observation(-1, True)])
