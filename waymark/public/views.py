"""Public help pages, no account needed: home, the DSM-5 self-check, warning
signs for someone you love, overdose, preparing for treatment. The treatment
finder (/help/find-treatment/) lives in waymark.directory.views_public.

English at /help/…, Spanish at /es/help/… (i18n_patterns); every page links to
itself in the other language. Nothing a visitor enters is stored: the self-check
is a POST (answers never in the URL) scored in memory by the instrument engine
and rendered at once — no database, no session write, no log line with the
answers — and its responses are never cached (Cache-Control: no-store)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import translate_url
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from waymark.assess import instruments
from waymark.directory.forms import match_me_form
from waymark.public.checklist import CHECKLIST
from waymark.public.forms import SelfCheckForm

SELF_CHECK = "dsm5-oud"


def _language_switch(request: HttpRequest) -> dict[str, str]:
    """The same page in the other language (English ↔ Español)."""
    other = "en" if translation.get_language() == "es" else "es"
    return {"url": translate_url(request.path, other), "code": other, "name": dict(settings.LANGUAGES)[other]}


def public_page(
    request: HttpRequest, template: str, nav: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """A page in the public layout (public/base.html) with its link to the other language. Also used by the
    treatment finder (waymark.directory.views_public)."""
    context = {"nav": nav, "language_switch": _language_switch(request), **(context or {})}
    return render(request, template, context, status=status)


def _page(
    request: HttpRequest, template: str, nav: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    return public_page(request, f"public/{template}", nav, context, status)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home.html", "help")


@never_cache
@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    instrument = instruments.get(SELF_CHECK).translated(lang)
    form = SelfCheckForm(instrument, request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        result = instruments.score(
            SELF_CHECK, form.answers(), under_medical_supervision=form.cleaned_data["supervised"], lang=lang
        )
    context = {
        "instrument": instrument,
        "form": form,
        "questions": form.questions(),
        "result": result,
        "not_counted": bool(result and any(f.code == "supervision_excluded" for f in result.flags)),
        # "Find treatment that fits": a GET to the finder with only what the person picks in it (never the
        # answers or the result).
        "match_me": match_me_form() if result else None,
    }
    return _page(request, "self_check.html", "self_check", context, status=422 if form.errors else 200)


@require_GET
def someone_i_love(request: HttpRequest) -> HttpResponse:
    return _page(request, "someone_i_love.html", "someone")


@require_GET
def overdose(request: HttpRequest) -> HttpResponse:
    return _page(request, "overdose.html", "overdose")


@require_GET
def preparing(request: HttpRequest) -> HttpResponse:
    return _page(request, "preparing.html", "preparing", {"checklist": CHECKLIST})
