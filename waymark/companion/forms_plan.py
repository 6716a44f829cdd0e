"""Forms for the relapse-prevention plan. They parse what was typed;
services_plan.py decides what may be saved and the views put its errors next
to the fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.companion.models import PlanItem
from waymark.companion.services_plan import MAX_COPING, MAX_ITEM_TEXT, MAX_REASONS

KIND_CHOICES = (
    (PlanItem.Kind.WARNING_SIGN.value, _("An early warning sign (something I notice in myself)")),
    (PlanItem.Kind.TRIGGER.value, _("A trigger (something that sets off craving)")),
)


class PlanItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("In your own words"),
        max_length=MAX_ITEM_TEXT,
        help_text=_("For example: “I stop answering my phone”, or “Friday evenings after payday”."),
    )
    coping = forms.CharField(
        label=_("What I will do when this happens"),
        max_length=MAX_COPING,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One thing per line. For example: “Call my sponsor”, “Go for a walk and wait 20 minutes”."),
    )

    def __init__(self, *args: Any, item: PlanItem | None = None, **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault("initial", {"kind": item.kind, "text": item.text, "coping": item.coping})
        super().__init__(*args, **kwargs)

    def to_fields(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("kind", "text", "coping")}


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label=_("My reasons for recovery"),
        required=False,
        max_length=MAX_REASONS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One reason per line. For example: “To be there for my kids”, “My health”, “To feel free”."),
    )


class ShareForm(forms.Form):
    shared = forms.BooleanField(label=_("Let my care team see my plan"), required=False)
