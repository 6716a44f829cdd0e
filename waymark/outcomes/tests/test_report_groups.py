"""Attendance, CM cost, grouping by each GROUP_BY, census by level of care, and the query-count guard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.models import Site
from waymark.outcomes.report import (
    GROUP_BY,
    OutcomeQuery,
    census_by_level_of_care,
    negativity_by_month,
    outcomes,
)
from waymark.outcomes.tests.history import History, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def h() -> History:
    return History()


def by_group(h: History, group_by: str = "cohort", programs: tuple[int, ...] | None = None, end: int = 400):
    query = OutcomeQuery(program_ids=programs or (h.program.pk,), group_by=group_by, data_end=day(end))
    return {g.group: g for g in outcomes(query)}


def test_attendance_rate_in_the_window(h: History) -> None:
    p = h.patient()
    h.episode(p, 10, 40)
    h.attendance(p, 5, "attended")  # before admission: left out
    h.attendance(p, 10, "attended")
    h.attendance(p, 12, "late")  # counts as attended
    h.attendance(p, 14, "no_show")
    h.attendance(p, 16, "cancelled")  # left out
    h.attendance(p, 18, "expected")  # not recorded yet: left out
    h.attendance(p, 40, "no_show", at_time=dt.time(23, 30))  # late evening on the discharge day (next day in UTC)
    (g,) = by_group(h).values()
    assert (g.sessions_attended, g.sessions_expected) == (2, 4)
    assert g.attendance_rate == pytest.approx(0.5)


def test_cm_cost_per_patient(h: History) -> None:
    a, b = h.patient(), h.patient()
    h.episode(a, 0, 50, cohort="CM")
    h.episode(b, 0, cohort="CM")
    h.earned(a, 3, "2.50")
    h.earned(a, 10, "3.75")
    h.earned(a, 60, "10.00")  # after discharge: left out
    h.earned(b, 20, "5.00")
    h.earned(b, 21, "-4.00", kind="redeemed")  # spending is not a cost again
    g = by_group(h)["CM"]
    assert g.cm_earned_total == Decimal("11.25")
    assert g.cm_cost_per_patient == Decimal("5.63")  # 11.25 / 2, to the cent
    assert g.patients == 2


def test_group_by_each_grouping() -> None:
    h = History()
    other = History("Cedar Outcomes", "cd-")
    annex = Site.objects.create(program=h.program, name="Annex")
    a = h.patient()
    ep = h.episode(a, 0, cohort="Arm A", level="inpatient")
    h.level_change(ep, "outpatient", 20)  # grouped by the level at admission
    h.doses(a, range(0, 10), medication="buprenorphine")
    b = h.patient()
    h.episode(b, 40, cohort="", level="otp", site=annex)
    h.doses(b, range(45, 50))
    c = other.patient()
    other.episode(c, 35, cohort="Arm A", level="otp")
    both = (h.program.pk, other.program.pk)
    expected = {
        "program": {"Cedar Outcomes": 1, "Harbor Outcomes": 2},
        "site": {"Annex": 1, "Cedar Outcomes main site": 1, "Harbor Outcomes main site": 1},
        "cohort": {"(none)": 1, "Arm A": 2},
        "level_of_care": {"Medically managed inpatient": 1, "Opioid treatment program (OTP)": 2},
        "medication": {"(no dose)": 1, "Buprenorphine sublingual tablet": 1, "Methadone oral solution": 1},
        "admission_month": {"2024-01": 1, "2024-02": 2},
    }
    assert set(expected) == set(GROUP_BY)
    for group_by, counts in expected.items():
        groups = by_group(h, group_by, both)
        assert {label: g.episodes for label, g in groups.items()} == counts, group_by
        assert list(groups) == sorted(groups)


def test_only_the_programs_in_scope() -> None:
    h = History()
    other = History("Cedar Outcomes", "cd-")
    h.episode(h.patient(), 0)
    other.episode(other.patient(), 0)
    assert sum(g.episodes for g in by_group(h).values()) == 1


def test_census_by_level_of_care(h: History) -> None:
    a = h.patient()
    ep = h.episode(a, 0, 70, level="otp")  # 2024-01-01 … 2024-03-11
    h.level_change(ep, "outpatient", 40)  # from 2024-02-10
    b = h.patient()
    h.episode(b, 31, level="inpatient")  # from 2024-02-01, still open
    query = OutcomeQuery(program_ids=(h.program.pk,), data_end=day(100))
    otp, outpatient, inpatient = "Opioid treatment program (OTP)", "Standard outpatient", "Medically managed inpatient"
    assert census_by_level_of_care(query) == [
        (dt.date(2024, 1, 1), {otp: 1}),
        (dt.date(2024, 2, 1), {inpatient: 1, otp: 1}),
        (dt.date(2024, 3, 1), {inpatient: 1, outpatient: 1}),
        (dt.date(2024, 4, 1), {inpatient: 1}),
    ]
    ranged = OutcomeQuery(program_ids=(h.program.pk,), data_end=day(100), admitted_from=day(35), admitted_to=day(70))
    assert [d for d, _ in census_by_level_of_care(ranged)] == [dt.date(2024, 3, 1)]


def test_empty_program(h: History) -> None:
    query = OutcomeQuery(program_ids=(h.program.pk,))
    assert outcomes(query) == []
    assert negativity_by_month(query) == []
    assert census_by_level_of_care(query) == []


def test_bad_queries_are_refused(h: History) -> None:
    pk = h.program.pk
    for bad, message in (
        (OutcomeQuery(program_ids=()), "program"),
        (OutcomeQuery(program_ids=(pk,), group_by="weather"), "Group by"),
        (OutcomeQuery(program_ids=(pk,), retention_days=(30, -1)), "negative"),
        (OutcomeQuery(program_ids=(pk,), allowed_gap_days=-1), "gap"),
        (OutcomeQuery(program_ids=(pk,), admitted_from=day(10), admitted_to=day(9)), "after"),
    ):
        with pytest.raises(ValueError, match=message):
            outcomes(bad)


def _history(h: History, patients: int, days: int) -> None:
    for i in range(patients):
        p = h.patient()
        ep = h.episode(p, i, cohort=f"C{i % 3}")
        h.doses(p, range(i, i + days))
        h.injection(p, i + days + 2)
        h.take_home(p, i + days + 40, i + days + 45)
        h.negative(p, i + 1)
        h.positive(p, i + 8)
        h.attendance(p, i + 2, "attended")
        h.earned(p, i + 3, "2.50")
        h.level_change(ep, "outpatient", i + 5)


def _queries(h: History) -> int:
    query = OutcomeQuery(program_ids=(h.program.pk,))
    with CaptureQueriesContext(connection) as ctx:
        outcomes(query)
        negativity_by_month(query)
        census_by_level_of_care(query)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_episodes_or_doses() -> None:
    small = History("Small", "s-")
    _history(small, 1, 3)
    large = History("Large", "l-")
    _history(large, 8, 60)
    assert _queries(small) == _queries(large) <= 12
