"""Forms for placement: the assessment (six dimensions with the edition's names,
a 0–4 rating with short risk wording and notes for each, the seed facts) and
the decision. They parse what was typed; services_placement.py decides what may
be saved. The assessment form carries an idempotency key made when the page is
rendered, so a double click records once."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from waymark.assess import placement as rules
from waymark.assess.models import PlacementAssessment
from waymark.assess.services_placement import MAX_CO_OCCURRING_NOTES, MAX_NOTE, MAX_REASON, PlacementInput
from waymark.meds.forms_window import KeyedForm

YES_NO = [("yes", "Yes"), ("no", "No")]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _in_zone(value: dt.datetime, zone: Any) -> dt.datetime:
    """The typed wall-clock time in the program's zone (the field made it aware in the server's zone)."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zone)


class PlacementForm(KeyedForm):
    assessed_at = forms.DateTimeField(label="Assessed at", widget=DateTimeInput())
    prior_treatment_attempts = forms.IntegerField(
        label="Prior treatment attempts",
        min_value=0,
        max_value=rules.MAX_COUNT,
        initial=0,
        error_messages={"required": "Prior treatment attempts: give a number from 0 to 50 (0 if none)."},
    )
    prior_relapses = forms.IntegerField(
        label="Relapses after treatment",
        min_value=0,
        max_value=rules.MAX_COUNT,
        initial=0,
        error_messages={"required": "Relapses: give a number from 0 to 50 (0 if none)."},
    )
    home_safe = forms.ChoiceField(
        label="Is the home safe for recovery?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the home is safe for recovery."},
    )
    support = forms.ChoiceField(
        label="Support for recovery",
        choices=PlacementAssessment.Support.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how much support the person has for recovery."},
    )
    pregnant = forms.BooleanField(label="Pregnant", required=False)
    co_occurring = forms.BooleanField(label="Co-occurring mental health or medical conditions", required=False)
    co_occurring_notes = forms.CharField(label="Which conditions", required=False, max_length=MAX_CO_OCCURRING_NOTES)
    needs_supervised_withdrawal = forms.BooleanField(label="Withdrawal needs medical supervision", required=False)
    wants_methadone = forms.BooleanField(
        label="The person chooses methadone",
        required=False,
        help_text="Methadone for opioid use disorder is given in an opioid treatment program (OTP).",
    )

    def __init__(self, *args: Any, edition: str, zone: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.zone = zone
        self.dimensions = rules.DIMENSIONS[rules.Edition(edition)]
        choices = [(r, f"{r} · {rules.RISK_WORDS[r]}") for r in rules.RATINGS]
        for dim in self.dimensions:
            named = f"Dimension {dim.number} ({dim.name.lower()})"
            self.fields[f"rating_{dim.number}"] = forms.TypedChoiceField(
                label=f"Dimension {dim.number}: {dim.name}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"{named}: choose a rating from 0 to 4.",
                    "invalid_choice": f"{named}: choose a rating from 0 to 4.",
                },
            )
            self.fields[f"note_{dim.number}"] = forms.CharField(
                label=f"Notes on dimension {dim.number}",
                required=False,
                max_length=MAX_NOTE,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"max_length": f"{named} notes: at most {MAX_NOTE} characters."},
            )
        if not self.is_bound:
            self.initial.setdefault("assessed_at", timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M"))

    def dimension_rows(self) -> list[dict[str, Any]]:
        return [
            {"dimension": d, "rating": self[f"rating_{d.number}"], "note": self[f"note_{d.number}"]}
            for d in self.dimensions
        ]

    def to_input(self) -> PlacementInput:
        d = self.cleaned_data
        return PlacementInput(
            idempotency_key=d["idempotency_key"],
            assessed_at=_in_zone(d["assessed_at"], self.zone),
            ratings={dim.number: d[f"rating_{dim.number}"] for dim in self.dimensions},
            notes={dim.number: d[f"note_{dim.number}"] for dim in self.dimensions if d[f"note_{dim.number}"]},
            prior_treatment_attempts=d["prior_treatment_attempts"],
            prior_relapses=d["prior_relapses"],
            home_safe=d["home_safe"] == "yes",
            support=d["support"],
            pregnant=d["pregnant"],
            co_occurring=d["co_occurring"],
            co_occurring_notes=d["co_occurring_notes"],
            needs_supervised_withdrawal=d["needs_supervised_withdrawal"],
            wants_methadone=d["wants_methadone"],
        )


class DecisionForm(forms.Form):
    """Accept (the level comes from the button) or choose another level of the same edition with a reason."""

    level = forms.ChoiceField(label="Level of care")
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you choose a level other than the recommendation.",
    )

    def __init__(self, *args: Any, edition: str, recommended: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        assert isinstance(level, forms.ChoiceField)
        level.choices = [("", "Choose a level")] + [
            (code, f"{found.title}{' (recommended)' if code == recommended else ''}")
            for code, found in rules.levels(edition).items()
        ]
