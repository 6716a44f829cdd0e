"""Where the site's home `/` takes a patient: the companion when they have it, the companion's set-up for a
self-guided person without it, their program record for a program patient without it. Staff keep their
dashboard and cannot use the companion; a person without the companion is sent to set it up."""

from django.test import Client
from django.urls import reverse

from waymark.conftest import sign_in
from waymark.core.models import User
from waymark.core.roles import Role


class TestSiteHome:
    def test_a_person_with_the_companion_goes_to_it(self, person_client: Client) -> None:
        response = person_client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("companion:home")

    def test_a_program_patient_with_the_companion_goes_to_it(self, patient_client: Client) -> None:
        assert patient_client.get(reverse("home"))["Location"] == reverse("companion:home")

    def test_a_self_guided_person_without_it_is_asked_to_set_it_up(self, self_guided: User, client: Client) -> None:
        response = sign_in(client, self_guided).get(reverse("home"))
        assert response["Location"] == reverse("companion:start")

    def test_a_program_patient_without_it_still_sees_their_record(self, as_role) -> None:
        response = as_role(Role.PATIENT).get(reverse("home"))
        assert response.status_code == 200
        assert "Your consents" in response.content.decode()

    def test_staff_keep_their_dashboard(self, as_role) -> None:
        response = as_role(Role.COUNSELLOR).get(reverse("home"))
        assert response.status_code == 200


class TestCompanionGate:
    def test_companion_pages_send_a_person_without_it_to_set_up(self, self_guided: User, client: Client) -> None:
        client = sign_in(client, self_guided)
        for name in ("companion:home", "companion:milestones", "companion:more"):
            assert client.get(reverse(name))["Location"] == reverse("companion:start")

    def test_staff_cannot_use_the_companion(self, as_role) -> None:
        client = as_role(Role.NURSE)
        for name in ("companion:home", "companion:start", "companion:milestones", "companion:more"):
            assert client.get(reverse(name)).status_code == 403

    def test_signed_out_people_are_asked_to_sign_in(self, client: Client) -> None:
        for name in ("companion:home", "companion:start", "companion:milestones", "companion:more"):
            assert client.get(reverse(name))["Location"].startswith(reverse("login"))
