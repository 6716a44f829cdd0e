import datetime as dt

from django.urls import reverse
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.models import Invitation, User


def _invite(as_role, patient: Patient) -> str:
    response = as_role("counsellor").post(reverse("invite", args=[patient.pk]))
    assert response.status_code == 200
    link = response.context["link"]
    return str(link).split("/invitation/")[1].rstrip("/")


class TestPatientInvitation:
    def test_staff_invite_and_the_patient_sets_up_an_account(self, world: World, as_role, client) -> None:
        patient = world.patient
        patient.user = None
        patient.save(update_fields=["user"])
        token = _invite(as_role, patient)
        client.logout()

        form = client.get(reverse("accept_invitation", args=[token]))
        assert form.status_code == 200
        response = client.post(
            reverse("accept_invitation", args=[token]),
            {"username": "dana.w", "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"},
        )
        assert response.status_code == 302
        user = User.objects.get(username="dana.w")
        assert user.role == "patient" and user.program_id == world.program.pk
        assert Patient.objects.get(pk=patient.pk).user_id == user.pk
        # The patient lands on their own record.
        home = client.get(reverse("home"))
        assert "Your consents" in home.content.decode()

    def test_the_link_works_once(self, world: World, as_role, client) -> None:
        world.patient.user = None
        world.patient.save(update_fields=["user"])
        token = _invite(as_role, world.patient)
        client.logout()
        data = {"username": "dana.w", "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"}
        client.post(reverse("accept_invitation", args=[token]), data)
        client.logout()
        again = client.get(reverse("accept_invitation", args=[token]))
        assert again.status_code == 410

    def test_an_expired_link_is_refused(self, world: World, as_role, client) -> None:
        world.patient.user = None
        world.patient.save(update_fields=["user"])
        token = _invite(as_role, world.patient)
        Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        client.logout()
        assert client.get(reverse("accept_invitation", args=[token])).status_code == 410

    def test_only_a_hash_of_the_token_is_stored(self, world: World, as_role) -> None:
        world.patient.user = None
        world.patient.save(update_fields=["user"])
        token = _invite(as_role, world.patient)
        stored = Invitation.objects.get()
        assert token not in stored.token_hash

    def test_a_short_password_is_refused_and_nothing_changes(self, world: World, as_role, client) -> None:
        world.patient.user = None
        world.patient.save(update_fields=["user"])
        token = _invite(as_role, world.patient)
        client.logout()
        response = client.post(
            reverse("accept_invitation", args=[token]),
            {"username": "dana.w", "password1": "short", "password2": "short"},
        )
        assert response.status_code == 200
        assert "at least 12 characters" in response.content.decode()
        assert not User.objects.filter(username="dana.w").exists()
        assert Invitation.objects.get().used_at is None

    def test_a_nurse_cannot_invite(self, world: World, as_role) -> None:
        response = as_role("nurse").post(reverse("invite", args=[world.patient.pk]))
        assert response.status_code == 403
        assert not Invitation.objects.exists()


class TestSelfGuidedSignUp:
    def test_a_person_signs_up_without_a_program(self, db: None, client) -> None:
        response = client.post(
            reverse("signup"),
            {
                "username": "morning-light",
                "email": "",
                "password1": "one day at a time 2026",
                "password2": "one day at a time 2026",
            },
        )
        assert response.status_code == 302
        user = User.objects.get(username="morning-light")
        assert (user.role, user.program_id) == ("patient", None)
        # They land on the set-up of their recovery companion.
        home = client.get(reverse("home"), follow=True)
        assert home.redirect_chain == [(reverse("companion:start"), 302)]
        assert "Your account is private to you" in home.content.decode()
        # Self-guided people have no staff pages.
        assert client.get(reverse("patient_list")).status_code == 403

    def test_a_common_password_is_refused(self, db: None, client) -> None:
        response = client.post(
            reverse("signup"),
            {"username": "morning-light", "password1": "password1234", "password2": "password1234"},
        )
        assert "too common" in response.content.decode()
        assert not User.objects.filter(username="morning-light").exists()

    def test_a_taken_username_is_refused(self, world: World, client) -> None:
        response = client.post(
            reverse("signup"),
            {"username": "nurse", "password1": "one day at a time 2026", "password2": "one day at a time 2026"},
        )
        assert "is taken" in response.content.decode()
