"""Who may use the companion: the signed-in person, for their own data only.

`companion_view` is the one gate for the person's pages: it requires a patient
account (staff use the chart, where a person's shared trends appear), sends a
person without companion settings to the start page, and shows the pages in the
person's chosen language.
"""

import functools
from collections.abc import Callable
from typing import Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_cache_control

from waymark.companion.models import CompanionProfile
from waymark.companion.services import profile_for
from waymark.core.types import AuthedRequest

CompanionView = Callable[Concatenate[AuthedRequest, CompanionProfile, ...], HttpResponse]


def person_only(request: AuthedRequest) -> None:
    if request.user.is_staff_member:
        raise PermissionDenied(
            "The companion is for people in recovery; staff see what a person shares on their chart."
        )


def use_language(request: AuthedRequest, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


def no_store(response: HttpResponse) -> HttpResponse:
    """The person's own data: never kept by the browser's cache (a shared phone, the back button after signing
    out) or a shared cache. The service worker keeps only the blank forms and the offline page."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def companion_view(view: CompanionView) -> Callable[..., HttpResponse]:
    @login_required
    @functools.wraps(view)
    def wrapper(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person_only(request)
        profile = profile_for(request.user)
        if profile is None:
            return redirect("companion:start")
        # override (not activate): the language must not outlive this request's thread-local state.
        with translation.override(profile.language):
            request.LANGUAGE_CODE = profile.language
            response = view(request, profile, *args, **kwargs)
        response.headers["Content-Language"] = profile.language
        no_store(response)
        return response

    return wrapper
