"""Forms of the FHIR pages: the export to a recipient under consent, and the upload of a bundle to import."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from waymark.chart.models import Consent

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ConsentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        consent: Consent = obj
        return (
            f"{consent.get_kind_display()} — to {consent.recipients[:80]}, for {consent.purpose[:60]} "
            f"(signed {consent.signed_on:%Y-%m-%d}{', revoked' if consent.revoked_on else ''})"
        )


class ExportForm(forms.Form):
    recipient = forms.CharField(
        max_length=200, help_text="As the consent names them, e.g. the clinic or person receiving the record"
    )
    purpose = forms.CharField(
        max_length=300, help_text="As the consent states it; a TPO consent also covers treatment, payment or operations"
    )
    consent = ConsentChoice(queryset=Consent.objects.none(), empty_label="Choose the consent this relies on")
    # Not required here: the service refuses (and audits the refusal) when it is not ticked.
    information_confirmed = forms.BooleanField(
        required=False,
        label="What will be sent is covered by this consent's description of the information",
        help_text="The whole record listed above goes, except counselling notes; check it against the description.",
    )

    def __init__(self, *args: Any, consents: QuerySet[Consent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["consent"]
        assert isinstance(field, ConsentChoice)
        field.queryset = consents


class ImportForm(forms.Form):
    bundle = forms.FileField(help_text="A FHIR R4 Bundle as JSON (Patient, Conditions, drug-test Observations)")

    def clean_bundle(self) -> Any:
        upload = self.cleaned_data["bundle"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split the bundle per patient.")
        return upload
