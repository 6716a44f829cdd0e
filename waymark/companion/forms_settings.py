"""Forms for the companion's settings: start date, time zone and language;
sharing with a care team; reminders. services_settings.py (and
services.set_sharing) decide what may be saved."""

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.companion.models import CompanionProfile

LANGUAGE_CHOICES = (("en", "English"), ("es", "Español"))  # each in its own language, never translated
CHANNEL_CHOICES = (
    (CompanionProfile.Channel.NONE.value, _("No reminders")),
    (CompanionProfile.Channel.EMAIL.value, _("Email")),
    (CompanionProfile.Channel.SMS.value, _("Text message (SMS)")),
)
TIME_FORMATS = ["%H:%M"]


@cache
def time_zone_choices() -> tuple[tuple[str, str], ...]:
    """Every IANA zone with a region (America/New_York …), United States zones first."""
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    first = [z for z in zones if z.startswith(("America/", "Pacific/Honolulu"))]
    us = (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
    )
    ordered = [*us, *(z for z in first if z not in us), *(z for z in zones if z not in us and z not in first)]
    return tuple((z, z.replace("_", " ")) for z in ordered)


class SettingsForm(forms.Form):
    recovery_started_on = forms.DateField(
        label=_("The day my recovery began"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "A lapse does not mean you need to change this: Waymark counts both days since last use and total "
            "days in recovery, so your progress is never wiped out. Change it only if it is wrong, or if you "
            "choose to count from a new day."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("My time zone"),
        help_text=_("Your days, reminders and streaks follow this clock."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, profile: CompanionProfile, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "recovery_started_on": profile.recovery_started_on,
                "time_zone": profile.time_zone,
                "language": profile.language,
            },
        )
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        if profile.time_zone not in dict(choices):
            choices = ((profile.time_zone, profile.time_zone), *choices)
        field.choices = choices


class SharingForm(forms.Form):
    share_trends = forms.BooleanField(label=_("Share my check-in trends with my care team"), required=False)
    alert_care_team = forms.BooleanField(
        label=_("Alert my care team if my check-ins show an early-warning pattern or words about suicide or overdose"),
        required=False,
    )


class RemindersForm(forms.Form):
    channel = forms.ChoiceField(label=_("Remind me by"), choices=CHANNEL_CHOICES, widget=forms.RadioSelect)
    email = forms.CharField(
        label=_("Email address for reminders"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile number for text reminders"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Digits, spaces, +, - and brackets, e.g. (207) 555-0199."),
    )
    check_in_at = forms.TimeField(
        label=_("Daily check-in reminder at"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Hours and minutes, e.g. 20:00. Leave empty for no check-in reminder."),
    )
    dose_at = forms.TimeField(
        label=_("Daily medication reminder at"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Hours and minutes, e.g. 08:30. Leave empty for no medication reminder."),
    )
    appointments = forms.BooleanField(
        label=_("Remind me 2 hours before an appointment (never between 10 pm and 7 am)"), required=False
    )

    def __init__(self, *args: Any, profile: CompanionProfile, in_program: bool, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "channel": profile.reminder_channel,
                "email": profile.reminder_email or profile.user.email,
                "phone": profile.reminder_phone,
                "check_in_at": profile.check_in_reminder_at,
                "dose_at": profile.dose_reminder_at,
                "appointments": profile.appointment_reminders,
            },
        )
        super().__init__(*args, **kwargs)
        if not in_program:
            del self.fields["appointments"]  # appointments are booked by a program
