"""The record-an-instrument form, generated from the instrument's definition:
one group of radio buttons per item, each button an allowed score with its
wording. The form parses what was chosen; services.py scores it against the
same definition and says what is wrong."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from waymark.assess import instruments
from waymark.assess.instruments import Instrument, Item, Value
from waymark.assess.models import InstrumentRecord
from waymark.assess.services import InstrumentInput
from waymark.labs.forms import DateTimeInput
from waymark.meds.forms_window import KeyedForm

ITEM_PREFIX = "item_"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish (Español)"}
REMISSION_CHOICES = [
    ("", "Not in remission"),
    ("early", "Early remission (no criterion but craving for 3 to under 12 months)"),
    ("sustained", "Sustained remission (no criterion but craving for 12 months or more)"),
]
# Instruments charted against the time since last use (REFERENCE.md §1: timing of repeat COWS).
ASK_LAST_USE = ("cows", "sows")


def _aware(value: dt.datetime, zone: Any) -> dt.datetime:
    """The typed wall-clock time in the program's zone (the field made it aware in the server's zone)."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=zone)


def _raw(value: Value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _choice_label(instrument: Instrument, value: Value, label: str) -> str:
    return label if instrument.boolean else f"{value} — {label}"


def item_field(instrument: Instrument, item: Item, number: int) -> forms.ChoiceField:
    allowed = ", ".join(_raw(v) for v in item.allowed())
    return forms.ChoiceField(
        label=f"{number}. {item.text}",
        widget=forms.RadioSelect,
        choices=[(_raw(c.value), _choice_label(instrument, c.value, c.label)) for c in item.choices],
        error_messages={
            "required": "Choose an answer for this item.",
            "invalid_choice": f"%(value)s is not an allowed answer for this item; allowed: {allowed}.",
        },
    )


class InstrumentForm(KeyedForm):
    administered_at = forms.DateTimeField(label="Given at", widget=DateTimeInput())
    context = forms.ChoiceField(label="Why it was given", choices=InstrumentRecord.Context.choices)
    language = forms.ChoiceField(label="Language it was given in", choices=[("en", "English")], initial="en")
    last_use_at = forms.DateTimeField(
        label="Last opioid use, as the person reports it",
        required=False,
        widget=DateTimeInput(),
        help_text="Optional. The COWS chart counts hours from it.",
    )
    under_medical_supervision = forms.BooleanField(
        label="Opioids are taken solely under appropriate medical supervision",
        required=False,
        help_text="Tolerance and withdrawal are then not counted (DSM-5; REFERENCE.md §3).",
    )
    remission = forms.ChoiceField(label="Remission", choices=REMISSION_CHOICES, required=False)
    specifiers = forms.MultipleChoiceField(
        label="Remission specifiers",
        choices=[(s, instruments.SPECIFIER_LABELS[s].capitalize()) for s in instruments.SPECIFIERS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, instrument: Instrument, zone: Any, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.zone = zone
        worded = instrument.translated(lang if lang in instrument.languages else "en")
        self.worded = worded
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in instrument.languages]
        if len(instrument.languages) == 1:
            language.widget = forms.HiddenInput()
        if not instrument.boolean:
            for name in ("under_medical_supervision", "remission", "specifiers"):
                del self.fields[name]
        if instrument.code not in ASK_LAST_USE:
            del self.fields["last_use_at"]
        for number, item in enumerate(worded.items, start=1):
            self.fields[ITEM_PREFIX + item.id] = item_field(instrument, item, number)
        if not self.is_bound:
            self.initial.setdefault("administered_at", timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("language", worded_language(instrument, lang))
            if instrument.code == "cows":
                self.initial.setdefault("context", InstrumentRecord.Context.DETOX_CHECK)

    def item_fields(self) -> list[forms.BoundField]:
        return [self[ITEM_PREFIX + item.id] for item in self.instrument.items]

    def option_fields(self) -> list[forms.BoundField]:
        names = ("under_medical_supervision", "remission", "specifiers")
        return [self[name] for name in names if name in self.fields]

    def answers(self) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for item in self.instrument.items:
            raw = self.cleaned_data[ITEM_PREFIX + item.id]
            out[item.id] = raw == "yes" if self.instrument.boolean else int(raw)
        return out

    def to_input(self) -> InstrumentInput:
        d = self.cleaned_data
        last_use = d.get("last_use_at")
        return InstrumentInput(
            instrument=self.instrument.code,
            answers=self.answers(),
            administered_at=_aware(d["administered_at"], self.zone),
            idempotency_key=d["idempotency_key"],
            context=d["context"],
            under_medical_supervision=bool(d.get("under_medical_supervision")),
            remission=d.get("remission") or None,
            specifiers=tuple(d.get("specifiers") or ()),
            last_use_at=_aware(last_use, self.zone) if last_use else None,
            language=d["language"],
            notes=d.get("notes", ""),
        )


def worded_language(instrument: Instrument, lang: str) -> str:
    return lang if lang in instrument.languages else "en"


# Service error keys → this form's field names.
def field_name(key: str) -> str:
    if key.startswith("answers."):
        return ITEM_PREFIX + key.removeprefix("answers.")
    if key in ("answers", "idempotency_key", "instrument", "episode"):
        return "__all__"
    return key
