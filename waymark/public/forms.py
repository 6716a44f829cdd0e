"""The self-check form: one yes/no question per DSM-5 criterion, driven by the
instrument engine's definition (waymark.assess.instruments, REFERENCE.md §3),
worded in the page's language. It only checks the answers; nothing is saved."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from waymark.assess.instruments import Instrument

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Question:
    """One question as the page shows it: number, wording, the answer given (if any) and its error."""

    id: str
    number: int
    text: str
    yes_label: str
    no_label: str
    answer: str  # "yes", "no" or "" (not answered)
    error: str


class SelfCheckForm(forms.Form):
    # DSM-5: tolerance and withdrawal do not count when opioids are taken solely
    # under appropriate medical supervision (REFERENCE.md §3).
    supervised = forms.BooleanField(required=False)

    def __init__(self, instrument: Instrument, data: Any = None) -> None:
        super().__init__(data)
        self.instrument = instrument
        for number, item in enumerate(instrument.items, start=1):
            message = _("Question %(number)s is not answered: choose Yes or No.") % {"number": number}
            self.fields[item.id] = forms.ChoiceField(
                choices=[(YES, YES), (NO, NO)],
                error_messages={"required": message, "invalid_choice": message},
            )

    def answers(self) -> dict[str, bool]:
        """The answers as the engine takes them (item id → met); call after is_valid()."""
        return {item.id: self.cleaned_data[item.id] == YES for item in self.instrument.items}

    def questions(self) -> list[Question]:
        given = self.data if self.is_bound else {}
        result = []
        for number, item in enumerate(self.instrument.items, start=1):
            answer = given.get(item.id, "")
            labels = {YES if c.value else NO: c.label for c in item.choices}
            errors = self.errors.get(item.id) if self.is_bound else None
            result.append(
                Question(
                    id=item.id,
                    number=number,
                    text=item.text,
                    yes_label=labels[YES],
                    no_label=labels[NO],
                    answer=answer if answer in (YES, NO) else "",
                    error=str(errors[0]) if errors else "",
                )
            )
        return result
