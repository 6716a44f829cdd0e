"""The person's companion settings: when their recovery began, their time zone
and language, and their reminders. (What they share with a care team is
services.set_sharing.) Each change is the person's own, in a transaction and
audited; the audit reason names the settings changed, never an address or number.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.companion import progress
from waymark.companion.models import CompanionProfile
from waymark.companion.services import _audit, patient_of
from waymark.companion.services_network import phone_error
from waymark.core.models import User

EARLIEST_START_YEARS = 80  # a start date further back than this is almost surely a typing mistake


@transaction.atomic
def update_settings(
    user: User, profile: CompanionProfile, *, recovery_started_on: dt.date, time_zone: str, language: str
) -> list[str]:
    """Change the start date, zone and language. Returns the names of the settings that changed.

    The start date may be moved (a person may have typed it wrong, or chosen to count from a new day); a
    lapse never requires it, since both counts of time in recovery already carry on after one."""
    errors: dict[str, str] = {}
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Choose a time zone from the list, e.g. America/New_York.")
    if language not in CompanionProfile.Language.values:
        errors["language"] = _("Choose English or Español.")
    if "time_zone" not in errors:
        today = progress.local_day(timezone.now(), time_zone)
        if recovery_started_on > today:
            errors["recovery_started_on"] = _("The day your recovery began cannot be in the future.")
        elif recovery_started_on.year < today.year - EARLIEST_START_YEARS:
            errors["recovery_started_on"] = _("Check the year: %(day)s is more than %(years)s years ago.") % {
                "day": recovery_started_on.isoformat(),
                "years": EARLIEST_START_YEARS,
            }
    if errors:
        raise ValidationError(errors)
    values = {"recovery_started_on": recovery_started_on, "time_zone": time_zone, "language": language}
    return _save_changed(user, profile, values, "companion_settings")


def _save_changed(user: User, profile: CompanionProfile, values: dict[str, Any], action: str) -> list[str]:
    """Save only the settings that changed, audited by name (never their values); returns those names."""
    changed = [name for name, value in values.items() if getattr(profile, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(profile, name, values[name])
    profile.save(update_fields=[*changed, "updated_at"])
    _audit(user, action, profile, reason="changed: " + ", ".join(changed))
    return changed


@dataclass(frozen=True)
class ReminderChoices:
    channel: str
    email: str = ""
    phone: str = ""
    check_in_at: dt.time | None = None
    dose_at: dt.time | None = None
    appointments: bool = False


def _clean_reminders(user: User, choices: ReminderChoices) -> dict[str, object]:
    errors: dict[str, str] = {}
    email, phone = (choices.email or "").strip(), (choices.phone or "").strip()
    if choices.channel not in CompanionProfile.Channel.values:
        errors["channel"] = _("Choose email, text message or no reminders.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter an email address like name@example.org.")
    elif choices.channel == CompanionProfile.Channel.EMAIL:
        errors["email"] = _("Email reminders need an email address.")
    if phone:
        problem = phone_error(phone)
        if problem:
            errors["phone"] = problem
    elif choices.channel == CompanionProfile.Channel.SMS:
        errors["phone"] = _("Text-message reminders need a mobile phone number.")
    for name in ("check_in_at", "dose_at"):
        value = getattr(choices, name)
        if value is not None and (value.second or value.microsecond):
            errors[name] = _("Enter a time as hours and minutes, e.g. 08:30.")
    if choices.appointments and patient_of(user) is None:
        errors["appointments"] = _("Appointment reminders are for people in a treatment program.")
    if errors:
        raise ValidationError(errors)
    return {
        "reminder_channel": choices.channel,
        "reminder_email": email,
        "reminder_phone": phone,
        "check_in_reminder_at": choices.check_in_at,
        "dose_reminder_at": choices.dose_at,
        "appointment_reminders": choices.appointments,
    }


@transaction.atomic
def set_reminders(user: User, profile: CompanionProfile, choices: ReminderChoices) -> list[str]:
    """How and when the person is reminded. Returns the names of the settings that changed."""
    return _save_changed(user, profile, _clean_reminders(user, choices), "companion_reminders")
