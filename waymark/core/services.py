"""Account writes: staff accounts, patient invitations, self-guided sign-up,
personal access tokens. Atomic and audited."""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.core import audit
from waymark.core.models import AccessToken, Invitation, Program, User
from waymark.core.roles import Cap, Role

INVITATION_DAYS = 7
TOKEN_PREFIX = "wmk_"


def require(actor: User, cap: Cap, what: str) -> None:
    """Refuse, naming the role, when `actor` lacks `cap` ("Your role (Nurse) cannot redeem rewards.")."""
    if not actor.can(cap):
        raise PermissionDenied(f"Your role ({actor.role_label}) cannot {what}.")


class KeyReused(ValidationError):
    """An idempotency key sent again with different content: the first record stands; send a new key."""


def idempotency_key(raw: str) -> str:
    """The client's idempotency key, stripped; 8–80 characters or a clear error naming the field."""
    key = raw.strip()
    if not 8 <= len(key) <= 80:
        raise ValidationError({"idempotency_key": "Send an idempotency key of 8–80 characters (a UUID is ideal)."})
    return key


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@transaction.atomic
def create_staff(
    actor: User | None,
    program: Program,
    *,
    username: str,
    role: Role,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    if actor is not None and (not actor.can(Cap.PROGRAM_ADMIN) or actor.program_id != program.pk):
        raise ValidationError("Only this program's admin can add staff.")
    if role == Role.PATIENT:
        raise ValidationError({"role": "Patients are invited from their chart, not added as staff."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user = User(
        username=username, role=role.value, program=program, first_name=first_name, last_name=last_name, email=email
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(actor, "create", program_id=program.pk, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def set_active(actor: User, user: User, active: bool) -> None:
    """Disable or re-enable an account. A disabled account's sessions stop at once
    (the auth backend refuses inactive users) and its tokens stop working."""
    if not actor.can(Cap.PROGRAM_ADMIN) or user.program_id != actor.program_id:
        raise ValidationError("Only this program's admin can change accounts.")
    if user.pk == actor.pk:
        raise ValidationError("You cannot disable your own account.")
    user.is_active = active
    if not active:
        user.session_epoch += 1
    user.save(update_fields=["is_active", "session_epoch"])
    audit.record(
        actor, "enable" if active else "disable", program_id=actor.program_id, object_type="user", object_id=user.pk
    )


def new_totp_device(user: User, *, confirmed: bool, key: str | None = None) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=confirmed)
    if key:
        device.key = key
    device.save()
    return device


@transaction.atomic
def invite_patient(actor: User, patient: "PatientLike") -> str:
    """Create (or refresh) the patient's account invitation; return the one-time token."""
    user = patient.user
    if user is None:
        base = f"patient-{patient.program_id}-{patient.mrn}".lower()
        user = User.objects.create(
            username=base,
            role=Role.PATIENT.value,
            program_id=patient.program_id,
            is_active=True,
            first_name=patient.given_name,
            last_name=patient.family_name,
        )
        user.set_unusable_password()
        user.save()
        patient.user = user
        patient.save(update_fields=["user"])
    elif user.has_usable_password():
        raise ValidationError("This patient already has an account.")
    token = secrets.token_urlsafe(32)
    Invitation.objects.update_or_create(
        user=user,
        defaults={
            "token_hash": sha256(token),
            "created_by": actor,
            "created_at": timezone.now(),
            "expires_at": timezone.now() + dt.timedelta(days=INVITATION_DAYS),
            "used_at": None,
        },
    )
    audit.record(
        actor,
        "invite",
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type="invitation",
        object_id=user.pk,
    )
    return token


class PatientLike:  # typing aid for invite_patient without importing chart
    pk: int
    program_id: int
    mrn: str
    given_name: str
    family_name: str
    user: User | None

    def save(self, update_fields: list[str]) -> None: ...


def invitation_for(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("user").filter(token_hash=sha256(token)).first()
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


@transaction.atomic
def accept_invitation(token: str, *, username: str, password: str) -> User:
    invitation = Invitation.objects.select_for_update().select_related("user").filter(token_hash=sha256(token)).first()
    if invitation is None or not invitation.is_usable():
        raise ValidationError("This invitation link has expired or was already used. Ask your care team for a new one.")
    user = invitation.user
    username = username.strip()
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user.username = username
    validate_password(password, user)
    user.set_password(password)
    user.save()
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    patient_id = getattr(getattr(user, "patient", None), "pk", None)
    audit.record(
        user,
        "accept_invitation",
        patient_id=patient_id,
        program_id=user.program_id,
        object_type="user",
        object_id=user.pk,
    )
    return user


@transaction.atomic
def sign_up_self_guided(*, username: str, password: str, email: str = "") -> User:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user = User(username=username, role=Role.PATIENT.value, program=None, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(user, "sign_up", object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def create_access_token(user: User, name: str) -> tuple[AccessToken, str]:
    if not user.can(Cap.API_TOKENS):
        raise ValidationError("Your role cannot create API tokens.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after the integration that will use it."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(user=user, name=name[:100], prefix=raw[:12], token_hash=sha256(raw))
    audit.record(user, "create", program_id=user.program_id, object_type="accesstoken", object_id=token.pk)
    return token, raw


@transaction.atomic
def revoke_access_token(user: User, token: AccessToken) -> None:
    if token.user_id != user.pk:
        raise ValidationError("That token is not yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(user, "revoke", program_id=user.program_id, object_type="accesstoken", object_id=token.pk)


def user_for_token(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = AccessToken.objects.select_related("user").filter(token_hash=sha256(raw), revoked_at__isnull=True).first()
    # A role that has since lost API access (or a disabled account) no longer authenticates.
    if token is None or not token.user.can(Cap.API_TOKENS):
        return None
    now = timezone.now()
    # Write last use at most once a minute: the token check stays a single read.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
