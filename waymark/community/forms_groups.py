"""Forms for joining, starting and filling groups. They parse what was typed; services.py decides what may be
saved and says what is wrong, and the views put those errors next to the fields (422, nothing saved)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.community.services import MAX_NAME

NAME_HELP = _("What others in the group see. It need not be your real name; you can change it later.")


def _display_name() -> forms.CharField:
    return forms.CharField(
        label=_("Your name in the group"),
        max_length=MAX_NAME,
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={
            "required": _("Choose a name to show in the group (it need not be your real name)."),
            "max_length": _("Keep the name under %(limit_value)d characters."),
        },
    )


def _group_name(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Give the group a name of up to 80 characters."),
            "max_length": _("Give the group a name of up to 80 characters."),
        },
    )


class _Form(forms.Form):
    """Several of these forms share a page: each gets its own id prefix so labels point at the right field."""

    id_prefix = "group"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class JoinForm(_Form):
    id_prefix = "join"
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=40,
        help_text=_("The 10 letters and numbers you were given. Spaces and small letters are fine."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Type the invitation code you were given.")},
    )
    display_name = _display_name()


class PairForm(_Form):
    id_prefix = "pair"
    role = forms.ChoiceField(
        label=_("In this pair I am"),
        choices=[("mentee", _("the mentee (I want my sponsor here)")), ("sponsor", _("the sponsor"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you are the sponsor or the mentee.")},
    )
    display_name = _display_name()

    @property
    def as_sponsor(self) -> bool:
        return self.cleaned_data["role"] == "sponsor"


class OpenGroupForm(_Form):
    id_prefix = "open"
    name = _group_name(_("Group name"))
    display_name = _display_name()


class CohortForm(_Form):
    id_prefix = "cohort"
    name = _group_name(_("Group name"))


class _ChooseOneForm(_Form):
    """One person chosen from a list the view gives (never a typed id): the field `chosen` names."""

    chosen: str
    placeholder: Any

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.chosen].choices = [("", self.placeholder), *choices]  # type: ignore[attr-defined]


class AddPatientForm(_ChooseOneForm):
    """A patient of the program with an account."""

    id_prefix = "add-patient"
    chosen = "patient"
    placeholder = _("Choose a patient")

    patient = forms.TypedChoiceField(
        label=_("Patient"),
        coerce=int,
        error_messages={
            "required": _("Choose a patient."),
            "invalid_choice": _("Choose one of the program's patients in the list."),
        },
    )


class AddModeratorForm(_ChooseOneForm):
    """A peer moderator of the program, who moderates the group."""

    id_prefix = "add-moderator"
    chosen = "moderator"
    placeholder = _("Choose a peer moderator")

    moderator = forms.TypedChoiceField(
        label=_("Peer moderator"),
        coerce=int,
        error_messages={
            "required": _("Choose a peer moderator."),
            "invalid_choice": _("Choose one of the program's peer moderators in the list."),
        },
    )
