"""The person's settings: recovery start date, time zone and language
(/companion/settings/), what they share with their care team
(/companion/settings/sharing/, program patients only; self-guided people read
why there is nothing to share), and reminders (/companion/settings/reminders/).

Writes go through services_settings.py and services.set_sharing; errors appear
next to the fields (status 422, nothing saved).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from waymark.companion import services, services_settings
from waymark.companion.access import companion_view, use_language
from waymark.companion.forms_settings import RemindersForm, SettingsForm, SharingForm
from waymark.companion.models import CompanionProfile
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors


@companion_view
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    form = SettingsForm(request.POST or None, profile=profile)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services_settings.update_settings(request.user, profile, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                use_language(request, profile.language)  # the message in the language just chosen
                messages.success(request, _("Your settings are saved.") if changed else _("Nothing had changed."))
                return redirect("companion:settings")
    else:
        services.audit_read(request.user, "companionprofile", profile.pk)
    context = {"section": "more", "form": form, "profile": profile}
    return render(request, "companion/settings.html", context, status=422 if request.method == "POST" else 200)


@companion_view
@require_http_methods(["GET", "POST"])
def sharing(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    patient = services.patient_of(request.user)
    if patient is None:
        if request.method == "POST":
            raise PermissionDenied("Sharing is for people in a treatment program.")
        return render(request, "companion/settings_sharing.html", {"section": "more", "form": None})
    form = SharingForm(
        request.POST or None,
        initial={"share_trends": profile.share_trends, "alert_care_team": profile.alert_care_team},
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_sharing(request.user, profile, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your sharing choices are saved."))
                return redirect("companion:sharing")
    else:
        services.audit_read(request.user, "companionprofile", profile.pk)
    context = {"section": "more", "form": form, "profile": profile, "program": patient.program}
    return render(request, "companion/settings_sharing.html", context, status=422 if request.method == "POST" else 200)


@companion_view
@require_http_methods(["GET", "POST"])
def reminders(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    in_program = services.patient_of(request.user) is not None
    form = RemindersForm(request.POST or None, profile=profile, in_program=in_program)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            choices = services_settings.ReminderChoices(
                channel=data["channel"],
                email=data["email"],
                phone=data["phone"],
                check_in_at=data["check_in_at"],
                dose_at=data["dose_at"],
                appointments=data.get("appointments", False),
            )
            try:
                changed = services_settings.set_reminders(request.user, profile, choices)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Your reminders are saved.") if changed else _("Nothing had changed."))
                return redirect("companion:reminders")
    else:
        services.audit_read(request.user, "companionprofile", profile.pk)
    context = {"section": "more", "form": form, "in_program": in_program}
    return render(
        request, "companion/settings_reminders.html", context, status=422 if request.method == "POST" else 200
    )
