"""Drug tests over the API (laboratory interfaces, point-of-care readers): the
analyte list with LOINC codes, a patient's specimens with what they mean, and
recording specimens, missed tests and results. Same access helper and
services as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import AwareDatetime

from waymark.api_errors import problem
from waymark.chart.access import Need, patient_for
from waymark.chart.api import In, _user
from waymark.labs import rules, services
from waymark.labs.analytes import ANALYTES
from waymark.labs.models import AnalyteResult, Specimen

router = Router(tags=["drug tests"])

AnalyteCode = Literal[
    "opiates",
    "6-mam",
    "fentanyl",
    "buprenorphine",
    "methadone",
    "eddp",
    "oxycodone",
    "cocaine",
    "amphetamines",
    "benzodiazepines",
    "cannabis",
    "alcohol",
]
NgMl = Annotated[Decimal, Field(ge=0, le=1000000, max_digits=10, decimal_places=2)]


class AnalyteOut(Schema):
    code: str
    label: str
    loinc: str | None
    loinc_note: str
    opioid: bool


class ResultIn(In):
    analyte: AnalyteCode
    result: Literal["positive", "negative", "invalid"]
    method: Literal["point_of_care", "lab"] = "point_of_care"
    value_ng_ml: NgMl | None = None
    cutoff_ng_ml: Annotated[Decimal, Field(gt=0, le=1000000, max_digits=10, decimal_places=2)] | None = None
    resulted_at: AwareDatetime | None = Field(None, description="With its UTC offset; defaults to now.")


class SpecimenIn(In):
    status: Literal["collected", "missed", "refused"] = "collected"
    collected_at: AwareDatetime = Field(
        description="When it was collected (or when a missed test was due), with its UTC offset."
    )
    kind: Literal["urine", "oral_fluid", ""] = ""
    observed: bool = False
    temperature_in_range: bool | None = Field(None, description="Urine only.")
    reason: Literal["scheduled", "random"] = "scheduled"
    notes: Annotated[str, Field(max_length=2000)] = ""
    results: Annotated[list[ResultIn], Field(max_length=40)] = []


class ResultsIn(In):
    results: Annotated[list[ResultIn], Field(min_length=1, max_length=40)]


class ResultOut(Schema):
    analyte: str
    loinc: str | None
    result: str
    method: str
    value_ng_ml: Decimal | None
    cutoff_ng_ml: Decimal | None
    resulted_at: dt.datetime


class AlertOut(Schema):
    rule_id: str
    severity: str
    message: str
    offer_naloxone: bool


class SpecimenOut(Schema):
    id: int
    status: str
    collected_at: dt.datetime
    clinic_day: dt.date
    kind: str
    observed: bool
    temperature_in_range: bool | None
    reason: str
    results: list[ResultOut]
    alerts: list[AlertOut]


def _result_out(r: AnalyteResult) -> ResultOut:
    return ResultOut(
        analyte=r.analyte,
        loinc=ANALYTES[rules.Analyte(r.analyte)].loinc,
        result=r.result,
        method=r.method,
        value_ng_ml=r.value_ng_ml,
        cutoff_ng_ml=r.cutoff_ng_ml,
        resulted_at=r.resulted_at,
    )


def _out(specimen: Specimen, medications: frozenset[str]) -> SpecimenOut:
    alerts = rules.interpret(services.facts(specimen, medications))
    return SpecimenOut(
        id=specimen.pk,
        status=specimen.status,
        collected_at=specimen.collected_at,
        clinic_day=specimen.clinic_day,
        kind=specimen.kind,
        observed=specimen.observed,
        temperature_in_range=specimen.temperature_in_range,
        reason=specimen.reason,
        results=[_result_out(r) for r in specimen.results.all()],
        alerts=[
            AlertOut(rule_id=a.rule_id, severity=a.severity.value, message=a.message, offer_naloxone=a.offer_naloxone)
            for a in alerts
        ],
    )


def _inputs(results: list[ResultIn]) -> list[services.ResultInput]:
    return [services.ResultInput(**r.dict()) for r in results]


@router.get("/analytes", response=list[AnalyteOut], summary="Analytes with their LOINC codes (REFERENCE.md §11)")
def list_analytes(request: HttpRequest) -> list[AnalyteOut]:
    return [
        AnalyteOut(code=a.code.value, label=a.label, loinc=a.loinc, loinc_note=a.loinc_note, opioid=a.opioid)
        for a in ANALYTES.values()
    ]


@router.get(
    "/patients/{patient_id}/specimens",
    response=list[SpecimenOut],
    summary="Drug tests, newest first, with what they mean (audited)",
)
def list_specimens(
    request: HttpRequest, patient_id: int, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[SpecimenOut]:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="drug_tests")
    medications = services.medication_families(patient)
    return [_out(s, medications) for s in services.patient_specimens(patient)[:limit]]


@router.post(
    "/patients/{patient_id}/specimens",
    response={200: SpecimenOut, 201: SpecimenOut},
    summary="Record a specimen with any point-of-care results, or a missed or refused test (idempotent)",
    description=(
        "Send a new Idempotency-Key per specimen; the same key again returns the first record (200). "
        "A negative specimen of a person enrolled in contingency management earns its award in the same request."
    ),
)
def record_specimen(
    request: HttpRequest,
    patient_id: int,
    payload: SpecimenIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=80)],
) -> HttpResponse | Status[SpecimenOut]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.SPECIMEN, action="write", object_type="specimen")
    data = services.SpecimenInput(
        idempotency_key=idempotency_key,
        collected_at=payload.collected_at,
        status=payload.status,
        kind=payload.kind,
        observed=payload.observed,
        temperature_in_range=payload.temperature_in_range,
        reason=payload.reason,
        notes=payload.notes,
        results=_inputs(payload.results),
    )
    try:
        recorded = services.record_specimen(user, patient, data)
    except services.KeyReused as exc:
        return problem(422, "Idempotency-Key reused", exc.messages[0])
    specimen = services.patient_specimens(patient).get(pk=recorded.specimen.pk)
    return Status(201 if recorded.created else 200, _out(specimen, services.medication_families(patient)))


@router.post(
    "/patients/{patient_id}/specimens/{specimen_id}/results",
    response=SpecimenOut,
    summary="Add results to a specimen (a laboratory's report supersedes point-of-care for the same analyte)",
    description="A result already recorded for an analyte and method is accepted again only if identical "
    "(409 otherwise).",
)
def add_results(
    request: HttpRequest, patient_id: int, specimen_id: int, payload: ResultsIn
) -> HttpResponse | SpecimenOut:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.SPECIMEN, action="write", object_type="specimen")
    specimen = get_object_or_404(services.patient_specimens(patient), pk=specimen_id)
    try:
        services.record_results(user, patient, specimen, _inputs(payload.results))
    except services.ResultConflict as exc:
        return problem(409, "Result already recorded", exc.messages[0])
    return _out(services.patient_specimens(patient).get(pk=specimen.pk), services.medication_families(patient))
