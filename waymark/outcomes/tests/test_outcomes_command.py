"""`waymark outcomes`: the JSON shape, the table, bad arguments, and the audit entry."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from waymark.core.models import AuditEvent
from waymark.outcomes.tests.history import History

pytestmark = pytest.mark.django_db

ISSUE_KEYS = ["group", "episodes", "patients", "inducted", "retained", "continuity_180", "negative_share"]


@pytest.fixture
def h() -> History:
    h = History()
    a = h.patient()
    h.episode(a, 0, cohort="methadone arm")
    h.doses(a, range(0, 200))
    for week in range(4):
        h.negative(a, 7 * week)
    b = h.patient()
    h.episode(b, 0, cohort="methadone arm")
    h.doses(b, range(0, 100))
    h.positive(b, 1)
    c = h.patient()
    h.episode(c, 10, cohort="naltrexone arm")
    h.injection(c, 15)  # covers days 15–42
    h.specimen(c, 16, status="missed")
    return h


def run(*args: str) -> str:
    out = StringIO()
    call_command("outcomes", *args, stdout=out)
    return out.getvalue()


def test_json_in_the_issue_shape(h: History) -> None:
    text = run(
        "--program", "Harbor Outcomes", "--group-by", "cohort", "--retention-days", "30,90,161,180",
        "--data-end", "2024-07-18", "--json",
    )  # fmt: skip
    data = json.loads(text)
    assert [list(item)[: len(ISSUE_KEYS)] for item in data] == [ISSUE_KEYS, ISSUE_KEYS]
    methadone, naltrexone = data
    # Day 199 = 2024-07-18: 200 days of data; a: 200 covered days, b: 100.
    # Expected specimens, a: 28 whole weeks, 4 negative; b: one positive + 27 empty weeks.
    assert {k: methadone[k] for k in ISSUE_KEYS} == {
        "group": "methadone arm",
        "episodes": 2,
        "patients": 2,
        "inducted": 2,
        "retained": {"30": 2, "90": 2, "161": 1, "180": 1},
        "continuity_180": 1,
        "negative_share": pytest.approx(4 / 56),
    }
    # c: days 10–199, 27 whole weeks; one missed specimen in week 0, 26 empty weeks.
    assert {k: naltrexone[k] for k in ISSUE_KEYS} == {
        "group": "naltrexone arm",
        "episodes": 1,
        "patients": 1,
        "inducted": 1,
        "retained": {"30": 1, "90": 0, "161": 0, "180": 0},
        "continuity_180": 0,
        "negative_share": 0.0,
    }
    assert naltrexone["expected_specimens"] == 27
    assert naltrexone["median_days_to_first_dose"] == 5
    assert naltrexone["retention_curve"] == [[0, 1.0], [33, 0.0]]
    for item in data:
        for key in ("episodes", "patients", "inducted", "continuity_180", "expected_specimens"):
            assert type(item[key]) is int
        assert all(type(v) is int for v in item["retained"].values())


def test_missing_as_negative_excluded(h: History) -> None:
    data = json.loads(run("--missing-as", "negative-excluded", "--data-end", "2024-07-18", "--json"))
    shares = {item["group"]: item["negative_share"] for item in data}
    assert shares == {"methadone arm": pytest.approx(4 / 5), "naltrexone arm": None}


def test_table_and_one_audit_entry_per_run(h: History) -> None:
    before = AuditEvent.objects.count()
    text = run("--group-by", "medication", "--retention-days", "30", "--data-end", "2024-07-18")
    assert "Methadone oral solution" in text and "Naltrexone extended-release injection" in text
    assert "ret 30d" in text
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "outcomes_report" and event.patient_id is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "Nowhere"], "no program named 'Nowhere'"),
        (["--from", "2024-03-01", "--to", "2024-02-01"], "after the end date"),
        (["--continuity-days", "0"], "at least 1"),
    ],
)
def test_bad_arguments_are_explained(h: History, args: list[str], message: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group-by", "weather"], "invalid choice"),
        (["--retention-days", "30,-5"], "cannot be negative"),
        (["--retention-days", "thirty"], "whole numbers"),
        (["--allowed-gap", "-1"], "cannot be negative"),
        (["--from", "2024-13-01"], "not a date"),
        (["--missing-as", "maybe"], "invalid choice"),
    ],
)
def test_bad_argument_values_are_refused(h: History, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_no_programs(db: None) -> None:
    with pytest.raises(CommandError, match="no programs"):
        run()
