"""A drug test recorded at the clinic earns its escalating voucher (REFERENCE.md §7
defaults: $2.50, +$1.25, $10 every third, restored after 5) once its target
results are in: once, never taken away, only inside the enrolment."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import LedgerEntry
from waymark.incentives.tests.helpers import (
    NEGATIVE,
    POSITIVE,
    D,
    amounts,
    awards,
    days_ago,
    enrol,
    programme,
    results,
    specimen,
)
from waymark.labs import services as labs
from waymark.labs.models import Specimen

pytestmark = pytest.mark.django_db


class TestTheLedger:
    def test_negatives_escalate_with_a_bonus_then_a_positive_and_a_missed_test_pay_nothing(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        first = specimen(world, days_ago(world, 10))
        specimen(world, days_ago(world, 9))
        specimen(world, days_ago(world, 8))
        positive = specimen(world, days_ago(world, 7), POSITIVE)
        missed = specimen(world, days_ago(world, 6), status=Specimen.Status.MISSED)

        entries = awards(enrollment)
        assert [e.amount for e in entries] == [D("2.50"), D("3.75"), D("15.00"), D(0), D(0)]
        assert [e.outcome for e in entries] == ["N", "N", "N", "P", "M"]
        assert [e.streak for e in entries] == [1, 2, 3, 0, 0]
        assert [e.event_day for e in entries] == [days_ago(world, n) for n in (10, 9, 8, 7, 6)]
        assert services.balance(world.patient) == D("21.25")
        assert "earned $2.50, 1 in a row" in first.messages[0]
        assert "target not met" in positive.messages[0]
        assert "target not met" in missed.messages[0]

    def test_a_refused_test_counts_as_missed(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 3))
        specimen(world, days_ago(world, 2), status=Specimen.Status.REFUSED)
        specimen(world, days_ago(world, 1))
        assert amounts(enrollment) == [D("2.50"), D(0), D("2.50")]
        assert [e.outcome for e in awards(enrollment)] == ["N", "M", "N"]

    def test_recovery_after_five_negatives_restores_the_value_before_the_reset(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        pattern = [NEGATIVE] * 8 + [POSITIVE] + [NEGATIVE] * 6
        for n, outcomes in enumerate(pattern):
            specimen(world, days_ago(world, 20 - n), outcomes)
        # First run: 2.50, 3.75, 5.00+10, 6.25, 7.50, 8.75+10, 10.00, 11.25; the next would be 12.50.
        # The positive pays 0 and remembers 12.50. After it: 2.50, 3.75, 5.00+10, 6.25, 7.50, and
        # the 6th negative pays the remembered 12.50 (+10 bonus, 6 in a row), not 8.75.
        assert amounts(enrollment) == [
            *(D(x) for x in ("2.50", "3.75", "15.00", "6.25", "7.50", "18.75", "10.00", "11.25")),
            D(0),
            *(D(x) for x in ("2.50", "3.75", "15.00", "6.25", "7.50", "22.50")),
        ]
        assert services.balance(world.patient) == D("132.50")

    def test_a_person_in_no_programme_earns_nothing(self, world: World) -> None:
        programme(world)
        recorded = specimen(world, days_ago(world, 1))
        assert recorded.messages == []
        assert not LedgerEntry.objects.exists()


class TestResultsArrivingInSteps:
    def test_a_specimen_earns_only_once_every_target_has_a_result(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        recorded = specimen(world, days_ago(world, 2), {"opiates": "negative"})
        assert recorded.messages == []
        assert awards(enrollment) == []

        messages = labs.record_results(
            world.user(Role.NURSE), world.patient, recorded.specimen, results({"fentanyl": "negative"}, "lab")
        )
        assert amounts(enrollment) == [D("2.50")]
        assert any("earned $2.50" in m for m in messages)

    def test_the_same_results_again_or_the_same_key_again_never_pay_twice(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        key = f"spec-{uuid.uuid4()}"
        recorded = specimen(world, days_ago(world, 2), key=key)
        nurse = world.user(Role.NURSE)

        again = specimen(world, days_ago(world, 2), key=key)
        assert again.created is False
        assert again.specimen.pk == recorded.specimen.pk
        assert labs.record_results(nurse, world.patient, recorded.specimen, results(NEGATIVE)) == []
        labs.record_results(nurse, world.patient, recorded.specimen, results(NEGATIVE, "lab"))
        assert services.award_for_specimen(recorded.specimen, nurse) == []

        assert amounts(enrollment) == [D("2.50")]
        assert services.balance(world.patient) == D("2.50")

    def test_the_database_refuses_a_second_award_for_the_same_event(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 1))
        (entry,) = awards(enrollment)
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                patient=world.patient,
                enrollment=enrollment,
                kind=LedgerEntry.Kind.EARNED,
                amount=D("2.50"),
                event_key=entry.event_key,
                event_day=entry.event_day,
                outcome="N",
                idempotency_key="a-different-key",
            )
        assert amounts(enrollment) == [D("2.50")]

    def test_a_later_lab_positive_does_not_take_the_voucher_away(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 3))
        recorded = specimen(world, days_ago(world, 2))
        assert services.balance(world.patient) == D("6.25")

        labs.record_results(
            world.user(Role.NURSE), world.patient, recorded.specimen, results({"fentanyl": "positive"}, "lab")
        )
        entries = awards(enrollment)
        assert [(e.amount, e.outcome) for e in entries] == [(D("2.50"), "N"), (D("3.75"), "N")]
        assert services.balance(world.patient) == D("6.25")


class TestTheEnrolment:
    def test_a_specimen_before_the_enrolment_or_after_it_ended_earns_nothing(self, world: World) -> None:
        enrollment = enrol(world, programme(world), days_back=5)
        specimen(world, days_ago(world, 6))
        specimen(world, days_ago(world, 4))
        services.end_enrollment(
            world.user(Role.COUNSELLOR), world.patient, enrollment, days_ago(world, 3), "Moved away."
        )
        specimen(world, days_ago(world, 3))
        specimen(world, days_ago(world, 1))
        entries = awards(enrollment)
        assert [(e.event_day, e.amount) for e in entries] == [
            (days_ago(world, 4), D("2.50")),
            (days_ago(world, 3), D("3.75")),
        ]

    def test_a_specimen_after_the_programmes_weeks_are_over_earns_nothing(self, world: World) -> None:
        enrollment = enrol(world, programme(world, duration_weeks=1), days_back=10)
        assert enrollment.ends_on == days_ago(world, 4)
        specimen(world, days_ago(world, 4))
        specimen(world, days_ago(world, 3))
        assert [(e.event_day, e.amount) for e in awards(enrollment)] == [(days_ago(world, 4), D("2.50"))]

    def test_another_persons_specimen_earns_nothing_for_this_person(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 1), patient=world.other_patient)
        assert awards(enrollment) == []
        assert services.balance(world.other_patient) == 0


class TestInvalidResults:
    def test_by_default_an_invalid_target_result_counts_as_missed(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 3))
        specimen(world, days_ago(world, 2), {"opiates": "negative", "fentanyl": "invalid"})
        specimen(world, days_ago(world, 1))
        assert [(e.amount, e.outcome) for e in awards(enrollment)] == [
            (D("2.50"), "N"),
            (D(0), "M"),
            (D("2.50"), "N"),
        ]

    def test_by_default_a_urine_temperature_out_of_range_counts_as_missed(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 2))
        specimen(world, days_ago(world, 1), temperature_in_range=False)
        assert [e.outcome for e in awards(enrollment)] == ["N", "M"]

    def test_a_programme_that_does_not_count_invalid_results_leaves_them_out(self, world: World) -> None:
        enrollment = enrol(world, programme(world, invalid_counts_as_missed=False))
        specimen(world, days_ago(world, 3))
        invalid = specimen(world, days_ago(world, 2), {"opiates": "invalid", "fentanyl": "negative"})
        specimen(world, days_ago(world, 1))
        assert invalid.messages == []
        # Left out: the streak goes on, 2.50 then 3.75.
        assert [(e.amount, e.streak) for e in awards(enrollment)] == [(D("2.50"), 1), (D("3.75"), 2)]

    def test_an_analyte_that_is_not_a_target_does_not_matter(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        specimen(world, days_ago(world, 1), {**NEGATIVE, "cocaine": "positive", "cannabis": "invalid"})
        assert [(e.amount, e.outcome) for e in awards(enrollment)] == [(D("2.50"), "N")]
