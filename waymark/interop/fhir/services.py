"""The FHIR exports as use cases: to a recipient under consent (a disclosure), to the person themselves (right of
access), and a program's own bulk copy. Each audited; the disclosure atomic with its accounting entry.

Callers pass a patient they got from `chart.access.patient_for` (or, for the bulk copy, a program); these
functions check the actor's role again.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from waymark.chart import services as chart_services
from waymark.chart.models import Consent, Disclosure, Patient
from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap, Role
from waymark.core.services import require
from waymark.interop.fhir import consent_rules, export


class ExportRefused(Exception):
    """The export may not go to that recipient: `reasons` says exactly why. Nothing was saved or disclosed."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass
class Download:
    content: str  # the Bundle, application/fhir+json
    filename: str
    exported: export.ExportedBundle
    disclosure: Disclosure | None = None


def _filename(patient: Patient, today: dt.date) -> str:
    # The MRN, not the name: file names end up in download folders and mail logs.
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in patient.mrn)
    return f"waymark-record-{safe}-{today:%Y%m%d}.fhir.json"


def check_consent(patient: Patient, consent: Consent | None, recipient: str, purpose: str) -> consent_rules.Decision:
    """Rule interop.fhir.disclosure_consent_match (consent_rules.py) for this patient today."""
    if consent is None:
        return consent_rules.Decision(False, ("Choose the consent the disclosure relies on: none was given.",))
    if consent.patient_id != patient.pk:
        return consent_rules.Decision(False, ("That consent belongs to another person.",))
    today = patient.program.clinic_day()
    facts = consent_rules.ConsentFacts(
        kind=consent.kind,
        recipients=consent.recipients,
        purpose=consent.purpose,
        status=consent.status_on(today, in_treatment=patient.in_treatment_on(today)),
    )
    return consent_rules.covers(facts, recipient, purpose)


def _description_reasons(consent: Consent | None, confirmed: bool) -> tuple[str, ...]:
    """42 CFR §2.31 (REFERENCE.md §10): a consent states how much and what kind of information may go. Waymark cannot
    read that free text, so the person disclosing confirms the record fits it."""
    if confirmed or consent is None:
        return ()
    return (
        "Confirm that what will be sent is covered by this consent's description of the information "
        f"({consent.information_description.strip()!r}); if it is not, do not send the FHIR record under it.",
    )


def export_for_recipient(
    actor: User,
    patient: Patient,
    *,
    consent: Consent | None,
    recipient: str,
    purpose: str,
    information_confirmed: bool,
) -> Download:
    """The record as a Bundle for `recipient`, if `consent` covers them and the purpose and the actor confirmed that
    the record is covered by the consent's description of the information (else ExportRefused, with only the
    refusal audited). On success the disclosure is recorded (notice included) in the same transaction. The bundle
    carries only the Consent relied on, not the person's other consents."""
    require(actor, Cap.DISCLOSURE_WRITE, "disclose records")
    require(actor, Cap.CHART_READ, "read the record it would disclose")
    decision = check_consent(patient, consent, recipient, purpose)
    reasons = decision.reasons + _description_reasons(consent, information_confirmed)
    if reasons:
        audit.record(
            actor,
            "fhir_export_refused",
            patient_id=patient.pk,
            program_id=patient.program_id,
            object_type="consent",
            object_id=consent.pk if consent is not None else "",
            reason=f"{consent_rules.RULE_ID}: " + " ".join(reasons),
        )
        raise ExportRefused(reasons)
    assert consent is not None  # check_consent refuses a missing consent
    today = patient.program.clinic_day()
    with transaction.atomic():
        chart = export.load_chart(patient)
        # The recipient learns of the consent they are sent under, not of the person's other consents.
        chart.consents = [c for c in chart.consents if c.pk == consent.pk]
        exported = export.patient_bundle(chart, notice=True)
        disclosure = chart_services.record_disclosure(
            actor,
            patient,
            consent=consent,
            disclosed_on=today,
            recipient=recipient.strip()[:200],
            description=exported.description(),
            purpose=purpose.strip(),
            notice_included=True,
        )
        audit.record(
            actor,
            "fhir_export",
            patient_id=patient.pk,
            program_id=patient.program_id,
            object_type="disclosure",
            object_id=disclosure.pk,
        )
    return Download(exported.json(), _filename(patient, today), exported, disclosure)


def export_own_record(actor: User, patient: Patient) -> Download:
    """The person's own record (right of access): no consent needed, not a disclosure, audited."""
    if actor.role != Role.PATIENT or patient.user_id != actor.pk:
        raise PermissionDenied("Only the person themselves downloads their own record here.")
    exported = export.patient_bundle(export.load_chart(patient), notice=False)
    audit.record(
        actor,
        "fhir_export_own",
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type="own_record",
        object_id=patient.pk,
    )
    today = patient.program.clinic_day()
    return Download(exported.json(), _filename(patient, today), exported)


def export_program(actor: User | None, program: Program, outdir: Path, *, batch_size: int = 200) -> dict[str, int]:
    """The program's own bulk copy as NDJSON files (not a disclosure: the records stay with the program that holds
    them). One audit entry per run, with the counts."""
    started = timezone.now()
    counts = export.write_ndjson(program, outdir, batch_size=batch_size)
    took = (timezone.now() - started).total_seconds()
    audit.record(
        actor,
        "fhir_bulk_export",
        program_id=program.pk,
        object_type="program",
        object_id=program.pk,
        reason=f"{counts.get('Patient', 0)} patients, {sum(counts.values())} resources in {took:.1f} s",
    )
    return counts
