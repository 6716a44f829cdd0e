"""A patient's record as FHIR R4 resources: one Bundle for a person, or NDJSON files for a whole program.

The Bundle is of type "collection": a set of resources gathered for exchange, with no search behind it (a
"searchset" would claim to be the answer to a search, with search modes and a total, which this is not), so it
can be stored or sent on as it is. Entries have `urn:uuid:` fullUrls; ids are deterministic (builders.Ids), so
the same record exports with the same ids and content every time (only the Bundle's timestamp changes).
"""

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.basic import Basic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from waymark.chart.models import Patient
from waymark.core.models import Program
from waymark.interop.fhir import builders, codes
from waymark.interop.fhir.chart_data import ChartData, load_charts

# REFERENCE.md §10: "Records may not be used against the patient in legal proceedings without consent or a court
# order; disclosures carry a notice to that effect." REFERENCE gives no wording; this plain statement is Waymark's.
PART2_NOTICE = (
    "Notice of confidentiality (42 CFR Part 2): these records are protected by federal confidentiality rules for "
    "substance use disorder treatment records. They may not be used against the person they describe in any legal "
    "proceedings without that person's written consent or a court order."
)

RESOURCE_TYPES = (
    "Patient",
    "Condition",
    "EpisodeOfCare",
    "Consent",
    "MedicationRequest",
    "MedicationAdministration",
    "Specimen",
    "Observation",
    "QuestionnaireResponse",
    "CarePlan",
)


def fhir_base() -> str:
    return str(settings.WAYMARK_FHIR_BASE)


def ids_for(program_id: int, *, in_bundle: bool = True) -> builders.Ids:
    return builders.Ids(fhir_base(), program_id, in_bundle)


def chart_resources(chart: ChartData, ids: builders.Ids) -> Iterator[Resource]:
    """Every resource of one chart, in a stable order. Counselling notes are never among them."""
    patient = chart.patient
    pid = patient.pk
    yield builders.patient(patient, ids)
    for episode in chart.episodes:
        yield builders.condition(episode, pid, ids)
        yield builders.episode_of_care(episode, pid, ids)
    for consent in chart.consents:
        state = consent.status_on(chart.today, chart.in_treatment_on(chart.today))
        yield builders.consent(consent, pid, state, ids)
    orders = {order.pk: order for order in chart.orders}
    for order in chart.orders:
        yield builders.medication_request(order, pid, ids)
    for dose in chart.doses:
        yield builders.dose_administration(dose, orders[dose.order_id], ids)
    for injection in chart.injections:
        yield builders.injection_administration(injection, ids)
    for specimen in chart.specimens:
        yield builders.specimen(specimen, pid, ids)
        for result in specimen.results.all():
            yield builders.drug_test_observation(result, specimen, pid, ids)
    for record in chart.instruments:
        yield builders.questionnaire_response(record, pid, ids)
        yield builders.instrument_observation(record, pid, ids)
    for plan in chart.plans:
        yield builders.care_plan(plan, pid, ids)


def notice_resource(patient: Patient, ids: builders.Ids) -> Basic:
    """The Part 2 notice as a resource of its own (a Bundle has no narrative), first in a disclosed bundle."""
    return Basic.model_validate(
        {
            "id": ids.id("part2-notice", patient.pk),
            "text": {
                "status": "generated",
                "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{PART2_NOTICE}</p></div>',
            },
            "code": {"text": "Notice of confidentiality (42 CFR Part 2)"},
            "subject": ids.patient_ref(patient.pk),
        }
    )


@dataclass
class ExportedBundle:
    bundle: Bundle
    counts: dict[str, int]  # resources per type

    def json(self) -> str:
        return str(self.bundle.model_dump_json(exclude_none=True))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def description(self) -> str:
        listed = ", ".join(f"{n} {kind}" for kind, n in self.counts.items() if n)
        return f"FHIR R4 record export (Bundle of {self.total} resources: {listed}); no counselling notes"


def load_chart(patient: Patient) -> ChartData:
    return load_charts([patient])[0]


def patient_bundle(chart: ChartData, *, notice: bool, now: dt.datetime | None = None) -> ExportedBundle:
    patient = chart.patient
    ids = ids_for(patient.program_id)
    resources: list[Any] = list(chart_resources(chart, ids))
    counts = {kind: 0 for kind in RESOURCE_TYPES}
    for resource in resources:
        counts[resource.get_resource_type()] += 1
    meta: dict[str, Any] = {}
    if notice:
        resources.insert(0, notice_resource(patient, ids))
        # [unverified] label choice: REFERENCE.md gives no FHIR security label for Part 2 records.
        meta["security"] = [
            {"system": codes.ACT_CODE, "code": codes.PART2_SECURITY_CODE, "display": "42 CFR Part 2 confidentiality"}
        ]
    data: dict[str, Any] = {
        "id": ids.id("bundle", patient.pk),
        "type": "collection",
        "timestamp": builders.instant(now or timezone.now()),
        "entry": [{"fullUrl": f"urn:uuid:{r.id}", "resource": r} for r in resources],
    }
    if meta:
        data["meta"] = meta
    return ExportedBundle(Bundle.model_validate(data), counts)


# --- Bulk NDJSON ----------------------------------------------------------------------------------------------


def program_patients(program: Program, batch_size: int) -> Iterator[list[Patient]]:
    """The program's patients in batches, by primary key (keyset pages: memory stays flat)."""
    last = 0
    while True:
        batch = list(
            Patient.objects.filter(program=program, pk__gt=last).select_related("program").order_by("pk")[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def write_ndjson(program: Program, outdir: Path, *, batch_size: int = 200) -> dict[str, int]:
    """One file per resource type (Patient.ndjson, …) in `outdir`, one resource per line; returns lines per type.
    References are relative (Patient/<id>): the files are a set, not a Bundle."""
    outdir.mkdir(parents=True, exist_ok=True)
    ids = ids_for(program.pk, in_bundle=False)
    counts = {kind: 0 for kind in RESOURCE_TYPES}
    files: dict[str, IO[str]] = {}
    try:
        for kind in RESOURCE_TYPES:
            files[kind] = (outdir / f"{kind}.ndjson").open("w", encoding="utf-8")
        for batch in program_patients(program, batch_size):
            for chart in load_charts(batch):
                for resource in chart_resources(chart, ids):
                    kind = resource.get_resource_type()
                    files[kind].write(resource.model_dump_json(exclude_none=True))
                    files[kind].write("\n")
                    counts[kind] += 1
    finally:
        for handle in files.values():
            handle.close()
    return counts


def parse_ndjson(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
