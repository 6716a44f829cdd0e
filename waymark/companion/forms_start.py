"""The companion's first-time set-up: when this recovery began, the language, and the person's time zone.

The time zone is a hidden field that companion.js fills from the browser (Intl); it cannot be seen or fixed on
the page, so a missing or unknown zone falls back to the default (the program's zone, or America/New_York)
instead of showing an error the person could do nothing about. It can be changed later in Settings.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waymark.chart.forms import DateInput
from waymark.companion import progress
from waymark.companion.models import CompanionProfile

DEFAULT_ZONE = "America/New_York"


class StartForm(forms.Form):
    recovery_started_on = forms.DateField(
        label=_("When did this recovery begin?"),
        widget=DateInput(),
        help_text=_(
            "The first day of this recovery, as you count it. If you are starting today, leave today's date. "
            "A lapse later never moves this day."
        ),
        error_messages={
            "required": _("Enter the day your recovery began."),
            "invalid": _("Enter a date as YYYY-MM-DD."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=CompanionProfile.Language.choices,
        initial=CompanionProfile.Language.ENGLISH,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose English or Español."),
            "invalid_choice": _("Choose English or Español."),
        },
    )
    time_zone = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-zone": "true"}),
    )

    def __init__(
        self, *args: Any, default_zone: str = DEFAULT_ZONE, now: dt.datetime | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_zone = default_zone
        self.now = now
        self.fields["time_zone"].initial = default_zone
        self.fields["recovery_started_on"].initial = self.today(default_zone)

    def today(self, zone: str) -> dt.date:
        return progress.local_day(self.now or timezone.now(), zone)

    def clean_time_zone(self) -> str:
        zone = (self.cleaned_data.get("time_zone") or "").strip()
        if zone not in zoneinfo.available_timezones():
            return self.default_zone
        return zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started = data.get("recovery_started_on")
        zone = data.get("time_zone") or self.default_zone
        if started is not None and started > self.today(zone):
            self.add_error("recovery_started_on", _("The day your recovery began cannot be in the future."))
        if started is not None and started < dt.date(1900, 1, 1):
            self.add_error("recovery_started_on", _("Check the year of the day your recovery began."))
        return data
