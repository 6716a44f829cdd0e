"""Listings a program manages: claims, contact-detail edits, verification and the advertiser flag.

A program admin (Cap.LISTING_CLAIM) claims a listing with evidence; a directory verifier approves or
rejects the claim. Verifiers are the instance's operators, not a program role: an active staff account
with is_superuser (`waymark createadmin --directory-verifier`), signed in with MFA like all staff. Once a
claim is approved the program's admins may edit the listing's contact details; the fields they edit are
added to Facility.locally_edited, so a later import leaves them as the program set them.

Every write is atomic, locks the listing's row, and is audited (object_type "facility" or
"facilityclaim"; edits name the fields changed, never their values). None of these flags touch the
search order: search.py sorts by distance and id only."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.core.services import require
from waymark.directory.models import Facility, FacilityClaim

MIN_EVIDENCE = 20
MAX_EVIDENCE = 2000
MAX_NOTE = 300  # FacilityClaim.decision_note
MAX_VERIFIED_WHAT = 300  # Facility.verified_what
MAX_NAME_DETAIL = 200  # Facility.name_detail
MAX_WEBSITE = 300  # Facility.website
# The contact details a program may edit, in the order the form shows them.
EDITABLE = ("name_detail", "phone", "intake1", "intake2", "website")
PHONE_FIELDS = ("phone", "intake1", "intake2")
FIELD_LABELS = {
    "name_detail": "Program or branch name",
    "phone": "Main phone",
    "intake1": "Intake phone",
    "intake2": "Second intake phone",
    "website": "Website",
}
# Verification dates before this are typing mistakes, not checks.
EARLIEST_VERIFICATION = dt.date(2000, 1, 1)


def can_verify(user: User) -> bool:
    """A directory verifier: an active staff account marked as the instance's operator (is_superuser).
    Staff only, because only staff accounts pass the MFA check at sign-in."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser and user.is_staff_member)


def require_verifier(actor: User) -> None:
    if not can_verify(actor):
        raise PermissionDenied("Only a directory verifier (the site's operator) can do this.")


def _locked(facility: Facility) -> Facility:
    return Facility.objects.select_for_update().get(pk=facility.pk)


# --- Claims ---------------------------------------------------------------------------------------


@transaction.atomic
def do_request_claim(actor: User, facility: Facility, evidence: str) -> FacilityClaim:
    """A program asks to manage a listing. One pending claim per program and listing."""
    require(actor, Cap.LISTING_CLAIM, "claim a directory listing")
    program = actor.staff_program
    evidence = evidence.strip()
    if len(evidence) < MIN_EVIDENCE:
        raise ValidationError(
            {
                "evidence": f"Tell the reviewer how to confirm your program runs this facility "
                f"(at least {MIN_EVIDENCE} characters), e.g. your state licence number or a phone number "
                "at the facility they can call."
            }
        )
    if len(evidence) > MAX_EVIDENCE:
        raise ValidationError({"evidence": f"Keep the evidence to {MAX_EVIDENCE} characters."})
    locked = _locked(facility)
    if locked.claimed_by_id == program.pk:
        raise ValidationError("Your program manages this listing already.")
    if FacilityClaim.objects.filter(facility=locked, program=program, status=FacilityClaim.Status.PENDING).exists():
        raise ValidationError("Your program's claim on this listing is waiting for review already.")
    claim = FacilityClaim.objects.create(facility=locked, program=program, requested_by=actor, evidence=evidence)
    audit.record(actor, "listing_claim_request", program_id=program.pk, object_type="facilityclaim", object_id=claim.pk)
    return claim


@transaction.atomic
def do_decide_claim(actor: User, claim: FacilityClaim, *, approve: bool, note: str = "") -> FacilityClaim:
    """Approve (the program manages the listing from now on, in place of any program before it) or reject
    (with a note the program sees) a pending claim."""
    require_verifier(actor)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"Keep the note to {MAX_NOTE} characters."})
    if not approve and not note:
        raise ValidationError({"note": "Say why the claim is not approved; the program sees this note."})
    facility = _locked(claim.facility)
    locked = FacilityClaim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != FacilityClaim.Status.PENDING:
        raise ValidationError(f"This claim was decided already ({locked.get_status_display().lower()}).")
    if locked.program_id == actor.program_id:
        # Nobody approves their own program's claim: the check is worth something only from outside.
        raise ValidationError("This claim is from your own program: another directory verifier decides it.")
    now = timezone.now()
    locked.status = FacilityClaim.Status.APPROVED if approve else FacilityClaim.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        actor,
        "listing_claim_approve" if approve else "listing_claim_reject",
        program_id=locked.program_id,
        object_type="facilityclaim",
        object_id=locked.pk,
    )
    if approve:
        before = facility.claimed_by_id
        facility.claimed_by_id, facility.claimed_at, facility.updated_at = locked.program_id, now, now
        facility.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
        reason = f"claimed by program {locked.program_id}"
        if before is not None and before != locked.program_id:
            reason += f", in place of program {before}"
        audit.record(
            actor,
            "listing_claimed",
            program_id=locked.program_id,
            object_type="facility",
            object_id=facility.pk,
            reason=reason,
        )
    return locked


# --- Contact details ------------------------------------------------------------------------------

_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_VANITY = re.compile(r"1?[0-9]{3}[0-9A-Z]{7}")
_KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


def _shown(raw: str, limit: int = 40) -> str:
    """What was typed, quoted for an error message, cut short when long (the message stays readable)."""
    text = " ".join(raw.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def normalise_phone(raw: str, field: str) -> str:
    """A US phone number as the directory writes it: 207-555-0100, with " x123" for an extension.
    Accepts (207) 555-0100, 207.555.0100, +1 207 555 0100, 1-800-662-HELP (letters as on a keypad),
    and extensions written x123, ext. 123 or #123. Empty stays empty."""
    text = raw.strip()
    if not text:
        return ""
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[: match.start()]
    compact = re.sub(r"[()+.\-\s]", "", text).upper()
    # Letters only as in 1-800-662-HELP: after the area code, in place of the last seven digits.
    if not (_DIGITS.fullmatch(compact) or _VANITY.fullmatch(compact)):
        raise ValidationError({field: f"{_shown(raw)} is not a phone number: use digits, e.g. 207-555-0100."})
    digits = compact.translate(_KEYPAD)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValidationError(
            {field: f"{_shown(raw)} has {len(digits)} digits: enter a 10-digit US number, e.g. 207-555-0100."}
        )
    if digits[0] in "01" or digits[3] in "01":
        raise ValidationError(
            {field: f"{_shown(raw)} is not a US number: the area code and the exchange do not start with 0 or 1."}
        )
    number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{number} x{extension}" if extension else number


def normalise_website(raw: str) -> str:
    """An https address, or empty. No user names or passwords in it."""
    url = raw.strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    if not url.lower().startswith("https://"):
        raise ValidationError({"website": "Give the website's https:// address (plain http is not accepted)."})
    if len(url) > MAX_WEBSITE:
        raise ValidationError({"website": f"Keep the address to {MAX_WEBSITE} characters."})
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise ValidationError({"website": f"{_shown(raw)} is not a web address, e.g. https://example.org."}) from None
    if "@" in url.split("://", 1)[1].split("/", 1)[0]:
        raise ValidationError({"website": "Leave user names and passwords out of the address."})
    return url


def _clean_text(raw: str, field: str, limit: int) -> str:
    text = " ".join(raw.split())
    if len(text) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters."})
    return text


@dataclass(frozen=True)
class ContactDetails:
    name_detail: str = ""
    phone: str = ""
    intake1: str = ""
    intake2: str = ""
    website: str = ""


def clean_contact_details(details: ContactDetails) -> ContactDetails:
    """Every field checked; all errors at once, each on its field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for field in EDITABLE:
        raw = getattr(details, field)
        try:
            if field in PHONE_FIELDS:
                values[field] = normalise_phone(raw, field)
            elif field == "website":
                values[field] = normalise_website(raw)
            else:
                values[field] = _clean_text(raw, field, MAX_NAME_DETAIL)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if not errors and not any(values[f] for f in PHONE_FIELDS):
        errors["phone"] = ["Give at least one phone number people can call."]
    if errors:
        raise ValidationError(errors)
    return ContactDetails(**values)


def require_manager(actor: User, facility: Facility) -> None:
    """Only the admins of the program the listing is claimed by may edit it."""
    require(actor, Cap.LISTING_CLAIM, "edit a directory listing")
    if facility.claimed_by_id is None or facility.claimed_by_id != actor.program_id:
        raise PermissionDenied("Only the program that manages this listing can edit it. Claim it first.")


@transaction.atomic
def do_edit_listing(actor: User, facility: Facility, details: ContactDetails) -> list[str]:
    """Save the changed contact details; returns the names of the fields changed (none: nothing saved).
    The changed fields join locally_edited, so the import keeps them."""
    require_manager(actor, facility)
    clean = clean_contact_details(details)
    locked = _locked(facility)
    require_manager(actor, locked)  # still theirs now the row is locked
    changed = [f for f in EDITABLE if getattr(locked, f) != getattr(clean, f)]
    if not changed:
        return []
    for field in changed:
        setattr(locked, field, getattr(clean, field))
    locked.locally_edited = sorted({*locked.locally_edited, *changed})
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*changed, "locally_edited", "updated_at"])
    audit.record(
        actor,
        "listing_edit",
        program_id=locked.claimed_by_id,
        object_type="facility",
        object_id=locked.pk,
        reason="changed: " + ", ".join(changed),
    )
    for field in changed:
        setattr(facility, field, getattr(locked, field))
    facility.locally_edited, facility.updated_at = locked.locally_edited, locked.updated_at
    return changed


# --- Verification and the advertiser flag ------------------------------------------------------------


@transaction.atomic
def do_verify_listing(actor: User, facility: Facility, *, what: str, on: dt.date) -> Facility:
    """Mark the listing verified: what was checked (e.g. "address, phone and services, by phone") and when
    (not after the verifier's clinic day)."""
    require_verifier(actor)
    today = actor.staff_program.clinic_day()
    what = " ".join(what.split())
    errors: dict[str, str] = {}
    if not what:
        errors["what"] = "Say what was verified, e.g. “address, phone and services, by phone”."
    elif len(what) > MAX_VERIFIED_WHAT:
        errors["what"] = f"Keep it to {MAX_VERIFIED_WHAT} characters."
    if on > today:
        errors["on"] = f"{on:%Y-%m-%d} is in the future: give the day it was checked ({today:%Y-%m-%d} or before)."
    elif on < EARLIEST_VERIFICATION:
        errors["on"] = f"{on:%Y-%m-%d} is too long ago: check the year."
    if errors:
        raise ValidationError(errors)
    locked = _locked(facility)
    locked.verified, locked.verified_what, locked.verified_on, locked.verified_by = True, what, on, actor
    locked.updated_at = timezone.now()
    locked.save(update_fields=["verified", "verified_what", "verified_on", "verified_by", "updated_at"])
    audit.record(actor, "listing_verify", program_id=locked.claimed_by_id, object_type="facility", object_id=locked.pk)
    return locked


@transaction.atomic
def do_clear_verification(actor: User, facility: Facility, *, reason: str) -> Facility:
    """Take the verified label off (the details no longer hold), saying why."""
    require_verifier(actor)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the listing is no longer verified."})
    if len(reason) > MAX_NOTE:
        raise ValidationError({"reason": f"Keep the reason to {MAX_NOTE} characters."})
    locked = _locked(facility)
    if not locked.verified:
        raise ValidationError("This listing is not marked verified.")
    locked.verified, locked.verified_what, locked.verified_on, locked.verified_by = False, "", None, None
    locked.updated_at = timezone.now()
    locked.save(update_fields=["verified", "verified_what", "verified_on", "verified_by", "updated_at"])
    audit.record(
        actor,
        "listing_unverify",
        program_id=locked.claimed_by_id,
        object_type="facility",
        object_id=locked.pk,
        reason=reason,
    )
    return locked


@transaction.atomic
def do_set_advertiser(actor: User, facility: Facility, advertiser: bool) -> bool:
    """Turn the advertiser label on or off. Returns whether anything changed. The label is shown as it
    is and never moves a listing in search results."""
    require_verifier(actor)
    locked = _locked(facility)
    if locked.advertiser == advertiser:
        return False
    locked.advertiser, locked.updated_at = advertiser, timezone.now()
    locked.save(update_fields=["advertiser", "updated_at"])
    audit.record(
        actor,
        "listing_advertiser_on" if advertiser else "listing_advertiser_off",
        program_id=locked.claimed_by_id,
        object_type="facility",
        object_id=locked.pk,
    )
    facility.advertiser = advertiser
    return True
