"""Forms for drug testing. They parse what was typed; services.py decides what
may be saved and says what is wrong. Each write form carries an idempotency
key made when the page is rendered, so a double click records once."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from waymark.labs.analytes import ANALYTES
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.services import ResultInput, SpecimenInput
from waymark.meds.forms_window import KeyedForm

RESULT_CHOICES = [("", "Not tested"), *AnalyteResult.Result.choices]
TEMPERATURE_CHOICES = [("", "Not read"), ("yes", "In range"), ("no", "Out of range")]
# The usual point-of-care cup for people on medication for OUD: opioids, medications, and fentanyl.
DEFAULT_PANEL = ("opiates", "fentanyl", "buprenorphine", "methadone", "oxycodone")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _local_now(zone: Any) -> str:
    return timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _aware(value: dt.datetime, zone: Any) -> dt.datetime:
    """The typed wall-clock time, in the program's zone. The form field has already made it
    aware in the server's zone (UTC), so that zone is taken off again first."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zone)


class AnalyteFieldsMixin(forms.Form):
    """One result select per analyte (result_<code>), plus value and cut-off when `quantitative`."""

    quantitative = False

    def add_analyte_fields(self) -> None:
        for code, analyte in ANALYTES.items():
            self.fields[f"result_{code.value}"] = forms.ChoiceField(
                label=analyte.label, choices=RESULT_CHOICES, required=False
            )
            if self.quantitative:
                self.fields[f"value_{code.value}"] = forms.DecimalField(
                    label=f"{analyte.label} value (ng/mL)", required=False, min_value=0, max_digits=10, decimal_places=2
                )
                self.fields[f"cutoff_{code.value}"] = forms.DecimalField(
                    label=f"{analyte.label} cut-off (ng/mL)",
                    required=False,
                    min_value=0,
                    max_digits=10,
                    decimal_places=2,
                )

    def analyte_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": a.label,
                "loinc": a.loinc,
                "result": self[f"result_{code.value}"],
                "value": self[f"value_{code.value}"] if self.quantitative else None,
                "cutoff": self[f"cutoff_{code.value}"] if self.quantitative else None,
            }
            for code, a in ANALYTES.items()
        ]

    def results(self, method: str, resulted_at: dt.datetime | None = None) -> list[ResultInput]:
        out = []
        for code in ANALYTES:
            result = self.cleaned_data.get(f"result_{code.value}")
            if not result:
                continue
            out.append(
                ResultInput(
                    analyte=code.value,
                    result=result,
                    method=method,
                    value_ng_ml=self.cleaned_data.get(f"value_{code.value}"),
                    cutoff_ng_ml=self.cleaned_data.get(f"cutoff_{code.value}"),
                    resulted_at=resulted_at,
                )
            )
        return out


class SpecimenForm(KeyedForm, AnalyteFieldsMixin):
    """A collected specimen with its point-of-care results (any analyte may be left untested)."""

    collected_at = forms.DateTimeField(label="Collected at", widget=DateTimeInput())
    kind = forms.ChoiceField(label="Specimen", choices=Specimen.Kind.choices, initial=Specimen.Kind.URINE)
    observed = forms.BooleanField(label="Collection observed", required=False)
    temperature = forms.ChoiceField(
        label="Urine temperature strip", choices=TEMPERATURE_CHOICES, required=False, help_text="Urine cups only."
    )
    reason = forms.ChoiceField(label="Why this test", choices=Specimen.Reason.choices)
    notes = forms.CharField(label="Notes", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.add_analyte_fields()
        if not self.is_bound:
            self.initial.setdefault("collected_at", _local_now(zone))
            for code in DEFAULT_PANEL:
                self.fields[f"result_{code}"].widget.attrs["data-panel"] = "default"

    def to_input(self) -> SpecimenInput:
        d = self.cleaned_data
        temperature = {"yes": True, "no": False}.get(d["temperature"])
        return SpecimenInput(
            idempotency_key=d["idempotency_key"],
            collected_at=_aware(d["collected_at"], self.zone),
            status=Specimen.Status.COLLECTED,
            kind=d["kind"],
            observed=d["observed"],
            temperature_in_range=temperature,
            reason=d["reason"],
            notes=d["notes"],
            results=self.results(AnalyteResult.Method.POINT_OF_CARE),
        )


class MissedTestForm(KeyedForm):
    status = forms.ChoiceField(
        label="What happened",
        choices=[(Specimen.Status.MISSED, "Missed: did not come for the test"), (Specimen.Status.REFUSED, "Refused")],
        widget=forms.RadioSelect,
    )
    due_at = forms.DateTimeField(label="The test was due at", widget=DateTimeInput())
    reason = forms.ChoiceField(label="Test type", choices=Specimen.Reason.choices)
    notes = forms.CharField(label="Notes", required=False, max_length=500)

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        # Shown on the same page as SpecimenForm: its own element ids, so each label names its own field.
        kwargs.setdefault("auto_id", "id_missed_%s")
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not self.is_bound:
            self.initial.setdefault("due_at", _local_now(zone))

    def to_input(self) -> SpecimenInput:
        d = self.cleaned_data
        return SpecimenInput(
            idempotency_key=d["idempotency_key"],
            collected_at=_aware(d["due_at"], self.zone),
            status=d["status"],
            reason=d["reason"],
            notes=d["notes"],
        )


class ResultsForm(AnalyteFieldsMixin):
    """Results added to a collected specimen: the laboratory's report, or point-of-care results entered later."""

    quantitative = True
    method = forms.ChoiceField(label="Method", choices=AnalyteResult.Method.choices, initial=AnalyteResult.Method.LAB)
    resulted_at = forms.DateTimeField(label="Resulted at", widget=DateTimeInput())

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.add_analyte_fields()
        if not self.is_bound:
            self.initial.setdefault("resulted_at", _local_now(zone))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code in ANALYTES:
            has_number = data.get(f"value_{code.value}") is not None or data.get(f"cutoff_{code.value}") is not None
            if has_number and not data.get(f"result_{code.value}"):
                self.add_error(f"result_{code.value}", "Give the result for a value you entered.")
        return data

    def to_results(self) -> list[ResultInput]:
        return self.results(self.cleaned_data["method"], _aware(self.cleaned_data["resulted_at"], self.zone))


class RandomScheduleForm(forms.Form):
    per_month = forms.IntegerField(label="Random tests per person per month", min_value=1, max_value=31, initial=4)
    open_weekdays = forms.TypedMultipleChoiceField(
        label="Days the site collects specimens",
        coerce=int,
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ],
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4, 5],
    )
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    starts_on = forms.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "Every site of the program"), *sites]  # type: ignore[attr-defined]
