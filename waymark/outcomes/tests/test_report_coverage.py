"""Induction, retention, continuity, episodes and Kaplan–Meier on hand-made dosing histories."""

import pytest

from waymark.outcomes.report import OutcomeQuery, outcomes
from waymark.outcomes.sql import day_number
from waymark.outcomes.tests.history import History, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def h() -> History:
    return History()


def run(h: History, **kwargs: object):
    kwargs.setdefault("data_end", day(400))
    groups = outcomes(OutcomeQuery(program_ids=(h.program.pk,), **kwargs))  # type: ignore[arg-type]
    return {g.group: g for g in groups}


def one(h: History, **kwargs: object):
    groups = run(h, **kwargs)
    assert len(groups) == 1
    return next(iter(groups.values()))


def test_gap_of_seven_days_is_bridged_and_eight_breaks(h: History) -> None:
    bridged = h.patient()
    h.episode(bridged, 0, cohort="gap 7")
    h.doses(bridged, [*range(0, 100), *range(107, 180)])  # days 100–106 uncovered: 7 days
    broken = h.patient()
    h.episode(broken, 0, cohort="gap 8")
    h.doses(broken, [*range(0, 100), *range(108, 190)])  # days 100–107 uncovered: 8 days
    groups = run(h)
    assert groups["gap 7"].continuity_180 == 1  # days 0–179: 180 days
    assert groups["gap 8"].continuity_180 == 0  # runs of 100 and 82 days
    assert run(h, allowed_gap_days=8)["gap 8"].continuity_180 == 1


def test_continuity_needs_the_full_run_length(h: History) -> None:
    short = h.patient()
    h.episode(short, 0, cohort="179")
    h.doses(short, range(0, 179))  # days 0–178: 179 days
    full = h.patient()
    h.episode(full, 0, cohort="180")
    h.doses(full, range(0, 180))
    groups = run(h)
    assert groups["179"].continuity_180 == 0
    assert groups["180"].continuity_180 == 1
    assert run(h, continuity_days=179)["179"].continuity_180 == 1


def test_retention_edge_dose_on_start_plus_d_and_the_day_before(h: History) -> None:
    on = h.patient()
    h.episode(on, 10, cohort="on D")
    h.doses(on, [10, 40])  # start + 30
    before = h.patient()
    h.episode(before, 10, cohort="D-1")
    h.doses(before, [10, 39])  # start + 29
    groups = run(h, retention_days=(30, 90))
    assert groups["on D"].retained == {30: 1, 90: 0}
    assert groups["D-1"].retained == {30: 0, 90: 0}
    assert groups["on D"].inducted == groups["D-1"].inducted == 1


def test_two_episodes_split_the_doses_at_the_second_admission(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, cohort="phase 1")  # never discharged: ends the day before phase 2
    h.episode(p, 50, cohort="phase 2")
    h.doses(p, range(0, 61))
    groups = run(h, retention_days=(49, 50), data_end=day(60))
    first, second = groups["phase 1"], groups["phase 2"]
    assert first.retained == {49: 1, 50: 0}  # covered up to day 49 only
    assert first.median_days_to_first_dose == 0
    assert second.inducted == 1 and second.median_days_to_first_dose == 0
    assert second.retained == {49: 0, 50: 0}  # days 50–60: 11 days
    # Phase 1 ended (the next episode began): an event at 50 days; phase 2 censored at the data's end.
    assert first.retention_curve == ((0, 1.0), (50, 0.0))
    assert second.retention_curve == ((0, 1.0),)
    assert first.patients == second.patients == 1


def test_doses_before_admission_or_after_discharge_are_left_out(h: History) -> None:
    p = h.patient()
    h.episode(p, 10, 20)
    h.doses(p, [5, 25, 30])
    g = one(h)
    assert g.inducted == 0 and g.median_days_to_first_dose is None


def test_censoring_at_the_data_end(h: History) -> None:
    still = h.patient()
    h.episode(still, 0)
    h.doses(still, range(0, 94))  # last dose day 93, 7 days before the end: censored at 94
    gone = h.patient()
    h.episode(gone, 0)
    h.doses(gone, range(0, 50))  # coverage ended long before: an event at 50
    late = h.patient()
    h.episode(late, 0)
    h.doses(late, range(0, 93))  # last dose day 92, 8 days before the end: an event at 93
    g = one(h, data_end=day(100))
    assert [t for t, _ in g.retention_curve] == [0, 50, 93]
    assert [s for _, s in g.retention_curve] == pytest.approx([1.0, 2 / 3, 1 / 3])


def test_discharge_is_an_event_even_when_covered_to_the_end(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, 30)
    h.doses(p, range(0, 31))
    assert one(h, data_end=day(31)).retention_curve == ((0, 1.0), (31, 0.0))


def test_no_doses_at_all(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.doses(p, range(0, 40), outcome="missed")
    h.doses(h.patient(), [], outcome="missed")
    g = one(h, group_by="medication")
    assert g.group == "(no dose)"
    assert (g.episodes, g.inducted, g.retained, g.continuity_180) == (1, 0, {30: 0, 90: 0, 180: 0}, 0)
    assert g.median_days_to_first_dose is None
    assert g.retention_curve == ((0, 0.0),)


def test_refused_held_and_withdrawal_medications_do_not_count(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.doses(p, [0], outcome="refused")
    h.doses(p, [1], outcome="held", medication="buprenorphine")
    h.doses(p, [2, 3], medication="lofexidine")
    assert one(h).inducted == 0


def test_xr_naltrexone_injection_covers_28_days(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, cohort="injection")
    h.injection(p, 3)  # covers days 3–30
    q = h.patient()
    h.episode(q, 0, cohort="imported dose")
    h.doses(q, [3], medication="naltrexone_xr")  # imported as a dose of a naltrexone_xr order
    for g in run(h, retention_days=(30, 31)).values():
        assert g.retained == {30: 1, 31: 0}
        assert g.median_days_to_first_dose == 3


def test_monthly_injections_give_continuity_and_a_late_one_breaks_it(h: History) -> None:
    steady = h.patient()
    h.episode(steady, 0, cohort="every 35 days")
    for n in range(0, 35 * 7, 35):  # 28 covered + 7 uncovered each time: bridged
        h.injection(steady, n)
    late = h.patient()
    h.episode(late, 0, cohort="every 36 days")
    for n in range(0, 36 * 7, 36):  # 8 uncovered days each time: broken
        h.injection(late, n)
    groups = run(h)
    assert groups["every 35 days"].continuity_180 == 1
    assert groups["every 36 days"].continuity_180 == 0


def test_take_home_days_are_covered(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.doses(p, range(0, 10))
    h.take_home(p, 10, 40)
    assert one(h, retention_days=(40, 41)).retained == {40: 1, 41: 0}


def test_coverage_stops_at_the_window_end(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, 20)
    h.injection(p, 10)  # would cover to day 37
    g = one(h, retention_days=(20, 21))
    assert g.retained == {20: 1, 21: 0}


def test_switching_medication_keeps_continuity(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.doses(p, range(0, 90), medication="methadone")
    h.doses(p, range(90, 185), medication="buprenorphine")
    g = one(h, group_by="medication")
    assert g.group == "Methadone oral solution"
    assert g.continuity_180 == 1


def test_date_filter_on_admission(h: History) -> None:
    for admitted in (0, 31, 59, 60):
        p = h.patient()
        h.episode(p, admitted)
    assert one(h, admitted_from=day(31), admitted_to=day(59)).episodes == 2


def test_default_data_end_is_the_last_record(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.doses(p, range(0, 30))
    h.negative(p, 35)
    g = outcomes(OutcomeQuery(program_ids=(h.program.pk,)))[0]
    # Covered to day 29; the data end (day 35) is 6 days later: censored.
    assert g.retention_curve == ((0, 1.0),)
    assert day_number(day(35)) - day_number(day(29)) == 6
