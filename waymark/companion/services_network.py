"""The person's support network and meetings log: people they can call or
text (the ones marked for it appear on their plan), and the meetings they went
to, with the weekly attendance streak from progress.meeting_streak.

Every write is the person's own, in a transaction, audited (names and phone
numbers never go into the audit reason).
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waymark.companion import progress
from waymark.companion.models import CheckIn, CompanionProfile, MeetingLog, SupportContact
from waymark.companion.services import _audit, today_for
from waymark.core.models import User

MAX_NAME = 80
MAX_MEETING_NAME = 120
MAX_CONTACTS = 50
MEETING_LOOKBACK_DAYS = 365  # a meeting can be logged up to a year back
PHONE_CHARACTERS = re.compile(r"[0-9 +\-()]+")
PHONE_MIN, PHONE_MAX = 7, 20
PHONE_MIN_DIGITS = 7

ROLE_CHOICES = (
    (SupportContact.Role.SPONSOR.value, gettext_lazy("Sponsor")),
    (SupportContact.Role.FAMILY.value, gettext_lazy("Family")),
    (SupportContact.Role.FRIEND.value, gettext_lazy("Friend")),
    (SupportContact.Role.COUNSELLOR.value, gettext_lazy("Counsellor")),
    (SupportContact.Role.PEER.value, gettext_lazy("Peer supporter")),
    (SupportContact.Role.OTHER.value, gettext_lazy("Other")),
)
ROLE_LABELS = dict(ROLE_CHOICES)
MEETING_CHOICES = (
    (MeetingLog.Kind.NA.value, gettext_lazy("Narcotics Anonymous (NA)")),
    (MeetingLog.Kind.SMART.value, gettext_lazy("SMART Recovery")),
    (MeetingLog.Kind.OTHER.value, gettext_lazy("Other")),
)
MEETING_LABELS = dict(MEETING_CHOICES)


# --- Phone numbers -------------------------------------------------------------------------------------------


def phone_error(phone: str) -> str | None:
    """Why `phone` cannot be dialled, in words the person can act on; None when it is fine.
    Digits, spaces, +, - and brackets; 7 to 20 characters with at least 7 digits."""
    if not phone:
        return _("Enter a phone number.")
    if not PHONE_CHARACTERS.fullmatch(phone):
        return _("Use only digits, spaces, +, - and brackets, e.g. (207) 555-0199.")
    if not PHONE_MIN <= len(phone) <= PHONE_MAX:
        return _("A phone number has %(low)s to %(high)s characters; this one has %(count)s.") % {
            "low": PHONE_MIN,
            "high": PHONE_MAX,
            "count": len(phone),
        }
    if sum(ch.isdigit() for ch in phone) < PHONE_MIN_DIGITS:
        return _("A phone number needs at least %(count)s digits.") % {"count": PHONE_MIN_DIGITS}
    if "+" in phone[1:]:
        return _("A + can only come first, as in +1 207 555 0199.")
    return None


def dial(phone: str) -> str:
    """The number for a tel: or sms: link: digits, with a leading + kept."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+{digits}" if phone.strip().startswith("+") else digits


# --- Contacts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reachable:
    """A contact with the number for its call and text links."""

    contact: SupportContact
    dial: str

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.contact.role, self.contact.role))


def reachable(contacts: list[SupportContact]) -> list[Reachable]:
    return [Reachable(c, dial(c.phone)) for c in contacts]


def contacts_of(user: User, *, on_plan: bool | None = None) -> list[SupportContact]:
    rows = SupportContact.objects.filter(user=user)
    if on_plan is not None:
        rows = rows.filter(on_plan=on_plan)
    return list(rows)


def _clean_contact(name: str, role: str, phone: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    phone = (phone or "").strip()
    if not name:
        errors["name"] = _("Enter a name (a first name or a nickname is enough).")
    elif len(name) > MAX_NAME:
        errors["name"] = _("Please keep the name under %(limit)s characters.") % {"limit": MAX_NAME}
    elif "\x00" in name:
        errors["name"] = _("This text contains a character that cannot be saved.")
    if role not in SupportContact.Role.values:
        errors["role"] = _("Choose who this person is to you.")
    problem = phone_error(phone)
    if problem:
        errors["phone"] = problem
    if errors:
        raise ValidationError(errors)
    return {"name": name, "role": role, "phone": phone}


@transaction.atomic
def add_contact(user: User, *, name: str, role: str, phone: str, on_plan: bool) -> SupportContact:
    values = _clean_contact(name, role, phone)
    rows = SupportContact.objects.select_for_update().filter(user=user)
    if rows.count() >= MAX_CONTACTS:
        raise ValidationError(_("You have %(count)s people already; remove one first.") % {"count": MAX_CONTACTS})
    last = rows.aggregate(last=Max("position"))["last"]
    contact = SupportContact.objects.create(user=user, on_plan=on_plan, position=(last or 0) + 1, **values)
    _audit(user, "companion_contact_add", contact, reason=contact.role)
    return contact


@transaction.atomic
def change_contact(user: User, contact: SupportContact, *, name: str, role: str, phone: str, on_plan: bool) -> bool:
    """Returns False when nothing had changed (nothing written)."""
    if contact.user_id != user.pk:
        raise ValidationError(_("This is not one of your contacts."))
    values: dict[str, object] = {**_clean_contact(name, role, phone), "on_plan": on_plan}
    if all(getattr(contact, key) == value for key, value in values.items()):
        return False
    for key, value in values.items():
        setattr(contact, key, value)
    contact.save()
    _audit(user, "companion_contact_change", contact, reason=contact.role)
    return True


@transaction.atomic
def remove_contact(user: User, contact: SupportContact) -> None:
    if contact.user_id != user.pk:
        raise ValidationError(_("This is not one of your contacts."))
    _audit(user, "companion_contact_remove", contact, reason=contact.role)
    contact.delete()


# --- Meetings ------------------------------------------------------------------------------------------------


@transaction.atomic
def log_meeting(user: User, profile: CompanionProfile, *, day: dt.date | None, kind: str, name: str) -> MeetingLog:
    """A meeting the person went to: today or up to a year back, never in the future (their own calendar)."""
    errors: dict[str, str] = {}
    today = today_for(profile)
    if day is None:
        errors["day"] = _("Enter the day of the meeting.")
    elif day > today:
        errors["day"] = _("The meeting's day cannot be in the future (today is %(today)s).") % {
            "today": today.isoformat()
        }
    elif day < today - dt.timedelta(days=MEETING_LOOKBACK_DAYS):
        errors["day"] = _("Meetings can be added up to a year back, from %(first)s.") % {
            "first": (today - dt.timedelta(days=MEETING_LOOKBACK_DAYS)).isoformat()
        }
    if kind not in MeetingLog.Kind.values:
        errors["kind"] = _("Choose NA, SMART Recovery or other.")
    name = " ".join((name or "").split())
    if len(name) > MAX_MEETING_NAME:
        errors["name"] = _("Please keep the name under %(limit)s characters.") % {"limit": MAX_MEETING_NAME}
    elif "\x00" in name:
        errors["name"] = _("This text contains a character that cannot be saved.")
    if errors:
        raise ValidationError(errors)
    assert day is not None
    meeting = MeetingLog.objects.create(user=user, day=day, kind=kind, name=name)
    _audit(user, "companion_meeting_add", meeting, reason=kind)
    return meeting


@transaction.atomic
def remove_meeting(user: User, meeting: MeetingLog) -> None:
    if meeting.user_id != user.pk:
        raise ValidationError(_("This is not one of your meetings."))
    _audit(user, "companion_meeting_remove", meeting, reason=meeting.kind)
    meeting.delete()


def meeting_days(user: User, since: dt.date | None = None) -> list[dt.date]:
    """One date per meeting: each logged meeting, plus each check-in day that said "I went to a meeting" with
    no meeting logged that day (so ticking the check-in and logging it too counts once). Two queries."""
    logs = MeetingLog.objects.filter(user=user)
    checked = CheckIn.objects.filter(user=user, meeting_attended=True)
    if since is not None:
        logs, checked = logs.filter(day__gte=since), checked.filter(day__gte=since)
    logged = list(logs.values_list("day", flat=True))
    seen = set(logged)
    return logged + [day for day in checked.values_list("day", flat=True) if day not in seen]


def streak_for(user: User, profile: CompanionProfile) -> progress.MeetingStreak:
    return progress.meeting_streak(meeting_days(user), today_for(profile))
