"""A staff session idle for more than 15 minutes ends on its next request (HIPAA automatic logoff)."""

import time

from django.test import Client
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent

MESSAGE = "You were signed out after 15 minutes without activity. Please sign in again."


def last_seen_ago(client: Client, seconds: float) -> None:
    session = client.session
    session["last_seen"] = time.time() - seconds
    session.save()


class TestIdleLogoff:
    def test_it_signs_out_a_staff_member_idle_for_sixteen_minutes(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        assert client.get(reverse("patient_list")).status_code == 200
        last_seen_ago(client, 16 * 60)
        response = client.get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert "Whitlock" not in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_it_tells_them_why_on_the_sign_in_page(self, world: World, as_role) -> None:
        client: Client = as_role("counsellor")
        client.get(reverse("home"))
        last_seen_ago(client, 16 * 60)
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain == [(reverse("login"), 302)]
        assert MESSAGE in response.content.decode()

    def test_it_stays_signed_out(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        client.get(reverse("home"))
        last_seen_ago(client, 16 * 60)
        client.get(reverse("home"))
        response = client.get(reverse("patient_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")

    def test_it_records_the_sign_out(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        client.get(reverse("home"))
        last_seen_ago(client, 16 * 60)
        client.get(reverse("home"))
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        assert (last.action, last.actor_username) == ("logout", "nurse")

    def test_it_answers_an_idle_htmx_request_with_a_redirect_header(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        client.get(reverse("home"))
        last_seen_ago(client, 16 * 60)
        response = client.post(reverse("patient_list"), {"q": "Whit"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert response["HX-Redirect"] == reverse("login")
        assert b"Whitlock" not in response.content

    def test_it_keeps_an_active_staff_session(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        client.get(reverse("home"))
        last_seen_ago(client, 14 * 60)
        before = time.time()
        response = client.get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 200
        assert client.session["last_seen"] >= before
        # The request refreshed the clock: another 14 minutes later it still works.
        last_seen_ago(client, 14 * 60)
        assert client.get(reverse("patient_list")).status_code == 200

    def test_it_does_not_sign_out_a_patient(self, world: World, as_role) -> None:
        client: Client = as_role("patient")
        assert client.get(reverse("home")).status_code == 200
        last_seen_ago(client, 3 * 60 * 60)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "Hello, Dana" in response.content.decode()
        assert "_auth_user_id" in client.session

    def test_it_saves_the_session_at_most_every_thirty_seconds(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        last_seen_ago(client, 10)
        stamp = client.session["last_seen"]
        client.get(reverse("patient_list"))
        assert client.session["last_seen"] == stamp  # recent enough: no write
        last_seen_ago(client, 31)
        before = time.time()
        client.get(reverse("patient_list"))
        assert client.session["last_seen"] >= before


class TestBackgroundPolling:
    def test_a_pages_own_polling_does_not_keep_a_staff_session_alive(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        assert client.get(reverse("patient_list")).status_code == 200
        last_seen_ago(client, 10 * 60)
        for _ in range(3):  # a board left open polls; the person is not there
            client.get(reverse("home"), headers={"X-Waymark-Poll": "1"})
        last_seen = client.session["last_seen"]
        assert time.time() - last_seen >= 10 * 60 - 5
        last_seen_ago(client, 16 * 60)
        assert client.get(reverse("home"), headers={"X-Waymark-Poll": "1"})["Location"] == reverse("login")
