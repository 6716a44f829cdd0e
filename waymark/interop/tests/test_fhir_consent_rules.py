"""The rule that says whether a consent covers a FHIR export to a recipient for a purpose (pure)."""

from waymark.interop.fhir.consent_rules import ConsentFacts, covers, listed, normalise


def consent(**changes: str) -> ConsentFacts:
    fields = {
        "kind": "specific",
        "recipients": "Cumberland County Drug Court",
        "purpose": "Compliance monitoring",
        "status": "active",
        **changes,
    }
    return ConsentFacts(**fields)


class TestNormalise:
    def test_it_ignores_case_punctuation_and_spacing(self) -> None:
        assert normalise("  St. Mary's   Clinic ") == normalise("ST MARYS CLINIC") == "st marys clinic"
        assert normalise("Smith & Jones, LLC") == "smith and jones llc"

    def test_it_splits_a_list_of_recipients(self) -> None:
        assert listed("Primary care clinic; Dr. Ana Ruiz\nCumberland County Drug Court, Maine DHHS") == [
            "primary care clinic",
            "dr ana ruiz",
            "cumberland county drug court",
            "maine dhhs",
        ]


class TestCovers:
    def test_a_listed_recipient_and_purpose_are_covered(self) -> None:
        decision = covers(consent(), "cumberland county drug court.", "Compliance  monitoring")
        assert decision.allowed and decision.reasons == ()

    def test_part_of_a_name_is_not_the_recipient(self) -> None:
        decision = covers(consent(), "Drug Court", "Compliance monitoring")
        assert not decision.allowed
        assert decision.reasons == (
            "The consent does not name 'Drug Court' as a recipient (it names: Cumberland County Drug Court).",
        )

    def test_another_purpose_is_refused(self) -> None:
        decision = covers(consent(), "Cumberland County Drug Court", "Treatment")
        assert decision.reasons == (
            "The consent does not cover the purpose 'Treatment' (it covers: Compliance monitoring).",
        )

    def test_a_tpo_consent_covers_treatment_payment_and_operations(self) -> None:
        tpo = consent(kind="tpo", recipients="Primary care clinic", purpose="Coordination of care")
        for purpose in ("Treatment", "payment", "Health-care operations", "Coordination of care"):
            assert covers(tpo, "Primary care clinic", purpose).allowed, purpose
        assert not covers(tpo, "Primary care clinic", "Research").allowed

    def test_a_specific_consent_does_not_stretch_to_tpo(self) -> None:
        assert not covers(consent(), "Cumberland County Drug Court", "payment").allowed

    def test_a_consent_not_in_force_is_refused(self) -> None:
        for status in ("revoked", "expired", "not yet signed"):
            decision = covers(consent(status=status), "Cumberland County Drug Court", "Compliance monitoring")
            assert decision.reasons == (f"The consent is {status}: a disclosure needs a consent in force today.",)

    def test_a_counselling_notes_consent_never_covers_the_record(self) -> None:
        decision = covers(consent(kind="counselling_notes"), "Cumberland County Drug Court", "Compliance monitoring")
        assert not decision.allowed
        assert "covers counselling notes only" in decision.reasons[0]

    def test_blank_recipient_and_purpose_are_named(self) -> None:
        assert covers(consent(), " ", "").reasons == ("Name the recipient.", "Give the purpose of the disclosure.")
