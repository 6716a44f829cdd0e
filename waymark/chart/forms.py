import datetime as dt
from typing import Any

from django import forms

from waymark.chart.models import CareTeamMember, Consent, Disclosure, Episode, LevelOfCare, Patient
from waymark.core.models import Program, User

MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientForm(forms.ModelForm):
    photo_upload = forms.FileField(
        label="Photo for identity check",
        required=False,
        help_text="JPEG, PNG or WebP, up to 2 MB. Shown to staff at the dosing window.",
    )

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex_at_birth",
            "gender_identity",
            "pronouns",
            "phone",
            "email",
            "address",
            "preferred_language",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "site",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "address": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = self.fields["site"].queryset.filter(program_id=program_id)  # type: ignore[attr-defined]
        self.fields["address"].widget.attrs["autocomplete"] = "off"
        self.program_id = program_id
        # A new chart needs the date of birth; an imported one that never had it can be saved until it is known.
        self.fields["date_of_birth"].required = not (self.instance.pk and self.instance.date_of_birth is None)

    def clean_date_of_birth(self) -> dt.date | None:
        # The model's check uses the server's date (UTC); the program's own day is what staff mean by "today",
        # so in the evening in America a date that is already "today" in UTC is still in the future.
        born = self.cleaned_data.get("date_of_birth")
        if born is not None and born > Program.objects.get(pk=self.program_id).clinic_day():
            raise forms.ValidationError(f"Date of birth {born:%Y-%m-%d} is in the future.")
        return born

    def clean_photo_upload(self) -> Any:
        upload = self.cleaned_data.get("photo_upload")
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(f"The photo is {upload.size // 1024} KB; the limit is 2 MB.")
        if upload.content_type not in PHOTO_TYPES:
            raise forms.ValidationError("Upload a JPEG, PNG or WebP image.")
        head = upload.read(12)
        upload.seek(0)
        if not (
            head.startswith(b"\xff\xd8\xff")
            or head.startswith(b"\x89PNG")
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        ):
            raise forms.ValidationError("That file is not a JPEG, PNG or WebP image.")
        return upload

    def validate_unique(self) -> None:
        # The program is set by the service; uniqueness of the MRN is checked there.
        pass


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = ["admitted_on", "site", "level_of_care", "primary_substance", "severity", "diagnosis", "cohort"]
        widgets = {"admitted_on": DateInput()}

    def __init__(self, *args: Any, program_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = self.fields["site"].queryset.filter(program_id=program_id)  # type: ignore[attr-defined]
        # "Not recorded" is for imported histories; staff say what the person uses (an imported episode keeps it).
        if self.instance.primary_substance != Episode.Substance.NOT_RECORDED:
            substance = self.fields["primary_substance"]
            substance.choices = [c for c in substance.choices if c[0] != Episode.Substance.NOT_RECORDED]  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The service checks the dates with errors naming the field ("Discharge
        # date is before the admission date."); the model's check constraint
        # would only say "Constraint … is violated."
        pass


class EpisodeEditForm(EpisodeForm):
    level_changed_on = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="If the level of care changes: the day it changed (default today).",
    )
    level_change_reason = forms.CharField(required=False, max_length=300, label="Reason for the level-of-care change")

    class Meta(EpisodeForm.Meta):
        fields = [*EpisodeForm.Meta.fields, "discharged_on", "discharge_reason"]
        widgets = {"admitted_on": DateInput(), "discharged_on": DateInput()}


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = [
            "kind",
            "disclosing_party",
            "information_description",
            "recipients",
            "purpose",
            "expiry_kind",
            "expires_on",
            "right_to_revoke_explained",
            "signed_by",
            "signed_on",
            "signed_by_representative",
        ]
        widgets = {
            "expires_on": DateInput(),
            "signed_on": DateInput(),
            "information_description": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
        }

    def validate_unique(self) -> None:
        pass

    def _post_clean(self) -> None:
        # Model-level checks run in the service, with the patient and program known.
        pass


class RevokeConsentForm(forms.Form):
    revoked_on = forms.DateField(widget=DateInput(), initial=dt.date.today, label="Date the patient revoked")
    note = forms.CharField(
        max_length=300,
        label="How it was revoked",
        help_text="e.g. “Signed revocation form, scanned to file”.",
        error_messages={"required": "Say how the patient revoked (e.g. 'signed revocation form')."},
    )


class DisclosureForm(forms.ModelForm):
    class Meta:
        model = Disclosure
        fields = ["consent", "disclosed_on", "recipient", "description", "purpose", "notice_included"]
        widgets = {
            "disclosed_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"notice_included": "The 42 CFR Part 2 notice went with the disclosure"}

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = patient.consents.all()  # type: ignore[attr-defined]
        self.fields["consent"].required = False

    def _post_clean(self) -> None:
        pass


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=1000,
        help_text="Why you need this chart now. The privacy officer reviews every use.",
    )


class CareTeamAddForm(forms.Form):
    member = forms.ModelChoiceField(queryset=User.objects.none(), label="Staff member")

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [c[0] for c in CareTeamMember._meta.get_field("role").choices or []]
        self.fields["member"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            program_id=patient.program_id, role__in=roles, is_active=True
        ).order_by("last_name", "first_name")


LEVEL_CHOICES = LevelOfCare.choices
