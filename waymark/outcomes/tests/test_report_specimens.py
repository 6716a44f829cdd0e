"""Drug-test negativity, expected specimens, longest negative run, under both conventions."""

import datetime as dt

import pytest

from waymark.outcomes.report import OutcomeQuery, negativity_by_month, outcomes
from waymark.outcomes.tests.history import History, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def h() -> History:
    return History()


def one(h: History, missing_counts_as_positive: bool = True, end: int = 27):
    query = OutcomeQuery(
        program_ids=(h.program.pk,), data_end=day(end), missing_counts_as_positive=missing_counts_as_positive
    )
    (group,) = outcomes(query)
    return group


def test_missed_invalid_and_empty_weeks_under_both_conventions(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)  # data end day 27: four whole weeks
    h.negative(p, 1)  # week 0
    h.specimen(p, 8, status="missed")  # week 1
    # week 2: nothing recorded → one missing specimen
    h.specimen(p, 22, {"opiates": "invalid", "fentanyl": "negative"})  # week 3: invalid = missing
    h.negative(p, 24)  # week 3
    conservative = one(h)
    assert (conservative.expected_specimens, conservative.negative_specimens) == (5, 2)
    assert conservative.missing_specimens == 3
    assert conservative.negative_share == pytest.approx(0.4)
    assert conservative.longest_negative_run_median == 1
    lenient = one(h, missing_counts_as_positive=False)
    assert (lenient.expected_specimens, lenient.negative_specimens) == (2, 2)
    assert lenient.negative_share == 1.0
    assert lenient.longest_negative_run_median == 2  # missing ones are skipped


def test_what_counts_as_negative(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.negative(p, 0)  # N: methadone positive does not matter (a medication)
    h.positive(p, 7)  # P
    h.specimen(p, 8, {"opiates": "negative"}, temperature_in_range=False)  # M: temperature out of range
    h.specimen(p, 9, {"fentanyl": "positive"}, temperature_in_range=False)  # P: a positive wins
    lab = h.specimen(p, 14, {"fentanyl": "positive"})  # point of care positive …
    h.result(lab, "fentanyl", "negative", method="lab")  # … the laboratory says negative: N
    h.specimen(p, 15, {"cocaine": "positive"})  # no opioid tested: M (not pending, not negative)
    h.specimen(p, 21, status="refused")  # M
    h.specimen(p, 22, {"oxycodone": "negative"})  # N: one tested opioid is enough
    g = one(h)
    assert (g.expected_specimens, g.negative_specimens, g.positive_specimens, g.missing_specimens) == (8, 3, 2, 3)
    lenient = one(h, missing_counts_as_positive=False)
    assert (lenient.expected_specimens, lenient.negative_specimens) == (5, 3)


def test_only_whole_weeks_expect_a_specimen(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)
    h.negative(p, 8)  # in the partial second week (days 7–9)
    g = one(h, end=9)  # window days 0–9: one whole week, without a specimen
    assert (g.expected_specimens, g.negative_specimens, g.missing_specimens) == (2, 1, 1)


def test_longest_negative_run(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, cohort="run")
    for week in (0, 1, 2):
        h.negative(p, 7 * week)
    h.positive(p, 21)
    h.negative(p, 28)
    h.negative(p, 35)
    q = h.patient()
    h.episode(q, 0, cohort="run")
    h.negative(q, 0)
    h.negative(q, 7)
    # week 2 without a specimen breaks the run (conservative) …
    h.negative(q, 21)
    h.negative(q, 28)
    h.negative(q, 35)
    g = one(h, end=41)
    assert g.longest_negative_run_median == 3  # median of 3 and 3
    lenient = one(h, end=41, missing_counts_as_positive=False)
    assert lenient.longest_negative_run_median == 4  # median of 3 and 5


def test_episodes_without_expected_specimens_leave_the_run_median(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, 3)  # four days: no whole week, nothing recorded
    g = one(h)
    assert g.expected_specimens == 0
    assert g.negative_share is None and g.longest_negative_run_median is None


def test_specimens_belong_to_their_episode(h: History) -> None:
    p = h.patient()
    h.episode(p, 0, cohort="first")
    h.episode(p, 14, cohort="second")
    h.negative(p, 13)
    h.positive(p, 14)
    groups = {
        g.group: g for g in outcomes(OutcomeQuery(program_ids=(h.program.pk,), data_end=day(20), group_by="cohort"))
    }
    assert (groups["first"].negative_specimens, groups["first"].expected_specimens) == (1, 2)  # week 0 empty
    assert (groups["second"].positive_specimens, groups["second"].expected_specimens) == (1, 1)


def test_negativity_by_month(h: History) -> None:
    p = h.patient()
    h.episode(p, 0)  # 2024-01-01; data end day 41: six whole weeks (starting Jan 1, 8, 15, 22, 29, Feb 5)
    h.negative(p, 2)
    h.positive(p, 9)
    # week of Jan 15: nothing
    h.specimen(p, 24, status="missed")
    h.negative(p, 30)
    # week of Feb 5: nothing
    query = OutcomeQuery(program_ids=(h.program.pk,), data_end=day(41))
    assert negativity_by_month(query) == [(dt.date(2024, 1, 1), 5, 2), (dt.date(2024, 2, 1), 1, 0)]
    lenient = OutcomeQuery(program_ids=(h.program.pk,), data_end=day(41), missing_counts_as_positive=False)
    assert negativity_by_month(lenient) == [(dt.date(2024, 1, 1), 3, 2)]
    q = h.patient()
    h.episode(q, 14)  # no specimens: weeks of Jan 15, 22, 29 and Feb 5 are empty
    r = h.patient()
    h.episode(r, 0)
    h.negative(r, 15)  # weeks of Jan 1 and 8 empty before it; Jan 22, 29 and Feb 5 after it
    assert negativity_by_month(query) == [(dt.date(2024, 1, 1), 13, 3), (dt.date(2024, 2, 1), 3, 0)]
    assert negativity_by_month(lenient) == [(dt.date(2024, 1, 1), 4, 3)]
