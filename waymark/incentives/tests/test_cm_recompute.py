"""`waymark cm recompute`: re-derive every award from the records as they stand
now and list the ones that differ; never change the ledger."""

import datetime as dt
import json
import uuid
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import services as cm
from waymark.incentives.models import LedgerEntry
from waymark.labs import services as labs


def _specimen(world: World, days_ago: int, opiates: str) -> labs.Recorded:
    return labs.record_specimen(
        world.user(Role.NURSE),
        world.patient,
        labs.SpecimenInput(
            idempotency_key=str(uuid.uuid4()),
            collected_at=timezone.now() - dt.timedelta(days=days_ago),
            kind="urine",
            results=[labs.ResultInput("opiates", opiates)],
        ),
    )


def _enrol(world: World) -> None:
    programme = cm.create_programme(
        world.user(Role.PROGRAM_ADMIN),
        name="Vouchers",
        target="specimen_negative",
        schedule="escalating",
        parameters={},
        duration_weeks=12,
        target_analytes=["opiates"],
    )
    cm.enroll(world.user(Role.NURSE), world.patient, programme, world.program.clinic_day() - dt.timedelta(days=20))


def _recompute() -> dict:
    out = StringIO()
    call_command("cm", "recompute", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_ledger_that_matches_its_records_has_no_differences(world: World) -> None:
    _enrol(world)
    for days_ago in (9, 7, 5):
        _specimen(world, days_ago, "negative")
    report = _recompute()
    assert report["enrollments"] == 1
    assert report["events"] == 3
    assert report["earned"] == "21.25"  # 2.50 + 3.75 + 5.00 + 10 bonus
    assert report["differences"] == []


def test_a_laboratory_positive_after_a_paid_negative_is_listed_and_nothing_is_taken_away(world: World) -> None:
    _enrol(world)
    first = _specimen(world, 9, "negative").specimen
    _specimen(world, 7, "negative")
    labs.record_results(
        world.user(Role.NURSE), world.patient, first, [labs.ResultInput("opiates", "positive", method="lab")]
    )
    before = list(LedgerEntry.objects.values_list("pk", "amount"))
    report = _recompute()
    assert LedgerEntry.objects.count() == 2
    assert list(LedgerEntry.objects.values_list("pk", "amount")) == before
    first_key = f"specimen:{first.pk}"
    differences = {d["event"]: d for d in report["differences"]}
    assert differences[first_key]["recorded"] == {"outcome": "N", "amount": "2.50"}
    assert differences[first_key]["now"] == {"outcome": "P", "amount": "0"}
    # The second specimen would now be the first of a run: 2.50, not 3.75.
    second = next(d for k, d in differences.items() if k != first_key)
    assert second["recorded"]["amount"] == "3.75"
    assert second["now"]["amount"] == "2.50"


def test_the_text_report_says_what_to_do(world: World) -> None:
    _enrol(world)
    first = _specimen(world, 9, "negative").specimen
    labs.record_results(
        world.user(Role.NURSE), world.patient, first, [labs.ResultInput("opiates", "positive", method="lab")]
    )
    out = StringIO()
    call_command("cm", "recompute", stdout=out)
    text = out.getvalue()
    assert "1 award(s) differ" in text
    assert "never taken away" in text
