"""Forms for treatment plans and lapses. They parse what was typed; services_plans.py
decides what may be saved and says what is wrong (each message naming its field),
and the views put those errors next to the fields. Fields the service checks are
optional here, so the person sees the service's specific message rather than a
generic "This field is required"."""

from typing import Any

from django import forms

from waymark.care.models import InterventionKind, PlanObjective, PlanReview, ProblemArea, RecoveryEvent
from waymark.care.services_plans import (
    MAX_FREQUENCY,
    MAX_RESPONSIBLE,
    MAX_SIGNATURE,
    MAX_SUBSTANCES,
    MAX_TEXT,
    InterventionInput,
    ObjectiveInput,
    ProblemInput,
)


def _area(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices: Any, label: str = "Choose…") -> list[tuple[str, str]]:
    return [("", label), *[(str(v), str(t)) for v, t in choices]]


class ProblemForm(forms.Form):
    area = forms.ChoiceField(label="Area", required=False, choices=_blank(ProblemArea.choices))
    description = forms.CharField(
        label="Problem",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(),
        help_text="As the team and the person see it.",
    )
    # A plain text field with a list to choose from: the service says when a finding is not this person's.
    finding = forms.CharField(
        label="From an assessment (optional)",
        required=False,
        widget=forms.Select(),
        help_text="A screening result or placement the problem comes from, e.g. a PHQ-9 for co-occurring depression.",
    )

    def __init__(self, *args: Any, findings: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finding"].widget.choices = [("", "None"), *findings]

    def clean_finding(self) -> tuple[int | None, int | None]:
        raw = self.cleaned_data["finding"]
        if not raw:
            return None, None
        kind, _, pk = raw.partition(":")
        if kind not in ("instrument", "placement") or not pk.isdigit():
            raise forms.ValidationError("Choose an assessment from the list.")
        return (int(pk), None) if kind == "instrument" else (None, int(pk))

    def to_input(self) -> ProblemInput:
        d = self.cleaned_data
        record, placement = d["finding"]
        return ProblemInput(d["area"], d["description"], record, placement)


def finding_value(instrument_record_id: int | None, placement_id: int | None) -> str:
    if instrument_record_id:
        return f"instrument:{instrument_record_id}"
    return f"placement:{placement_id}" if placement_id else ""


class GoalForm(forms.Form):
    in_patients_words = forms.CharField(
        label="Goal, in the person's own words",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(),
        help_text="Write it as they said it, e.g. “I want to be there for my kids in the mornings.”",
    )


class ObjectiveForm(forms.Form):
    description = forms.CharField(
        label="Objective (measurable)",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(),
        help_text="What, how much or how often, e.g. “Attend relapse-prevention group twice a week for 8 weeks.”",
    )
    target_on = forms.DateField(label="Target date", required=False, widget=_date())
    status = forms.ChoiceField(label="Status", choices=PlanObjective.Status.choices, initial=PlanObjective.Status.OPEN)

    def to_input(self) -> ObjectiveInput:
        d = self.cleaned_data
        return ObjectiveInput(d["description"], d["target_on"], d["status"])


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(label="Intervention", required=False, choices=_blank(InterventionKind.choices))
    description = forms.CharField(label="Details", required=False, max_length=MAX_TEXT, widget=_area())
    frequency = forms.CharField(
        label="How often", required=False, max_length=MAX_FREQUENCY, help_text="e.g. weekly, 50 minutes"
    )
    responsible = forms.TypedChoiceField(label="Staff member responsible", required=False, coerce=int, empty_value=None)
    responsible_other = forms.CharField(
        label="Or someone else responsible",
        required=False,
        max_length=MAX_RESPONSIBLE,
        help_text="e.g. the person, a peer recovery coach, family",
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [("", "No one on staff"), *staff]  # type: ignore[attr-defined]

    def to_input(self) -> InterventionInput:
        d = self.cleaned_data
        return InterventionInput(d["kind"], d["description"], d["frequency"], d["responsible"], d["responsible_other"])


class PatientSignatureForm(forms.Form):
    typed_name = forms.CharField(
        label="The person types their name to sign",
        required=False,
        max_length=MAX_SIGNATURE,
        help_text="Their given and family name, or their preferred name. Hand them the screen.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", required=False, widget=_date())
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=PlanReview.Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(label="Review notes", required=False, max_length=MAX_TEXT, widget=_area(3))


class LapseForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened", required=False, choices=RecoveryEvent.Kind.choices, widget=forms.RadioSelect
    )
    occurred_on = forms.DateField(label="On", required=False, widget=_date())
    substances = forms.CharField(label="Substances (optional)", required=False, max_length=MAX_SUBSTANCES)
    notes = forms.CharField(
        label="What was going on, and what helped (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(3),
        help_text="Kept encrypted, like counselling notes.",
    )
