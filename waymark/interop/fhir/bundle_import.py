"""Import a FHIR R4 Bundle from another system into a new chart: the Patient, their opioid use disorder
Conditions (as episodes of care) and drug-test Observations (as specimens with analyte results).

All or nothing: the bundle is checked against the R4 schema first, then every entry is read; any problem is an
error naming the entry and the field, and nothing is saved. Other resources (medication, consents, instrument
totals …) are not imported; the run lists them as warnings.

What is read (docs/architecture.md, "FHIR R4"):
- Observations only with status final, amended or corrected; any other status (registered, preliminary,
  cancelled, entered-in-error, unknown) is skipped with a warning naming the entry.
- Conditions whose verificationStatus is refuted or entered-in-error are skipped with a warning. A Condition whose
  clinicalStatus is inactive, resolved or remission must give an end (abatementDateTime, abatementPeriod.end or
  its EpisodeOfCare's period.end): it becomes a closed episode; without one the bundle is refused, so an ended
  condition never opens an open episode.

Identity and idempotency:
- The source key: the Patient's first identifier (system|value), else its id.
- A chart is reused only if an earlier FHIR import into this program created it from the same source key (each
  ImportRun of kind "fhir" records {"patient_id", "source_key"} in its counts), and only if the importing person
  may write that chart (chart.access.patient_for, Need.WRITE); otherwise the bundle is refused.
- A bundle whose person matches a chart made any other way (same MRN and name, or same name and date of birth)
  is refused: Waymark does not merge records into a chart it did not make from that source.
- A new chart's MRN: the Patient's first identifier value if it fits (≤32 characters) and is free in the
  program, else "FHIR-" and 12 hex characters of a hash of the source key.
- Nothing already in the reused chart is added again: specimens are matched by content (collection time and
  kind), results by analyte and method, episodes by admission date; a new ImportRun says what was there.
Imported drug tests are history: they are written directly, not through labs.services, so they raise no alerts
and earn no contingency-management awards.
"""

import datetime as dt
import hashlib
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from waymark.chart import services as chart_services
from waymark.chart.access import Need, patient_for
from waymark.chart.models import Episode, LevelOfCare, Patient, validate_birth_date
from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap
from waymark.interop import accounts
from waymark.interop.fhir import codes, validate
from waymark.interop.models import ImportRun
from waymark.labs.analytes import ANALYTES, Analyte
from waymark.labs.models import AnalyteResult, Specimen

Json = dict[str, Any]
MRN_MAX = 32
# Program defaults for what a foreign bundle may not say (docs/architecture.md, "FHIR R4").
DEFAULT_LEVEL_OF_CARE = LevelOfCare.OUTPATIENT
DEFAULT_SPECIMEN_KIND = Specimen.Kind.URINE  # REFERENCE.md §11's LOINC codes are urine drug screens
DEFAULT_METHOD = AnalyteResult.Method.LAB  # results from another system's laboratory
DEFAULT_HOUR = 9  # a date without a time: 09:00 in the program's zone
# FHIR R4 ObservationStatus: the statuses of a result that stands (registered/preliminary are not yet results;
# cancelled and entered-in-error are not results at all).
OBSERVATION_STATUSES = frozenset({"final", "amended", "corrected"})
# FHIR R4 condition-ver-status codes that say the diagnosis does not hold.
REFUTED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
# FHIR R4 condition-clinical codes of a condition that has ended (active, recurrence, relapse have not).
ENDED_CLINICAL = frozenset({"inactive", "resolved", "remission"})
CONDITION_VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


class BundleRejected(ValidationError):
    """The bundle cannot be imported; `problems` lists each one as "entry[3] Observation.code: …"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class ImportResult:
    patient: Patient
    run: ImportRun
    created: bool  # a new chart (False: the bundle was imported before)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Result:
    analyte: Analyte
    result: str
    method: str
    resulted_at: dt.datetime
    entry: int


@dataclass
class _Sample:
    key: tuple[dt.datetime, str]  # content: collection time and kind (two bundle specimens alike are one)
    collected_at: dt.datetime
    kind: str
    results: list[_Result] = field(default_factory=list)


@dataclass
class _Diagnosis:
    entry: int
    admitted_on: dt.date
    discharged_on: dt.date | None
    substance: str
    severity: str
    diagnosis: str
    level_of_care: str


@dataclass
class _Reader:
    """Reads the entries, collecting every problem before giving up."""

    program: Program
    problems: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, entry: int, where: str, message: str) -> None:
        self.problems.append(f"entry[{entry}] {where}: {message}")

    def warn(self, entry: int, table: str, note: str) -> None:
        self.warnings.append({"table": table, "row": entry, "note": note})

    # --- dates ---------------------------------------------------------------------------------------------

    def when(self, entry: int, where: str, text: Any) -> dt.datetime | None:
        if not isinstance(text, str):
            self.problem(entry, where, "missing; give the date and time.")
            return None
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                at = dt.datetime.combine(day, dt.time(DEFAULT_HOUR), tzinfo=zoneinfo.ZoneInfo(self.program.time_zone))
            elif len(text) > 10:
                at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if at.tzinfo is None:
                    raise ValueError
            else:
                raise ValueError
        except ValueError:
            self.problem(entry, where, f"{text!r} is not a full date (and time with a zone).")
            return None
        if at > timezone.now() + dt.timedelta(minutes=5):
            self.problem(entry, where, f"{text} is in the future.")
            return None
        return at

    def day(self, entry: int, where: str, text: Any) -> dt.date | None:
        at = self.when(entry, where, text)
        return at.astimezone(self.program.zone).date() if at else None


def _codings(concept: Any) -> list[Json]:
    return [c for c in (concept or {}).get("coding", []) if isinstance(c, dict)]


def _code_in(concept: Any, system: str) -> str | None:
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return None


def _ours(concept: Any, suffix: str) -> str | None:
    """A code in one of Waymark's own code systems (whatever base URI the exporting deployment used)."""
    for coding in _codings(concept):
        if str(coding.get("system", "")).endswith(f"/CodeSystem/{suffix}") and coding.get("code"):
            return str(coding["code"])
    return None


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    return str(concept.get("text") or next((c.get("display") for c in _codings(concept) if c.get("display")), ""))


# --- Reading the bundle -------------------------------------------------------------------------------------


def check_schema(data: Any) -> list[str]:
    """The bundle against the R4 schema: the Bundle itself, then each entry's resource by its own type."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return ['The file is not a FHIR Bundle (resourceType must be "Bundle").']
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        return ["The Bundle has no entries."]
    shell = {
        **data,
        "entry": [{k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries],
    }
    problems = [f"Bundle {line}" for line in validate.resource_errors(shell)]
    for n, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(f"entry[{n}]: no resource.")
            continue
        kind = resource.get("resourceType", "?")
        problems.extend(f"entry[{n}] {kind}.{line}" for line in validate.resource_errors(resource))
    return problems


def _refs(entries: list[Json]) -> dict[str, int]:
    """Reference text (fullUrl, or Type/id) → entry index."""
    found: dict[str, int] = {}
    for n, entry in enumerate(entries):
        resource = entry["resource"]
        if entry.get("fullUrl"):
            found[str(entry["fullUrl"])] = n
        if resource.get("id"):
            found[f"{resource['resourceType']}/{resource['id']}"] = n
    return found


def _patient_fields(reader: _Reader, n: int, resource: Json) -> Json:
    names = [x for x in resource.get("name", []) if isinstance(x, dict)]
    official = next((x for x in names if x.get("use") == "official"), names[0] if names else None)
    fields: Json = {}
    if official is None or not official.get("family") or not official.get("given"):
        reader.problem(n, "Patient.name", "a family name and a given name are needed.")
    else:
        fields["family_name"] = str(official["family"])[:100]
        fields["given_name"] = str(official["given"][0])[:100]
    usual = next((x for x in names if x.get("use") == "usual" and x.get("given")), None)
    if usual and usual["given"][0] != fields.get("given_name"):
        fields["preferred_name"] = str(usual["given"][0])[:100]
    gender = resource.get("gender", "unknown")
    fields["sex_at_birth"] = codes.GENDER_TO_SEX.get(gender, "unknown")
    if gender not in codes.GENDER_TO_SEX:
        reader.warn(n, "Patient", f"gender {gender!r} is recorded as sex at birth 'not recorded'.")
    born = resource.get("birthDate")
    nullable = Patient._meta.get_field("date_of_birth").null
    if born is None:
        if nullable:
            fields["date_of_birth"] = None
            reader.warn(n, "Patient", "no birthDate: the date of birth is left unrecorded.")
        else:
            reader.problem(n, "Patient.birthDate", "missing; Waymark needs a date of birth to open a chart.")
    else:
        try:
            fields["date_of_birth"] = dt.date.fromisoformat(str(born))
            validate_birth_date(fields["date_of_birth"])
        except ValueError:
            reader.problem(n, "Patient.birthDate", f"{born!r} is not a full date (YYYY-MM-DD).")
        except ValidationError as exc:
            reader.problem(n, "Patient.birthDate", " ".join(exc.messages))
    for telecom in resource.get("telecom", []):
        if telecom.get("system") == "phone" and "phone" not in fields:
            fields["phone"] = str(telecom.get("value", ""))[:40]
        if telecom.get("system") == "email" and "email" not in fields:
            fields["email"] = str(telecom.get("value", ""))[:254]
    return fields


def _source_key(resource: Json) -> tuple[str, str | None]:
    """A stable key for the source patient, and the identifier value that could serve as MRN."""
    for identifier in resource.get("identifier", []):
        if identifier.get("value"):
            return f"{identifier.get('system', '')}|{identifier['value']}", str(identifier["value"])
    if resource.get("id"):
        return f"id|{resource['id']}", None
    return "", None


def _status_code(concept: Any, system: str) -> str:
    """A status CodeableConcept's code (in its FHIR code system, else any coding), lower-cased; "" when none."""
    found = _code_in(concept, system) or next((str(c["code"]) for c in _codings(concept) if c.get("code")), "")
    return found.casefold()


def _diagnosis(reader: _Reader, n: int, resource: Json, episodes: dict[int, Json]) -> _Diagnosis | None:
    code = resource.get("code")
    verification = _status_code(resource.get("verificationStatus"), CONDITION_VER_STATUS)
    if verification in REFUTED_VERIFICATION:
        reader.warn(n, "Condition", f"verificationStatus {verification}: not imported.")
        return None
    snomed = _code_in(code, codes.SNOMED)
    icd = _code_in(code, codes.ICD10CM)
    oud = {codes.SNOMED_OPIOID_DEPENDENCE, codes.SNOMED_HEROIN_DEPENDENCE, codes.SNOMED_FENTANYL_DEPENDENCE}
    if snomed not in oud and not (icd or "").startswith(codes.OUD_ICD10_PREFIX):
        reader.warn(n, "Condition", f"not an opioid use disorder code ({_text(code) or 'no code'}): not imported.")
        return None
    episode = episodes.get(n)
    period = (episode or {}).get("period", {})
    start = period.get("start") or resource.get("onsetDateTime") or resource.get("recordedDate")
    admitted = reader.day(n, "Condition.onsetDateTime", start)
    end = period.get("end") or resource.get("abatementDateTime") or (resource.get("abatementPeriod") or {}).get("end")
    discharged = reader.day(n, "Condition.abatementDateTime", end) if end else None
    clinical = _status_code(resource.get("clinicalStatus"), CONDITION_CLINICAL)
    if clinical in ENDED_CLINICAL and not end:
        reader.problem(
            n,
            "Condition.clinicalStatus",
            f"the condition is {clinical} but gives no abatement date, so Waymark cannot tell when the episode "
            "ended; give abatementDateTime (or the EpisodeOfCare's period.end), or leave the entry out.",
        )
        return None
    if admitted is None:
        return None
    substance = codes.SNOMED_SUBSTANCE.get(snomed or "", "")
    if not substance:
        substance = "not_recorded" if "not_recorded" in Episode.Substance.values else Episode.Substance.OTHER_OPIOID
    severity = _ours(resource.get("severity"), "oud-severity") or ""
    if severity not in Episode.Severity.values:
        severity = {"F11.10": "mild"}.get(icd or "", "")
    level = _ours((episode or {}).get("type", [None])[0] if episode else None, "level-of-care")
    if level not in LevelOfCare.values:
        level = DEFAULT_LEVEL_OF_CARE.value
        reader.warn(
            n, "Condition", f"no level of care in the bundle: the episode is set to {DEFAULT_LEVEL_OF_CARE.label}."
        )
    return _Diagnosis(n, admitted, discharged, substance, severity, _text(code)[:120], level)


def _sample_kind(specimen: Json | None) -> str:
    kind = _ours((specimen or {}).get("type"), "specimen-kind")
    if kind in Specimen.Kind.values:
        return str(kind)
    text = _text((specimen or {}).get("type")).casefold()
    return Specimen.Kind.ORAL_FLUID.value if "oral" in text else DEFAULT_SPECIMEN_KIND.value


def _observation(reader: _Reader, n: int, resource: Json) -> tuple[Analyte, str, str] | None:
    code = resource.get("code")
    loinc = _code_in(code, codes.LOINC)
    if loinc is not None:
        analyte = codes.LOINC_ANALYTE.get(loinc)
        if analyte is None:
            known = ", ".join(sorted(codes.LOINC_ANALYTE))
            reader.problem(n, "Observation.code", f"LOINC {loinc} is not a drug test Waymark knows (it knows {known}).")
            return None
    else:
        found = codes.analyte_for_text(_text(code))
        if found is None:
            reader.problem(n, "Observation.code", f"{_text(code) or 'no code'!r} is not a drug test Waymark knows.")
            return None
        analyte = found
    value = resource.get("valueCodeableConcept")
    result = _ours(value, "drug-test-result") or (_text(value) or str(resource.get("valueString", ""))).casefold()
    if result not in AnalyteResult.Result.values:
        reader.problem(n, "Observation.value[x]", f"{ANALYTES[analyte].label}: give positive, negative or invalid.")
        return None
    method = _ours(resource.get("method"), "drug-test-method") or DEFAULT_METHOD.value
    if method not in AnalyteResult.Method.values:
        method = DEFAULT_METHOD.value
    return analyte, result, method


def read_bundle(program: Program, data: Json) -> tuple[_Reader, Json, int, list[_Diagnosis], list[_Sample]]:
    reader = _Reader(program)
    problems = check_schema(data)
    if problems:
        raise BundleRejected(problems)
    entries: list[Json] = data["entry"]
    refs = _refs(entries)
    patients = [n for n, e in enumerate(entries) if e["resource"]["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise BundleRejected([f"The bundle must hold exactly one Patient; it holds {len(patients)}."])
    pn = patients[0]
    patient_refs = {ref for ref, n in refs.items() if n == pn}
    episodes: dict[int, Json] = {}  # Condition entry → the EpisodeOfCare naming it as its diagnosis
    for entry in entries:
        resource = entry["resource"]
        if resource["resourceType"] == "EpisodeOfCare":
            for diagnosis in resource.get("diagnosis", []):
                target = diagnosis.get("condition", {}).get("reference")
                if target in refs:
                    episodes[refs[target]] = resource
    diagnoses: list[_Diagnosis] = []
    samples: dict[tuple[dt.datetime, str], _Sample] = {}
    skipped: dict[str, int] = defaultdict(int)
    for n, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource["resourceType"]
        subject = (resource.get("subject") or {}).get("reference")
        if kind in ("Condition", "Observation") and subject is not None and subject not in patient_refs:
            reader.problem(n, f"{kind}.subject", f"{subject} is not the bundle's Patient.")
            continue
        if kind == "Condition":
            found = _diagnosis(reader, n, resource, episodes)
            if found:
                diagnoses.append(found)
        elif kind == "Observation" and _is_drug_test(resource):
            status = str(resource.get("status", ""))
            if status not in OBSERVATION_STATUSES:
                reader.warn(
                    n, "Observation", f"status {status or 'missing'}: not imported (only final, amended or corrected)."
                )
                continue
            read = _observation(reader, n, resource)
            specimen_ref = (resource.get("specimen") or {}).get("reference")
            specimen = entries[refs[specimen_ref]]["resource"] if specimen_ref in refs else None
            collected = (specimen or {}).get("collection", {}).get("collectedDateTime") or resource.get(
                "effectiveDateTime"
            )
            at = reader.when(n, "Observation.effectiveDateTime", collected)
            issued = reader.when(n, "Observation.issued", resource["issued"]) if resource.get("issued") else at
            if read is None or at is None or issued is None:
                continue
            key = (at, _sample_kind(specimen))
            sample = samples.setdefault(key, _Sample(key, at, key[1]))
            if any((r.analyte, r.method) == (read[0], read[2]) for r in sample.results):
                reader.problem(n, "Observation.code", f"{ANALYTES[read[0]].label} is listed twice for one specimen.")
                continue
            sample.results.append(_Result(read[0], read[1], read[2], max(issued, sample.collected_at), n))
        elif kind not in ("Patient", "Specimen", "EpisodeOfCare"):
            skipped[kind] += 1
    for kind, count in sorted(skipped.items()):
        reader.warn(
            -1,
            kind,
            f"{count} {kind} resource(s) not imported (Waymark imports Patient, Condition and drug-test Observations).",
        )
    return reader, entries[pn]["resource"], pn, diagnoses, list(samples.values())


def _is_drug_test(resource: Json) -> bool:
    """Laboratory observations, and uncategorised ones coded in LOINC or named like a Waymark analyte; other
    categories (survey, vital signs …) are not drug tests."""
    categories = {_code_in(c, codes.OBSERVATION_CATEGORY) for c in resource.get("category", [])}
    if categories:
        return "laboratory" in categories
    code = resource.get("code")
    return _code_in(code, codes.LOINC) is not None or codes.analyte_for_text(_text(code)) is not None


# --- Writing ------------------------------------------------------------------------------------------------


def _mrn_candidates(program: Program, source_key: str, identifier: str | None) -> list[str]:
    digest = hashlib.sha256(f"{program.pk}|{source_key}".encode()).hexdigest()[:12].upper()
    found = [identifier] if identifier and len(identifier) <= MRN_MAX else []
    return [*found, f"FHIR-{digest}"]


def _earlier_import(program: Program, source_key: str) -> Patient | None:
    """The chart an earlier FHIR import into this program created from the same source, if any."""
    runs = ImportRun.objects.filter(program=program, kind=ImportRun.Kind.FHIR, counts__source_key=source_key)
    for patient_id in runs.order_by("started_at").values_list("counts__patient_id", flat=True):
        patient = Patient.objects.filter(program=program, pk=patient_id).first() if patient_id else None
        if patient is not None:
            return patient
    return None


def _same_person(program: Program, fields: Json, identifier: str | None) -> Patient | None:
    """A chart in the program that looks like this bundle's person: the same MRN and name, or the same name and
    date of birth."""
    name = {"family_name__iexact": fields["family_name"], "given_name__iexact": fields["given_name"]}
    people = Patient.objects.filter(program=program, **name)
    if identifier:
        held = people.filter(mrn=identifier).first()
        if held is not None:
            return held
    if fields.get("date_of_birth") is not None:
        return people.filter(date_of_birth=fields["date_of_birth"]).order_by("pk").first()
    return None


def _reusable(actor: User, patient: Patient) -> Patient:
    """The earlier import's chart, if `actor` may write it (checked and audited by chart.access); else refused."""
    try:
        return patient_for(actor, patient.pk, Need.WRITE, action="fhir_import", object_type="chart")
    except (PermissionDenied, Http404):
        raise BundleRejected(
            [
                f"This bundle's person was imported before into the chart with MRN {patient.mrn}, and you may not "
                "add to that chart (it is not on your care team, or your role cannot change charts). Nothing was "
                "imported; ask someone on the person's care team to import it."
            ]
        ) from None


def _find_or_create_patient(
    actor: User, program: Program, fields: Json, source_key: str, identifier: str | None, mrns: list[str]
) -> tuple[Patient, bool]:
    """The chart an earlier FHIR import made from this source (if the actor may write it), or a new one under the
    first free MRN. A person matching a chart made any other way is refused."""
    earlier = _earlier_import(program, source_key)
    if earlier is not None:
        return _reusable(actor, earlier), False
    match = _same_person(program, fields, identifier)
    if match is not None:
        raise BundleRejected(
            [
                f"A chart with this MRN or identity (MRN {match.mrn}: same name"
                f"{' and date of birth' if match.date_of_birth == fields.get('date_of_birth') else ''}) already "
                "exists in the program; it was not made by a FHIR import from this source, so Waymark does not merge "
                "the bundle into it. Add the results there by hand, or, if this is a different person, correct the "
                "bundle's identifier, name or birth date. Nothing was imported."
            ]
        )
    held = set(Patient.objects.filter(program=program, mrn__in=mrns).values_list("mrn", flat=True))
    for mrn in mrns:
        if mrn not in held:
            return chart_services.create_patient(actor, program, mrn=mrn, **fields), True
    raise BundleRejected([f"Every MRN this bundle could use ({', '.join(mrns)}) belongs to someone else."])


def _add_episodes(actor: User, patient: Patient, diagnoses: list[_Diagnosis]) -> int:
    have = set(patient.episodes.values_list("admitted_on", flat=True))
    added = 0
    for d in sorted(diagnoses, key=lambda d: d.admitted_on):
        if d.admitted_on in have:
            continue
        try:
            chart_services.open_episode(
                actor,
                patient,
                admitted_on=d.admitted_on,
                discharged_on=d.discharged_on,
                level_of_care=d.level_of_care,
                primary_substance=d.substance,
                severity=d.severity,
                diagnosis=d.diagnosis,
            )
        except ValidationError as exc:
            raise BundleRejected([f"entry[{d.entry}] Condition: {' '.join(exc.messages)}"]) from None
        have.add(d.admitted_on)
        added += 1
    return added


def _specimen_key(patient: Patient, sample: _Sample) -> str:
    """An idempotency key from the content (chart, collection time, kind), not from the bundle's references."""
    content = f"{patient.pk}|{sample.collected_at.astimezone(dt.UTC).isoformat()}|{sample.kind}"
    return f"fhir:{patient.program_id}:" + hashlib.sha256(content.encode()).hexdigest()[:48]


def _add_tests(actor: User, patient: Patient, samples: list[_Sample], note: str) -> tuple[int, int, int]:
    """Specimens and results not yet in the chart; returns (specimens added, results added, results already there).
    A specimen is already there when the chart has a collected one of the same kind at the same moment, however
    it got there; a result when that specimen has one for the same analyte and method."""
    existing: dict[tuple[dt.datetime, str], Specimen] = {}
    if samples:
        for specimen in Specimen.objects.filter(
            patient=patient,
            status=Specimen.Status.COLLECTED,
            collected_at__in=sorted({s.collected_at for s in samples}),
        ).order_by("pk"):
            existing.setdefault((specimen.collected_at, specimen.kind), specimen)
    have = {
        (r.specimen_id, r.analyte, r.method)
        for r in AnalyteResult.objects.filter(specimen__in=list(existing.values())).only(
            "specimen_id", "analyte", "method"
        )
    }
    new_specimens = [
        Specimen(
            patient=patient,
            site=patient.site,
            collected_at=s.collected_at,
            clinic_day=patient.program.clinic_day(s.collected_at),
            collected_by=actor,
            kind=s.kind,
            notes=note,
            idempotency_key=_specimen_key(patient, s),
        )
        for s in samples
        if s.key not in existing
    ]
    for specimen in Specimen.objects.bulk_create(new_specimens):
        existing[(specimen.collected_at, specimen.kind)] = specimen
    rows = []
    already = 0
    for sample in samples:
        specimen = existing[sample.key]
        for r in sample.results:
            if (specimen.pk, r.analyte.value, r.method) in have:
                already += 1
                continue
            rows.append(
                AnalyteResult(
                    specimen=specimen,
                    analyte=r.analyte.value,
                    result=r.result,
                    method=r.method,
                    resulted_at=r.resulted_at,
                    recorded_by=actor,
                )
            )
    AnalyteResult.objects.bulk_create(rows)
    return len(new_specimens), len(rows), already


def import_bundle(actor: User, program: Program, data: Json, *, source_name: str = "bundle.json") -> ImportResult:
    """Check, then import, all in one transaction; BundleRejected (nothing saved) on any problem."""
    if not actor.can(Cap.PATIENT_CREATE) or actor.program_id != program.pk:
        raise PermissionDenied("You cannot add patients to this program.")
    started = timezone.now()
    reader, resource, pn, diagnoses, samples = read_bundle(program, data)
    fields = _patient_fields(reader, pn, resource)
    source_key, identifier = _source_key(resource)
    if not source_key:
        reader.problem(pn, "Patient.identifier", "the Patient has neither an identifier nor an id to recognise it by.")
    if reader.problems:
        raise BundleRejected(reader.problems)
    mrns = _mrn_candidates(program, source_key, identifier)
    source = source_name.replace("\\", "/").rsplit("/", 1)[-1][:300] or "bundle.json"
    try:
        return _write(
            actor, program, reader, fields, (source_key, identifier, mrns), diagnoses, samples, source, started
        )
    except BundleRejected:
        raise
    except ValidationError as exc:
        raise BundleRejected([f"entry[{pn}] Patient: {message}" for message in exc.messages]) from None


def _write(
    actor: User,
    program: Program,
    reader: _Reader,
    fields: Json,
    identity: tuple[str, str | None, list[str]],  # source key, identifier value, MRN candidates
    diagnoses: list[_Diagnosis],
    samples: list[_Sample],
    source: str,
    started: dt.datetime,
) -> ImportResult:
    note = f"Imported from a FHIR bundle ({source}) by {actor.get_username()} on {started:%Y-%m-%d}."
    with transaction.atomic():
        source_key, identifier, mrns = identity
        patient, created = _find_or_create_patient(actor, program, fields, source_key, identifier, mrns)
        episodes = _add_episodes(actor, patient, diagnoses)
        specimens, results, already = _add_tests(actor, patient, samples, note)
        total_results = sum(len(s.results) for s in samples)
        run = ImportRun.objects.create(
            program=program,
            kind=ImportRun.Kind.FHIR,
            source_name=source,
            started_by=actor,
            started_at=started,
            finished_at=timezone.now(),
            counts={
                # Which chart this source's imports go to: the only way a later import reuses a chart.
                "patient_id": patient.pk,
                "source_key": source_key,
                "patients": {"read": 1, "added": int(created), "already_there": int(not created), "rejected": 0},
                "episodes": {"read": len(diagnoses), "added": episodes, "already_there": len(diagnoses) - episodes},
                "specimens": {"read": len(samples), "added": specimens, "already_there": len(samples) - specimens},
                "results": {"read": total_results, "added": results, "already_there": already},
            },
            warnings=reader.warnings,
        )
        audit.record(
            actor,
            "fhir_import",
            patient_id=patient.pk,
            program_id=program.pk,
            object_type="importrun",
            object_id=run.pk,
            reason=f"{'new chart' if created else 'imported before'}; {specimens} specimens, {results} results added",
        )
    return ImportResult(patient, run, created, reader.warnings)


def do_import_fhir_bundle(actor: User, program: Program, data: Json, *, source_name: str = "bundle.json") -> Patient:
    return import_bundle(actor, program, data, source_name=source_name).patient


def import_account(program: Program) -> User:
    """The account command-line FHIR imports act as: active, since do_import_fhir_bundle checks its capabilities."""
    return accounts.import_account(program, "fhir", active=True)
