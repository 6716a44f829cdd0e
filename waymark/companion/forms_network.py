"""Forms for the support network and the meetings log; services_network.py
checks the values (phone numbers, meeting days) and the views put its errors
next to the fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.companion.models import SupportContact
from waymark.companion.services_network import MAX_MEETING_NAME, MAX_NAME, MEETING_CHOICES, PHONE_MAX, ROLE_CHOICES


class ContactForm(forms.Form):
    # Not required here: the service says what is missing, in the words it uses for every other problem.
    name = forms.CharField(label=_("Name"), max_length=MAX_NAME, required=False)
    role = forms.ChoiceField(label=_("Who they are to you"), choices=ROLE_CHOICES)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        # The service says what is wrong with a number; a longer one still reaches it.
        max_length=PHONE_MAX * 3,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
        help_text=_("Digits, spaces, +, - and brackets, e.g. (207) 555-0199."),
    )
    on_plan = forms.BooleanField(
        label=_("Show on my plan as someone to call when I need help"), required=False, initial=True
    )

    def __init__(self, *args: Any, contact: SupportContact | None = None, **kwargs: Any) -> None:
        if contact is not None:
            kwargs.setdefault(
                "initial",
                {"name": contact.name, "role": contact.role, "phone": contact.phone, "on_plan": contact.on_plan},
            )
        super().__init__(*args, **kwargs)

    def to_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("name", "role", "phone", "on_plan")}


class MeetingForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MEETING_CHOICES, widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Name or place (optional)"),
        required=False,
        max_length=MAX_MEETING_NAME,
        help_text=_("For example: “Tuesday night group at St. Luke’s”."),
    )
