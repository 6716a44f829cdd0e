"""The person's own data: download all of it (JSON, and a readable page to print
or keep), and delete a self-guided account. Program patients can download but
not delete: their program must keep their treatment record (REFERENCE.md §10)."""

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from waymark.companion import progress, services, services_data
from waymark.companion.access import companion_view
from waymark.companion.models import (
    TRIGGERS,
    CheckIn,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
    PlanItem,
    SupportContact,
)
from waymark.companion.today import milestone_label
from waymark.core.models import User
from waymark.core.types import AuthedRequest

JSON_NAME = "waymark-companion.json"
HTML_NAME = "waymark-companion.html"
# Model choice labels on the readable copy that no form marks for translation: named here so makemessages
# puts them in the catalogue (`_labels` translates every label when the copy is made).
MODEL_LABELS = (gettext_noop("Trigger"), gettext_noop("Early warning sign"), gettext_noop("Text message"))


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The person's private data: never kept by a shared cache or the browser's back button.
    patch_cache_control(response, no_store=True, private=True)
    return response


def _counts(user: User) -> dict[str, int]:
    return {
        "check_ins": CheckIn.objects.filter(user=user).count(),
        "journal": JournalEntry.objects.filter(user=user).count(),
        "contacts": SupportContact.objects.filter(user=user).count(),
        "meetings": MeetingLog.objects.filter(user=user).count(),
    }


@companion_view
@require_GET
def my_data(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    services.audit_read(user, "companion_data")
    context = {
        "section": "more",
        "counts": _counts(user),
        "may_delete": services_data.may_delete(user),
        "not_included": services_data.not_included(services.patient_of(user) is not None),
    }
    return render(request, "companion/my_data.html", context)


@companion_view
@require_GET
def export_json(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    data = services_data.export_data(request.user)
    services_data.record_export(request.user, "json")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return _download(HttpResponse(body, content_type="application/json; charset=utf-8"), JSON_NAME)


# --- The readable copy ------------------------------------------------------------------------------------


def _labels(choices: Any) -> dict[str, str]:
    return {str(value): gettext(str(label)) for value, label in choices}


def _milestone_label(key: str) -> str:
    """A milestone's key ("30_days") in words, in the page's language ("30 días")."""
    milestone = next((m for m in progress.MILESTONES if m.key == key), None)
    return milestone_label(milestone) if milestone is not None else key


def _local(value: str | None, zone: ZoneInfo) -> str:
    """An exported ISO moment as the person reads it: their own zone, to the minute."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _readable(data: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The export's values with their labels and local times, for the printable page (same data as the JSON)."""
    triggers = _labels(TRIGGERS)
    medication = _labels(CheckIn.Medication.choices)
    roles = _labels(SupportContact.Role.choices)
    meeting_kinds = _labels(MeetingLog.Kind.choices)
    prompts = _labels(JournalEntry.Prompt.choices)
    item_kinds = _labels(PlanItem.Kind.choices)
    check_ins = [
        {
            **c,
            "trigger_labels": [triggers.get(t, t) for t in c["triggers"]],
            "medication_label": medication.get(c["medication_taken"], ""),
            "updated_at": _local(c["updated_at"], zone),
            "earlier_versions": [{**v, "replaced_at": _local(v["replaced_at"], zone)} for v in c["earlier_versions"]],
        }
        for c in data["check_ins"]
    ]
    plan = data["plan"]
    if plan is not None:
        plan = {**plan, "items": [{**i, "kind_label": item_kinds.get(i["kind"], i["kind"])} for i in plan["items"]]}
    profile = data["profile"]
    if profile is not None:
        profile = {
            **profile,
            "language_label": _labels(CompanionProfile.Language.choices).get(profile["language"], profile["language"]),
            "channel_label": _labels(CompanionProfile.Channel.choices).get(profile["reminder_channel"], ""),
        }
    return {
        **data,
        "exported_at": _local(data["exported_at"], zone),
        "profile": profile,
        "check_ins": check_ins,
        "journal": [
            {
                **e,
                "prompt_label": prompts.get(e["prompt"], "") if e["prompt"] else "",
                "written_at": _local(e["written_at"], zone),
            }
            for e in data["journal"]
        ],
        "reminders_sent": [{**r, "sent_at": _local(r["sent_at"], zone)} for r in data["reminders_sent"]],
        "plan": plan,
        "support_contacts": [{**c, "role_label": roles.get(c["role"], c["role"])} for c in data["support_contacts"]],
        "meetings": [{**m, "kind_label": meeting_kinds.get(m["kind"], m["kind"])} for m in data["meetings"]],
        "milestones": [{**m, "label": _milestone_label(m["key"])} for m in data["milestones"]],
    }


@companion_view
@require_GET
def export_html(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    data = services_data.export_data(user)
    services_data.record_export(user, "html")
    extra = services_data.extra_sections(user) if services_data.EXPORTERS else []
    context = {"data": _readable(data, ZoneInfo(profile.time_zone)), "extra_sections": extra, "profile": profile}
    html = render_to_string("companion/export.html", context, request=request)
    return _download(HttpResponse(html, content_type="text/html; charset=utf-8"), HTML_NAME)


# --- Deleting a self-guided account -----------------------------------------------------------------------


class DeleteForm(forms.Form):
    username = forms.CharField(label=_("Type your username"), max_length=150, strip=True)
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, request: AuthedRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = self.request.user
        if "username" in data and data["username"] != user.get_username():
            self.add_error("username", gettext("This is not your username. Type it exactly as you sign in with it."))
        if "password" in data and not self.has_error("username"):
            # Through the sign-in backends, so repeated wrong passwords lock the account as at sign-in.
            checked = authenticate(self.request, username=user.get_username(), password=data["password"])
            if checked is None or checked.pk != user.pk:
                self.add_error("password", gettext("That password is not right."))
        return data


@companion_view
@require_http_methods(["GET", "POST"])
def delete_account(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    if not services_data.may_delete(user):
        status = 403 if request.method == "POST" else 200
        return render(request, "companion/delete_refused.html", {"section": "more"}, status=status)
    form = DeleteForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            services_data.delete_self_guided_account(user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            logout(request)
            return render(request, "companion/delete_done.html", {"forget_user": user.pk})
    status = 422 if request.method == "POST" else 200
    return render(request, "companion/delete.html", {"section": "more", "form": form}, status=status)
