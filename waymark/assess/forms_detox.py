"""Forms for withdrawal management. They parse what was typed; services_detox.py
decides what may be saved and says what is wrong (COWS items by the instrument
engine, vitals by their plausible ranges), and the views put its errors next to
the fields. Write forms carry an idempotency key made when the page is rendered,
so a double click records once. Times are typed as the clinic's wall-clock time."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from waymark.assess import detox, instruments
from waymark.assess.models import DetoxStay
from waymark.assess.services_detox import NEXT_LEVELS, CheckInput, DischargeInput, StayInput
from waymark.labs.forms import DateTimeInput
from waymark.meds.forms_window import KeyedForm

YES_NO = [("yes", "Yes"), ("no", "No")]
UNITS = [("F", "°F"), ("C", "°C")]


def _local_now(zone: Any) -> str:
    return timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _aware(value: dt.datetime | None, zone: Any) -> dt.datetime | None:
    """The typed wall-clock time in the program's zone (the form field made it aware in the server's zone)."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zone)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _number(attrs: dict[str, str] | None = None) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


class StartStayForm(KeyedForm):
    # "Not recorded" is only for imported stays.
    protocol = forms.ChoiceField(
        label="Protocol",
        choices=[c for c in DetoxStay.Protocol.choices if c[0] != DetoxStay.Protocol.NOT_RECORDED],
        widget=forms.RadioSelect,
    )
    started_at = forms.DateTimeField(label="Stay started at", widget=DateTimeInput())
    last_use_at = forms.DateTimeField(
        label="Last opioid use (as the person reports it)",
        required=False,
        widget=DateTimeInput(),
        help_text="Used to chart COWS against hours since last use. Leave empty if unknown.",
    )
    expected_days = forms.IntegerField(
        label="Expected length (days)",
        widget=_number(),
        help_text="Typically 5–7 days; up to 10–14 for some people. Allowed 1–14.",
    )
    check_every_hours = forms.IntegerField(
        label="COWS check every (hours)", widget=_number(), help_text="The program's default; 1–24."
    )
    site = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, zone: Any, settings: detox.DetoxSettings, sites: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["site"].choices = [("", "The episode's site"), *sites]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("started_at", _local_now(zone))
            self.initial.setdefault("expected_days", settings.expected_days)
            self.initial.setdefault("check_every_hours", settings.check_every_hours)

    def to_input(self) -> StayInput:
        d = self.cleaned_data
        started_at = _aware(d["started_at"], self.zone)
        assert started_at is not None
        return StayInput(
            idempotency_key=d["idempotency_key"],
            protocol=d["protocol"],
            started_at=started_at,
            last_use_at=_aware(d["last_use_at"], self.zone),
            expected_days=d["expected_days"],
            check_every_hours=d["check_every_hours"],
            notes=d["notes"],
        )


def cows_field_name(item_id: str) -> str:
    return f"cows_{item_id}"


class CheckForm(KeyedForm):
    """The COWS items as radio groups, from the instrument definition, then the vitals."""

    checked_at = forms.DateTimeField(label="Checked at", widget=DateTimeInput())
    pulse_bpm = forms.IntegerField(label="Pulse (beats/min)", required=False, widget=_number())
    systolic_mmhg = forms.IntegerField(label="Blood pressure, systolic (mmHg)", required=False, widget=_number())
    diastolic_mmhg = forms.IntegerField(label="Blood pressure, diastolic (mmHg)", required=False, widget=_number())
    temperature = forms.DecimalField(
        label="Temperature",
        required=False,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "autocomplete": "off"}),
    )
    temperature_unit = forms.ChoiceField(label="Unit", choices=UNITS, initial="F", widget=forms.RadioSelect)
    respiratory_rate = forms.IntegerField(label="Respiratory rate (breaths/min)", required=False, widget=_number())
    spo2_percent = forms.IntegerField(label="Oxygen saturation, SpO2 (%)", required=False, widget=_number())
    symptom_medication = forms.CharField(
        label="Symptom medication given",
        required=False,
        max_length=200,
        help_text="e.g. lofexidine 0.54 mg",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["idempotency_key", "checked_at"]

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        for item in instruments.COWS.items:
            # Any whole number is passed on: the engine says which scores an item allows, naming it.
            self.fields[cows_field_name(item.id)] = forms.IntegerField(
                label=item.text,
                required=False,
                widget=forms.RadioSelect(choices=[(c.value, f"{c.value} — {c.label}") for c in item.choices]),
            )
        if not self.is_bound:
            self.initial.setdefault("checked_at", _local_now(zone))

    def cows_fields(self) -> list[forms.BoundField]:
        return [self[cows_field_name(item.id)] for item in instruments.COWS.items]

    def vitals_fields(self) -> list[forms.BoundField]:
        names = ["pulse_bpm", "systolic_mmhg", "diastolic_mmhg", "respiratory_rate", "spo2_percent"]
        return [self[n] for n in names]

    def to_input(self) -> CheckInput:
        d = self.cleaned_data
        checked_at = _aware(d["checked_at"], self.zone)
        assert checked_at is not None
        return CheckInput(
            idempotency_key=d["idempotency_key"],
            checked_at=checked_at,
            answers={item.id: d.get(cows_field_name(item.id)) for item in instruments.COWS.items},
            pulse_bpm=d["pulse_bpm"],
            systolic_mmhg=d["systolic_mmhg"],
            diastolic_mmhg=d["diastolic_mmhg"],
            temperature=d["temperature"],
            temperature_unit=d["temperature_unit"],
            respiratory_rate=d["respiratory_rate"],
            spo2_percent=d["spo2_percent"],
            symptom_medication=d["symptom_medication"],
            notes=d["notes"],
        )


class DischargeForm(forms.Form):
    """The discharge with its continuing-care plan. Every part is asked for; the service names what is missing."""

    discharged_at = forms.DateTimeField(label="Discharged at", widget=DateTimeInput())
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…"), *DetoxStay.Outcome.choices], required=False)
    next_level_of_care = forms.ChoiceField(
        label="Next level of care", choices=[("", "Choose…"), *NEXT_LEVELS], required=False
    )
    continuing_care_with = forms.CharField(
        label="Continuing care with",
        required=False,
        max_length=200,
        help_text="The program, clinic or prescriber the person goes to next.",
    )
    first_appointment_at = forms.DateTimeField(label="First appointment", required=False, widget=DateTimeInput())
    no_appointment_reason = forms.CharField(label="If there is no appointment: why", required=False, max_length=300)
    medication_plan = forms.CharField(
        label="Medication plan", required=False, max_length=300, help_text="e.g. buprenorphine 16 mg daily, next dose"
    )
    naloxone_given = forms.ChoiceField(label="Naloxone given", choices=YES_NO, required=False, widget=forms.RadioSelect)
    overdose_risk_explained = forms.ChoiceField(
        label="Overdose risk after detox explained",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        help_text=detox.OVERDOSE_RISK_TEXT,
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_discharge_%s")
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not self.is_bound:
            self.initial.setdefault("discharged_at", _local_now(zone))

    def to_input(self) -> DischargeInput:
        d = self.cleaned_data
        discharged_at = _aware(d["discharged_at"], self.zone)
        assert discharged_at is not None
        return DischargeInput(
            discharged_at=discharged_at,
            outcome=d["outcome"],
            next_level_of_care=d["next_level_of_care"],
            continuing_care_with=d["continuing_care_with"],
            first_appointment_at=_aware(d["first_appointment_at"], self.zone),
            no_appointment_reason=d["no_appointment_reason"],
            naloxone_given=_yes_no(d["naloxone_given"]),
            overdose_risk_explained=_yes_no(d["overdose_risk_explained"]),
            medication_plan=d["medication_plan"],
            notes=d["notes"],
        )
