"""Staff pass a TOTP check after their password before anything else opens; patients do not."""

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.conftest import PASSWORD, World
from waymark.core.models import User

STAFF_PAGES = ["home", "patient_list", "tokens", "staff_list", "audit_review"]


def password_login(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(current_code(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


class TestStaffWithDevice:
    def test_it_sends_staff_to_the_code_after_the_password(self, world: World, client: Client) -> None:
        response = password_login(client, "nurse")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify"))

    @pytest.mark.parametrize("url_name", STAFF_PAGES)
    def test_it_keeps_every_staff_page_closed_until_the_code(self, url_name: str, world: World, client: Client) -> None:
        password_login(client, "program_admin")
        response = client.get(reverse(url_name))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('mfa_verify')}?next={quote(reverse(url_name), safe='')}"

    def test_it_keeps_the_chart_closed_until_the_code(self, world: World, client: Client) -> None:
        password_login(client, "counsellor")
        response = client.get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify") + "?next=")
        assert "Whitlock" not in response.content.decode()

    def test_it_keeps_the_api_closed_until_the_code(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        response = client.get("/api/v1/patients")
        assert response.status_code == 401
        assert response.json()["title"] == "Multi-factor authentication required"
        assert "Whitlock" not in response.content.decode()

    def test_it_opens_pages_after_a_correct_code(self, world: World, client: Client) -> None:
        password_login(client, "nurse", next_url=reverse("patient_list"))
        device = TOTPDevice.objects.get(user=world.user("nurse"))
        response = client.post(reverse("mfa_verify"), {"code": current_code(device), "next": reverse("patient_list")})
        assert response.status_code == 302
        assert response["Location"] == reverse("patient_list")
        assert client.get(reverse("patient_list")).status_code == 200
        assert client.get(reverse("chart", args=[world.patient.pk])).status_code == 200
        api = client.get("/api/v1/patients")
        assert api.status_code == 200
        assert api.json()["count"] == 2

    def test_it_returns_to_the_page_asked_for_after_the_code(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        chart = reverse("chart", args=[world.patient.pk])
        verify = client.get(chart)["Location"]
        device = TOTPDevice.objects.get(user=world.user("nurse"))
        response = client.post(verify, {"code": current_code(device), "next": client.get(verify).context["next"]})
        assert response["Location"] == chart

    def test_it_carries_a_next_address_with_a_query_through_the_code_step(self, world: World, client: Client) -> None:
        target = reverse("audit_review") + "?page=2&tab=users"
        response = password_login(client, "privacy_officer", next_url=target)
        assert client.get(response["Location"]).context["next"] == target

    def test_it_refuses_a_wrong_code_with_a_clear_message(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        device = TOTPDevice.objects.get(user=world.user("nurse"))
        response = client.post(reverse("mfa_verify"), {"code": wrong_code(device)})
        assert response.status_code == 200
        assert "That code is not right, or has expired" in response.content.decode()
        assert client.get(reverse("patient_list"))["Location"].startswith(reverse("mfa_verify") + "?next=")

    def test_it_refuses_a_code_that_is_not_six_digits(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        response = client.post(reverse("mfa_verify"), {"code": "12ab"})
        assert "Enter the 6 digits shown in your authenticator app." in response.content.decode()
        assert client.get(reverse("home"))["Location"].startswith(reverse("mfa_verify") + "?next=")

    def test_it_refuses_the_same_code_twice(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        device = TOTPDevice.objects.get(user=world.user("nurse"))
        code = current_code(device)
        assert client.post(reverse("mfa_verify"), {"code": code}).status_code == 302
        again = Client()
        password_login(again, "nurse")
        response = again.post(reverse("mfa_verify"), {"code": code})
        assert response.status_code == 200
        assert again.get(reverse("home"))["Location"].startswith(reverse("mfa_verify") + "?next=")

    def test_it_does_not_redirect_to_another_site_after_the_code(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        device = TOTPDevice.objects.get(user=world.user("nurse"))
        response = client.post(reverse("mfa_verify"), {"code": current_code(device), "next": "https://evil.example/"})
        assert response["Location"] == reverse("home")


class TestStaffWithoutDevice:
    @pytest.fixture
    def newcomer(self, world: World) -> User:
        user = world.user("prescriber")
        TOTPDevice.objects.filter(user=user).delete()
        return user

    def test_it_shows_the_setup_page_with_a_qr_code(self, newcomer: User, client: Client) -> None:
        password_login(client, "prescriber")
        response = client.get(reverse("mfa_verify"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("mfa_setup")
        body = response.content.decode()
        assert "Set up your authenticator app" in body
        assert "<svg" in body
        device = TOTPDevice.objects.get(user=newcomer)
        assert device.confirmed is False
        assert response.context["secret"] in body

    def test_it_keeps_pages_closed_until_a_code_is_confirmed(self, newcomer: User, client: Client) -> None:
        password_login(client, "prescriber")
        client.get(reverse("mfa_setup"))
        assert client.get(reverse("patient_list"))["Location"].startswith(reverse("mfa_verify") + "?next=")
        device = TOTPDevice.objects.get(user=newcomer)
        refused = client.post(reverse("mfa_setup"), {"code": wrong_code(device)})
        assert refused.status_code == 200
        assert "That code is not right" in refused.content.decode()
        device.refresh_from_db()
        assert device.confirmed is False
        assert client.get(reverse("patient_list"))["Location"].startswith(reverse("mfa_verify") + "?next=")

    def test_it_confirms_the_device_with_a_correct_code(self, newcomer: User, client: Client) -> None:
        password_login(client, "prescriber")
        client.get(reverse("mfa_setup"))
        device = TOTPDevice.objects.get(user=newcomer)
        response = client.post(reverse("mfa_setup"), {"code": current_code(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed is True
        assert client.get(reverse("patient_list")).status_code == 200

    def test_it_does_not_offer_setup_to_staff_who_have_a_device(self, world: World, client: Client) -> None:
        password_login(client, "nurse")
        response = client.get(reverse("mfa_setup"))
        assert response["Location"] == reverse("mfa_verify")
        assert TOTPDevice.objects.filter(user=world.user("nurse")).count() == 1


class TestPatients:
    def test_it_does_not_ask_patients_for_a_code(self, world: World, client: Client) -> None:
        response = password_login(client, "patient")
        assert response["Location"] == reverse("home")
        home = client.get(reverse("home"))
        assert home.status_code == 200
        assert "Hello, Dana" in home.content.decode()
        assert client.get(reverse("chart", args=[world.patient.pk])).status_code == 200

    def test_it_does_not_enrol_patients_in_mfa(self, world: World, client: Client) -> None:
        password_login(client, "patient")
        assert client.get(reverse("mfa_setup"))["Location"] == reverse("home")
        assert client.get(reverse("mfa_verify"))["Location"] == reverse("home")
        assert not TOTPDevice.objects.filter(user=world.user("patient")).exists()
