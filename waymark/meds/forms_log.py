"""Forms of the dispensing log, stock and naloxone pages. They parse the input;
the rules (no future dates, amounts above zero, expiry after receipt …) are
checked in stock.py, whose errors name these fields."""

import uuid
from typing import Any

from django import forms

from waymark.chart.forms import DateInput
from waymark.core.models import Site
from waymark.meds.models import MEDICATION_CHOICES, NaloxoneKit, StockLot, StockMovement

MEDICATION_ERRORS = {
    "invalid_choice": "%(value)s is not a medication in the catalogue; choose one from the list.",
    "required": "Choose the medication.",
}
DATE_ERRORS = {"invalid": "Enter a date as YYYY-MM-DD."}
MG_ERRORS = {"invalid": "Enter a number of mg, e.g. 10000 or 2.5.", "required": "Enter the amount in mg."}


def _mg_field(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, help_text=help_text, error_messages=MG_ERRORS)


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), error_messages=DATE_ERRORS, **kwargs)


class _SiteForm(forms.Form):
    """A form whose `site` is one of the program's sites."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(program_id=program_id).order_by("name")  # type: ignore[attr-defined]
        self.fields["site"].error_messages["invalid_choice"] = "Choose one of the program's sites."


class LogDayForm(_SiteForm):
    """Which day's log, at which site (a GET form: no patient data in it)."""

    day = _date_field("Clinic day", required=False)
    field_order = ["day", "site"]

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, program_id=program_id, **kwargs)
        self.fields["site"].required = False


class SignOffForm(_SiteForm):
    day = forms.DateField(widget=forms.HiddenInput, error_messages=DATE_ERRORS)
    site = forms.ModelChoiceField(queryset=Site.objects.none(), widget=forms.HiddenInput)


class StockLotForm(_SiteForm):
    medication = forms.ChoiceField(choices=MEDICATION_CHOICES, error_messages=MEDICATION_ERRORS)
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", required=False, help_text="Liquids only, e.g. 10 for methadone 10 mg/mL."
    )
    lot_number = forms.CharField(
        max_length=40, error_messages={"required": "Enter the lot number printed on the stock."}
    )
    expires_on = _date_field("Expiry date")
    received_on = _date_field("Date received")
    received_mg = _mg_field("Amount received (mg)", "For a liquid: mL × mg/mL (1,000 mL at 10 mg/mL is 10,000 mg).")


class StockMovementForm(forms.Form):
    lot = forms.ModelChoiceField(queryset=StockLot.objects.none(), label="Lot")
    kind = forms.ChoiceField(choices=StockMovement.Kind.choices, widget=forms.RadioSelect, label="What happened")
    clinic_day = _date_field("Date")
    amount_mg = _mg_field(
        "Amount (mg)", "Waste: the mg lost (more than 0). Adjustment: + adds to stock, − takes away (not 0)."
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"required": "Say why (spilled, bottle broken, count correction …)."},
    )

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = (  # type: ignore[attr-defined]
            StockLot.objects.filter(site__program_id=program_id).select_related("site").order_by("-received_on", "pk")
        )
        self.fields["lot"].label_from_instance = (  # type: ignore[attr-defined]
            lambda lot: f"{lot.get_medication_display()} · lot {lot.lot_number} · {lot.site.name}"
        )


class StockCountForm(_SiteForm):
    medication = forms.ChoiceField(choices=MEDICATION_CHOICES, error_messages=MEDICATION_ERRORS)
    clinic_day = _date_field("Date of the count", help_text="The stock on the shelf at the close of that day.")
    counted_mg = _mg_field("Counted (mg)", "For a liquid: mL × mg/mL. 0 if the shelf is empty.")


class ReconciliationForm(_SiteForm):
    medication = forms.ChoiceField(choices=MEDICATION_CHOICES, error_messages=MEDICATION_ERRORS)
    start = _date_field("From")
    end = _date_field("To")


class NaloxoneKitForm(forms.Form):
    given_on = _date_field("Date given")
    count = forms.IntegerField(label="Number of kits", min_value=1, max_value=50)
    recipient = forms.ChoiceField(
        choices=NaloxoneKit.Recipient.choices,
        label="Given to",
        error_messages={"required": "Choose who received them."},
    )
    recipient_name = forms.CharField(
        max_length=120,
        required=False,
        label="Their name",
        help_text="When the kits go to someone other than the patient.",
    )
    training_done = forms.BooleanField(required=False, label="Showed how to use it (overdose response training)")
    lot_number = forms.CharField(max_length=40, required=False, label="Lot number")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", str(uuid.uuid4()))
        kwargs["initial"].setdefault("count", 1)
        super().__init__(*args, **kwargs)


class NaloxoneMonthForm(forms.Form):
    month = forms.DateField(
        input_formats=["%Y-%m"],
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Enter a month as YYYY-MM."},
    )
