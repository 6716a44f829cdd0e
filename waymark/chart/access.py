"""The one way to reach a patient's record.

Views and API handlers never build patient querysets themselves: they call
`patient_for` (one chart, checked and audited) or `searchable_patients` (the
list a staff member may search). Deny by default.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from waymark.care.models import GroupMembership
from waymark.chart.models import BreakGlassAccess, CareTeamMember, Patient
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap, ChartScope, Role


class Need(StrEnum):
    READ = "read"
    WRITE = "write"
    CONSENT = "consent"
    DISCLOSE = "disclose"
    CARE_TEAM = "care_team"
    INVITE = "invite"
    DISPENSE = "dispense"
    PRESCRIBE = "prescribe"
    SPECIMEN = "specimen"
    INCENTIVES = "incentives"
    CM_MANAGE = "cm_manage"
    ASSESS = "assess"
    PLACEMENT = "placement"
    DETOX = "detox"
    CARE_PLAN = "care_plan"
    SESSIONS = "sessions"
    AUDIT = "audit"


NEED_CAP = {
    Need.READ: Cap.CHART_READ,
    Need.WRITE: Cap.CHART_WRITE,
    Need.CONSENT: Cap.CONSENT_WRITE,
    Need.DISCLOSE: Cap.DISCLOSURE_WRITE,
    Need.CARE_TEAM: Cap.CARE_TEAM_WRITE,
    Need.INVITE: Cap.PATIENT_INVITE,
    Need.DISPENSE: Cap.DISPENSE,
    Need.PRESCRIBE: Cap.PRESCRIBE,
    Need.SPECIMEN: Cap.SPECIMEN_WRITE,
    Need.INCENTIVES: Cap.CM_AWARD,
    Need.CM_MANAGE: Cap.CM_MANAGE,
    Need.ASSESS: Cap.ASSESS_WRITE,
    Need.PLACEMENT: Cap.PLACEMENT,
    Need.DETOX: Cap.DETOX,
    Need.CARE_PLAN: Cap.CARE_PLAN,
    Need.SESSIONS: Cap.SESSIONS,
    Need.AUDIT: Cap.AUDIT_REVIEW,
}

# Needs that belong to an oversight duty rather than to caring for the
# patient: they reach every patient of the program without a care-team link.
PROGRAM_WIDE_NEEDS = {Need.DISCLOSE, Need.AUDIT, Need.CARE_TEAM}


class BreakGlassRequired(PermissionDenied):
    """The user may break the glass for this chart but has not given a reason yet."""

    def __init__(self, patient: Patient) -> None:
        super().__init__("This patient is not on your care team.")
        self.patient = patient


def searchable_patients(user: User) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.can(Cap.PATIENT_SEARCH) or user.program_id is None:
        return Patient.objects.none()
    return Patient.objects.filter(program_id=user.program_pk)


def chart_patients(user: User) -> QuerySet[Patient]:
    """The patients whose charts `user` opens without breaking the glass, for lists that show
    clinical content across patients (the detox board): the program for program-scoped roles,
    the current care team for care-team roles, nobody else."""
    if not user.is_authenticated or user.program_id is None or not user.can(Cap.CHART_READ):
        return Patient.objects.none()
    patients = Patient.objects.filter(program_id=user.program_pk)
    if user.chart_scope == ChartScope.PROGRAM:
        return patients
    if user.chart_scope == ChartScope.CARE_TEAM:
        return patients.filter(care_team__user=user, care_team__ended_on__isnull=True)
    return Patient.objects.none()


def on_care_team(user: User, patient_id: int) -> bool:
    """A current care-team member, or the facilitator of an active counselling group the person is in
    (taking that group's attendance and writing its notes is caring for them)."""
    if CareTeamMember.objects.filter(user=user, patient_id=patient_id, ended_on__isnull=True).exists():
        return True
    return GroupMembership.objects.filter(
        patient_id=patient_id, left_on__isnull=True, group__facilitator=user, group__active=True
    ).exists()


def active_break_glass(user: User, patient_id: int) -> BreakGlassAccess | None:
    return (
        BreakGlassAccess.objects.filter(user=user, patient_id=patient_id, expires_at__gt=timezone.now())
        .order_by("-granted_at")
        .first()
    )


def disclosures_need(user: User) -> Need:
    """The privacy officer keeps the accounting of disclosures without chart access."""
    return Need.AUDIT if user.can(Cap.AUDIT_REVIEW) else Need.READ


def patient_for(
    user: User,
    patient_id: int,
    need: Need = Need.READ,
    *,
    action: str = "",
    object_type: str = "chart",
    object_id: object = "",
) -> Patient:
    """Return the patient if `user` may do `need` to them; audit the access.

    Raises PermissionDenied (or BreakGlassRequired) when not allowed, Http404
    when the patient is not in the user's program, so a chart's existence in
    another program is never revealed.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in first.")

    break_glass: BreakGlassAccess | None = None
    if user.role == Role.PATIENT:
        # A patient reads their own record; changes go through their care team.
        if need != Need.READ or not user.can(Cap.OWN_RECORD):
            raise PermissionDenied("Patients can read their own record only.")
        patient = Patient.objects.select_related("program").filter(pk=patient_id, user=user).first()
        if patient is None:
            raise Http404("No such patient.")
    else:
        if not user.can(NEED_CAP[need]):
            raise PermissionDenied(f"Your role ({user.role_label}) cannot do this.")
        patient = Patient.objects.select_related("program").filter(pk=patient_id, program_id=user.program_pk).first()
        if patient is None:
            raise Http404("No such patient.")
        if need not in PROGRAM_WIDE_NEEDS and user.chart_scope == ChartScope.CARE_TEAM:
            if not on_care_team(user, patient.pk):
                break_glass = active_break_glass(user, patient.pk)
                if break_glass is None:
                    if user.can(Cap.BREAK_GLASS):
                        raise BreakGlassRequired(patient)
                    raise PermissionDenied("This patient is not on your care team.")
        elif need not in PROGRAM_WIDE_NEEDS and user.chart_scope != ChartScope.PROGRAM:
            raise PermissionDenied(f"Your role ({user.role_label}) cannot open charts.")

    audit.record(
        user,
        action or need.value,
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type=object_type,
        object_id=object_id or patient.pk,
        reason=break_glass.reason if break_glass else "",
        break_glass=break_glass is not None,
    )
    patient.opened_by_break_glass = break_glass is not None
    return patient
