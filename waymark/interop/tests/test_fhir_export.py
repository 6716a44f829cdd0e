"""Building a patient's FHIR R4 Bundle: every resource valid twice over (the fhir.resources R4B model and the
official R4 JSON schema), the codes REFERENCE.md gives and no others, stable ids, a fixed number of queries."""

import datetime as dt
import json
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from waymark.assess.models import InstrumentRecord
from waymark.chart.models import Episode, Patient
from waymark.conftest import World
from waymark.core.roles import Role
from waymark.interop.fhir import builders, codes, export, validate
from waymark.interop.tests.fhir_helpers import add_doses, add_specimen, order, rich_chart


def _bundle(patient: Patient, notice: bool = False) -> dict[str, Any]:
    patient = Patient.objects.select_related("program").get(pk=patient.pk)
    return json.loads(export.patient_bundle(export.load_chart(patient), notice=notice).json())


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture
def bundle(world: World) -> dict[str, Any]:
    rich_chart(world)
    return _bundle(world.patient, notice=True)


class TestEveryResourceIsValid:
    def test_it_exports_every_kind_of_record(self, bundle: dict[str, Any]) -> None:
        kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert kinds == {*export.RESOURCE_TYPES, "Basic"}
        assert bundle["type"] == "collection"

    def test_every_resource_validates_against_the_r4b_model_and_the_r4_schema(self, bundle: dict[str, Any]) -> None:
        for entry in bundle["entry"]:
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            assert validate.resource_errors(resource) == [], resource["resourceType"]

    def test_the_whole_bundle_validates(self, bundle: dict[str, Any]) -> None:
        Bundle.model_validate(bundle)
        assert validate.resource_errors(bundle) == []

    def test_full_urls_are_urn_uuids_of_the_ids(self, bundle: dict[str, Any]) -> None:
        for entry in bundle["entry"]:
            assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        urls = {e["fullUrl"] for e in bundle["entry"]}
        references = [r["subject"]["reference"] for r in _resources(bundle, "Observation")]
        assert references and set(references) <= urls


class TestStableIds:
    def test_the_same_record_exports_identically_twice(self, world: World, bundle: dict[str, Any]) -> None:
        again = _bundle(world.patient, notice=True)
        assert again["entry"] == bundle["entry"]
        assert again["id"] == bundle["id"]


class TestPatient:
    def test_it_carries_the_demographics(self, world: World, bundle: dict[str, Any]) -> None:
        (patient,) = _resources(bundle, "Patient")
        assert patient["name"][0] == {"use": "official", "family": "Whitlock", "given": ["Dana"]}
        assert patient["name"][1]["given"] == ["Dee"]
        assert patient["gender"] == "female"
        assert patient["birthDate"] == "1988-05-17"
        assert patient["identifier"][0]["value"] == "HR-1"
        assert patient["address"] == [{"text": "1 Harbor St, Portland, ME"}]

    def test_it_leaves_out_a_birth_date_that_is_not_recorded(self, world: World) -> None:
        person = Patient(pk=99, program=world.program, mrn="X-1", given_name="Ana", family_name="Ruiz")
        person.date_of_birth = None
        resource = json.loads(builders.patient(person, export.ids_for(world.program.pk)).model_dump_json())
        assert "birthDate" not in resource
        assert validate.resource_errors(resource) == []


class TestCondition:
    def test_it_codes_the_disorder_as_reference_section_3_gives(self, bundle: dict[str, Any]) -> None:
        conditions = _resources(bundle, "Condition")
        earlier, current = conditions
        assert earlier["code"]["coding"] == [
            {"system": codes.SNOMED, "code": "231477003", "display": "Heroin dependence"},
            {"system": codes.ICD10CM, "code": "F11.10"},
        ]
        assert "clinicalStatus" not in earlier  # a closed episode says nothing about the disorder now
        assert current["code"]["coding"] == [
            {"system": codes.SNOMED, "code": "426001001", "display": "Fentanyl dependence"},
            {"system": codes.ICD10CM, "code": "F11.20"},
        ]
        assert current["clinicalStatus"]["coding"][0]["code"] == "active"

    def test_other_substances_are_opioid_dependence_without_icd_when_no_severity(self, world: World) -> None:
        Episode.objects.filter(patient=world.patient).update(primary_substance="prescription_opioids", severity="")
        (condition,) = _resources(_bundle(world.patient), "Condition")
        assert condition["code"]["coding"] == [
            {"system": codes.SNOMED, "code": "75544000", "display": "Opioid dependence"}
        ]

    def test_the_episode_of_care_points_at_its_condition(self, bundle: dict[str, Any]) -> None:
        conditions = {f"urn:uuid:{c['id']}" for c in _resources(bundle, "Condition")}
        episodes = _resources(bundle, "EpisodeOfCare")
        assert [e["status"] for e in episodes] == ["finished", "active"]
        assert {e["diagnosis"][0]["condition"]["reference"] for e in episodes} == conditions
        assert episodes[0]["period"] == {"start": "2024-03-01", "end": "2024-09-01"}


class TestDrugTests:
    def test_loinc_codes_are_exactly_those_of_reference_section_11(self, bundle: dict[str, Any]) -> None:
        tests = [o for o in _resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "laboratory"]
        loinc = {
            o["code"]["text"]: [c["code"] for c in o["code"].get("coding", []) if c["system"] == codes.LOINC]
            for o in tests
        }
        # REFERENCE.md §11: opiates 19295-5; 6-MAM 19321-9; fentanyl 59673-4; buprenorphine 93494-3;
        # methadone 19550-3; EDDP 93495-0. Cocaine and cannabis have none: text only.
        assert loinc == {
            "Opiates (screen)": ["19295-5"],
            "6-MAM (heroin marker)": ["19321-9"],
            "Fentanyl": ["59673-4"],
            "Buprenorphine": ["93494-3"],
            "Methadone": ["19550-3"],
            "Methadone metabolite (EDDP)": ["93495-0"],
            "Cocaine": [],
            "Cannabis (THC)": [],
        }
        cocaine = next(o for o in tests if o["code"]["text"] == "Cocaine")
        assert "coding" not in cocaine["code"]

    def test_a_result_carries_its_value_method_and_specimen(self, bundle: dict[str, Any]) -> None:
        opiates = [o for o in _resources(bundle, "Observation") if o["code"]["text"] == "Opiates (screen)"]
        lab = next(o for o in opiates if o["method"]["coding"][0]["code"] == "lab")
        assert lab["valueCodeableConcept"]["coding"][0]["code"] == "positive"
        assert lab["effectiveDateTime"] == "2026-01-20T14:30:00Z"
        assert lab["issued"] == "2026-01-21T09:00:00Z"
        assert [c["valueQuantity"]["value"] for c in lab["component"]] == [512.5, 300]
        specimens = {f"urn:uuid:{s['id']}": s for s in _resources(bundle, "Specimen")}
        assert specimens[lab["specimen"]["reference"]]["type"]["text"] == "Urine"

    def test_it_exports_oral_fluid_and_invalid_results(self, bundle: dict[str, Any]) -> None:
        kinds = sorted(s["type"]["text"] for s in _resources(bundle, "Specimen"))
        assert kinds == ["Oral fluid", "Urine"]
        results = {
            o["valueCodeableConcept"]["text"] for o in _resources(bundle, "Observation") if "valueCodeableConcept" in o
        }
        assert results == {"Positive", "Negative", "Invalid"}


class TestInstruments:
    def test_the_total_has_no_loinc_only_waymarks_instrument_code(self, bundle: dict[str, Any]) -> None:
        (total,) = [o for o in _resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "survey"]
        assert total["code"]["coding"] == [
            {
                "system": "https://waymark.example.org/fhir/CodeSystem/instrument",
                "code": "cows",
                "display": "Clinical Opiate Withdrawal Scale",
            }
        ]
        assert total["valueInteger"] == 8
        assert total["interpretation"][0]["text"] == "Mild (5–12)"
        assert not any(c["system"] == codes.LOINC for c in total["code"]["coding"])

    def test_the_answers_are_a_questionnaire_response(self, bundle: dict[str, Any]) -> None:
        (response,) = _resources(bundle, "QuestionnaireResponse")
        assert response["questionnaire"] == "https://waymark.example.org/fhir/Questionnaire/cows"
        answers = {i["linkId"]: i["answer"][0]["valueInteger"] for i in response["item"]}
        assert sum(answers.values()) == 8
        assert len(answers) == 11

    def test_an_imported_only_instrument_exports_with_its_name_and_items(self, world: World) -> None:
        rich_chart(world)
        InstrumentRecord.objects.create(
            patient=world.patient,
            instrument="ctn-wd",
            context="follow_up",
            administered_at=dt.datetime(2026, 1, 7, 14, 0, tzinfo=dt.UTC),
            answers={"withdrawal": 2},
            total=2,
            band="",
            idempotency_key="fhir-test-ctn-wd",
            recorded_by=world.user(Role.NURSE),
        )
        bundle = _bundle(world.patient)
        (total,) = [
            o for o in _resources(bundle, "Observation") if o["code"].get("coding", [{}])[0].get("code") == "ctn-wd"
        ]
        assert total["code"]["coding"][0]["display"] == "Withdrawal severity, CTN-0094 harmonised (0–3)"
        assert total["code"]["text"] == "CTN withdrawal total"
        assert total["valueInteger"] == 2
        (response,) = [r for r in _resources(bundle, "QuestionnaireResponse") if r["questionnaire"].endswith("ctn-wd")]
        assert response["item"] == [
            {"linkId": "withdrawal", "text": "Withdrawal severity", "answer": [{"valueInteger": 2}]}
        ]


class TestMedication:
    def test_orders_and_administrations(self, bundle: dict[str, Any]) -> None:
        requests = _resources(bundle, "MedicationRequest")
        assert [(r["medicationCodeableConcept"]["coding"][0]["code"], r["status"]) for r in requests] == [
            ("methadone", "active"),
            ("naltrexone_xr", "stopped"),
        ]
        given = _resources(bundle, "MedicationAdministration")
        assert len(given) == 11  # ten window slots and one injection
        statuses = [g["status"] for g in given]
        assert statuses.count("not-done") == 2  # the missed days
        injection = given[-1]
        assert injection["dosage"]["dose"] == {"value": 380, "unit": "mg", "system": codes.UCUM, "code": "mg"}
        assert injection["dosage"]["site"]["text"] == "Left gluteal"


class TestCarePlanAndConsent:
    def test_the_plan_addresses_the_current_condition(self, bundle: dict[str, Any]) -> None:
        (plan,) = _resources(bundle, "CarePlan")
        current = _resources(bundle, "Condition")[-1]
        assert plan["status"] == "active"
        assert plan["addresses"] == [{"reference": f"urn:uuid:{current['id']}"}]
        assert any("I want to be there for my kids" in n["text"] for n in plan["note"])

    def test_the_consent_keeps_its_part2_elements(self, bundle: dict[str, Any]) -> None:
        (consent,) = _resources(bundle, "Consent")
        assert consent["status"] == "active"
        assert consent["provision"]["actor"][0]["reference"]["display"] == "Primary care clinic"
        assert consent["provision"]["purpose"] == [{"display": "Treatment"}]


class TestQueryCount:
    @pytest.mark.parametrize("doses", [5, 50])
    def test_it_loads_a_chart_in_a_fixed_number_of_queries(
        self, world: World, doses: int, django_assert_max_num_queries: Any
    ) -> None:
        prescriber, nurse = world.user(Role.PRESCRIBER), world.user(Role.NURSE)
        methadone = order(world.patient, prescriber, "methadone", "60")
        add_doses(methadone, doses)
        for n in range(doses // 5):
            add_specimen(
                world.patient,
                nurse,
                dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=n),
                [("opiates", "negative", "point_of_care", None, None)],
            )
        patient = Patient.objects.select_related("program").get(pk=world.patient.pk)
        with django_assert_max_num_queries(13):
            bundle = export.patient_bundle(export.load_chart(patient), notice=False)
        assert bundle.counts["MedicationAdministration"] == doses
        assert bundle.counts["Observation"] == doses // 5
