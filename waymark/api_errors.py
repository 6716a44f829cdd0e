"""Errors as RFC 9457 problem details (application/problem+json)."""

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse


def problem(status: int, title: str, detail: str = "", errors: list[dict[str, Any]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def django_validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": " ".join(str(m) for m in messages)}
            for field, messages in exc.message_dict.items()
        ]
    return [{"field": None, "message": m} for m in exc.messages]


def pydantic_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        out.append({"field": ".".join(loc) or None, "message": err.get("msg", "Invalid value")})
    return out
