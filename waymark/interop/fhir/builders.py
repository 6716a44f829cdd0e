"""FHIR resources (fhir.resources R4B models, kept to elements R4 4.0 also has) built from Waymark's records.

Each builder takes a Waymark record and an `Ids` (the deployment's base URI, the program, and whether references
are `urn:uuid:` ones inside a Bundle or `Type/id` ones in bulk NDJSON files) and returns one model instance. Ids are
uuid5 of the base URI, the program and the record's kind and primary key, so a record exports with the same id
every time. Codes: see codes.py. Nothing here reads the database: chart_data.py loads the records first.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.specimen import Specimen as FhirSpecimen

from waymark.assess import instruments as instrument_catalogue
from waymark.assess.models import InstrumentRecord
from waymark.care.models import TreatmentPlan
from waymark.chart.models import Consent, Episode, LevelOfCare, Patient
from waymark.interop.fhir import codes
from waymark.labs.analytes import ANALYTES, Analyte
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.medications import CATALOGUE, Medication
from waymark.meds.models import DoseAdministration, Injection, MedicationOrder

Json = dict[str, Any]


@dataclass(frozen=True)
class Ids:
    base: str
    program_id: int
    in_bundle: bool = True  # references as urn:uuid: (inside a Bundle) or Type/id (bulk NDJSON)

    @property
    def codes(self) -> codes.CodeSystems:
        return codes.CodeSystems(self.base)

    def id(self, kind: str, key: object) -> str:
        return codes.resource_id(self.base, self.program_id, kind, key)

    def ref(self, resource_type: str, kind: str, key: object, display: str = "") -> Json:
        rid = self.id(kind, key)
        ref: Json = {"reference": f"urn:uuid:{rid}" if self.in_bundle else f"{resource_type}/{rid}"}
        if display:
            ref["display"] = display
        return ref

    def patient_ref(self, patient_id: int) -> Json:
        return self.ref("Patient", "patient", patient_id)


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def day(value: dt.date) -> str:
    return value.isoformat()


def number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def mg(value: Decimal) -> Json:
    return {"value": number(value), "unit": "mg", "system": codes.UCUM, "code": "mg"}


def coded(system: str, code: str, display: str, text: str = "") -> Json:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": text or display}


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


# --- Patient -----------------------------------------------------------------------------------------------


def patient(record: Patient, ids: Ids) -> FhirPatient:
    names: list[Json] = [{"use": "official", "family": record.family_name, "given": [record.given_name]}]
    if record.preferred_name and record.preferred_name != record.given_name:
        names.append({"use": "usual", "family": record.family_name, "given": [record.preferred_name]})
    data: Json = {
        "id": ids.id("patient", record.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Medical record number"},
                "system": ids.codes.mrn(record.program_id),
                "value": record.mrn,
                "assigner": {"display": record.program.name},
            }
        ],
        "name": names,
        "gender": codes.SEX_TO_GENDER.get(record.sex_at_birth, "unknown"),
    }
    if record.date_of_birth is not None:
        data["birthDate"] = day(record.date_of_birth)
    telecom = []
    if record.phone:
        telecom.append({"system": "phone", "value": record.phone})
    if record.email:
        telecom.append({"system": "email", "value": record.email})
    if telecom:
        data["telecom"] = telecom
    if record.address:
        data["address"] = [{"text": record.address}]
    if record.preferred_language:
        data["communication"] = [{"language": {"text": record.preferred_language}, "preferred": True}]
    if record.emergency_contact_name:
        contact: Json = {"name": {"text": record.emergency_contact_name}}
        if record.emergency_contact_relationship:
            contact["relationship"] = [{"text": record.emergency_contact_relationship}]
        if record.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": record.emergency_contact_phone}]
        data["contact"] = [contact]
    return FhirPatient.model_validate(data)


# --- Episode of care and its diagnosis ------------------------------------------------------------------------


def episode_of_care(record: Episode, patient_id: int, ids: Ids) -> EpisodeOfCare:
    level = LevelOfCare(record.level_of_care)
    period: Json = {"start": day(record.admitted_on)}
    if record.discharged_on:
        period["end"] = day(record.discharged_on)
    data: Json = {
        "id": ids.id("episode", record.pk),
        "status": "active" if record.discharged_on is None else "finished",
        "type": [coded(ids.codes.level_of_care, level.value, str(level.label))],
        "diagnosis": [{"condition": ids.ref("Condition", "condition", record.pk), "rank": 1}],
        "patient": ids.patient_ref(patient_id),
        "period": period,
    }
    return EpisodeOfCare.model_validate(data)


def condition(record: Episode, patient_id: int, ids: Ids) -> Condition:
    """The opioid use disorder an episode treats (REFERENCE.md §3): SNOMED CT by primary substance, ICD-10-CM by
    severity where one is recorded ([unverified mapping]), the episode's own diagnosis text."""
    snomed = codes.SUBSTANCE_SNOMED.get(record.primary_substance, codes.SNOMED_OPIOID_DEPENDENCE)
    coding: list[Json] = [{"system": codes.SNOMED, "code": snomed, "display": codes.SNOMED_LABELS[snomed]}]
    if record.severity in codes.SEVERITY_ICD10:
        coding.append({"system": codes.ICD10CM, "code": codes.SEVERITY_ICD10[record.severity]})
    text = record.diagnosis or "Opioid use disorder"
    data: Json = {
        "id": ids.id("condition", record.pk),
        "code": {"coding": coding, "text": text},
        "subject": ids.patient_ref(patient_id),
        "recordedDate": day(record.admitted_on),
    }
    if record.discharged_on is None:
        data["clinicalStatus"] = coded(codes.CONDITION_CLINICAL, "active", "Active")
    if record.severity:
        severity = Episode.Severity(record.severity)
        data["severity"] = coded(ids.codes.severity, severity.value, str(severity.label))
    return Condition.model_validate(data)


# --- Drug tests --------------------------------------------------------------------------------------------


def specimen(record: Specimen, patient_id: int, ids: Ids) -> FhirSpecimen:
    kind = Specimen.Kind(record.kind)
    data: Json = {
        "id": ids.id("specimen", record.pk),
        "status": "available",
        "type": coded(ids.codes.specimen_kind, kind.value, str(kind.label)),
        "subject": ids.patient_ref(patient_id),
        "collection": {"collectedDateTime": instant(record.collected_at)},
    }
    return FhirSpecimen.model_validate(data)


def _analyte_code(analyte: Analyte) -> Json:
    """LOINC only where REFERENCE.md §11 gives one; otherwise the analyte's name as text."""
    info = ANALYTES[analyte]
    if info.loinc:
        return {"coding": [{"system": codes.LOINC, "code": info.loinc}], "text": info.label}
    return {"text": info.label}


def drug_test_observation(record: AnalyteResult, sample: Specimen, patient_id: int, ids: Ids) -> Observation:
    result = AnalyteResult.Result(record.result)
    method = AnalyteResult.Method(record.method)
    data: Json = {
        "id": ids.id("analyte-result", record.pk),
        "status": "final",
        "category": [coded(codes.OBSERVATION_CATEGORY, "laboratory", "Laboratory")],
        "code": _analyte_code(Analyte(record.analyte)),
        "subject": ids.patient_ref(patient_id),
        "effectiveDateTime": instant(sample.collected_at),
        "issued": instant(record.resulted_at),
        "valueCodeableConcept": coded(ids.codes.drug_test_result, result.value, str(result.label)),
        "method": coded(ids.codes.drug_test_method, method.value, str(method.label)),
        "specimen": ids.ref("Specimen", "specimen", sample.pk),
    }
    components = []
    if record.value_ng_ml is not None:
        components.append(("Measured concentration", record.value_ng_ml))
    if record.cutoff_ng_ml is not None:
        components.append(("Cut-off", record.cutoff_ng_ml))
    if components:
        data["component"] = [
            {
                "code": {"text": label},
                "valueQuantity": {"value": number(v), "unit": "ng/mL", "system": codes.UCUM, "code": "ng/mL"},
            }
            for label, v in components
        ]
    return Observation.model_validate(data)


# --- Instruments -------------------------------------------------------------------------------------------


def _instrument(code: str) -> instrument_catalogue.Instrument | None:
    """Any instrument a record may hold, imported-only ones (the CTN-0094 withdrawal rating) included."""
    return instrument_catalogue.ALL_INSTRUMENTS.get(code)


def questionnaire_response(record: InstrumentRecord, patient_id: int, ids: Ids) -> QuestionnaireResponse:
    known = _instrument(record.instrument)
    items = []
    for item_id, value in record.answers.items():
        answer: Json
        if isinstance(value, bool):
            answer = {"valueBoolean": value}
        elif isinstance(value, int):
            answer = {"valueInteger": value}
        else:
            answer = {"valueString": str(value)}
        item: Json = {"linkId": str(item_id), "answer": [answer]}
        if known is not None:
            with contextlib.suppress(KeyError):
                item["text"] = known.item(str(item_id)).text
        items.append(item)
    data: Json = {
        "id": ids.id("instrument-response", record.pk),
        "questionnaire": ids.codes.questionnaire(record.instrument),
        "status": "completed",
        "subject": ids.patient_ref(patient_id),
        "authored": instant(record.administered_at),
    }
    if items:
        data["item"] = items
    return QuestionnaireResponse.model_validate(data)


def instrument_observation(record: InstrumentRecord, patient_id: int, ids: Ids) -> Observation:
    """The total, coded in Waymark's instrument code system: REFERENCE.md §11 confirms no LOINC for these."""
    known = _instrument(record.instrument)
    name = known.name if known else record.instrument
    data: Json = {
        "id": ids.id("instrument-total", record.pk),
        "status": "final",
        "category": [coded(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
        "code": coded(ids.codes.instrument, record.instrument, name, f"{known.short_name if known else name} total"),
        "subject": ids.patient_ref(patient_id),
        "effectiveDateTime": instant(record.administered_at),
        "valueInteger": record.total,
        "derivedFrom": [ids.ref("QuestionnaireResponse", "instrument-response", record.pk)],
    }
    if record.band:
        band = known.band_for(record.total) if known else None
        data["interpretation"] = [{"text": band.label if band and band.code == record.band else record.band}]
    return Observation.model_validate(data)


# --- Medication --------------------------------------------------------------------------------------------


def medication_concept(code: str, ids: Ids) -> Json:
    known = {m.value for m in Medication}
    label = CATALOGUE[Medication(code)].label if code in known else code
    return coded(ids.codes.medication, code, label)


def medication_request(record: MedicationOrder, patient_id: int, ids: Ids) -> MedicationRequest:
    status = {"active": "active", "stopped": "stopped", "superseded": "stopped"}[record.status]
    frequency = MedicationOrder.Frequency(record.frequency)
    dosage: Json = {
        "text": f"{number(record.dose_mg)} mg, {frequency.label.lower()}"
        + (f". {record.instructions}" if record.instructions else ""),
        "doseAndRate": [{"doseQuantity": mg(record.dose_mg)}],
    }
    validity: Json = {"start": day(record.start_on)}
    if record.stop_on:
        validity["end"] = day(record.stop_on)
    data: Json = {
        "id": ids.id("order", record.pk),
        "identifier": [{"system": ids.codes.system("medication-order"), "value": f"{record.series}:{record.version}"}],
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": medication_concept(record.medication, ids),
        "subject": ids.patient_ref(patient_id),
        "authoredOn": instant(record.created_at),
        "requester": {"display": _person(record.prescriber)},
        "dosageInstruction": [dosage],
        "dispenseRequest": {"validityPeriod": validity},
    }
    if record.status == MedicationOrder.Status.SUPERSEDED:
        data["statusReason"] = {"text": "Superseded by a newer version of the order"}
    return MedicationRequest.model_validate(data)


def dose_administration(record: DoseAdministration, order: MedicationOrder, ids: Ids) -> MedicationAdministration:
    outcome = DoseAdministration.Outcome(record.outcome)
    data: Json = {
        "id": ids.id("dose", record.pk),
        "status": "completed" if outcome == DoseAdministration.Outcome.OBSERVED else "not-done",
        "medicationCodeableConcept": medication_concept(order.medication, ids),
        "subject": ids.patient_ref(record.patient_id),
        "effectiveDateTime": day(record.clinic_day),
        "request": ids.ref("MedicationRequest", "order", order.pk),
    }
    if outcome != DoseAdministration.Outcome.OBSERVED:
        data["statusReason"] = [coded(ids.codes.dose_outcome, outcome.value, str(outcome.label))]
    if record.amount_mg:
        data["dosage"] = {"text": f"Slot {record.slot}", "dose": mg(record.amount_mg)}
    return MedicationAdministration.model_validate(data)


def injection_administration(record: Injection, ids: Ids) -> MedicationAdministration:
    body_site = Injection.BodySite(record.body_site)
    data: Json = {
        "id": ids.id("injection", record.pk),
        "status": "completed",
        "medicationCodeableConcept": medication_concept(record.medication, ids),
        "subject": ids.patient_ref(record.patient_id),
        "effectiveDateTime": instant(record.given_at),
        "request": ids.ref("MedicationRequest", "order", record.order_id),
        "note": [{"text": f"Lot {record.lot_number}"}],
        "dosage": {"site": {"text": str(body_site.label)}, "dose": mg(record.dose_mg)},
    }
    return MedicationAdministration.model_validate(data)


# --- Treatment plan ------------------------------------------------------------------------------------------


def care_plan(record: TreatmentPlan, patient_id: int, ids: Ids) -> CarePlan:
    status = {"draft": "draft", "active": "active", "superseded": "completed"}[record.status]
    notes: list[Json] = []
    activities: list[Json] = []
    for problem in record.problems.all():
        notes.append({"text": f"Problem ({problem.get_area_display()}): {problem.description}"})
        for goal in problem.goals.all():
            notes.append({"text": f"Goal, in the person's words: {goal.in_patients_words}"})
            for objective in goal.objectives.all():
                notes.append(
                    {
                        "text": f"Objective by {objective.target_on:%Y-%m-%d} ({objective.get_status_display()}): "
                        f"{objective.description}"
                    }
                )
            for intervention in goal.interventions.all():
                words = [intervention.get_kind_display(), intervention.description, intervention.frequency]
                activities.append(
                    {
                        "detail": {
                            "status": "in-progress" if record.status == "active" else "not-started",
                            "description": " · ".join(w for w in words if w),
                        }
                    }
                )
    data: Json = {
        "id": ids.id("plan", record.pk),
        "status": status,
        "intent": "plan",
        "title": f"Treatment plan, version {record.version}",
        "subject": ids.patient_ref(patient_id),
        "created": instant(record.created_at),
        "addresses": [ids.ref("Condition", "condition", record.episode_id)],
    }
    if record.effective_on:
        data["period"] = {"start": day(record.effective_on)}
    if record.clinician_signed_by_id:
        data["author"] = {"display": _person(record.clinician_signed_by)}
    if record.based_on_id:
        data["replaces"] = [ids.ref("CarePlan", "plan", record.based_on_id)]
    if notes:
        data["note"] = notes
    if activities:
        data["activity"] = activities
    return CarePlan.model_validate(data)


# --- Consent -----------------------------------------------------------------------------------------------

CONSENT_STATUS = {"active": "active", "revoked": "inactive", "expired": "inactive", "not yet signed": "proposed"}


def consent(record: Consent, patient_id: int, state: str, ids: Ids) -> FhirConsent:
    """A 42 CFR Part 2 consent (REFERENCE.md §10); `state` is Consent.status_on today."""
    kind = Consent.Kind(record.kind)
    period: Json = {"start": day(record.signed_on)}
    end = record.revoked_on or (record.expires_on if record.expiry_kind == Consent.Expiry.DATE else None)
    if end:
        period["end"] = day(max(end, record.signed_on))
    expiry = Consent.Expiry(record.expiry_kind)
    data: Json = {
        "id": ids.id("consent", record.pk),
        "status": CONSENT_STATUS[state],
        "scope": coded(codes.CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
        "category": [coded(ids.codes.consent_kind, kind.value, str(kind.label))],
        "patient": ids.patient_ref(patient_id),
        "dateTime": day(record.signed_on),
        "performer": [{"display": record.signed_by}],
        "organization": [{"display": record.disclosing_party}],
        "policyRule": {"text": "42 CFR Part 2"},
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [{"role": {"text": "Recipient"}, "reference": {"display": record.recipients[:1000]}}],
            "purpose": [{"display": record.purpose[:1000]}],
        },
        "sourceAttachment": {
            "title": f"Information: {record.information_description}. Expiry: {expiry.label}"
            + (f" ({record.expires_on:%Y-%m-%d})" if record.expires_on else "")
            + (f". Revoked {record.revoked_on:%Y-%m-%d}" if record.revoked_on else "")
        },
    }
    return FhirConsent.model_validate(data)
