"""Programs and sites (tenancy), users and roles, audit log, tokens, invitations."""

import zoneinfo
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from waymark.core.roles import ROLE_LABELS, Cap, ChartScope, Role, can, chart_scope


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Program(models.Model):
    """A treatment organisation. Its patients, staff and settings are its own."""

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    # Per-program clinical-rule settings, keyed by rule id (docs/clinical-rules.md).
    rule_settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clinic_day(self, at: Any = None) -> Any:
        """The date in the program's zone: a clinic day."""
        return (at or timezone.now()).astimezone(self.zone).date()


class Site(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="site_name_unique_per_program")]

    def __str__(self) -> str:
        return self.name


ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]


class User(AbstractUser):
    """An account. Staff belong to one program; a patient to a program or none (self-guided)."""

    role = models.CharField(max_length=32, choices=ROLE_CHOICES, default=Role.PATIENT.value)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    # Bumped when the account is disabled: every session signed in before then is void,
    # even if the account is enabled again.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="patient") | models.Q(program__isnull=False),
                name="staff_belong_to_a_program",
            )
        ]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "waymark.core.models.User.session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_staff_member(self) -> bool:
        return self.role != Role.PATIENT

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @property
    def staff_program(self) -> Program:
        """The program of a staff member (every staff account has one)."""
        if self.program is None:
            raise PermissionDenied("This account does not belong to a program.")
        return self.program

    @property
    def program_pk(self) -> int:
        if self.program_id is None:
            raise PermissionDenied("This account does not belong to a program.")
        return self.program_id

    def can(self, cap: Cap) -> bool:
        return self.is_active and can(self.role, cap)

    @property
    def chart_scope(self) -> ChartScope:
        return chart_scope(self.role)


class AuditChainHead(models.Model):
    """One row: the last entry's sequence number and hash. Locked to append."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every chart read and patient-data write.

    Rows are never updated or deleted (a database trigger refuses it); the
    hash covers every field plus the previous entry's hash, so an edited row
    breaks the chain at that row (`waymark audit verify`).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # A plain id, not a foreign key: audit rows outlive and never cascade from charts.
    patient_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=32)
    reason = models.TextField(blank=True)
    break_glass = models.BooleanField(default=False)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["patient_id", "at"], name="audit_by_patient"),
            models.Index(fields=["actor", "at"], name="audit_by_actor"),
            models.Index(fields=["break_glass", "at"], name="audit_break_glass"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}"


class AccessToken(models.Model):
    """Personal access token for integrations. Only a SHA-256 of it is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(models.Model):
    """One-time link that lets a patient set up their account. Only a hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="invitation")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class ScheduledJobRun(models.Model):
    """One row per periodic job per due slot, so two schedulers never enqueue twice."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_job_once_per_slot")]
