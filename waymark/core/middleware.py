"""Request id, automatic logoff for idle staff, and MFA for every staff role."""

import re
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from waymark.api_errors import problem
from waymark.core.audit import current_request_id

Handler = Callable[[HttpRequest], HttpResponse]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _api_unauthorized(title: str, detail: str) -> HttpResponse:
    """API clients get a 401 problem, not a redirect to an HTML page."""
    response = problem(401, title, detail)
    response["WWW-Authenticate"] = 'Bearer realm="Waymark API"'
    return response


LAST_SEEN_REFRESH = 30


class StaffIdleLogoffMiddleware:
    """End a staff session after WAYMARK_STAFF_IDLE_MINUTES without a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff_member:
            now = time.time()
            last = request.session.get("last_seen")
            limit = settings.WAYMARK_STAFF_IDLE_MINUTES * 60
            if last is not None and now - float(last) > limit:
                logout(request)
                if request.path.startswith("/api/"):
                    return _api_unauthorized("Signed out after inactivity", "Sign in again in the browser.")
                messages.info(
                    request,
                    f"You were signed out after {settings.WAYMARK_STAFF_IDLE_MINUTES} minutes "
                    "without activity. Please sign in again.",
                )
                return _redirect(request, reverse("login"))
            # Refreshing the time at most every LAST_SEEN_REFRESH seconds spares a
            # session write on most requests; the logoff may come that much early.
            # A page's own background polling (the peer-group board sends X-Waymark-Poll) is not activity.
            polling = request.headers.get("X-Waymark-Poll") == "1"
            if last is None or (now - float(last) > LAST_SEEN_REFRESH and not polling):
                request.session["last_seen"] = now
        return self.get_response(request)


MFA_EXEMPT_URL_NAMES = {"login", "logout", "mfa_verify", "mfa_setup"}


class StaffMfaRequiredMiddleware:
    """Staff must pass a TOTP check before any other page or API call."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff_member
            and not user.is_verified()  # type: ignore[attr-defined]
            and not self._exempt(request)
        ):
            if request.path.startswith("/api/"):
                return _api_unauthorized(
                    "Multi-factor authentication required", "Complete the TOTP check in the browser first."
                )
            # Come back to the page asked for once the code is in.
            next_url = request.get_full_path() if request.method == "GET" else reverse("home")
            return _redirect(request, f"{reverse('mfa_verify')}?{urlencode({'next': next_url})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        if request.path.startswith(
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        ):
            return True
        match = request.resolver_match
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return False
        return match.url_name in MFA_EXEMPT_URL_NAMES
