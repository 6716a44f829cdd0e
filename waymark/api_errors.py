"""Errors as RFC 9457 problem details (application/problem+json).

Every error the API returns, from the middleware's 401 to an unexpected 500,
is built by `problem`; `ProblemDetail` documents the shape in the OpenAPI
schema so clients know what to parse.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str | None = Field(
        description="The input field at fault (dotted for nested ones), or null for the whole request."
    )
    message: str = Field(description="What is wrong, in words a person can act on.")


class RuleFinding(BaseModel):
    rule_id: str = Field(description="The rule's id, as in docs/clinical-rules.md.")
    level: str = Field(description="warn or needs_override.")
    message: str


class ExistingRecord(BaseModel):
    id: int
    clinic_day: str
    slot: int
    outcome: str
    recorded_by: str | None


class ProblemDetail(BaseModel):
    """An RFC 9457 problem: `title` names the kind of error, `detail` explains this one."""

    type: str = Field("about:blank", description="Always about:blank: the status and title say what happened.")
    title: str
    status: int
    detail: str | SkipJsonSchema[None] = None
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        None, description="Present on 422: one entry per field at fault."
    )
    break_glass_url: str | SkipJsonSchema[None] = Field(
        None, description="Present when emergency access is possible: POST a reason there to open the chart."
    )
    findings: list[RuleFinding] | SkipJsonSchema[None] = Field(
        None, description="Present when a clinical rule needs a prescriber's override: each rule and why."
    )
    existing: ExistingRecord | SkipJsonSchema[None] = Field(
        None, description="Present on 409: the record that already holds this patient's clinic day and slot."
    )


def problem(
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_JSON)


def django_validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if field == "__all__" else field, "message": " ".join(str(m) for m in messages)}
            for field, messages in exc.message_dict.items()
        ]
    return [{"field": None, "message": m} for m in exc.messages]


# Where ninja puts an input: not part of the field name a client sent.
_LOCATIONS = {"body", "payload", "query", "path", "header", "cookie", "form"}


def pydantic_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        # Drop where ninja put the input, and pydantic's union-member tags ("literal['']").
        loc = [str(p) for p in err.get("loc", ()) if p not in _LOCATIONS and "[" not in str(p)]
        message = err.get("msg", "Invalid value")
        # "Value error, …" is pydantic's prefix for messages our validators wrote.
        message = message.removeprefix("Value error, ")
        out.append({"field": ".".join(loc) or None, "message": message})
    return out
