"""The outcomes dashboard's filter: a GET form (no patient data in it)."""

import datetime as dt
from typing import Any

from django import forms

from waymark.chart.forms import DateInput
from waymark.outcomes.report import GROUP_BY, OutcomeQuery

GROUP_LABELS = {
    "program": "Program",
    "site": "Site",
    "cohort": "Cohort",
    "level_of_care": "Level of care at admission",
    "medication": "Medication",
    "admission_month": "Month of admission",
}
GROUP_CHOICES = [(key, GROUP_LABELS[key]) for key in GROUP_BY]

MAX_DAYS = 3650  # ten years: longer than any episode the reports are meant for
MAX_RETENTION_MARKS = 6
DEFAULT_RETENTION = (30, 90, 180)  # REFERENCE.md §9: retention at 30/90/180 days
DEFAULT_GAP = 7  # REFERENCE.md §9: gaps of ≤7 days are allowed (HEDIS POD)

MISSING_POSITIVE = "positive"
MISSING_EXCLUDED = "excluded"
MISSING_CHOICES = [
    (MISSING_POSITIVE, "Count a missing specimen as positive (conservative)"),
    (MISSING_EXCLUDED, "Leave missing specimens out of the share"),
]
DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD."}


class OutcomeFilterForm(forms.Form):
    admitted_from = forms.DateField(
        label="Admitted from",
        required=False,
        widget=DateInput(),
        help_text="Leave both dates empty for every episode, imported history included.",
        error_messages=DATE_ERRORS,
    )
    admitted_to = forms.DateField(label="Admitted to", required=False, widget=DateInput(), error_messages=DATE_ERRORS)
    group_by = forms.ChoiceField(
        label="Group by",
        choices=GROUP_CHOICES,
        initial="cohort",
        required=False,
        error_messages={"invalid_choice": "Choose one of the groupings in the list."},
    )
    retention_days = forms.CharField(
        label="Retention at days",
        required=False,
        initial="30, 90, 180",
        max_length=60,
        help_text=f"Days since admission, separated by commas (up to {MAX_RETENTION_MARKS}), e.g. 30, 90, 180.",
    )
    allowed_gap_days = forms.IntegerField(
        label="Allowed gap in medication (days)",
        required=False,
        initial=DEFAULT_GAP,
        help_text="For continuity of pharmacotherapy: a longer gap ends it.",
        error_messages={"invalid": "Enter a whole number of days, e.g. 7."},
    )
    missing = forms.ChoiceField(
        label="Missing specimens",
        choices=MISSING_CHOICES,
        initial=MISSING_POSITIVE,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose how to count missing specimens."},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for name in ("admitted_from", "admitted_to"):
            self.fields[name].widget.attrs["max"] = today.isoformat()

    def _not_future(self, name: str) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get(name)
        if day is not None and day > self.today:
            raise forms.ValidationError(f"{day:%Y-%m-%d} is in the future; choose {self.today:%Y-%m-%d} or earlier.")
        return day

    def clean_admitted_from(self) -> dt.date | None:
        return self._not_future("admitted_from")

    def clean_admitted_to(self) -> dt.date | None:
        return self._not_future("admitted_to")

    def clean_group_by(self) -> str:
        return self.cleaned_data.get("group_by") or "cohort"

    def clean_retention_days(self) -> tuple[int, ...]:
        raw = (self.cleaned_data.get("retention_days") or "").strip()
        if not raw:
            return DEFAULT_RETENTION
        days: list[int] = []
        for part in raw.replace(";", ",").split(","):
            text = part.strip()
            if not text:
                continue
            try:
                day = int(text)
            except ValueError:
                raise forms.ValidationError(
                    f"“{text}” is not a whole number of days; write days separated by commas, e.g. 30, 90, 180."
                ) from None
            if not 1 <= day <= MAX_DAYS:
                raise forms.ValidationError(f"{day} is out of range: each day must be between 1 and {MAX_DAYS}.")
            days.append(day)
        unique = tuple(sorted(set(days)))
        if len(unique) > MAX_RETENTION_MARKS:
            raise forms.ValidationError(f"Choose at most {MAX_RETENTION_MARKS} days; you gave {len(unique)}.")
        return unique or DEFAULT_RETENTION

    def clean_allowed_gap_days(self) -> int:
        gap = self.cleaned_data.get("allowed_gap_days")
        if gap is None:
            return DEFAULT_GAP
        if not 0 <= gap <= MAX_DAYS:
            raise forms.ValidationError(f"The allowed gap must be between 0 and {MAX_DAYS} days; you gave {gap}.")
        return int(gap)

    def clean_missing(self) -> str:
        return self.cleaned_data.get("missing") or MISSING_POSITIVE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("admitted_from"), data.get("admitted_to")
        if start is not None and end is not None and start > end:
            self.add_error(
                "admitted_to",
                f"“Admitted to” ({end:%Y-%m-%d}) is before “Admitted from” ({start:%Y-%m-%d}); swap them.",
            )
        return data

    def query(self, program_id: int) -> OutcomeQuery:
        """The engine's query for the cleaned form (call after is_valid())."""
        data = self.cleaned_data
        return OutcomeQuery(
            program_ids=(program_id,),
            group_by=data["group_by"],
            admitted_from=data["admitted_from"],
            admitted_to=data["admitted_to"],
            retention_days=data["retention_days"],
            allowed_gap_days=data["allowed_gap_days"],
            missing_counts_as_positive=data["missing"] == MISSING_POSITIVE,
        )
