"""The API root: /api/v1/, OpenAPI at /api/v1/openapi.json.

Personal access tokens (Authorization: Bearer wmk_…) and browser sessions
(with CSRF on unsafe methods) both authenticate; the handler sees the user as
request.auth. Staff sessions must have passed the TOTP check
(StaffMfaRequiredMiddleware answers 401 before the API runs otherwise).

Every error is application/problem+json (waymark.api_errors), including
unknown paths under /api/v1/ and methods a path does not allow, and the
OpenAPI schema documents those responses on every operation.
"""

import functools
import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from waymark.api_errors import PROBLEM_JSON, ProblemDetail, django_validation_errors, problem, pydantic_errors
from waymark.chart.access import BreakGlassRequired
from waymark.core.services import user_for_token

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class CsrfFailed(PermissionDenied):
    pass


class TokenAuth(HttpBearer):
    """Authorization: Bearer <personal access token>. Tried first: an explicit credential wins."""

    def __call__(self, request: HttpRequest) -> Any:
        # Not HttpBearer.__call__: it logs the whole header (a credential) in DEBUG.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session cookie. Unsafe methods need the CSRF token, checked only
    when the session is what authenticates (a token client has no cookie to forge)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed("Send the page's CSRF token in the X-CSRFToken header.")
        return user


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
    }


class WaymarkAPI(NinjaAPI):
    """NinjaAPI that answers every error as problem+json and documents it."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        problem_schema = ProblemDetail.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["ProblemDetail"] = problem_schema
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                has_body = "requestBody" in operation
                errors = {
                    "401": "No credentials, or they are invalid, revoked or belong to a disabled account.",
                    "403": "Your role may not do this, the patient is not on your care team "
                    "(see break_glass_url), or the session's CSRF token is missing.",
                }
                if operation.get("parameters") or has_body:
                    errors["422"] = "Invalid input: `errors` names each field at fault. Nothing was saved."
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    errors["404"] = "No such patient (or object) in your program."
                if has_body:
                    errors["400"] = "The request body is not JSON."
                    errors["413"] = "The request body is larger than the server accepts."
                for status, description in sorted(errors.items()):
                    responses.setdefault(status, _problem_response(description))
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                # Ninja's root raises a bare Http404 (HTML); keep the name, answer as a problem.
                urls.append(path("", _not_found, name="api-root"))
            elif isinstance(pattern, URLPattern):
                urls.append(
                    URLPattern(pattern.pattern, _problem_405(pattern.callback), pattern.default_args, pattern.name)
                )
            else:
                urls.append(pattern)
        urls.append(re_path(r"^.*$", _not_found))
        return urls


@csrf_exempt
def _not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return problem(404, "Not found", "There is no such API endpoint; see /api/v1/openapi.json.")


def _problem_405(view: Any) -> Any:
    """Ninja answers a method a path does not allow with plain text; answer a problem instead."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(PROBLEM_JSON):
            allowed = response.get("Allow", "")
            response = problem(405, "Method not allowed", f"This path allows: {allowed}.")
            response["Allow"] = allowed
        return response

    return wrapped


api = WaymarkAPI(
    title="Waymark API",
    version="1",
    description=(
        "Patients, episodes of care, 42 CFR Part 2 consents and the accounting of disclosures, with the same "
        "permissions and audit as the pages. Authenticate with a personal access token (Authorization: Bearer "
        "wmk_…, created under Account → API tokens) or, from the browser, the session cookie plus the "
        "X-CSRFToken header on unsafe methods. Errors are application/problem+json."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url=None,
)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem(
        422, "Invalid input", "Fix the fields listed in errors; nothing was saved.", pydantic_errors(list(exc.errors))
    )


@api.exception_handler(DjangoValidationError)
def on_rule_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem(
        422, "Invalid input", "Fix the fields listed in errors; nothing was saved.", django_validation_errors(exc)
    )


@api.exception_handler(BreakGlassRequired)
def on_break_glass(request: HttpRequest, exc: BreakGlassRequired) -> HttpResponse:
    url = f"/api/v1/patients/{exc.patient.pk}/break-glass"
    return problem(
        403,
        "Not on your care team",
        f"For emergency access POST a reason to {url}; it is flagged for the privacy officer.",
        break_glass_url=url,
    )


@api.exception_handler(CsrfFailed)
def on_csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
    return problem(403, "CSRF check failed", str(exc))


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, "Forbidden", str(exc) or "You do not have access to this.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, "Not found", str(exc) or "No such object.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.headers.get("Authorization"):
        response = problem(401, "Unauthorized", "The access token is invalid, revoked, or its account is disabled.")
        response["WWW-Authenticate"] = 'Bearer realm="Waymark API", error="invalid_token"'
    else:
        response = problem(401, "Unauthorized", "Sign in, or send a valid personal access token.")
        response["WWW-Authenticate"] = 'Bearer realm="Waymark API"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    return problem(exc.status_code, title, str(exc.message))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(413, "Request too large", "The request body is larger than the server accepts.")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return problem(400, "Bad request")


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The traceback goes to the log (no request body, no query string); the client gets no internals.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return problem(500, "Server error", "Something went wrong on our side; it has been logged.")


def _mount() -> None:
    from waymark.assess.api import router as assess_router
    from waymark.chart.api import router as chart_router
    from waymark.community.api import router as community_router
    from waymark.companion.api import router as companion_router
    from waymark.directory.api import router as directory_router
    from waymark.incentives.api import router as incentives_router
    from waymark.labs.api import router as labs_router
    from waymark.meds.api import router as meds_router

    api.add_router("/", chart_router)
    api.add_router("/", meds_router)
    api.add_router("/", labs_router)
    api.add_router("/", incentives_router)
    api.add_router("/", assess_router)
    api.add_router("/", directory_router)
    api.add_router("/", companion_router)
    api.add_router("/", community_router)


_mount()
