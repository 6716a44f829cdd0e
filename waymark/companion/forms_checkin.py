"""The daily check-in form: parses what was tapped and typed; services.save_check_in decides what may be
saved (ranges, which day) and the view puts its errors next to the fields.

Everything is optional except mood and craving, so a check-in takes a few taps. `client_id` is made when
the page is drawn (or by the phone, offline), so the same form sent twice is saved once.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.companion import services
from waymark.companion.models import TRIGGERS, CheckIn

# Mood 1–5: a word for each (the face beside it is decoration; the word carries the meaning).
MOODS: tuple[tuple[int, Any, str], ...] = (
    (1, _("Very low"), "😞"),
    (2, _("Low"), "😟"),
    (3, _("Okay"), "😐"),
    (4, _("Good"), "😊"),
    (5, _("Very good"), "😄"),
)
MOOD_LABELS = {value: label for value, label, _face in MOODS}
CRAVINGS = tuple(range(11))

# The trigger keys of models.TRIGGERS, in words the translators see.
TRIGGER_LABELS: dict[str, Any] = {
    "people": _("People"),
    "places": _("Places"),
    "stress": _("Stress"),
    "pain": _("Pain"),
    "boredom": _("Boredom"),
    "conflict": _("Conflict"),
    "money": _("Money"),
    "sleep": _("Poor sleep"),
    "loneliness": _("Loneliness"),
    "celebration": _("Celebrating"),
    "cues": _("Seeing or hearing about use"),
}
TRIGGER_CHOICES = [(key, TRIGGER_LABELS.get(key, label)) for key, label in TRIGGERS]

MEDICATION_CHOICES = [
    (CheckIn.Medication.YES.value, _("Yes")),
    (CheckIn.Medication.NO.value, _("No")),
    (CheckIn.Medication.NOT_APPLICABLE.value, _("I don't take medication")),
]
USED_CHOICES = [("no", _("No")), ("yes", _("Yes")), ("prefer_not", _("I'd rather not say"))]
USED_VALUES: dict[str, bool | None] = {"no": False, "yes": True, "prefer_not": None, "": None}

# The yes/no habits, in the order they appear (support and meetings, then the healthy routine).
SUPPORT_FIELDS = ("support_contact", "meeting_attended")
ROUTINE_FIELDS = ("exercised", "regular_meals", "mindfulness")


class CheckInForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    # The person's own day this form was drawn for; services refuses a future day or changing an earlier one.
    day = forms.DateField(widget=forms.HiddenInput, required=False)
    mood = forms.TypedChoiceField(
        label=_("How is your mood?"),
        choices=[(value, label) for value, label, _face in MOODS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how your mood is, from 1 (very low) to 5 (very good)."),
            "invalid_choice": _("Choose how your mood is, from 1 (very low) to 5 (very good)."),
        },
    )
    craving = forms.TypedChoiceField(
        label=_("How strong is your craving?"),
        help_text=_("0 means no craving, 10 the strongest you can imagine."),
        choices=[(value, str(value)) for value in CRAVINGS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose your craving, from 0 (none) to 10 (strongest)."),
            "invalid_choice": _("Choose your craving, from 0 (none) to 10 (strongest)."),
        },
    )
    triggers = forms.MultipleChoiceField(
        label=_("Did anything trigger a craving today?"),
        help_text=_("Tick any that apply."),
        choices=TRIGGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose triggers from the list, or write your own below.")},
    )
    own_triggers = forms.CharField(
        label=_("Something else, in your own words"),
        required=False,
        max_length=300,
        error_messages={"max_length": _("Please keep this under 300 characters.")},
    )
    sleep_hours = forms.DecimalField(
        label=_("Hours of sleep last night"),
        help_text=_("For example 7 or 6.5."),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(24),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Hours of sleep must be a number from 0 to 24."),
            "min_value": _("Hours of sleep must be a number from 0 to 24."),
            "max_value": _("Hours of sleep must be a number from 0 to 24."),
            "max_digits": _("Hours of sleep must be a number from 0 to 24."),
            "max_decimal_places": _("Hours of sleep can have one decimal place, for example 6.5."),
            "max_whole_digits": _("Hours of sleep must be a number from 0 to 24."),
        },
    )
    medication_taken = forms.ChoiceField(
        label=_("Did you take your medication today?"),
        choices=MEDICATION_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose yes, no, or that you don't take medication.")},
    )
    used_today = forms.ChoiceField(
        label=_("Did you use today?"),
        help_text=_("An honest answer helps you see what helps. There is no wrong answer here."),
        choices=USED_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose no, yes, or that you'd rather not say.")},
    )
    support_contact = forms.BooleanField(label=_("I talked with someone who supports me"), required=False)
    meeting_attended = forms.BooleanField(label=_("I went to a meeting (NA, SMART Recovery or other)"), required=False)
    exercised = forms.BooleanField(label=_("Exercise or a walk"), required=False)
    regular_meals = forms.BooleanField(label=_("Regular meals"), required=False)
    mindfulness = forms.BooleanField(label=_("Mindfulness, prayer or quiet time"), required=False)
    note = forms.CharField(
        label=_("Anything else about today? (optional)"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Please keep your note under %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # questions end with their own punctuation
        super().__init__(*args, **kwargs)

    def to_input(self) -> services.CheckInInput:
        data = self.cleaned_data
        return services.CheckInInput(
            mood=data["mood"],
            craving=data["craving"],
            triggers=tuple(data["triggers"]),
            own_triggers=data["own_triggers"],
            sleep_hours=data["sleep_hours"],
            medication_taken=data["medication_taken"],
            used_today=USED_VALUES[data["used_today"]],
            support_contact=data["support_contact"],
            meeting_attended=data["meeting_attended"],
            exercised=data["exercised"],
            regular_meals=data["regular_meals"],
            mindfulness=data["mindfulness"],
            note=data["note"],
        )

    @property
    def mood_choices(self) -> list[tuple[Any, str]]:
        """Each mood radio with its face (decoration beside the word)."""
        faces = {str(value): face for value, _label, face in MOODS}
        return [(choice, faces[str(choice.data["value"])]) for choice in self["mood"]]

    @property
    def support_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SUPPORT_FIELDS]

    @property
    def routine_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ROUTINE_FIELDS]


def initial_for(check_in: CheckIn | None, day: dt.date) -> dict[str, Any]:
    """A fresh form's values: today's answers when there are some (so they can be changed), and a new client id."""
    initial: dict[str, Any] = {"client_id": uuid.uuid4(), "day": day}
    if check_in is None:
        return initial
    # None is stored both for "I'd rather not say" and for no answer: show it as not said.
    used = {True: "yes", False: "no", None: "prefer_not"}[check_in.used_today]
    initial.update(
        mood=check_in.mood,
        craving=check_in.craving,
        triggers=list(check_in.triggers or []),
        own_triggers=check_in.own_triggers,
        sleep_hours=check_in.sleep_hours,
        medication_taken=check_in.medication_taken,
        used_today=used,
        note=check_in.note,
        **{name: getattr(check_in, name) for name in (*SUPPORT_FIELDS, *ROUTINE_FIELDS)},
    )
    return initial
