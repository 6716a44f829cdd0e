"""The codes Waymark writes into FHIR resources and reads back from them. Pure module: no Django.

Only codes REFERENCE.md gives are used as standard codes; everything else is either plain text or a code in one of
Waymark's own code systems under the deployment's base URI (setting WAYMARK_FHIR_BASE), never an invented code in
someone else's system.

- SNOMED CT and ICD-10-CM for opioid use disorder: REFERENCE.md §3 ("SNOMED CT: 75544000 opioid dependence;
  231477003 heroin dependence; 426001001 fentanyl dependence; 87132004 opioid withdrawal; 191821007 in
  remission"; "ICD-10-CM: F11.10 mild; F11.20 moderate/severe; F11.11 / F11.21 in remission [unverified
  mapping]").
- LOINC for drug tests: REFERENCE.md §11, held in waymark.labs.analytes (only where a code is given).
- Instruments (COWS, SOWS, PHQ-9, GAD-7, DSM-5 checklist): REFERENCE.md names no code system and §11 says no LOINC
  for the COWS total was confirmed, so totals carry Waymark's instrument code system, never a LOINC.
"""

import uuid
from dataclasses import dataclass

from waymark.labs.analytes import ANALYTES, Analyte

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# FHIR's own code systems (terminology.hl7.org), for elements whose codes the FHIR specification itself defines.
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
# [unverified] choice: the HL7 v3 ActCode confidentiality label for Part 2 records (REFERENCE.md gives none).
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PART2_SECURITY_CODE = "42CFRPart2"

# REFERENCE.md §3, SNOMED CT.
SNOMED_OPIOID_DEPENDENCE = "75544000"
SNOMED_HEROIN_DEPENDENCE = "231477003"
SNOMED_FENTANYL_DEPENDENCE = "426001001"
SNOMED_OPIOID_WITHDRAWAL = "87132004"
SNOMED_IN_REMISSION = "191821007"
SNOMED_LABELS = {
    SNOMED_OPIOID_DEPENDENCE: "Opioid dependence",
    SNOMED_HEROIN_DEPENDENCE: "Heroin dependence",
    SNOMED_FENTANYL_DEPENDENCE: "Fentanyl dependence",
}
# Episode.primary_substance → the most specific SNOMED code §3 gives; the rest (prescription opioids, methadone,
# other, not recorded) are "opioid dependence".
SUBSTANCE_SNOMED = {"heroin": SNOMED_HEROIN_DEPENDENCE, "fentanyl": SNOMED_FENTANYL_DEPENDENCE}
SNOMED_SUBSTANCE = {code: substance for substance, code in SUBSTANCE_SNOMED.items()}

# REFERENCE.md §3, ICD-10-CM [unverified mapping]. Waymark records no remission on an episode, so F11.11 / F11.21
# are never written.
SEVERITY_ICD10 = {"mild": "F11.10", "moderate": "F11.20", "severe": "F11.20"}
OUD_ICD10_PREFIX = "F11."


@dataclass(frozen=True)
class CodeSystems:
    """Waymark's own code systems under one base URI (WAYMARK_FHIR_BASE)."""

    base: str

    def system(self, name: str) -> str:
        return f"{self.base.rstrip('/')}/CodeSystem/{name}"

    @property
    def instrument(self) -> str:
        return self.system("instrument")

    @property
    def medication(self) -> str:
        return self.system("medication")

    @property
    def severity(self) -> str:
        return self.system("oud-severity")

    @property
    def level_of_care(self) -> str:
        return self.system("level-of-care")

    @property
    def drug_test_result(self) -> str:
        return self.system("drug-test-result")

    @property
    def drug_test_method(self) -> str:
        return self.system("drug-test-method")

    @property
    def specimen_kind(self) -> str:
        return self.system("specimen-kind")

    @property
    def consent_kind(self) -> str:
        return self.system("consent-kind")

    @property
    def dose_outcome(self) -> str:
        return self.system("dose-outcome")

    def questionnaire(self, instrument: str) -> str:
        return f"{self.base.rstrip('/')}/Questionnaire/{instrument}"

    def mrn(self, program_id: int) -> str:
        return f"{self.base.rstrip('/')}/program/{program_id}/mrn"


def resource_id(base: str, program_id: int, kind: str, key: object) -> str:
    """A deterministic id (uuid5) for one record: the same record exports with the same id every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base.rstrip('/')}/program/{program_id}/{kind}/{key}"))


# LOINC (REFERENCE.md §11, via labs.analytes) ↔ Waymark analytes.
ANALYTE_LOINC: dict[Analyte, str] = {code: a.loinc for code, a in ANALYTES.items() if a.loinc}
LOINC_ANALYTE: dict[str, Analyte] = {loinc: code for code, loinc in ANALYTE_LOINC.items()}


def analyte_for_text(text: str) -> Analyte | None:
    """A Waymark analyte named by its code or label ("cocaine", "Cannabis (THC)"), for results sent as text."""
    wanted = " ".join(text.casefold().split())
    for code, info in ANALYTES.items():
        if wanted in (code.value, info.label.casefold()):
            return code
    return None


# Patient.gender (FHIR administrative gender) from Waymark's sex at birth, and back.
SEX_TO_GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
GENDER_TO_SEX = {"female": "female", "male": "male", "unknown": "unknown"}
