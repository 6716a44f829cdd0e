"""The person's support network (/companion/people/) with call and text links,
and their meetings log (/companion/meetings/) with the weekly attendance streak,
shown as encouragement: a week without a meeting is never called a failure.

Writes go through services_network.py; its errors appear next to the fields
(status 422, nothing saved). Another person's contact or meeting is a 404.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from waymark.companion import services, services_network
from waymark.companion.access import companion_view
from waymark.companion.forms_network import ContactForm, MeetingForm
from waymark.companion.models import CompanionProfile, MeetingLog, SupportContact
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

MEETINGS_SHOWN = 100


# --- People --------------------------------------------------------------------------------------------------


@companion_view
@require_http_methods(["GET"])
def contacts(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    services.audit_read(request.user, "supportcontact")
    context = {
        "section": "more",
        "people": services_network.reachable(services_network.contacts_of(request.user)),
    }
    return render(request, "companion/contacts.html", context)


def _contact_page(
    request: AuthedRequest, form: ContactForm, contact: SupportContact | None, status: int = 200
) -> HttpResponse:
    context = {"section": "more", "form": form, "contact": contact}
    return render(request, "companion/contacts_form.html", context, status=status)


@companion_view
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                contact = services_network.add_contact(request.user, **form.to_fields())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is in your support network.") % {"name": contact.name})
                return redirect("companion:contacts")
        return _contact_page(request, form, None, status=422)
    return _contact_page(request, form, None)


def _contact(request: AuthedRequest, contact_id: int) -> SupportContact:
    return get_object_or_404(SupportContact, pk=contact_id, user=request.user)


@companion_view
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthedRequest, profile: CompanionProfile, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    form = ContactForm(request.POST or None, contact=contact)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services_network.change_contact(request.user, contact, **form.to_fields())
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved.") if changed else _("Nothing had changed."))
                return redirect("companion:contacts")
        return _contact_page(request, form, contact, status=422)
    services.audit_read(request.user, "supportcontact", contact.pk)
    return _contact_page(request, form, contact)


@companion_view
@require_POST
def contact_remove(request: AuthedRequest, profile: CompanionProfile, contact_id: int) -> HttpResponse:
    contact = _contact(request, contact_id)
    name = contact.name
    services_network.remove_contact(request.user, contact)
    messages.success(request, _("%(name)s is no longer in your support network.") % {"name": name})
    return redirect("companion:contacts")


# --- Meetings ------------------------------------------------------------------------------------------------


@companion_view
@require_http_methods(["GET", "POST"])
def meetings(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    today = services.today_for(profile)
    form = MeetingForm(request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        try:
            services_network.log_meeting(request.user, profile, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Meeting added. Every meeting counts."))
            return redirect("companion:meetings")
    services.audit_read(request.user, "meetinglog")
    rows = list(MeetingLog.objects.filter(user=request.user)[:MEETINGS_SHOWN])
    context: dict[str, Any] = {
        "section": "more",
        "form": form,
        "today": today,
        "meetings": [(m, services_network.MEETING_LABELS.get(m.kind, m.kind)) for m in rows],
        "more_meetings": len(rows) == MEETINGS_SHOWN,
        "streak": services_network.streak_for(request.user, profile),
    }
    return render(request, "companion/meetings.html", context, status=422 if request.method == "POST" else 200)


@companion_view
@require_POST
def meeting_remove(request: AuthedRequest, profile: CompanionProfile, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(MeetingLog, pk=meeting_id, user=request.user)
    services_network.remove_meeting(request.user, meeting)
    messages.success(request, _("Meeting removed."))
    return redirect("companion:meetings")
