"""Forms of the prescriber's medication pages: orders (with day-by-day plans),
stops, holds, day overrides, take-home eligibility, ECGs, readiness checks and
co-use notes.

The forms parse and range-check what was typed, with messages that say what to
fix; the clinical rules and the final checks are services.py's, whose errors the
views put next to the same fields. Nothing here writes."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from waymark.chart.forms import DateInput
from waymark.meds.medications import Medication, info
from waymark.meds.models import MEDICATION_CHOICES, CoUse, MedicationOrder, ReadinessCheck, TakeHomeEligibility
from waymark.meds.rules import OpioidType

MAX_DOSES_A_DAY = 6
PLAN_KINDS = {MedicationOrder.Kind.TAPER.value, MedicationOrder.Kind.LOW_DOSE_INDUCTION.value}
SUBLINGUAL_BUPRENORPHINE = {Medication.BUPRENORPHINE.value, Medication.BUPRENORPHINE_NALOXONE.value}


def mg_text(value: Decimal) -> str:
    """A dose as people write it: 80, 37.5, 0.54 (no trailing zeros, no exponent)."""
    return format(value.normalize(), "f")


def doses_text(doses: Sequence[Decimal]) -> str:
    return ", ".join(mg_text(d) for d in doses)


def parse_doses(text: str) -> tuple[Decimal, ...]:
    """ "60, 40" → (60, 40). Raises ValidationError naming what is wrong."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not any(parts):
        raise forms.ValidationError("Enter the dose in mg: “80”, or “60, 40” for a split dose.")
    if any(re.fullmatch(r"0\d\d", p) for p in parts[1:]):
        raise forms.ValidationError(
            f"“{text.strip()}”: commas separate doses; write numbers without a thousands separator."
        )
    doses = []
    for part in parts:
        if not part:
            raise forms.ValidationError("Separate the doses with commas, with a number between each: “60, 40”.")
        number_text = part.removesuffix("mg").removesuffix("MG").strip()
        try:
            dose = Decimal(number_text)
        except InvalidOperation:
            raise forms.ValidationError(f"“{part}” is not a number of mg.") from None
        if not dose.is_finite():
            raise forms.ValidationError(f"“{part}” is not a number of mg.")
        if dose <= 0:
            raise forms.ValidationError(f"A dose must be more than 0 mg (got {mg_text(dose)}).")
        if dose != dose.quantize(Decimal("0.001")):
            raise forms.ValidationError(f"{part} mg has more than three decimal places.")
        doses.append(dose)
    if len(doses) > MAX_DOSES_A_DAY:
        raise forms.ValidationError(f"At most {MAX_DOSES_A_DAY} doses a day (got {len(doses)}).")
    return tuple(doses)


def dose_range_error(medication: str, doses: Sequence[Decimal]) -> str | None:
    """Catches typing errors (a dose of 1,000 mg); clinical limits are rules, not this."""
    meta = info(medication)
    for dose in doses:
        if not meta.min_dose_mg <= dose <= meta.max_dose_mg:
            return (
                f"{mg_text(dose)} mg is outside {mg_text(meta.min_dose_mg)}–{mg_text(meta.max_dose_mg)} mg "
                f"for {meta.label}; check the number."
            )
    if meta.fixed_dose_mg is not None and any(d != meta.fixed_dose_mg for d in doses):
        return f"{meta.label} is {mg_text(meta.fixed_dose_mg)} mg."
    return None


def _mg_field(label: str, help_text: str = "", **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=8,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "invalid": "Enter a number of mg.",
            "max_decimal_places": "At most three decimal places.",
            "max_digits": "That number is too long; check it.",
            "min_value": "Enter at least %(limit_value)s mg.",
            "max_value": "%(limit_value)s mg is the most this field takes; check the number.",
        },
        **kwargs,
    )


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _optional_text(label: str | None = None, help_text: str = "", rows: int = 2) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, max_length=2000, widget=_textarea(rows))


class OrderForm(forms.Form):
    """A new order, or a new version of an active one. With a plan (taper or
    low-dose induction), each day's doses come from the plan table instead of
    `slot_doses_mg`, and the order stops after the plan's last day."""

    medication = forms.ChoiceField(choices=MEDICATION_CHOICES)
    kind = forms.ChoiceField(choices=MedicationOrder.Kind.choices)
    slot_doses_mg = forms.CharField(
        label="Dose (mg)",
        required=False,
        max_length=100,
        help_text="One number per administration in a day: “80”, or “60, 40” for a split dose.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)",
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text="Liquids only (methadone oral solution).",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"invalid": "Enter the concentration in mg/mL, e.g. 10."},
    )
    frequency = forms.ChoiceField(choices=MedicationOrder.Frequency.choices)
    start_on = forms.DateField(label="Start date", widget=DateInput())
    stop_on = forms.DateField(label="Stop date", required=False, widget=DateInput(), help_text="Leave empty: open.")
    instructions = _optional_text()
    change_reason = _optional_text(
        "Reason for the change", "Needed when this replaces the active order for the same medication."
    )
    override_reason = _optional_text(
        "Your reason for going past these findings", "Saved with the order and audited.", rows=3
    )
    seen_orders = forms.CharField(widget=forms.HiddenInput, required=False)  # active orders when first shown
    taper_start_mg = _mg_field("Taper: start at (mg a day)", required=False, min_value=Decimal("0.001"))
    taper_step_mg = _mg_field("Taper: step down by (mg)", required=False, min_value=Decimal("0.001"))
    taper_interval_days = forms.IntegerField(
        label="Taper: every (days)",
        required=False,
        min_value=1,
        max_value=90,
        error_messages={
            "invalid": "Enter a whole number of days.",
            "min_value": "Step down at most once a day (1 day or more).",
            "max_value": "A step longer than 90 days: check the number.",
        },
    )
    taper_floor_mg = _mg_field(
        "Taper: stop at (mg)", "0 ends with the last step above 0 mg.", required=False, min_value=Decimal(0)
    )

    def __init__(
        self,
        *args: Any,
        replacing: dict[str, MedicationOrder],
        today: dt.date,
        with_plan: bool = False,
        generating: bool = False,
        changing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A change is a new version of the same medication; another medication is a new order.
        self.fields["medication"].disabled = changing
        self.replacing = replacing
        self.initial.setdefault("seen_orders", ",".join(str(o.pk) for o in replacing.values()))
        self.today = today
        self.with_plan = with_plan
        self.generating = generating

    def clean_start_on(self) -> dt.date:
        start: dt.date = self.cleaned_data["start_on"]
        if abs((start - self.today).days) > 366:
            raise forms.ValidationError(f"{start:%Y-%m-%d} is more than a year from today; check the year.")
        return start

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        medication = data.get("medication")
        if not medication:
            return data
        if not self.with_plan:
            self._clean_doses(medication)
        self._clean_concentration(medication)
        start, stop = data.get("start_on"), data.get("stop_on")
        if start and stop and stop < start and not self.with_plan:
            self.add_error("stop_on", "The stop date is before the start date.")
        if self.with_plan and data.get("kind") not in PLAN_KINDS:
            self.add_error("kind", "A day-by-day plan belongs to a taper or a low-dose induction; choose one.")
        if not self.generating:
            self._clean_replacing(medication)
        return data

    def _clean_doses(self, medication: str) -> None:
        try:
            doses = parse_doses(self.cleaned_data.get("slot_doses_mg", ""))
        except forms.ValidationError as exc:
            self.add_error("slot_doses_mg", exc)
            return
        problem = dose_range_error(medication, doses)
        if problem:
            self.add_error("slot_doses_mg", problem)
        else:
            self.cleaned_data["doses"] = doses

    def _clean_concentration(self, medication: str) -> None:
        meta = info(medication)
        concentration = self.cleaned_data.get("concentration_mg_per_ml")
        if "concentration_mg_per_ml" in self.errors:
            return
        if meta.liquid and concentration is None:
            self.add_error("concentration_mg_per_ml", f"{meta.label} is a liquid: enter its concentration in mg/mL.")
        elif meta.liquid and concentration is not None and not Decimal("0.1") <= concentration <= Decimal(100):
            self.add_error("concentration_mg_per_ml", f"{concentration} mg/mL is outside 0.1–100 mg/mL.")
        elif not meta.liquid and concentration is not None:
            self.add_error("concentration_mg_per_ml", f"{meta.label} is not a liquid; leave the concentration empty.")

    def _clean_replacing(self, medication: str) -> None:
        """A replaced order needs a reason, and must be the one the prescriber saw: a
        double click, or a colleague's change meanwhile, does not write a version blind."""
        active = self.replacing.get(medication)
        if active is None:
            return
        label = info(medication).label
        seen = self.data.get("seen_orders") if self.is_bound else None
        if seen is not None and str(active.pk) not in seen.split(","):
            self.add_error(
                None,
                f"The {label} order changed while you were writing this one (now version {active.version}, "
                f"{mg_text(active.dose_mg)} mg a day). Open the medication page again and review it first.",
            )
        elif not self.cleaned_data.get("change_reason", "").strip():
            self.add_error(
                "change_reason",
                f"Say why the order changes: it replaces the active {label} order "
                f"({mg_text(active.dose_mg)} mg, version {active.version}).",
            )


class PlanDayForm(forms.Form):
    doses = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 14}),
        error_messages={"required": "Enter this day's doses in mg, e.g. “0.5, 0.5”."},
    )

    def clean_doses(self) -> tuple[Decimal, ...]:
        return parse_doses(self.cleaned_data["doses"])


class BasePlanFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # Every day of a plan is checked, however the rows were posted: a blank day is an error, not a skip.
        return {**super().get_form_kwargs(index), "empty_permitted": False}


PlanFormSet = forms.formset_factory(
    PlanDayForm,
    formset=BasePlanFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=731,
    validate_max=True,
    absolute_max=731,
)


class StopOrderForm(forms.Form):
    reason = forms.CharField(
        label="Why the order stops",
        widget=_textarea(3),
        max_length=2000,
        error_messages={"required": "Say why the order stops."},
    )


class PlaceHoldForm(forms.Form):
    note = forms.CharField(
        label="Why dosing stops",
        widget=_textarea(3),
        max_length=2000,
        help_text="Nurses see this at the window. No dose is given until a prescriber releases the hold.",
        error_messages={"required": "Say why dosing stops (nurses see this at the window)."},
    )


class ReleaseHoldForm(forms.Form):
    note = forms.CharField(
        label="Your review",
        widget=_textarea(3),
        max_length=2000,
        help_text="What you assessed and the dose to restart at. To restart at another dose, change the order first.",
        error_messages={"required": "Record the review: what you assessed and the dose to restart at."},
    )


class DayOverrideForm(forms.Form):
    rule_id = forms.ChoiceField(label="Finding", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Your reason",
        widget=_textarea(3),
        max_length=2000,
        help_text="Holds for today only, at the window. Audited.",
        error_messages={"required": "An override needs a written reason."},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_id"].choices = choices  # type: ignore[attr-defined]
        self.fields["rule_id"].error_messages["invalid_choice"] = "Choose one of the findings shown."
        if len(choices) == 1:
            self.fields["rule_id"].initial = choices[0][0]


class NotFuture(forms.Form):
    """Dates checked against the program's clinic day (its time zone, not the server's)."""

    date_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for name in self.date_fields:
            self.fields[name].widget.attrs["max"] = today.isoformat()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.date_fields:
            value = data.get(name)
            if value is not None and value > self.today:
                self.add_error(name, f"{value:%Y-%m-%d} is in the future; enter the date it happened.")
        return data


class EligibilityForm(NotFuture, forms.ModelForm):
    """The six considerations of 42 CFR 8.12(i) (REFERENCE.md §5); each must be documented."""

    date_fields = ("assessed_on",)

    class Meta:
        model = TakeHomeEligibility
        fields = [
            "assessed_on",
            "no_active_use_or_risk",
            "no_active_use_or_risk_note",
            "regular_attendance",
            "regular_attendance_note",
            "no_serious_behaviour",
            "no_serious_behaviour_note",
            "no_recent_diversion",
            "no_recent_diversion_note",
            "safe_storage",
            "safe_storage_note",
            "other_considerations",
            "eligible",
        ]
        widgets = {"assessed_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].label = "Assessed on"
        for name in [*TakeHomeEligibility.CONSIDERATIONS, "other_considerations"]:
            field = self.fields[name if name == "other_considerations" else f"{name}_note"]
            field.widget = _textarea()
            field.required = True
            field.error_messages["required"] = "Document this consideration."
            if name != "other_considerations":
                field.label = "Note"
        self.fields["other_considerations"].help_text = "Anything else relevant; write “none” if there is nothing."

    def _post_clean(self) -> None:
        # The service creates the row, with the patient and practitioner known.
        pass


class EcgForm(NotFuture):
    date_fields = ("taken_on",)

    taken_on = forms.DateField(label="ECG taken on", widget=DateInput())
    qtc_ms = forms.IntegerField(
        label="QTc (ms)",
        min_value=250,
        max_value=800,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter the QTc in milliseconds, from the ECG report.",
            "invalid": "Enter the QTc as a whole number of milliseconds.",
            "min_value": "A QTc below %(limit_value)s ms is not plausible; check the reading (250–800).",
            "max_value": "A QTc above %(limit_value)s ms is not plausible; check the reading (250–800).",
        },
    )
    note = _optional_text()


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input read and shown in the program's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    zone: dt.tzinfo = dt.UTC

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)  # aware in the server's zone
        if result is None:
            return None
        return timezone.make_naive(result).replace(tzinfo=self.zone)


OPIOID_CHOICES = [(t.value, t.value.replace("_", "-").capitalize()) for t in OpioidType]
CHALLENGE_CHOICES = [("", "Not done"), ("passed", "Passed (no withdrawal)"), ("failed", "Failed (withdrawal)")]


class ReadinessForm(NotFuture):
    """Before buprenorphine induction (last use, type, COWS) or extended-release
    naltrexone (last use, type, negative test, optional naloxone challenge)."""

    date_fields = ("negative_test_on",)

    check_for = forms.ChoiceField(label="Readiness for", choices=ReadinessCheck.For.choices)
    assessed_at = LocalDateTimeField(label="Assessed at")
    last_use_at = LocalDateTimeField(
        label="Last opioid use", required=False, help_text="Leave empty if the person reports no recent use."
    )
    opioid_type = forms.ChoiceField(label="Opioid last used", choices=OPIOID_CHOICES)
    cows_total = forms.IntegerField(
        label="COWS total (0–48)",
        required=False,
        min_value=0,
        max_value=48,
        help_text="Buprenorphine: the current Clinical Opiate Withdrawal Scale total.",
        error_messages={
            "invalid": "Enter the COWS total as a whole number.",
            "min_value": "A COWS total is 0–48.",
            "max_value": "A COWS total is 0–48; check the sum.",
        },
    )
    negative_test_on = forms.DateField(
        label="Negative opioid test on", required=False, widget=DateInput(), help_text="Naltrexone: the date."
    )
    naloxone_challenge = forms.ChoiceField(
        label="Naloxone challenge", choices=CHALLENGE_CHOICES, required=False, help_text="Naltrexone, optional."
    )
    note = _optional_text()

    def __init__(self, *args: Any, zone: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("assessed_at", "last_use_at"):
            field = self.fields[name]
            assert isinstance(field, LocalDateTimeField)
            field.zone = zone
        if not self.is_bound:
            self.initial.setdefault("assessed_at", timezone.now().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        now = timezone.now() + dt.timedelta(minutes=5)
        for name in ("assessed_at", "last_use_at"):
            at = data.get(name)
            if at is not None and at > now:
                self.add_error(name, "That time is in the future.")
        assessed, last_use = data.get("assessed_at"), data.get("last_use_at")
        if assessed and last_use and last_use > assessed and "last_use_at" not in self.errors:
            self.add_error("last_use_at", "Last use is after the assessment; check both times.")
        if data.get("check_for") == ReadinessCheck.For.BUPRENORPHINE:
            if data.get("cows_total") is None and "cows_total" not in self.errors:
                self.add_error("cows_total", "Buprenorphine induction: enter the current COWS total (0–48).")
            if last_use is None and "last_use_at" not in self.errors:
                self.add_error("last_use_at", "Buprenorphine induction: enter the time of last opioid use.")
        challenge = data.get("naloxone_challenge") or ""
        data["naloxone_challenge_passed"] = {"passed": True, "failed": False}.get(challenge)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "check_for": data["check_for"],
            "assessed_at": data["assessed_at"],
            "last_use_at": data.get("last_use_at"),
            "opioid_type": data["opioid_type"],
            "cows_total": data.get("cows_total"),
            "negative_test_on": data.get("negative_test_on"),
            "naloxone_challenge_passed": data.get("naloxone_challenge_passed"),
            "note": data.get("note", ""),
        }


class CoUseForm(NotFuture):
    date_fields = ("noted_on",)

    substance = forms.ChoiceField(choices=CoUse.Substance.choices)
    noted_on = forms.DateField(label="Noted on", widget=DateInput())
    note = forms.CharField(
        label="What was seen or reported, and the plan",
        widget=_textarea(3),
        max_length=2000,
        help_text="Co-use is a warning at the window; medication is never withheld for it (FDA 2017).",
        error_messages={"required": "Document what was seen or reported and the plan to manage the risk."},
    )
