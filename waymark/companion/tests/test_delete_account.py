"""/companion/my-data/delete/: a self-guided person deletes their account after typing their username and password.
Every companion row goes; the account stays as a disabled, anonymised row (the audit log refers to it); they are
signed out and cannot sign in again. Program patients are refused and told why; a wrong password deletes nothing."""

import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from waymark.companion import services, services_data
from waymark.companion.models import (
    CheckIn,
    CheckInRevision,
    CheckInSubmission,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
    MilestoneSeen,
    PlanItem,
    RelapsePlan,
    ReminderSent,
    SupportContact,
)
from waymark.companion.tests.conftest import check_in
from waymark.companion.tests.test_export_data import write_everything
from waymark.conftest import PASSWORD, World, sign_in
from waymark.core import audit
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/my-data/delete/"
COMPANION_MODELS = (
    CompanionProfile,
    CheckIn,
    CheckInRevision,
    CheckInSubmission,
    JournalEntry,
    RelapsePlan,
    PlanItem,
    SupportContact,
    MeetingLog,
    MilestoneSeen,
    ReminderSent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COMPANION_MODELS}


def delete(client: Client, username: str = "river", password: str = PASSWORD) -> Any:
    return client.post(URL, {"username": username, "password": password})


def sign_in_with_password(username: str, password: str = PASSWORD) -> bool:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


@pytest.fixture
def river(self_guided_profile: CompanionProfile) -> User:
    user = self_guided_profile.user
    user.email, user.last_name = "river@example.org", "Stone"
    user.save()
    write_everything(user, self_guided_profile, "MINE")
    return user


class TestDelete:
    def test_the_form_asks_for_username_and_password(self, person_client: Client) -> None:
        response = person_client.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="username"' in html and 'name="password"' in html and "cannot be undone" in html

    def test_it_removes_every_companion_row(self, person_client: Client, river: User) -> None:
        assert all(counts().values())
        response = delete(person_client)
        assert response.status_code == 200
        assert "Your account is deleted" in response.content.decode()
        assert not any(counts().values()), counts()

    def test_the_account_is_anonymised_and_disabled_but_kept(self, person_client: Client, river: User) -> None:
        delete(person_client)
        user = User.objects.get(pk=river.pk)
        assert user.username == f"deleted-{river.pk}"
        assert (user.first_name, user.last_name, user.email) == ("", "", "")
        assert not user.is_active and not user.has_usable_password()

    def test_the_person_is_signed_out_and_cannot_sign_in_again(self, person_client: Client, river: User) -> None:
        delete(person_client)
        assert "_auth_user_id" not in person_client.session
        assert person_client.get("/companion/").status_code == 302
        assert not sign_in_with_password("river")
        assert not sign_in_with_password(f"deleted-{river.pk}")

    def test_it_is_audited_and_the_chain_still_holds(self, person_client: Client, river: User) -> None:
        delete(person_client)
        event = AuditEvent.objects.get(action="companion_delete")
        assert event.actor_id == river.pk and event.object_id == str(river.pk)
        assert "journal" not in event.reason and "MINE" not in event.reason
        assert audit.verify_chain().ok

    def test_another_persons_data_is_untouched(self, person_client: Client, river: User, world: World) -> None:
        other = world.user(Role.PATIENT)
        profile = services.start_companion(other, recovery_started_on=river.companion.recovery_started_on)
        check_in(other, profile, note="THEIRS")
        services.write_journal(other, profile, text="THEIRS", client_id=uuid.uuid4())
        delete(person_client)
        assert CheckIn.objects.filter(user=other).count() == 1
        assert JournalEntry.objects.filter(user=other).count() == 1
        assert CompanionProfile.objects.filter(user=other).exists()

    def test_other_apps_erase_their_part(
        self, person_client: Client, river: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        erased: list[int] = []

        def eraser(user: User) -> int:
            erased.append(user.pk)
            return 3

        monkeypatch.setattr(services_data, "ERASERS", [eraser])
        delete(person_client)
        assert erased == [river.pk]


class TestRefused:
    def test_a_wrong_password_deletes_nothing(self, person_client: Client, river: User) -> None:
        before = counts()
        response = delete(person_client, password="not-my-password-at-all")
        assert response.status_code == 422
        assert "That password is not right." in response.content.decode()
        assert counts() == before
        river.refresh_from_db()
        assert river.is_active and river.username == "river"
        assert "_auth_user_id" in person_client.session

    def test_a_wrong_username_deletes_nothing(self, person_client: Client, river: User) -> None:
        before = counts()
        response = delete(person_client, username="River")
        assert response.status_code == 422
        assert "This is not your username" in response.content.decode()
        assert counts() == before

    def test_missing_fields_delete_nothing(self, person_client: Client, river: User) -> None:
        before = counts()
        assert person_client.post(URL, {}).status_code == 422
        assert counts() == before

    def test_repeated_wrong_passwords_lock_the_account(self, person_client: Client, river: User) -> None:
        before = counts()
        statuses = [delete(person_client, password=f"wrong-password-{n}").status_code for n in range(5)]
        assert statuses[-1] == 429
        assert delete(person_client).status_code == 429  # even the right one, while locked
        assert counts() == before

    def test_a_program_patient_is_told_why(self, patient_client: Client) -> None:
        response = patient_client.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="password"' not in html
        assert "must keep treatment records" in html
        assert reverse("companion:my_data") in html

    def test_a_program_patient_cannot_delete(self, patient_client: Client, patient_profile: CompanionProfile) -> None:
        check_in(patient_profile.user, patient_profile)
        before = counts()
        response = delete(patient_client, username="patient")
        assert response.status_code == 403
        assert counts() == before
        assert User.objects.get(username="patient").is_active

    def test_the_service_refuses_a_program_patient(self, patient_profile: CompanionProfile) -> None:
        with pytest.raises(ValidationError):
            services_data.delete_self_guided_account(patient_profile.user)
        assert CompanionProfile.objects.filter(pk=patient_profile.pk).exists()

    def test_staff_are_refused(self, client: Client, world: World) -> None:
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.post(URL, {"username": "counsellor", "password": PASSWORD}).status_code == 403
        assert User.objects.get(username="counsellor").is_active
