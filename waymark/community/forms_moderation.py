"""Forms for the moderators' actions: a short reason for each (optional, kept in the moderation log), and how
long a mute lasts (1 hour, 24 hours, 7 days, or a number of hours from 1 to 720)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.community.services import MAX_MUTE_HOURS

REASON_MAX = 300
MUTE_CHOICES = [
    ("1", _("1 hour")),
    ("24", _("24 hours")),
    ("168", _("7 days")),
    ("custom", _("Another number of hours")),
]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown in the moderation log)"),
        required=False,
        max_length=REASON_MAX,
        error_messages={"max_length": _("Keep the reason under %(limit_value)d characters.")},
    )


class MuteForm(ReasonForm):
    hours = forms.CharField(
        label=_("Mute for"),
        error_messages={"required": _("Choose how long the mute lasts.")},
    )
    custom_hours = forms.IntegerField(
        label=_("Hours (1 to %(n)s)") % {"n": MAX_MUTE_HOURS},
        required=False,
        error_messages={"invalid": _("Type a whole number of hours.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("hours")
        if choice is None:
            return data
        if choice == "custom":
            hours = data.get("custom_hours")
            if hours is None:
                if "custom_hours" not in self.errors:
                    self.add_error("custom_hours", _("Type how many hours the mute lasts."))
                return data
        else:
            try:
                hours = int(choice)
            except ValueError:
                self.add_error("hours", _("Choose how long the mute lasts."))
                return data
        if not 1 <= hours <= MAX_MUTE_HOURS:
            field = "custom_hours" if choice == "custom" else "hours"
            self.add_error(field, _("Mute for 1 to %(n)s hours.") % {"n": MAX_MUTE_HOURS})
            return data
        data["mute_hours"] = hours
        return data
