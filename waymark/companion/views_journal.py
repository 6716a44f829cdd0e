"""The journal: the person's entries (newest first), a new entry with an optional prompt, one entry, and
sharing one entry with the care team.

Entries are private (encrypted at rest) unless the person shares one; only program patients have a care team
to share with, so self-guided people never see the option. Crisis words in an entry show crisis help at once
on the saved entry's page. Another person's entry is a 404. `?shell=1` on the new-entry page is the blank form
the service worker keeps for offline use.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.companion import services
from waymark.companion.access import companion_view
from waymark.companion.forms_journal import PROMPT_LABELS, JournalForm, ShareForm, initial_for
from waymark.companion.models import CompanionProfile, JournalEntry
from waymark.companion.views_checkin import crisis_contacts
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

JOURNAL_PAGE = 20
# The entry just saved whose words signalled a risk: its page shows crisis help once.
CRISIS_KEY = "companion_journal_crisis"


def _can_share(request: AuthedRequest) -> bool:
    return services.patient_of(request.user) is not None


@companion_view
@require_GET
def journal(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    rows = JournalEntry.objects.filter(user=user).order_by("-written_at", "-id")
    page = Paginator(rows, JOURNAL_PAGE).get_page(request.GET.get("page"))
    services.audit_read(user, "journal_list")
    context = {
        "section": "journal",
        "profile": profile,
        "page": page,
        "entries": [(e, PROMPT_LABELS.get(e.prompt, "")) for e in page],
        "can_share": _can_share(request),
    }
    return render(request, "companion/journal.html", context)


@companion_view
@require_http_methods(["GET", "POST"])
def new_entry(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    shell = False
    if request.method == "POST":
        form = JournalForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.write_journal(
                    user, profile, text=data["text"], prompt=data["prompt"], client_id=data["client_id"]
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                if saved.crisis.at_risk:
                    request.session[CRISIS_KEY] = saved.entry.pk
                if saved.created:
                    messages.success(request, _("Saved. This entry is private: only you can read it."))
                else:
                    messages.info(request, _("This entry was already saved."))
                return redirect("companion:journal_entry", entry_id=saved.entry.pk)
        status = 422
    elif request.GET.get("shell") == "1":
        # The offline copy: the phone gives it a fresh client id each time it is opened.
        form, shell, status = JournalForm(), True, 200
    else:
        form, status = JournalForm(initial=initial_for(request.GET.get("prompt", ""))), 200
    context = {
        "section": "journal",
        "profile": profile,
        "form": form,
        "shell": shell,
        "can_share": _can_share(request),
        "api_url": reverse("api:post_journal"),
    }
    if shell:
        context["messages"] = ()  # kept on the phone: it must not take (and keep) a pending message
    return render(request, "companion/journal_new.html", context, status=status)


@companion_view
@require_GET
def entry(request: AuthedRequest, profile: CompanionProfile, entry_id: int) -> HttpResponse:
    user = request.user
    item = get_object_or_404(JournalEntry, pk=entry_id, user=user)
    services.audit_read(user, "journal_entry", item.pk)
    crisis_now = request.session.get(CRISIS_KEY) == item.pk
    if crisis_now:
        del request.session[CRISIS_KEY]
    context = {
        "section": "journal",
        "profile": profile,
        "entry": item,
        "prompt_label": PROMPT_LABELS.get(item.prompt, ""),
        "can_share": _can_share(request),
        "crisis_now": crisis_now,
        "contacts": crisis_contacts(user) if crisis_now else [],
    }
    return render(request, "companion/journal_entry.html", context)


@companion_view
@require_POST
def share(request: AuthedRequest, profile: CompanionProfile, entry_id: int) -> HttpResponse:
    user = request.user
    item = get_object_or_404(JournalEntry, pk=entry_id, user=user)
    if not _can_share(request):
        raise PermissionDenied("Sharing is for people in a treatment program: there is no care team to share with.")
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to share this entry or stop sharing it."))
        return redirect("companion:journal_entry", entry_id=item.pk)
    shared = form.cleaned_data["shared"]
    services.share_journal_entry(user, item, shared)
    if shared:
        messages.success(request, _("Shared with your care team. You can stop sharing it at any time."))
    else:
        messages.success(request, _("Stopped sharing: your care team can no longer see this entry."))
    return redirect("companion:journal_entry", entry_id=item.pk)
