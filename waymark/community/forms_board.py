"""The board's forms: a post, an "I need support now" post, a report, a member's profile in a group.

services.py decides what may be saved (length, muting, a known reason or colour) and the views put its errors
next to the fields. `client_id` is made each time a form is drawn: the same post sent twice is saved once.
The words a member sees (reasons, reactions, colours) are translated here; the models keep plain keys.
"""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.community import services
from waymark.community.models import Message, Report

REACTION_LABELS: dict[str, Any] = {
    "heart": _("Sending love"),
    "strength": _("Stay strong"),
    "thanks": _("Thank you"),
    "same": _("Same here"),
}

COLOUR_LABELS: dict[str, Any] = {
    "teal": _("Teal"),
    "blue": _("Blue"),
    "purple": _("Purple"),
    "plum": _("Plum"),
    "red": _("Red"),
    "brown": _("Brown"),
    "green": _("Green"),
    "slate": _("Slate"),
}

REASON_LABELS: dict[str, Any] = {
    Report.Reason.UNKIND.value: _("Unkind or judgemental"),
    Report.Reason.DRUGS.value: _("Selling, sharing or encouraging drug use"),
    Report.Reason.PRIVACY.value: _("Shares someone's private information"),
    Report.Reason.SAFETY.value: _("Someone may be in danger"),
    Report.Reason.OTHER.value: _("Something else"),
}

# How long a moderator can mute someone from the board (the moderation views check the number again).
MUTE_CHOICES = [
    (1, _("1 hour")),
    (24, _("1 day")),
    (72, _("3 days")),
    (168, _("1 week")),
    (services.MAX_MUTE_HOURS, _("30 days")),
]


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PostForm(_Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "post_%s")  # the two writing forms share field names, not element ids
        super().__init__(*args, **kwargs)

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput, initial=Message.Kind.POST.value, required=False)
    text = forms.CharField(
        label=_("Your message"),
        max_length=services.MAX_MESSAGE,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write a message first."),
            "max_length": _("Keep a message under %(limit_value)d characters."),
        },
    )


class SupportNowForm(_Form):
    """The one-button "I need support now" post (its text is written by services.post_message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "support_%s")
        super().__init__(*args, **kwargs)

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.CharField(widget=forms.HiddenInput, initial=Message.Kind.SUPPORT_NOW.value, required=False)


def fresh_post_forms() -> tuple[PostForm, SupportNowForm]:
    """Blank forms, each with a new client id (one per drawing of the page)."""
    return PostForm(initial={"client_id": uuid.uuid4()}), SupportNowForm(initial={"client_id": uuid.uuid4()})


class ReportForm(_Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this message?"),
        choices=list(REASON_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose one of the reasons.")},
    )
    note = forms.CharField(
        label=_("Anything the moderators should know? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep the note under %(limit_value)d characters.")},
    )


class ProfileForm(_Form):
    display_name = forms.CharField(
        label=_("Name others see"),
        help_text=_("It need not be your real name."),
        max_length=services.MAX_NAME,
        error_messages={
            "required": _("Choose a name to show in the group (it need not be your real name)."),
            "max_length": _("Keep the name under %(limit_value)d characters."),
        },
    )
    avatar_colour = forms.ChoiceField(
        label=_("Colour of your initial"),
        choices=list(COLOUR_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the colours."), "invalid_choice": _("Choose one of the colours.")},
    )
    show_days = forms.BooleanField(label=_("Show my days in recovery next to my name"), required=False)
