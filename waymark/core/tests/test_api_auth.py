"""Who may call /api/v1/: personal access tokens, verified staff sessions, patients' sessions."""

import time

from django.apps import apps
from django.db import models
from django.test import Client

from waymark.chart.tests.api_helpers import Api, problem, session_api, token_api
from waymark.conftest import World, sign_in
from waymark.core.services import create_access_token, revoke_access_token, set_active, sha256

SEARCH = {"q": "Whitlock"}


class TestApiWithoutCredentials:
    def test_it_answers_401_problem_with_www_authenticate(self, world: World) -> None:
        response = Client().get("/api/v1/patients")
        body = problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "token" in body["detail"]

    def test_it_answers_401_to_unsafe_methods_too(self, world: World) -> None:
        response = Api(Client(enforce_csrf_checks=True)).post("/patients/search", SEARCH)
        problem(response, 401)

    def test_it_ignores_a_token_in_the_url(self, world: World) -> None:
        _, raw = create_access_token(world.user("nurse"), "wrong place")
        response = Client().get(f"/api/v1/patients?token={raw}&access_token={raw}")
        problem(response, 401)


class TestApiWithAccessToken:
    def test_it_accepts_a_valid_bearer_token(self, world: World) -> None:
        response = token_api(world.user("nurse")).get("/patients")
        assert response.status_code == 200
        assert response.json()["count"] == 2

    def test_it_needs_no_csrf_token_for_unsafe_methods(self, world: World) -> None:
        # The client enforces CSRF like a real server; a token request has no cookie to forge.
        response = token_api(world.user("counsellor")).post("/patients/search", SEARCH)
        assert response.status_code == 200, response.content
        assert [p["mrn"] for p in response.json()["results"]] == ["HR-1"]

    def test_it_stores_only_the_sha256_of_the_token(self, world: World) -> None:
        token, raw = create_access_token(world.user("nurse"), "Pharmacy sync")
        token.refresh_from_db()
        assert raw.startswith("wmk_") and len(raw) > 40
        assert token.token_hash == sha256(raw)
        assert token.prefix == raw[:12]
        # The raw token is in no text column of any table.
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField | models.TextField) and not field.is_relation:
                    hits = model._default_manager.filter(**{f"{field.name}__contains": raw[12:]})
                    assert not hits.exists(), f"{model.__name__}.{field.name} holds the raw token"

    def test_it_records_when_the_token_was_last_used(self, world: World) -> None:
        token, raw = create_access_token(world.user("nurse"), "Pharmacy sync")
        assert token.last_used_at is None
        Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_it_rejects_a_revoked_token(self, world: World) -> None:
        user = world.user("nurse")
        token, raw = create_access_token(user, "Pharmacy sync")
        revoke_access_token(user, token)
        response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
        problem(response, 401)
        assert 'error="invalid_token"' in response["WWW-Authenticate"]

    def test_it_rejects_the_token_of_a_disabled_user(self, world: World) -> None:
        user = world.user("nurse")
        _, raw = create_access_token(user, "Pharmacy sync")
        set_active(world.user("program_admin"), user, False)
        response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
        problem(response, 401)

    def test_it_rejects_an_unknown_or_malformed_token(self, world: World) -> None:
        for header in ("Bearer wmk_not-a-real-token", "Bearer ", "Bearer", "Basic bnVyc2U6cGFzcw==", "wmk_x"):
            response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=header)
            problem(response, 401)


class TestApiWithSession:
    def test_it_accepts_a_staff_member_who_passed_totp(self, world: World) -> None:
        response = session_api(world.user("nurse")).get("/patients")
        assert response.status_code == 200

    def test_it_refuses_a_staff_session_without_totp(self, world: World) -> None:
        client = Client()
        client.force_login(world.user("nurse"), backend="django.contrib.auth.backends.ModelBackend")
        response = client.get("/api/v1/patients")
        body = problem(response, 401)
        assert body["title"] == "Multi-factor authentication required"
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_it_refuses_a_staff_session_left_idle(self, world: World, settings) -> None:
        api = session_api(world.user("nurse"))
        session = api.client.session
        session["last_seen"] = time.time() - (settings.WAYMARK_STAFF_IDLE_MINUTES * 60 + 5)
        session.save()
        response = api.get("/patients")
        problem(response, 401)
        # The session is over: the next call is unauthenticated too.
        problem(api.get("/patients"), 401)

    def test_it_lets_a_patient_in_without_totp(self, world: World) -> None:
        response = session_api(world.user("patient")).get(f"/patients/{world.patient.pk}")
        assert response.status_code == 200
        assert response.json()["mrn"] == "HR-1"

    def test_it_refuses_a_disabled_user_session(self, world: World) -> None:
        api = session_api(world.user("nurse"))
        set_active(world.user("program_admin"), world.user("nurse"), False)
        problem(api.get("/patients"), 401)

    def test_it_requires_the_csrf_token_for_unsafe_methods(self, world: World) -> None:
        client = sign_in(Client(enforce_csrf_checks=True), world.user("counsellor"))
        api = Api(client)
        assert api.get("/patients").status_code == 200  # safe methods need no token
        body = problem(api.post("/patients/search", SEARCH), 403)
        assert body["title"] == "CSRF check failed"
        secret = "a" * 32
        client.cookies["csrftoken"] = secret
        response = api.post("/patients/search", SEARCH, HTTP_X_CSRFTOKEN=secret)
        assert response.status_code == 200, response.content

    def test_it_requires_the_csrf_token_for_patch(self, world: World) -> None:
        api = Api(sign_in(Client(enforce_csrf_checks=True), world.user("counsellor")))
        problem(api.patch(f"/patients/{world.patient.pk}", {"preferred_name": "Dee"}), 403)
        world.patient.refresh_from_db()
        assert world.patient.preferred_name == ""
