"""Interpreting a specimen (waymark/labs/rules.py): one test per rule, and the
target-outcome truth table. Sources: REFERENCE.md §6 (naloxone), §7 (a missed
specimen resets), §9 (missing counts as positive), §11 (analytes)."""

import pytest

from waymark.labs import rules
from waymark.labs.analytes import OPIOID_ANALYTES, Analyte
from waymark.labs.rules import (
    Alert,
    Outcome,
    Reading,
    Result,
    Severity,
    SpecimenFacts,
    Status,
    interpret,
    target_outcome,
)

POS, NEG, INV = Result.POSITIVE, Result.NEGATIVE, Result.INVALID
EXPECTED = "labs.expected_medication"
FENTANYL = "labs.fentanyl_positive"
HEROIN = "labs.heroin_marker"
INVALID = "labs.invalid_result"
TEMPERATURE = "labs.temperature_out_of_range"
MISSED = "labs.missed_counts_as_positive"


def specimen(
    *meds: str,
    status: Status = Status.COLLECTED,
    temperature_in_range: bool | None = None,
    results: dict[str, Result] | None = None,
    **named: Result,
) -> SpecimenFacts:
    """specimen("methadone", methadone=NEG, eddp=POS); names are Analyte member names, lower case."""
    readings = tuple(Reading(Analyte[name.upper()], result) for name, result in {**(results or {}), **named}.items())
    return SpecimenFacts(status, readings, temperature_in_range, frozenset(meds))


def ids(alerts: list[Alert]) -> list[str]:
    return [a.rule_id for a in alerts]


class TestExpectedMedication:
    def test_buprenorphine_negative_on_buprenorphine_alerts_naming_it(self) -> None:
        alerts = interpret(specimen("buprenorphine", buprenorphine=NEG))
        assert ids(alerts) == [EXPECTED]
        (alert,) = alerts
        assert alert.severity is Severity.ALERT
        assert alert.message == (
            "Specimen negative for buprenorphine, which is prescribed: possible non-adherence or diversion. "
            "Talk with the person; consider observed dosing or lab confirmation."
        )
        assert not alert.offer_naloxone

    def test_buprenorphine_positive_on_buprenorphine_gives_nothing(self) -> None:
        assert interpret(specimen("buprenorphine", buprenorphine=POS)) == []

    def test_buprenorphine_untested_gives_nothing(self) -> None:
        assert interpret(specimen("buprenorphine", fentanyl=NEG, opiates=NEG)) == []

    def test_buprenorphine_negative_without_a_prescription_gives_nothing(self) -> None:
        assert interpret(specimen(buprenorphine=NEG)) == []
        assert interpret(specimen("methadone", buprenorphine=NEG, methadone=POS)) == []

    def test_methadone_negative_but_eddp_positive_means_present(self) -> None:
        assert interpret(specimen("methadone", methadone=NEG, eddp=POS)) == []

    def test_methadone_positive_but_eddp_negative_means_present(self) -> None:
        assert interpret(specimen("methadone", methadone=POS, eddp=NEG)) == []

    def test_methadone_and_eddp_both_negative_alerts_naming_methadone(self) -> None:
        alerts = interpret(specimen("methadone", methadone=NEG, eddp=NEG))
        assert ids(alerts) == [EXPECTED]
        assert alerts[0].severity is Severity.ALERT
        assert "negative for methadone and its metabolite EDDP" in alerts[0].message
        assert "possible non-adherence or diversion" in alerts[0].message
        assert "buprenorphine" not in alerts[0].message

    @pytest.mark.parametrize(
        "results",
        [{"methadone": NEG}, {"eddp": NEG}, {"methadone": NEG, "eddp": INV}, {}],
        ids=["eddp-untested", "methadone-untested", "eddp-invalid", "neither-tested"],
    )
    def test_methadone_alert_needs_both_tested_negative(self, results: dict[str, Result]) -> None:
        assert EXPECTED not in ids(interpret(specimen("methadone", results=results)))

    def test_naltrexone_has_no_expected_medication(self) -> None:
        facts = specimen("naltrexone", buprenorphine=NEG, methadone=NEG, eddp=NEG, opiates=NEG)
        assert interpret(facts) == []

    def test_on_both_medications_each_is_checked(self) -> None:
        alerts = interpret(specimen("buprenorphine", "methadone", buprenorphine=NEG, methadone=NEG, eddp=NEG))
        assert ids(alerts) == [EXPECTED, EXPECTED]
        assert "buprenorphine" in alerts[0].message
        assert "methadone" in alerts[1].message


class TestFentanyl:
    def test_fentanyl_positive_alerts_and_offers_naloxone(self) -> None:
        alerts = interpret(specimen(fentanyl=POS))
        assert alerts == [
            Alert(
                FENTANYL,
                Severity.ALERT,
                "Fentanyl positive: high overdose risk. Offer naloxone and talk about overdose safety.",
                offer_naloxone=True,
            )
        ]

    @pytest.mark.parametrize("result", [NEG, INV])
    def test_fentanyl_not_positive_offers_nothing(self, result: Result) -> None:
        assert not any(a.offer_naloxone for a in interpret(specimen(fentanyl=result)))


class TestHeroinMarker:
    def test_6_mam_positive_notes_heroin_use(self) -> None:
        (alert,) = interpret(specimen(six_mam=POS))
        assert alert.rule_id == HEROIN
        assert alert.severity is Severity.NOTE
        assert "heroin" in alert.message

    def test_6_mam_negative_gives_nothing(self) -> None:
        assert interpret(specimen(six_mam=NEG, opiates=POS)) == []


class TestInvalidAndTemperature:
    def test_an_invalid_result_notes_a_retest_naming_the_analytes(self) -> None:
        (alert,) = interpret(specimen(fentanyl=INV, eddp=INV, opiates=NEG))
        assert alert.rule_id == INVALID
        assert alert.severity is Severity.NOTE
        assert alert.message == (
            "Result invalid for Fentanyl, Methadone metabolite (EDDP): collect a new specimen to retest."
        )

    def test_temperature_out_of_range_notes_an_observed_recollection(self) -> None:
        (alert,) = interpret(specimen(opiates=NEG, temperature_in_range=False))
        assert alert.rule_id == TEMPERATURE
        assert alert.severity is Severity.NOTE
        assert "collect a new specimen, observed" in alert.message

    @pytest.mark.parametrize("in_range", [True, None])
    def test_temperature_in_range_or_not_measured_gives_nothing(self, in_range: bool | None) -> None:
        assert interpret(specimen(opiates=NEG, temperature_in_range=in_range)) == []


class TestMissedAndRefused:
    @pytest.mark.parametrize(("status", "word"), [(Status.MISSED, "missed"), (Status.REFUSED, "refused")])
    def test_it_notes_that_it_counts_as_not_negative(self, status: Status, word: str) -> None:
        (alert,) = interpret(specimen("buprenorphine", status=status))
        assert alert.rule_id == MISSED
        assert alert.severity is Severity.NOTE
        assert alert.message.startswith(f"Specimen {word}: recorded.")
        assert "counts as not negative" in alert.message

    def test_readings_of_a_specimen_not_collected_are_ignored(self) -> None:
        facts = specimen("buprenorphine", status=Status.MISSED, buprenorphine=NEG, fentanyl=POS)
        assert ids(interpret(facts)) == [MISSED]


class TestOrderAndLanguage:
    def test_alerts_come_before_notes(self) -> None:
        facts = specimen(
            "methadone", temperature_in_range=False, six_mam=POS, cocaine=INV, fentanyl=POS, methadone=NEG, eddp=NEG
        )
        alerts = interpret(facts)
        assert ids(alerts) == [EXPECTED, FENTANYL, HEROIN, INVALID, TEMPERATURE]
        assert [a.severity for a in alerts] == [Severity.ALERT] * 2 + [Severity.NOTE] * 3

    def test_messages_use_respectful_words(self) -> None:
        facts = [
            specimen("methadone", "buprenorphine", temperature_in_range=False, fentanyl=POS, six_mam=POS),
            specimen("methadone", "buprenorphine", methadone=NEG, eddp=NEG, buprenorphine=NEG, cocaine=INV),
            specimen(status=Status.MISSED),
            specimen(status=Status.REFUSED),
        ]
        messages = " ".join(a.message for f in facts for a in interpret(f)).lower()
        assert len(messages) > 200
        for word in ("clean", "dirty", "addict", "abuse", "fail"):
            assert word not in messages

    def test_every_rule_id_is_registered(self) -> None:
        assert [r.id for r in rules.RULE_INFO] == [EXPECTED, FENTANYL, HEROIN, INVALID, TEMPERATURE, MISSED]
        assert all(r.source for r in rules.RULE_INFO)


OPIOIDS = OPIOID_ANALYTES
ALL_NEGATIVE = {"opiates": NEG, "six_mam": NEG, "fentanyl": NEG, "oxycodone": NEG}


class TestTargetOutcome:
    def test_every_target_negative_is_negative(self) -> None:
        assert target_outcome(specimen(results=ALL_NEGATIVE), OPIOIDS) is Outcome.NEGATIVE

    def test_any_target_positive_is_positive(self) -> None:
        assert target_outcome(specimen(results={**ALL_NEGATIVE, "oxycodone": POS}), OPIOIDS) is Outcome.POSITIVE

    def test_a_non_target_positive_does_not_count(self) -> None:
        facts = specimen(results=ALL_NEGATIVE, cocaine=POS, buprenorphine=POS)
        assert target_outcome(facts, OPIOIDS) is Outcome.NEGATIVE
        assert target_outcome(facts, frozenset({Analyte.COCAINE})) is Outcome.POSITIVE

    @pytest.mark.parametrize("status", [Status.MISSED, Status.REFUSED])
    def test_missed_and_refused_are_missed(self, status: Status) -> None:
        assert target_outcome(specimen(status=status), OPIOIDS) is Outcome.MISSED
        assert target_outcome(specimen(status=status), OPIOIDS, invalid_counts_as_missed=False) is Outcome.MISSED

    def test_a_target_without_a_result_is_pending(self) -> None:
        facts = specimen(opiates=NEG, six_mam=NEG, fentanyl=NEG)
        assert target_outcome(facts, OPIOIDS) is Outcome.PENDING
        assert target_outcome(specimen(), OPIOIDS) is Outcome.PENDING

    def test_a_target_invalid_counts_as_missed_by_default(self) -> None:
        facts = specimen(results={**ALL_NEGATIVE, "fentanyl": INV})
        assert target_outcome(facts, OPIOIDS) is Outcome.MISSED

    def test_a_target_invalid_is_left_out_when_the_program_says_so(self) -> None:
        facts = specimen(results={**ALL_NEGATIVE, "fentanyl": INV})
        assert target_outcome(facts, OPIOIDS, invalid_counts_as_missed=False) is Outcome.INVALID

    def test_a_non_target_invalid_does_not_count(self) -> None:
        facts = specimen(results=ALL_NEGATIVE, cocaine=INV)
        assert target_outcome(facts, OPIOIDS) is Outcome.NEGATIVE

    def test_temperature_out_of_range_counts_as_missed_or_is_left_out(self) -> None:
        facts = specimen(results=ALL_NEGATIVE, temperature_in_range=False)
        assert target_outcome(facts, OPIOIDS) is Outcome.MISSED
        assert target_outcome(facts, OPIOIDS, invalid_counts_as_missed=False) is Outcome.INVALID

    @pytest.mark.parametrize("counts_as_missed", [True, False])
    def test_a_positive_wins_over_invalid(self, counts_as_missed: bool) -> None:
        facts = specimen(results={**ALL_NEGATIVE, "fentanyl": INV, "opiates": POS})
        assert target_outcome(facts, OPIOIDS, counts_as_missed) is Outcome.POSITIVE

    @pytest.mark.parametrize("counts_as_missed", [True, False])
    def test_a_positive_wins_over_temperature_out_of_range(self, counts_as_missed: bool) -> None:
        facts = specimen(results={**ALL_NEGATIVE, "fentanyl": POS}, temperature_in_range=False)
        assert target_outcome(facts, OPIOIDS, counts_as_missed) is Outcome.POSITIVE

    def test_pending_wins_over_invalid_because_a_positive_may_still_come(self) -> None:
        facts = specimen(opiates=NEG, six_mam=NEG, fentanyl=INV)
        assert target_outcome(facts, OPIOIDS) is Outcome.PENDING

    def test_no_targets_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="at least one target analyte"):
            target_outcome(specimen(results=ALL_NEGATIVE), frozenset())

    def test_a_later_reading_of_the_same_analyte_counts(self) -> None:
        facts = SpecimenFacts(Status.COLLECTED, (Reading(Analyte.FENTANYL, POS), Reading(Analyte.FENTANYL, NEG)))
        assert target_outcome(facts, frozenset({Analyte.FENTANYL})) is Outcome.NEGATIVE

    def test_stored_strings_are_accepted(self) -> None:
        facts = SpecimenFacts(Status("collected"), (Reading("fentanyl", "positive"),))  # type: ignore[arg-type]
        assert target_outcome(facts, frozenset({Analyte.FENTANYL})) is Outcome.POSITIVE
        assert ids(interpret(facts)) == [FENTANYL]
