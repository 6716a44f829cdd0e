"""The daily check-in (a few taps, changeable until midnight) and the person's check-in history.

Thin views: CheckInForm parses, services.save_check_in saves (idempotent on the form's client id; a same-day
change keeps the earlier answers as a revision) and its errors go next to the fields, nothing saved. After a
save the page shows what follows from it: crisis help at once when the person's words signal a risk of
suicide or overdose, a nudge to open their plan when the early-warning pattern is seen, a respectful word
after a lapse, or simply thanks. `?shell=1` is the blank form the service worker keeps for offline use: it
shows none of the person's answers.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from waymark.companion import services, services_network
from waymark.companion.access import companion_view
from waymark.companion.forms_checkin import MOOD_LABELS, TRIGGER_LABELS, CheckInForm, initial_for
from waymark.companion.models import CheckIn, CompanionProfile, SupportContact
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

# What the last save led to, shown once on the next page (Post/Redirect/Get; nothing personal in the URL).
RESULT_KEY = "companion_check_in_result"
HISTORY_PAGE = 30
SUPPORT_WORDS = (("support_contact", _("talked with a supporter")), ("meeting_attended", _("went to a meeting")))
ROUTINE_WORDS = (("exercised", _("exercise")), ("regular_meals", _("regular meals")), ("mindfulness", _("mindfulness")))


def crisis_contacts(user: Any) -> list[services_network.Reachable]:
    """The people the person chose to call when they need help (shown in the crisis panel, role in words)."""
    return services_network.reachable(list(SupportContact.objects.filter(user=user, on_plan=True)))


def _result_of(saved: services.CheckInSaved) -> dict[str, Any]:
    warning = saved.warning
    return {
        "created": saved.created,
        "duplicate": saved.duplicate,
        "crisis": sorted(saved.crisis.kinds),
        "warning": warning is not None,
        "isolation": bool(warning and warning.isolation),
        "missed_meetings": bool(warning and warning.missed_meetings),
        "used": saved.check_in.used_today is True,
    }


def _page(
    request: AuthedRequest,
    profile: CompanionProfile,
    form: CheckInForm,
    existing: CheckIn | None,
    *,
    result: dict[str, Any] | None = None,
    offline_copy: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {
        "section": "check_in",
        "profile": profile,
        "form": form,
        "existing": existing,
        "result": result,
        "shell": offline_copy,
        "contacts": crisis_contacts(request.user) if result and result["crisis"] else [],
        "api_url": reverse("api:post_check_in"),
    }
    if offline_copy:
        context["messages"] = ()  # kept on the phone: it must not take (and keep) a pending message
    return render(request, "companion/check_in.html", context, status=status)


@companion_view
@require_http_methods(["GET", "POST"])
def check_in(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    today = services.today_for(profile)
    if request.method == "POST":
        existing = CheckIn.objects.filter(user=user, day=today).first()
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                saved = services.save_check_in(
                    user,
                    profile,
                    form.to_input(),
                    client_id=form.cleaned_data["client_id"],
                    day=form.cleaned_data["day"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                request.session[RESULT_KEY] = _result_of(saved)
                return redirect("companion:check_in")
        return _page(request, profile, form, existing, status=422)
    if request.GET.get("shell") == "1":
        # The offline copy: a blank form; the phone gives it a fresh client id each time it is opened.
        blank = CheckInForm(initial={"day": today})
        return _page(request, profile, blank, None, offline_copy=True)
    existing = CheckIn.objects.filter(user=user, day=today).first()
    if existing is not None:
        services.audit_read(user, "check_in", existing.pk)
    result = request.session.pop(RESULT_KEY, None)
    return _page(request, profile, CheckInForm(initial=initial_for(existing, today)), existing, result=result)


@companion_view
@require_GET
def history(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    rows = CheckIn.objects.filter(user=user).annotate(changes=Count("revisions")).order_by("-day", "-id")
    page = Paginator(rows, HISTORY_PAGE).get_page(request.GET.get("page"))
    services.audit_read(user, "check_in_list")
    entries = [
        {
            "check_in": c,
            "mood": MOOD_LABELS.get(c.mood, c.mood),
            "triggers": [label for key, label in TRIGGER_LABELS.items() if key in (c.triggers or ())],
            "support": [label for name, label in SUPPORT_WORDS if getattr(c, name)],
            "routine": [label for name, label in ROUTINE_WORDS if getattr(c, name)],
        }
        for c in page
    ]
    context = {
        "section": "check_in",
        "profile": profile,
        "page": page,
        "entries": entries,
        "today": services.today_for(profile),
    }
    return render(request, "companion/history.html", context)
