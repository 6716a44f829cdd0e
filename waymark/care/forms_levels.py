"""Forms for planned level-of-care steps. They parse what was typed;
services_levels.py decides what may be saved (not in the past, another level, an
open episode) and the views put its errors next to the fields."""

import datetime as dt
from typing import Any

from django import forms

from waymark.care.services_levels import MAX_CRITERIA, MAX_REASON, StepInput
from waymark.chart.forms import DateInput
from waymark.chart.models import LevelOfCare

DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD.", "required": "Enter the date."}


class StepForm(forms.Form):
    to_level = forms.ChoiceField(
        label="Step to",
        error_messages={
            "required": "Choose the level of care to step to.",
            "invalid_choice": "Choose the level of care to step to.",
        },
    )
    planned_on = forms.DateField(
        label="Planned for", widget=DateInput(), error_messages=DATE_ERRORS, help_text="Today or later."
    )
    criteria = forms.CharField(
        label="What should be true first",
        required=False,
        max_length=MAX_CRITERIA,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. four weeks without use, stable housing, attends IOP 3 days a week.",
    )

    def __init__(self, *args: Any, current_level: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The episode's own level is not a step.
        to_level = self.fields["to_level"]
        assert isinstance(to_level, forms.ChoiceField)
        levels = [c for c in LevelOfCare.choices if c[0] != current_level]
        to_level.choices = [("", "Choose a level of care"), *levels]

    def to_input(self) -> StepInput:
        d = self.cleaned_data
        return StepInput(to_level=d["to_level"], planned_on=d["planned_on"], criteria=d["criteria"])


class CarryOutForm(forms.Form):
    changed_on = forms.DateField(
        label="Stepped on", widget=DateInput(), error_messages=DATE_ERRORS, help_text="The day the new level started."
    )
    reason = forms.CharField(
        label="Reason (shown in the level-of-care history)",
        required=False,
        max_length=MAX_REASON,
        help_text="Leave empty for “Planned step”.",
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("changed_on", today)
