"""The API root: /api/v1/, OpenAPI at /api/v1/openapi.json.

Browser sessions (with CSRF) and personal access tokens (Authorization:
Bearer wmk_…) both authenticate; the handler sees the user as request.auth.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from waymark.api_errors import django_validation_errors, problem, pydantic_errors
from waymark.chart.access import BreakGlassRequired
from waymark.core.services import user_for_token


class SessionAuth(APIKeyCookie):
    """Django's session cookie; CSRF checked on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Waymark API",
    version="1",
    urls_namespace="api",
    auth=[SessionAuth(), TokenAuth()],
    docs_url=None,
)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem(422, "Invalid input", "Fix the fields listed in errors.", pydantic_errors(list(exc.errors)))


@api.exception_handler(DjangoValidationError)
def on_rule_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem(422, "Invalid input", "Nothing was saved.", django_validation_errors(exc))


@api.exception_handler(BreakGlassRequired)
def on_break_glass(request: HttpRequest, exc: BreakGlassRequired) -> HttpResponse:
    return problem(
        403,
        "Not on your care team",
        "POST a reason to /api/v1/patients/{id}/break-glass for emergency access; "
        "it is flagged for the privacy officer.",
    )


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, "Forbidden", str(exc) or "You do not have access to this.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, "Not found", str(exc) or "No such object.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(401, "Unauthorized", "Sign in, or send a valid personal access token.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, str(exc.message))


def _mount() -> None:
    from waymark.chart.api import router as chart_router

    api.add_router("/", chart_router)


_mount()
