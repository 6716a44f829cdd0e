"""Importing a FHIR R4 Bundle from another system into a new chart: Patient, Conditions, drug-test Observations.
All or nothing, with errors that name the entry and the field; importing again doubles nothing."""

import copy
import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from waymark.chart.models import CareTeamMember, Episode, Patient
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.interop.fhir import export
from waymark.interop.fhir.bundle_import import BundleRejected, do_import_fhir_bundle, import_bundle
from waymark.interop.models import ImportRun
from waymark.interop.tests.fhir_helpers import RESULTS, rich_chart
from waymark.labs.models import AnalyteResult, Specimen

NOW = dt.datetime.now(dt.UTC)


def foreign_bundle() -> dict[str, Any]:
    """What another system might send: no Waymark codes, LOINC on the tests, text for cocaine."""
    patient = "urn:uuid:11111111-1111-4111-8111-111111111111"

    def test(n: int, loinc: str | None, text: str, value: str, at: str) -> dict[str, Any]:
        code: dict[str, Any] = {"text": text}
        if loinc:
            code["coding"] = [{"system": "http://loinc.org", "code": loinc}]
        return {
            "fullUrl": f"urn:uuid:22222222-2222-4222-8222-22222222222{n}",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "laboratory",
                            }
                        ]
                    }
                ],
                "code": code,
                "subject": {"reference": patient},
                "effectiveDateTime": at,
                "valueCodeableConcept": {"text": value},
            },
        }

    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": patient,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:oid:1.2.3.4", "value": "ELSE-778"}],
                    "name": [{"family": "Ruiz", "given": ["Ana", "María"]}],
                    "gender": "female",
                    "birthDate": "1990-02-03",
                },
            },
            {
                "fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333",
                "resource": {
                    "resourceType": "Condition",
                    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "426001001"}], "text": "OUD"},
                    "subject": {"reference": patient},
                    "onsetDateTime": "2025-06-01",
                },
            },
            test(0, "19295-5", "Opiates", "Positive", "2025-06-02T10:00:00-04:00"),
            test(1, "59673-4", "Fentanyl", "negative", "2025-06-02T10:00:00-04:00"),
            test(2, None, "Cocaine", "Negative", "2025-06-09"),
            {
                "fullUrl": "urn:uuid:44444444-4444-4444-8444-444444444444",
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "subject": {"reference": patient},
                    "medicationCodeableConcept": {"text": "Buprenorphine"},
                },
            },
        ],
    }


def snapshot() -> tuple[int, ...]:
    return (
        Patient.objects.count(),
        Episode.objects.count(),
        Specimen.objects.count(),
        AnalyteResult.objects.count(),
        ImportRun.objects.count(),
    )


def admin(world: World) -> Any:
    return world.user(Role.PROGRAM_ADMIN)


def rejected(world: World, bundle: dict[str, Any]) -> list[str]:
    before = snapshot()
    with pytest.raises(BundleRejected) as caught:
        do_import_fhir_bundle(admin(world), world.program, bundle)
    assert snapshot() == before, "nothing is saved"
    return caught.value.problems


class TestImport:
    def test_it_opens_a_chart_with_the_episode_and_the_drug_tests(self, world: World) -> None:
        patient = do_import_fhir_bundle(admin(world), world.program, foreign_bundle(), source_name="/tmp/ana.json")
        assert (patient.mrn, patient.given_name, patient.family_name) == ("ELSE-778", "Ana", "Ruiz")
        assert (patient.date_of_birth, patient.sex_at_birth) == (dt.date(1990, 2, 3), "female")
        (episode,) = patient.episodes.all()
        assert (episode.admitted_on, episode.primary_substance, episode.level_of_care) == (
            dt.date(2025, 6, 1),
            "fentanyl",
            "outpatient",
        )
        specimens = list(patient.specimens.order_by("collected_at").prefetch_related("results"))
        assert [s.collected_at for s in specimens] == [
            dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC),
            dt.datetime(2025, 6, 9, 13, 0, tzinfo=dt.UTC),  # a date alone: 09:00 in the program's zone
        ]
        assert [(r.analyte, r.result, r.method) for r in specimens[0].results.order_by("analyte")] == [
            ("fentanyl", "negative", "lab"),
            ("opiates", "positive", "lab"),
        ]
        assert [(r.analyte, r.result) for r in specimens[1].results.all()] == [("cocaine", "negative")]
        assert all(
            s.collected_by == admin(world) and "Imported from a FHIR bundle (ana.json)" in s.notes for s in specimens
        )
        (run,) = ImportRun.objects.all()
        assert (run.kind, run.source_name, run.started_by) == ("fhir", "ana.json", admin(world))
        assert run.counts["results"] == {"read": 3, "added": 3, "already_there": 0}
        assert run.warnings[-1]["note"].startswith("1 MedicationStatement resource(s) not imported")
        assert AuditEvent.objects.filter(action="fhir_import", object_id=str(run.pk)).count() == 1

    def test_importing_again_doubles_nothing(self, world: World) -> None:
        first = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        before = snapshot()
        result = import_bundle(admin(world), world.program, foreign_bundle())
        assert result.patient == first and result.created is False
        assert snapshot()[:4] == before[:4]
        assert result.run.counts["results"] == {"read": 3, "added": 0, "already_there": 3}

    def test_an_mrn_held_by_someone_else_gets_a_fhir_mrn(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][0]["resource"]["identifier"][0]["value"] = "HR-2"  # world.other_patient's MRN
        patient = do_import_fhir_bundle(admin(world), world.program, bundle)
        assert patient.mrn.startswith("FHIR-") and len(patient.mrn) == 17
        assert do_import_fhir_bundle(admin(world), world.program, bundle) == patient


def own_bundle(world: World) -> dict[str, Any]:
    """world.patient's record as Waymark exports it (no notice: entry[0] is the Patient)."""
    rich_chart(world)
    source = Patient.objects.select_related("program").get(pk=world.patient.pk)
    return json.loads(export.patient_bundle(export.load_chart(source), notice=False).json())


def new_references(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same bundle as a sending system might build it again: every uuid (ids, fullUrls, references) new."""
    text = json.dumps(bundle)
    fresh: dict[str, str] = {}
    pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    text = re.sub(pattern, lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), text)
    assert len(fresh) >= 5
    return json.loads(text)


class TestWhichChart:
    def test_a_bundle_of_a_chart_made_by_hand_is_refused_and_nothing_is_saved(self, world: World) -> None:
        bundle = own_bundle(world)
        specimens = world.patient.specimens.count()
        (problem,) = rejected(world, bundle)
        assert problem.startswith("A chart with this MRN or identity (MRN HR-1: same name and date of birth) already")
        assert "it was not made by a FHIR import" in problem
        assert "Add the results there by hand" in problem
        assert world.patient.specimens.count() == specimens == 2

    def test_the_same_person_under_another_identifier_system_is_refused(self, world: World) -> None:
        first = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        bundle = foreign_bundle()
        bundle["entry"][0]["resource"]["identifier"][0]["system"] = "urn:oid:9.9.9"
        (problem,) = rejected(world, bundle)
        assert f"MRN {first.mrn}: same name and date of birth" in problem
        assert first.specimens.count() == 2

    def test_the_same_source_with_new_references_doubles_nothing(self, world: World) -> None:
        bundle = own_bundle(world)
        actor = world.outsider_staff[Role.PROGRAM_ADMIN]
        first = import_bundle(actor, world.outsider_program, bundle)
        assert first.created and first.patient.specimens.count() == 2
        before = snapshot()
        again = import_bundle(actor, world.outsider_program, new_references(bundle))
        assert again.patient == first.patient and again.created is False
        assert snapshot()[:4] == before[:4]
        assert again.run.counts["specimens"] == {"read": 2, "added": 0, "already_there": 2}
        assert again.run.counts["results"] == {"read": len(RESULTS) + 2, "added": 0, "already_there": len(RESULTS) + 2}
        assert again.run.counts["patient_id"] == first.patient.pk
        assert again.run.counts["source_key"] == first.run.counts["source_key"]

    def test_a_new_test_for_the_same_source_is_added_to_its_chart(self, world: World) -> None:
        first = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        bundle = new_references(foreign_bundle())
        bundle["entry"][4]["resource"]["effectiveDateTime"] = "2025-06-16"
        result = import_bundle(admin(world), world.program, bundle)
        assert result.patient == first and result.created is False
        assert result.run.counts["specimens"] == {"read": 2, "added": 1, "already_there": 1}
        assert first.specimens.count() == 3


class TestWhoMayAddToAChart:
    def test_a_counsellor_may_not_add_to_a_chart_off_their_caseload(self, world: World) -> None:
        chart = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        counsellor = world.user(Role.COUNSELLOR)
        bundle = foreign_bundle()
        bundle["entry"][4]["resource"]["effectiveDateTime"] = "2025-06-16"
        events = AuditEvent.objects.count()
        before = snapshot()
        with pytest.raises(BundleRejected) as caught:
            do_import_fhir_bundle(counsellor, world.program, bundle)
        assert snapshot() == before
        assert AuditEvent.objects.count() == events
        (problem,) = caught.value.problems
        assert f"imported before into the chart with MRN {chart.mrn}, and you may not add to that chart" in problem
        assert chart.specimens.count() == 2

    def test_a_counsellor_on_the_care_team_may(self, world: World) -> None:
        chart = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        counsellor = world.user(Role.COUNSELLOR)
        CareTeamMember.objects.create(patient=chart, user=counsellor, role="counsellor")
        bundle = foreign_bundle()
        bundle["entry"][4]["resource"]["effectiveDateTime"] = "2025-06-16"
        result = import_bundle(counsellor, world.program, bundle)
        assert result.patient == chart and result.run.counts["specimens"]["added"] == 1
        assert AuditEvent.objects.filter(
            actor=counsellor, action="fhir_import", patient_id=chart.pk, object_type="chart"
        ).exists()


class TestStatuses:
    def test_only_final_amended_or_corrected_observations_are_imported(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][2]["resource"]["status"] = "preliminary"
        bundle["entry"][3]["resource"]["status"] = "entered-in-error"
        bundle["entry"][4]["resource"]["status"] = "amended"
        result = import_bundle(admin(world), world.program, bundle)
        assert [(r.analyte, r.result) for r in AnalyteResult.objects.filter(specimen__patient=result.patient)] == [
            ("cocaine", "negative")
        ]
        notes = {(w["row"], w["note"]) for w in result.warnings}
        assert (2, "status preliminary: not imported (only final, amended or corrected).") in notes
        assert (3, "status entered-in-error: not imported (only final, amended or corrected).") in notes
        assert result.run.counts["results"] == {"read": 1, "added": 1, "already_there": 0}

    @pytest.mark.parametrize("status", ["refuted", "entered-in-error"])
    def test_a_refuted_condition_opens_no_episode(self, world: World, status: str) -> None:
        bundle = foreign_bundle()
        bundle["entry"][1]["resource"]["verificationStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status}]
        }
        result = import_bundle(admin(world), world.program, bundle)
        assert not result.patient.episodes.exists()
        assert {"table": "Condition", "row": 1, "note": f"verificationStatus {status}: not imported."} in (
            result.warnings
        )

    @pytest.mark.parametrize("status", ["resolved", "inactive", "remission"])
    def test_an_ended_condition_without_an_abatement_date_is_refused(self, world: World, status: str) -> None:
        bundle = foreign_bundle()
        bundle["entry"][1]["resource"]["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]
        }
        (problem,) = rejected(world, bundle)
        assert problem.startswith(
            f"entry[1] Condition.clinicalStatus: the condition is {status} but gives no abatement"
        )

    def test_an_ended_condition_with_an_abatement_date_is_a_closed_episode(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][1]["resource"]["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "remission"}]
        }
        bundle["entry"][1]["resource"]["abatementDateTime"] = "2025-12-01"
        patient = do_import_fhir_bundle(admin(world), world.program, bundle)
        (episode,) = patient.episodes.all()
        assert (episode.admitted_on, episode.discharged_on) == (dt.date(2025, 6, 1), dt.date(2025, 12, 1))


class TestRoundTrip:
    def test_an_exported_chart_imports_into_another_program_unchanged(self, world: World) -> None:
        rich_chart(world)
        source = Patient.objects.select_related("program").get(pk=world.patient.pk)
        bundle = json.loads(export.patient_bundle(export.load_chart(source), notice=True).json())
        actor = world.outsider_staff[Role.PROGRAM_ADMIN]
        copy_ = do_import_fhir_bundle(actor, world.outsider_program, bundle)
        assert copy_.program == world.outsider_program
        same = ("mrn", "given_name", "family_name", "preferred_name", "date_of_birth", "sex_at_birth", "phone", "email")
        assert {f: getattr(copy_, f) for f in same} == {f: getattr(source, f) for f in same}

        def results(patient: Patient) -> list[tuple[Any, ...]]:
            return sorted(
                (r.specimen.collected_at, r.specimen.kind, r.analyte, r.result, r.method, r.resulted_at)
                for r in AnalyteResult.objects.filter(specimen__patient=patient).select_related("specimen")
            )

        assert results(copy_) == results(source)
        assert len(results(copy_)) == len(RESULTS) + 2
        episodes = [
            (e.admitted_on, e.discharged_on, e.primary_substance, e.severity, e.level_of_care)
            for e in copy_.episodes.order_by("admitted_on")
        ]
        assert episodes == [
            (e.admitted_on, e.discharged_on, e.primary_substance, e.severity, e.level_of_care)
            for e in source.episodes.order_by("admitted_on")
        ]


class TestBadBundles:
    def test_an_invalid_gender_names_the_entry_and_field(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][0]["resource"]["gender"] = "woman"
        (problem,) = rejected(world, bundle)
        assert problem.startswith("entry[0] Patient.gender: ")
        assert "woman" in problem

    def test_an_unknown_loinc_is_refused(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][3]["resource"]["code"]["coding"][0]["code"] = "12345-6"
        (problem,) = rejected(world, bundle)
        assert problem.startswith("entry[3] Observation.code: LOINC 12345-6 is not a drug test Waymark knows")

    def test_a_result_that_is_not_positive_negative_or_invalid(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][2]["resource"]["valueCodeableConcept"] = {"text": "Detected"}
        assert rejected(world, bundle) == [
            "entry[2] Observation.value[x]: Opiates (screen): give positive, negative or invalid."
        ]

    def test_future_dates_are_refused(self, world: World) -> None:
        bundle = foreign_bundle()
        later = (NOW + dt.timedelta(days=3)).date().isoformat()
        bundle["entry"][0]["resource"]["birthDate"] = later
        bundle["entry"][4]["resource"]["effectiveDateTime"] = later
        problems = rejected(world, bundle)
        assert f"entry[4] Observation.effectiveDateTime: {later} is in the future." in problems
        assert any(p.startswith("entry[0] Patient.birthDate: Date of birth") and "future" in p for p in problems)

    def test_a_missing_birth_date_is_handled(self, world: World) -> None:
        bundle = foreign_bundle()
        del bundle["entry"][0]["resource"]["birthDate"]
        if Patient._meta.get_field("date_of_birth").null:
            patient = do_import_fhir_bundle(admin(world), world.program, bundle)
            assert patient.date_of_birth is None
            assert any("no birthDate" in w["note"] for w in ImportRun.objects.get().warnings)
        else:
            assert rejected(world, bundle) == [
                "entry[0] Patient.birthDate: missing; Waymark needs a date of birth to open a chart."
            ]

    def test_a_test_about_someone_else_is_refused(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][3]["resource"]["subject"] = {"reference": "Patient/somebody-else"}
        assert rejected(world, bundle) == [
            "entry[3] Observation.subject: Patient/somebody-else is not the bundle's Patient."
        ]

    def test_not_a_bundle_or_two_patients(self, world: World) -> None:
        assert rejected(world, {"resourceType": "Patient"}) == [
            'The file is not a FHIR Bundle (resourceType must be "Bundle").'
        ]
        bundle = foreign_bundle()
        bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))
        assert rejected(world, bundle) == ["The bundle must hold exactly one Patient; it holds 2."]

    def test_every_problem_is_listed_at_once(self, world: World) -> None:
        bundle = foreign_bundle()
        bundle["entry"][2]["resource"]["code"]["coding"][0]["code"] = "99999-9"
        bundle["entry"][4]["resource"]["code"]["text"] = "Ketamine"
        problems = rejected(world, bundle)
        assert [p.split(":")[0] for p in problems] == ["entry[2] Observation.code", "entry[4] Observation.code"]


class TestImportPage:
    def upload(self, client: Client, bundle: dict[str, Any] | bytes) -> Any:
        content = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
        file = io.BytesIO(content)
        file.name = "ana.json"
        return client.post(reverse("interop:fhir_import"), {"bundle": file})

    def test_a_counsellor_imports_and_lands_on_the_new_chart(
        self, world: World, as_role: Callable[[str], Client]
    ) -> None:
        client = as_role("counsellor")
        response = self.upload(client, foreign_bundle())
        patient = Patient.objects.get(mrn="ELSE-778")
        assert response.status_code == 302
        assert response["Location"] == reverse("chart", args=[patient.pk])
        page = client.get(response["Location"]).content.decode()
        assert "New chart opened: MRN ELSE-778" in page
        assert patient.care_team.filter(user=world.user(Role.COUNSELLOR)).exists()

    def test_a_bad_file_is_shown_with_its_problems(self, world: World, as_role: Callable[[str], Client]) -> None:
        bundle = foreign_bundle()
        bundle["entry"][0]["resource"]["gender"] = "woman"
        response = self.upload(as_role("program_admin"), bundle)
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was imported." in page and "entry[0] Patient.gender" in page
        response = self.upload(as_role("program_admin"), b"{not json")
        assert response.status_code == 422 and "The file is not JSON" in response.content.decode()
        assert not Patient.objects.filter(mrn="ELSE-778").exists()

    def test_a_counsellor_off_the_care_team_sees_why_nothing_was_imported(
        self, world: World, as_role: Callable[[str], Client]
    ) -> None:
        chart = do_import_fhir_bundle(admin(world), world.program, foreign_bundle())
        response = self.upload(as_role("counsellor"), foreign_bundle())
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was imported." in page and f"chart with MRN {chart.mrn}, and you may not add" in page
        assert ImportRun.objects.count() == 1

    def test_a_nurse_may_not_import(self, world: World, as_role: Callable[[str], Client]) -> None:
        assert self.upload(as_role("nurse"), foreign_bundle()).status_code == 403


class TestImportCommand:
    def test_it_imports_a_file_as_the_programs_import_account(self, world: World, tmp_path: Path) -> None:
        path = tmp_path / "ana.json"
        path.write_text(json.dumps(foreign_bundle()))
        out = io.StringIO()
        call_command("import", "fhir", str(path), "--program", world.program.name, stdout=out)
        assert "Ana Ruiz (MRN ELSE-778): new chart." in out.getvalue()
        assert "results: 3 read, 3 added, 0 already there" in out.getvalue()
        (run,) = ImportRun.objects.all()
        assert run.started_by is not None and run.started_by.username == f"import-fhir-p{world.program.pk}"
        assert not run.started_by.has_usable_password()

    def test_a_bad_file_is_a_clear_error(self, world: World, tmp_path: Path) -> None:
        bundle = foreign_bundle()
        bundle["entry"][0]["resource"]["gender"] = "woman"
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bundle))
        with pytest.raises(CommandError, match=r"Nothing was imported:\n  entry\[0\] Patient.gender"):
            call_command("import", "fhir", str(path), "--program", world.program.name)
        assert not Patient.objects.filter(mrn="ELSE-778").exists()
