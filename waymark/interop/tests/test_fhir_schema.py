"""The vendored HL7 FHIR R4 JSON schema: the right file, unchanged, and a validator that names the field."""

import re
from pathlib import Path

from waymark.interop.fhir import validate

README = Path(validate.SCHEMA_PATH).parent / "README.md"


class TestVendoredSchema:
    def test_it_is_the_r4_schema(self) -> None:
        schema = validate.schema()
        assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
        assert schema["$schema"] == "http://json-schema.org/draft-06/schema#"
        assert {"Patient", "Observation", "Consent", "CarePlan"} <= validate.resource_types()
        assert len(validate.resource_types()) == 146

    def test_its_bytes_match_the_sha256_in_the_readme(self) -> None:
        documented = re.search(r"sha256 \(unzipped\) \| `([0-9a-f]{64})`", README.read_text())
        assert documented is not None
        assert validate.schema_sha256() == documented.group(1) == validate.SCHEMA_SHA256
        assert len(validate.schema_bytes()) == 3_365_955

    def test_it_is_loaded_once(self) -> None:
        assert validate.schema() is validate.schema()


class TestResourceErrors:
    def test_it_accepts_a_valid_patient(self) -> None:
        assert (
            validate.resource_errors({"resourceType": "Patient", "gender": "female", "birthDate": "1988-05-17"}) == []
        )

    def test_it_names_the_field_and_the_problem(self) -> None:
        errors = validate.resource_errors({"resourceType": "Patient", "gender": "woman"})
        assert len(errors) == 1
        assert errors[0].startswith("gender: ")
        assert "woman" in errors[0]

    def test_it_refuses_elements_r4_does_not_have(self) -> None:
        errors = validate.resource_errors({"resourceType": "Patient", "favouriteColour": "blue"})
        assert errors and "favouriteColour" in errors[0]

    def test_it_refuses_an_unknown_resource_type(self) -> None:
        # SubscriptionTopic is R4B/R5 only: not in the R4 schema.
        assert validate.resource_errors({"resourceType": "SubscriptionTopic"}) == [
            "resourceType: 'SubscriptionTopic' is not a FHIR R4 resource type."
        ]
