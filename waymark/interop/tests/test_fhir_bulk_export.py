"""`waymark export fhir --program NAME OUTDIR`: the program's own copy as NDJSON, one file per resource type."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from waymark.conftest import World, make_patient
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.interop.fhir import export, validate
from waymark.interop.tests.fhir_helpers import add_doses, add_specimen, order, rich_chart


def run(world: World, outdir: Path, *extra: str) -> None:
    call_command("export", "fhir", str(outdir), "--program", world.program.name, *extra)


class TestBulkExport:
    def test_it_writes_one_valid_file_per_resource_type(self, world: World, tmp_path: Path) -> None:
        rich_chart(world)
        run(world, tmp_path, "--batch-size", "1")
        files = sorted(p.name for p in tmp_path.iterdir())
        assert files == sorted(f"{kind}.ndjson" for kind in export.RESOURCE_TYPES)
        counts = {}
        for path in tmp_path.iterdir():
            lines = list(export.parse_ndjson(path))
            counts[path.stem] = len(lines)
            for resource in lines:
                assert resource["resourceType"] == path.stem
                assert validate.resource_errors(resource) == []
        # world.program: the rich chart (world.patient) and world.other_patient; never the outsider program's.
        assert counts == {
            "Patient": 2,
            "Condition": 2,
            "EpisodeOfCare": 2,
            "Consent": 1,
            "MedicationRequest": 2,
            "MedicationAdministration": 11,
            "Specimen": 2,
            "Observation": 11,
            "QuestionnaireResponse": 1,
            "CarePlan": 1,
        }

    def test_references_are_relative_not_urns(self, world: World, tmp_path: Path) -> None:
        rich_chart(world)
        run(world, tmp_path)
        patients = {f"Patient/{p['id']}" for p in export.parse_ndjson(tmp_path / "Patient.ndjson")}
        for line in (tmp_path / "Observation.ndjson").read_text().splitlines():
            assert json.loads(line)["subject"]["reference"] in patients

    def test_it_is_audited_once_per_run(self, world: World, tmp_path: Path) -> None:
        run(world, tmp_path, "--batch-size", "1")
        (event,) = AuditEvent.objects.filter(action="fhir_bulk_export")
        assert event.program_id == world.program.pk
        assert event.reason.startswith("2 patients, ")
        assert not AuditEvent.objects.filter(action__in=["fhir_export", "create"], object_type="disclosure").exists()

    def test_an_unknown_program_is_a_clear_error(self, world: World, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="No program named 'Nowhere'"):
            call_command("export", "fhir", str(tmp_path), "--program", "Nowhere")

    def test_queries_per_batch_do_not_grow_with_the_records(
        self, world: World, tmp_path: Path, django_assert_max_num_queries: Any
    ) -> None:
        prescriber, nurse = world.user(Role.PRESCRIBER), world.user(Role.NURSE)
        for n in range(6):
            person = make_patient(world.program, f"HR-B{n}", "Pat", f"Bulk{n}")
            add_doses(order(person, prescriber, "methadone", "60"), 20 * (n + 1))
            add_specimen(
                person, nurse, dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC), [("fentanyl", "negative", "lab", None, None)]
            )
        # 8 patients in batches of 4: 2 batches × (1 page of patients + 13 record queries) + the empty last page,
        # + the audit entry's 3 queries.
        with django_assert_max_num_queries(2 * 14 + 1 + 3):
            run(world, tmp_path, "--batch-size", "4")
        assert len(list(export.parse_ndjson(tmp_path / "MedicationAdministration.ndjson"))) == sum(
            20 * (n + 1) for n in range(6)
        )
