"""Forms for the continuing-care plan and the preparing-for-treatment checklist.
They parse what was typed; services_aftercare.py decides what may be saved
(codes, lengths, "where" for a medication that continues) and the views put its
errors next to the fields."""

from typing import Any

from django import forms

from waymark.care import services_aftercare as services
from waymark.care.models import ContinuingCarePlan, PreparationStep


def _text(label: str, rows: int = 2, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


def _line(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text)


class ContinuingCarePlanForm(forms.Form):
    first_appointment = _line(
        "First appointment after discharge", "Where and when, e.g. “Harbor OTP, Mon 3 March 9:00”"
    )
    medication = forms.ChoiceField(
        label="Medication for opioid use disorder",
        choices=ContinuingCarePlan.Medication.choices,
        widget=forms.RadioSelect,
    )
    medication_where = _line(
        "Where the medication continues", "The program, clinic or prescriber, with a phone number if you have one"
    )
    ongoing_therapy = _text("Ongoing counselling or therapy", help_text="Who, how often, first session")
    support_groups = forms.MultipleChoiceField(
        label="Support groups", choices=services.SUPPORT_GROUPS, required=False, widget=forms.CheckboxSelectMultiple
    )
    support_groups_notes = _line("Support groups: where and when", "Meeting names, places, times")
    medical_follow_up = forms.MultipleChoiceField(
        label="Medical follow-up",
        choices=services.MEDICAL_FOLLOW_UP,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medical_follow_up_notes = _text("Medical follow-up: details", help_text="Where, when, results still to come")
    naloxone = forms.ChoiceField(
        label="Naloxone", choices=ContinuingCarePlan.Naloxone.choices, widget=forms.RadioSelect
    )
    housing = forms.ChoiceField(
        label="Housing after discharge",
        choices=[("", "Not discussed yet"), *ContinuingCarePlan.Housing.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    housing_notes = _line("Housing: details", "e.g. the recovery residence's name and move-in date")
    work_needs = _text("Work, school and money")
    legal_needs = _text("Legal needs", help_text="Court dates, probation contacts, help with records")
    emergency_contacts = _text("People to call", help_text="Names and phone numbers the person chose")

    def __init__(self, *args: Any, plan: ContinuingCarePlan | None = None, **kwargs: Any) -> None:
        if plan is not None:
            kwargs.setdefault("initial", {name: getattr(plan, name) for name in services.PLAN_FIELDS})
        super().__init__(*args, **kwargs)
        if plan is None and not self.is_bound:
            self.initial.setdefault("medication", ContinuingCarePlan.Medication.UNDECIDED)
            self.initial.setdefault("naloxone", ContinuingCarePlan.Naloxone.NOT_YET)

    def to_fields(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in services.PLAN_FIELDS}


class PreparationForm(forms.Form):
    """One status (radio) and one note per checklist section, saved together."""

    def __init__(self, *args: Any, progress: services.Progress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progress = progress
        for row in progress.sections:
            sid = row.section.id
            self.fields[f"{sid}_status"] = forms.ChoiceField(
                label=f"{row.section.title}: status",
                choices=PreparationStep.Status.choices,
                widget=forms.RadioSelect,
                initial=row.status,
            )
            self.fields[f"{sid}_note"] = forms.CharField(
                label=f"{row.section.title}: note", required=False, initial=row.note
            )

    def rows(self) -> list[tuple[services.SectionProgress, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"{row.section.id}_status"], self[f"{row.section.id}_note"]) for row in self.progress.sections
        ]

    def to_steps(self) -> dict[str, services.StepInput]:
        d = self.cleaned_data
        return {
            row.section.id: services.StepInput(d[f"{row.section.id}_status"], d[f"{row.section.id}_note"])
            for row in self.progress.sections
        }
