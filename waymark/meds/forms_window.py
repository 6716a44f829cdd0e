"""Forms at the dosing window. Each carries an idempotency key made when the form
is rendered, so a double click or a resubmitted page records exactly once.

The forms only parse what was typed; whether it may be given (the order, the
10-fold check, holds, rules) is decided by services.py, whose errors the views
put next to the fields."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django import forms

from waymark.chart.forms import DateInput
from waymark.meds.models import DoseAdministration, Injection

Outcome = DoseAdministration.Outcome


def new_key() -> str:
    return str(uuid.uuid4())


class KeyedForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())


class DoseForm(KeyedForm):
    slot = forms.TypedChoiceField(label="Dose (slot)", coerce=int)
    outcome = forms.ChoiceField(
        label="Outcome",
        widget=forms.RadioSelect,
        choices=[(o.value, o.label) for o in (Outcome.OBSERVED, Outcome.REFUSED, Outcome.HELD)],
        initial=Outcome.OBSERVED,
    )
    amount_mg = forms.DecimalField(
        label="Amount given (mg)",
        required=False,
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=3,
        help_text="Type the amount you measured; it must match the ordered dose for the slot.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "autocomplete": "off"}),
    )
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration of the solution (mg/mL)",
        required=False,
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=2,
        help_text="Read it from the stock bottle's label.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "autocomplete": "off"}),
    )
    identity_checked = forms.BooleanField(
        label="Identity checked (photo, name and date of birth match the person at the window)", required=False
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        help_text="Required when the dose is refused or held: say why.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        slots: list[Decimal],
        liquid: bool,
        on_hold: bool = False,
        next_slot: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        slot_field: forms.TypedChoiceField = self.fields["slot"]  # type: ignore[assignment]
        slot_field.choices = [(n, f"Slot {n} of {len(slots)}: {mg:g} mg") for n, mg in enumerate(slots, start=1)]
        if next_slot is not None:
            self.initial.setdefault("slot", next_slot)
        if len(slots) == 1:
            slot_field.widget = forms.HiddenInput()
        if not liquid:
            del self.fields["concentration_mg_per_ml"]
        if on_hold:
            # Nobody is dosed while a hold is active; the nurse may record that the dose was held.
            outcome: forms.ChoiceField = self.fields["outcome"]  # type: ignore[assignment]
            outcome.choices = [(o.value, o.label) for o in (Outcome.HELD, Outcome.REFUSED)]
            self.initial["outcome"] = Outcome.HELD
            del self.fields["amount_mg"]
            self.fields.pop("concentration_mg_per_ml", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.OBSERVED and not data.get("identity_checked"):
            self.add_error("identity_checked", "Check the person's identity against the photo and details first.")
        return data


class TakeHomeForm(KeyedForm):
    first_day = forms.DateField(label="First take-home day", widget=DateInput())
    last_day = forms.DateField(label="Last take-home day", widget=DateInput())
    lot_number = forms.CharField(label="Lot number of the stock bottle", max_length=40)

    def __init__(self, *args: Any, day: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tomorrow = day + dt.timedelta(days=1)
        self.initial.setdefault("first_day", tomorrow)
        self.initial.setdefault("last_day", tomorrow)


class TakeHomeReturnForm(forms.Form):
    bottles_returned = forms.IntegerField(label="Bottles returned", min_value=0, max_value=100)
    return_note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        help_text="Required when bottles are missing: what the patient said.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, take_home_id: int, **kwargs: Any) -> None:
        kwargs["prefix"] = f"return-{take_home_id}"
        super().__init__(*args, **kwargs)


class InjectionForm(KeyedForm):
    body_site = forms.ChoiceField(label="Injection site", choices=[("", "Choose…"), *Injection.BodySite.choices])
    lot_number = forms.CharField(label="Lot number", max_length=40)
