"""Journal forms: a new entry (with an optional prompt) and sharing one entry with the care team.

services.write_journal decides what may be saved (length, prompt) and the view puts its errors next to the
fields. `client_id` is made when the page is drawn (or by the phone, offline): the same entry sent twice is
saved once.
"""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.companion import services
from waymark.companion.models import JournalEntry

# The prompts, in the words the person sees above the text box.
PROMPT_LABELS: dict[str, Any] = {
    JournalEntry.Prompt.GRATITUDE.value: _("Something I'm grateful for"),
    JournalEntry.Prompt.TRIGGERS_FACED.value: _("A trigger I faced and how I handled it"),
    JournalEntry.Prompt.WINS.value: _("A win today, however small"),
}
PROMPT_CHOICES = [("", _("No prompt, just write")), *PROMPT_LABELS.items()]


class JournalForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    prompt = forms.ChoiceField(
        label=_("Start from a prompt (optional)"),
        choices=PROMPT_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the prompts, or none.")},
    )
    text = forms.CharField(
        label=_("Your entry"),
        max_length=services.MAX_JOURNAL,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write something first."),
            "max_length": _("An entry can be up to %(limit_value)d characters."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # questions end with their own punctuation
        super().__init__(*args, **kwargs)


def initial_for(prompt: str = "") -> dict[str, Any]:
    return {"client_id": uuid.uuid4(), "prompt": prompt if prompt in PROMPT_LABELS else ""}


class ShareForm(forms.Form):
    """Share (1) or stop sharing (0) one entry with the care team."""

    shared = forms.TypedChoiceField(choices=[("1", _("Share")), ("0", _("Stop sharing"))], coerce=lambda v: v == "1")
