"""Five wrong passwords lock an account (django-axes); a success before that resets the count."""

from typing import Any

from django.test import Client
from django.urls import reverse

from waymark.conftest import PASSWORD, World

LOCKED = "Too many failed sign-ins"


def attempt(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


class TestLoginLockout:
    def test_it_refuses_a_wrong_password_with_the_form(self, world: World, client: Client) -> None:
        response = attempt(client, "nurse", "wrong-password-1")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert not signed_in(client)

    def test_it_signs_in_with_the_right_password(self, world: World, client: Client) -> None:
        response = attempt(client, "patient", PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert signed_in(client)

    def test_it_locks_the_account_after_five_failures(self, world: World, client: Client) -> None:
        for n in range(4):
            response = attempt(client, "nurse", f"wrong-password-{n}")
            assert response.status_code == 200
            assert LOCKED not in response.content.decode()
        fifth = attempt(client, "nurse", "wrong-password-5")
        assert fifth.status_code == 429
        assert LOCKED in fifth.content.decode()
        sixth = attempt(client, "nurse", PASSWORD)
        assert sixth.status_code == 429
        assert LOCKED in sixth.content.decode()
        assert not signed_in(client)

    def test_it_locks_the_account_for_another_browser_too(self, world: World, client: Client) -> None:
        for n in range(5):
            attempt(client, "nurse", f"wrong-password-{n}")
        elsewhere = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Other browser")
        response = attempt(elsewhere, "nurse", PASSWORD)
        assert response.status_code == 429
        assert not signed_in(elsewhere)

    def test_it_leaves_other_accounts_open(self, world: World, client: Client) -> None:
        for n in range(5):
            attempt(client, "nurse", f"wrong-password-{n}")
        other = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Other browser")
        response = attempt(other, "counsellor", PASSWORD)
        assert response.status_code == 302
        assert signed_in(other)

    def test_a_success_before_the_limit_resets_the_count(self, world: World, client: Client) -> None:
        for n in range(4):
            attempt(client, "patient", f"wrong-password-{n}")
        assert attempt(client, "patient", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        for n in range(4):
            response = attempt(client, "patient", f"wrong-password-again-{n}")
            assert LOCKED not in response.content.decode()
        response = attempt(client, "patient", PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)
