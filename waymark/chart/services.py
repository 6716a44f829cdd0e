"""Writes to the chart: one function per use case, atomic and audited.

Callers pass a patient already obtained through `access.patient_for` with the
right Need; these functions do the write and its audit entry together.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.chart.models import (
    BreakGlassAccess,
    CareTeamMember,
    Consent,
    Disclosure,
    Episode,
    LevelOfCareChange,
    Patient,
)
from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap, ChartScope


def _audit(actor: User | None, action: str, patient: Patient, obj: Any, reason: str = "") -> None:
    audit.record_patient_object(actor, action, patient, obj, reason)


def _changed(instance: Any, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def create_patient(actor: User, program: Program, **fields: Any) -> Patient:
    if not actor.can(Cap.PATIENT_CREATE) or actor.program_id != program.pk:
        raise ValidationError("You cannot add patients to this program.")
    if Patient.objects.filter(program=program, mrn=fields["mrn"]).exists():
        raise ValidationError({"mrn": f"Medical record number {fields['mrn']} is already in use."})
    patient = Patient(program=program, **fields)
    patient.full_clean()
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        raise ValidationError({"mrn": f"Medical record number {fields['mrn']} is already in use."}) from None
    _audit(actor, "create", patient, patient)
    if actor.chart_scope == ChartScope.CARE_TEAM:
        # Whoever admits the patient joins the care team, so the chart stays reachable.
        add_to_care_team(actor, patient, actor)
    return patient


@transaction.atomic
def update_patient(actor: User, patient: Patient, **fields: Any) -> list[str]:
    changed = _changed(patient, fields)
    if not changed:
        return []
    if (
        "mrn" in changed
        and Patient.objects.filter(program_id=patient.program_id, mrn=patient.mrn).exclude(pk=patient.pk).exists()
    ):
        raise ValidationError({"mrn": f"Medical record number {patient.mrn} is already in use."})
    patient.full_clean()
    patient.save()
    # Field names only: the audit log never holds the values themselves.
    _audit(actor, "update", patient, patient, reason="changed: " + ", ".join(sorted(changed)))
    return changed


@transaction.atomic
def set_patient_photo(actor: User, patient: Patient, data: bytes, content_type: str) -> None:
    patient.photo = data
    patient.photo_content_type = content_type
    patient.save(update_fields=["photo", "photo_content_type", "updated_at"])
    _audit(actor, "update", patient, patient, reason="changed: photo")


def _check_episode_dates(
    admitted_on: dt.date, discharged_on: dt.date | None, today: dt.date, born: dt.date | None = None
) -> None:
    errors = {}
    if admitted_on > today:
        errors["admitted_on"] = f"Admission date {admitted_on:%Y-%m-%d} is in the future."
    elif born is not None and admitted_on < born:
        errors["admitted_on"] = f"Admission date {admitted_on:%Y-%m-%d} is before the date of birth {born:%Y-%m-%d}."
    if discharged_on is not None:
        if discharged_on > today:
            errors["discharged_on"] = f"Discharge date {discharged_on:%Y-%m-%d} is in the future."
        elif discharged_on < admitted_on:
            errors["discharged_on"] = "Discharge date is before the admission date."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def open_episode(actor: User, patient: Patient, **fields: Any) -> Episode:
    today = patient.program.clinic_day()
    _check_episode_dates(fields["admitted_on"], None, today, patient.date_of_birth)
    if patient.episodes.filter(discharged_on__isnull=True).exists():
        raise ValidationError("This patient already has an open episode; discharge it first.")
    episode = Episode(patient=patient, **fields)
    episode.full_clean()
    episode.save()
    LevelOfCareChange.objects.create(
        episode=episode,
        level_of_care=episode.level_of_care,
        started_on=episode.admitted_on,
        reason="Admission",
        recorded_by=actor,
    )
    _audit(actor, "create", patient, episode)
    return episode


@transaction.atomic
def update_episode(
    actor: User,
    episode: Episode,
    *,
    level_change_reason: str = "",
    level_changed_on: dt.date | None = None,
    **fields: Any,
) -> list[str]:
    patient = episode.patient
    today = patient.program.clinic_day()
    new_admitted = fields.get("admitted_on", episode.admitted_on)
    new_discharged = fields.get("discharged_on", episode.discharged_on)
    _check_episode_dates(new_admitted, new_discharged, today, patient.date_of_birth)
    if new_discharged is not None and not fields.get("discharge_reason", episode.discharge_reason):
        raise ValidationError({"discharge_reason": "Give a discharge reason with the discharge date."})
    if (
        new_discharged is None
        and episode.discharged_on is not None
        and patient.episodes.filter(discharged_on__isnull=True).exclude(pk=episode.pk).exists()
    ):
        raise ValidationError({"discharged_on": "Another episode is open; discharge it before reopening this one."})
    old_level = episode.level_of_care
    changed = _changed(episode, fields)
    if not changed:
        return []
    episode.full_clean()
    episode.save()
    if episode.level_of_care != old_level:
        started = level_changed_on or today
        if started > today or started < episode.admitted_on:
            raise ValidationError(
                {
                    "level_changed_on": "The level-of-care change date must fall within the episode "
                    "and not in the future."
                }
            )
        LevelOfCareChange.objects.create(
            episode=episode,
            level_of_care=episode.level_of_care,
            started_on=started,
            reason=level_change_reason,
            recorded_by=actor,
        )
    _audit(actor, "update", patient, episode, reason="changed: " + ", ".join(sorted(changed)))
    return changed


@transaction.atomic
def add_to_care_team(actor: User, patient: Patient, member: User) -> CareTeamMember:
    if member.program_id != patient.program_id or not member.is_staff_member:
        raise ValidationError("Only staff of this patient's program can join the care team.")
    if member.role not in {c[0] for c in CareTeamMember._meta.get_field("role").choices or []}:
        raise ValidationError(f"A {member.role_label} is not part of a care team.")
    existing = CareTeamMember.objects.filter(patient=patient, user=member, ended_on__isnull=True).first()
    if existing:
        return existing
    link = CareTeamMember.objects.create(
        patient=patient, user=member, role=member.role, since=patient.program.clinic_day()
    )
    _audit(actor, "create", patient, link)
    return link


@transaction.atomic
def end_care_team_membership(actor: User, patient: Patient, link: CareTeamMember) -> None:
    if link.patient_id != patient.pk or link.ended_on is not None:
        raise ValidationError("That care-team membership is not active.")
    link.ended_on = patient.program.clinic_day()
    link.save(update_fields=["ended_on"])
    _audit(actor, "update", patient, link, reason="ended")


def _check_consent(consent: Consent, today: dt.date) -> None:
    errors: dict[str, str] = {}
    if consent.signed_on > today:
        errors["signed_on"] = f"Date signed {consent.signed_on:%Y-%m-%d} is in the future."
    if consent.expiry_kind == Consent.Expiry.DATE:
        if consent.expires_on is None:
            errors["expires_on"] = "Give the expiry date, or choose another kind of expiry."
        elif consent.expires_on < consent.signed_on:
            errors["expires_on"] = "The expiry date is before the date signed."
    elif consent.expires_on is not None:
        errors["expires_on"] = "An expiry date goes only with the 'On a date' expiry."
    if consent.expiry_kind == Consent.Expiry.NONE and consent.kind != Consent.Kind.TPO:
        errors["expiry_kind"] = "Only a consent for treatment, payment and health-care operations may have no expiry."
    if not consent.right_to_revoke_explained:
        errors["right_to_revoke_explained"] = (
            "42 CFR 2.31 requires the consent to state the right to revoke in writing; confirm the patient was told."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_consent(actor: User, patient: Patient, **fields: Any) -> Consent:
    consent = Consent(patient=patient, recorded_by=actor, **fields)
    _check_consent(consent, patient.program.clinic_day())
    consent.full_clean()
    consent.save()
    _audit(actor, "create", patient, consent)
    return consent


@transaction.atomic
def revoke_consent(actor: User, patient: Patient, consent: Consent, *, revoked_on: dt.date, note: str) -> Consent:
    if consent.patient_id != patient.pk:
        raise ValidationError("That consent belongs to another patient.")
    if consent.revoked_on is not None:
        raise ValidationError(f"This consent was already revoked on {consent.revoked_on:%Y-%m-%d}.")
    today = patient.program.clinic_day()
    if revoked_on > today:
        raise ValidationError({"revoked_on": f"Revocation date {revoked_on:%Y-%m-%d} is in the future."})
    if revoked_on < consent.signed_on:
        raise ValidationError({"revoked_on": "Revocation date is before the consent was signed."})
    if not note.strip():
        raise ValidationError({"note": "Say how the patient revoked (e.g. 'signed revocation form')."})
    consent.revoked_on = revoked_on
    consent.revocation_note = note.strip()
    consent.revoked_by = actor
    consent.save(update_fields=["revoked_on", "revocation_note", "revoked_by"])
    _audit(actor, "revoke", patient, consent, reason=consent.revocation_note)
    return consent


@transaction.atomic
def record_disclosure(actor: User, patient: Patient, *, consent: Consent | None, **fields: Any) -> Disclosure:
    today = patient.program.clinic_day()
    disclosed_on: dt.date = fields["disclosed_on"]
    if disclosed_on > today:
        raise ValidationError({"disclosed_on": f"Disclosure date {disclosed_on:%Y-%m-%d} is in the future."})
    if consent is not None:
        if consent.patient_id != patient.pk:
            raise ValidationError({"consent": "That consent belongs to another patient."})
        status = consent.status_on(disclosed_on, in_treatment=patient.in_treatment_on(disclosed_on))
        if status != "active":
            raise ValidationError(
                {
                    "consent": f"The consent was {status} on {disclosed_on:%Y-%m-%d}; "
                    "a disclosure needs a consent in force (or record the legal basis without one)."
                }
            )
    disclosure = Disclosure(patient=patient, consent=consent, recorded_by=actor, **fields)
    disclosure.full_clean()
    disclosure.save()
    _audit(actor, "create", patient, disclosure)
    return disclosure


@transaction.atomic
def break_glass(actor: User, patient: Patient, reason: str) -> BreakGlassAccess:
    """Grant emergency access. `patient` must be in the actor's program (checked here)."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why you need this chart (at least 10 characters)."})
    if not actor.can(Cap.BREAK_GLASS) or patient.program_id != actor.program_id:
        raise ValidationError("You cannot use emergency access for this patient.")
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        user=actor,
        patient=patient,
        reason=reason,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=settings.WAYMARK_BREAK_GLASS_HOURS),  # chart.break_glass.window
    )
    audit.record(
        actor,
        "break_glass",
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type="chart",
        object_id=patient.pk,
        reason=reason,
        break_glass=True,
    )
    return access


@transaction.atomic
def review_break_glass(actor: User, access: BreakGlassAccess, note: str) -> None:
    if not actor.can(Cap.AUDIT_REVIEW) or access.patient.program_id != actor.program_id:
        raise ValidationError("Only this program's privacy officer reviews emergency access.")
    access.reviewed_at = timezone.now()
    access.reviewed_by = actor
    access.review_note = note.strip()[:300]
    access.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    audit.record(
        actor,
        "review",
        patient_id=access.patient_id,
        program_id=actor.program_id,
        object_type="breakglassaccess",
        object_id=access.pk,
        reason=access.review_note,
    )
