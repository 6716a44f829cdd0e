"""Forms for contingency management. They parse what was typed; services.py
decides what may be saved and says what is wrong."""

from decimal import Decimal
from typing import Any

from django import forms

from waymark.incentives.models import CmProgramme, Enrollment, Reward
from waymark.labs.analytes import ANALYTES, OPIOID_ANALYTES
from waymark.meds.forms_window import KeyedForm

DATE = forms.DateInput(attrs={"type": "date"})


def _money(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal(0), max_digits=9, decimal_places=2, **kwargs)


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    target = forms.ChoiceField(label="Target behaviour", choices=CmProgramme.Target.choices)
    target_analytes = forms.MultipleChoiceField(
        label="Specimen must be negative for",
        choices=[(a.code.value, a.label) for a in ANALYTES.values()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[a.value for a in OPIOID_ANALYTES],
        help_text="Specimen targets only.",
    )
    schedule = forms.ChoiceField(label="Schedule", choices=CmProgramme.Schedule.choices)
    duration_weeks = forms.IntegerField(label="Duration (weeks)", min_value=1, max_value=104, initial=12)
    annual_cap = _money("Annual cap per person ($)", initial=Decimal(750), help_text="REFERENCE.md §7: SAMHSA $750.")
    invalid_counts_as_missed = forms.BooleanField(
        label="An invalid result or out-of-range temperature counts as missed", required=False, initial=True
    )
    # Escalating vouchers (REFERENCE.md §7 defaults).
    start = _money("First voucher ($)", initial=Decimal("2.50"), required=False)
    increment = _money("Increase per consecutive success ($)", initial=Decimal("1.25"), required=False)
    bonus = _money("Bonus ($)", initial=Decimal(10), required=False)
    bonus_every = forms.IntegerField(
        label="Bonus every N in a row", min_value=1, max_value=100, initial=3, required=False
    )
    reset_recovery = forms.IntegerField(
        label="Successes after a reset that restore the earlier value",
        min_value=0,
        max_value=100,
        initial=5,
        required=False,
    )
    # Prize bowl: slips (composition is programme configuration).
    praise = forms.IntegerField(label="Praise slips", min_value=0, initial=250, required=False)
    small = forms.IntegerField(label="Small-prize slips", min_value=0, initial=209, required=False)
    large = forms.IntegerField(label="Large-prize slips", min_value=0, initial=40, required=False)
    jumbo = forms.IntegerField(label="Jumbo-prize slips", min_value=0, initial=1, required=False)
    small_value = _money("Small prize ($)", initial=Decimal(1), required=False)
    large_value = _money("Large prize ($)", initial=Decimal(20), required=False)
    jumbo_value = _money("Jumbo prize ($)", initial=Decimal(100), required=False)
    # Fixed.
    amount = _money("Fixed reward ($)", required=False)

    PARAMETERS = {
        CmProgramme.Schedule.ESCALATING: ("start", "increment", "bonus", "bonus_every", "reset_recovery"),
        CmProgramme.Schedule.PRIZE_BOWL: (
            "praise",
            "small",
            "large",
            "jumbo",
            "small_value",
            "large_value",
            "jumbo_value",
        ),
        CmProgramme.Schedule.FIXED: ("amount",),
    }

    def parameters(self) -> dict[str, Any]:
        d = self.cleaned_data
        names = self.PARAMETERS[CmProgramme.Schedule(d["schedule"])]
        return {n: (str(d[n]) if isinstance(d[n], Decimal) else d[n]) for n in names if d.get(n) is not None}


class RewardForm(forms.Form):
    name = forms.CharField(label="Reward", max_length=120, help_text="Gift cards, items, bus passes: never cash.")
    kind = forms.ChoiceField(label="Kind", choices=Reward.Kind.choices)
    value = _money("Value ($)")


class EnrollForm(forms.Form):
    programme = forms.ModelChoiceField(label="Programme", queryset=CmProgramme.objects.none())
    started_on = forms.DateField(label="Starts on", widget=DATE)

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = CmProgramme.objects.filter(program_id=program_id, active=True)  # type: ignore[attr-defined]


class RedeemForm(KeyedForm):
    reward = forms.ModelChoiceField(label="Reward", queryset=Reward.objects.none())

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(program_id=program_id, active=True)  # type: ignore[attr-defined]


class CheckForm(forms.Form):
    enrollment = forms.ModelChoiceField(label="Programme", queryset=Enrollment.objects.none())
    day = forms.DateField(label="Day", widget=DATE)
    met = forms.TypedChoiceField(
        label="Target",
        choices=[("yes", "Met"), ("no", "Not met")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", max_length=300, required=False)

    def __init__(self, *args: Any, enrollments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].queryset = enrollments  # type: ignore[attr-defined]
        self.fields["enrollment"].label_from_instance = lambda e: e.programme.name  # type: ignore[attr-defined]


class CorrectionForm(KeyedForm):
    amount = forms.DecimalField(
        label="Amount ($)", max_digits=9, decimal_places=2, help_text="Negative to take off, positive to add."
    )
    note = forms.CharField(label="Why", max_length=300)
