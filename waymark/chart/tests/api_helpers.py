"""Helpers for the API tests: a JSON client per persona and a problem check."""

import json
from typing import TYPE_CHECKING, Any

from django.test import Client

from waymark.conftest import World, sign_in
from waymark.core.models import User
from waymark.core.roles import Cap, Role
from waymark.core.services import create_access_token

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
else:
    from django.http import HttpResponse as Response

BASE = "/api/v1"

# A complete 42 CFR 2.31 consent as the API takes it.
CONSENT = {
    "kind": "specific",
    "disclosing_party": "Harbor Recovery",
    "information_description": "Attendance and dose",
    "recipients": "Cumberland County Drug Court",
    "purpose": "Court supervision",
    "expiry_kind": "date",
    "expires_on": "2026-12-31",
    "right_to_revoke_explained": True,
    "signed_by": "Dana Whitlock",
    "signed_on": "2026-02-01",
}


class Api:
    """JSON calls under /api/v1 through a Django test client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, **extra: Any) -> "Response":
        return self.client.get(BASE + path, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> "Response":
        return self.client.post(BASE + path, _body(data), content_type="application/json", **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> "Response":
        return self.client.patch(BASE + path, _body(data), content_type="application/json", **extra)


def _body(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps({} if data is None else data)


def token_api(user: User) -> Api:
    """An integration's client: a personal access token, CSRF enforced (it must not matter)."""
    _, raw = create_access_token(user, "tests")
    return Api(Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}"))


def session_api(user: User) -> Api:
    """A browser's client: signed in (staff past TOTP); CSRF not enforced."""
    return Api(sign_in(Client(), user))


def api_for(world: World, role: Role | str) -> Api:
    """A token where the role may create one, else a signed-in session."""
    user = world.user(role)
    return token_api(user) if user.can(Cap.API_TOKENS) else session_api(user)


def problem(response: "Response", status: int, *fields: str) -> dict[str, Any]:
    """Assert `response` is a problem+json with `status` naming each of `fields`; return its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["title"]
    named = {e["field"] for e in body.get("errors", [])}
    for field in fields:
        assert field in named, (field, body)
    return body
