"""Disabling a staff account from the staff page ends its session and its tokens at once."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import PASSWORD, World, sign_in
from waymark.core import services
from waymark.core.models import AuditEvent, User


@pytest.fixture
def nurse(world: World) -> User:
    return world.user("nurse")


@pytest.fixture
def nurse_client(nurse: User) -> Client:
    client = sign_in(Client(), nurse)
    assert client.get(reverse("patient_list")).status_code == 200
    return client


def disable(admin_client: Client, user: User) -> Any:
    return admin_client.post(reverse("staff_set_active", args=[user.pk]), {"active": "0"}, follow=True)


class TestDisableAccount:
    def test_it_marks_the_account_disabled(self, nurse: User, nurse_client: Client, as_role) -> None:
        response = disable(as_role("program_admin"), nurse)
        assert response.status_code == 200
        assert "nurse is disabled; any open session has ended." in response.content.decode()
        nurse.refresh_from_db()
        assert nurse.is_active is False
        row = AuditEvent.objects.order_by("-seq").first()
        assert row is not None
        assert (row.action, row.object_type, row.object_id, row.actor_role) == (
            "disable",
            "user",
            str(nurse.pk),
            "program_admin",
        )

    def test_it_ends_the_open_session_at_once(self, world: World, nurse: User, nurse_client: Client, as_role) -> None:
        disable(as_role("program_admin"), nurse)
        response = nurse_client.get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        assert nurse_client.get(reverse("patient_list"))["Location"].startswith(reverse("login"))
        api = nurse_client.get("/api/v1/patients")
        assert api.status_code == 401
        assert "Whitlock" not in api.content.decode()

    def test_it_refuses_the_password_afterwards(self, nurse: User, as_role) -> None:
        disable(as_role("program_admin"), nurse)
        response = Client().post(reverse("login"), {"username": "nurse", "password": PASSWORD})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    def test_it_stops_the_personal_access_tokens(self, nurse: User, as_role) -> None:
        _, raw = services.create_access_token(nurse, "lab interface")
        api = Client()
        before = api.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert before.status_code == 200
        disable(as_role("program_admin"), nurse)
        after = api.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert after.status_code == 401
        assert "Whitlock" not in after.content.decode()

    def test_it_opens_again_when_enabled(self, nurse: User, as_role) -> None:
        admin: Client = as_role("program_admin")
        disable(admin, nurse)
        admin.post(reverse("staff_set_active", args=[nurse.pk]), {"active": "1"})
        nurse.refresh_from_db()
        assert nurse.is_active is True
        assert sign_in(Client(), nurse).get(reverse("patient_list")).status_code == 200

    def test_it_will_not_disable_the_admin_themself(self, world: World, as_role) -> None:
        admin_user = world.user("program_admin")
        response = as_role("program_admin").post(
            reverse("staff_set_active", args=[admin_user.pk]), {"active": "0"}, follow=True
        )
        assert "You cannot disable your own account." in response.content.decode()
        admin_user.refresh_from_db()
        assert admin_user.is_active

    @pytest.mark.parametrize("role", ["counsellor", "nurse", "prescriber", "peer_moderator", "privacy_officer"])
    def test_it_denies_other_roles(self, role: str, world: World, as_role) -> None:
        target = world.user("peer_moderator" if role != "peer_moderator" else "nurse")
        response = as_role(role).post(reverse("staff_set_active", args=[target.pk]), {"active": "0"})
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.is_active


class TestReEnableAccount:
    def test_a_session_from_before_the_disable_stays_ended(self, world: World, nurse: User, as_role) -> None:
        old_session = sign_in(Client(), nurse)
        admin = as_role("program_admin")
        disable(admin, nurse)
        admin.post(reverse("staff_set_active", args=[nurse.pk]), {"active": "1"})
        nurse.refresh_from_db()
        assert nurse.is_active
        assert old_session.get(reverse("patient_list"))["Location"].startswith(reverse("login"))
        # A fresh sign-in works again.
        assert sign_in(Client(), nurse).get(reverse("patient_list")).status_code == 200
