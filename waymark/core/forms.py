from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from waymark.core.models import Program
from waymark.core.roles import ROLE_LABELS, Role


class TotpForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label="6-digit code from your authenticator app",
        error_messages={"invalid": "Enter the 6 digits shown in your authenticator app."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class _NewPasswordForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        max_length=150,
        help_text="3 or more letters, digits or . @ + - _ (a nickname is fine).",
        error_messages={"invalid": "Use 3 or more letters, digits or . @ + - _ only."},
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text=password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords are different.")
        return data


class SignUpForm(_NewPasswordForm):
    email = forms.EmailField(required=False, help_text="Optional. Only for resetting your password.")


class InvitationAcceptForm(_NewPasswordForm):
    pass


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which integration will use it, e.g. “lab interface”.")


STAFF_ROLES = [(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.PATIENT]


class StaffCreateForm(_NewPasswordForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=STAFF_ROLES)

    field_order = ["first_name", "last_name", "username", "email", "role", "password1", "password2"]

    def __init__(self, *args: Any, program: Program | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])
