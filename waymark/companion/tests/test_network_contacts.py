"""The support network (/companion/people/): contacts with roles, call and text links, the on-plan choice;
phone numbers checked with errors next to the field and nothing saved; the person's own contacts only."""

import pytest
from django.test import Client

from waymark.companion import services_network
from waymark.companion.models import CompanionProfile, SupportContact
from waymark.companion.tests.conftest import start
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

LIST, NEW = "/companion/people/", "/companion/people/new/"
SAM = {"name": "Sam", "role": "sponsor", "phone": "+1 (207) 555-0199", "on_plan": "on"}


def url(contact: SupportContact, page: str = "") -> str:
    return f"/companion/people/{contact.pk}/{page}"


def others_contact(world: World) -> SupportContact:
    other = world.user(Role.PATIENT)
    start(other)
    return services_network.add_contact(other, name="Jojo Quill", role="family", phone="207 555 0111", on_plan=True)


class TestAdd:
    def test_it_adds_a_contact_with_call_and_text_links(self, person_client: Client, self_guided: User) -> None:
        assert "Sponsor" in person_client.get(NEW).content.decode()
        response = person_client.post(NEW, SAM)
        assert response.status_code == 302 and response["Location"] == LIST
        contact = SupportContact.objects.get()
        assert (contact.user, contact.name, contact.role, contact.phone, contact.on_plan) == (
            self_guided,
            "Sam",
            "sponsor",
            "+1 (207) 555-0199",
            True,
        )
        html = person_client.get(LIST).content.decode()
        assert 'href="tel:+12075550199"' in html and 'href="sms:+12075550199"' in html
        assert "Sam is in your support network." in html and "On my plan" in html
        event = AuditEvent.objects.get(action="companion_contact_add")
        assert event.actor == self_guided and "Sam" not in event.reason and "555" not in event.reason

    def test_a_contact_can_stay_off_the_plan(self, person_client: Client) -> None:
        person_client.post(NEW, {**SAM, "on_plan": ""})
        assert SupportContact.objects.get().on_plan is False
        assert "Call Sam" not in person_client.get("/companion/plan/").content.decode()

    @pytest.mark.parametrize(
        ("phone", "words"),
        [
            ("", "Enter a phone number."),
            ("call me", "Use only digits"),
            ("555-01", "7 to 20 characters"),
            ("1" * 21, "7 to 20 characters"),
            ("(207) 5-0", "at least 7 digits"),
            ("207+555+0199", "A + can only come first"),
        ],
    )
    def test_a_wrong_phone_number_is_explained_and_nothing_saved(
        self, person_client: Client, phone: str, words: str
    ) -> None:
        response = person_client.post(NEW, {**SAM, "phone": phone})
        html = response.content.decode()
        assert response.status_code == 422 and 'id="id_phone_error"' in html and words in html
        assert SupportContact.objects.count() == 0

    @pytest.mark.parametrize(("change", "field"), [({"name": " "}, "name"), ({"role": "boss"}, "role")])
    def test_a_missing_name_or_unknown_role_is_refused(
        self, person_client: Client, change: dict[str, str], field: str
    ) -> None:
        response = person_client.post(NEW, {**SAM, **change})
        assert response.status_code == 422 and f'id="id_{field}_error"' in response.content.decode()
        assert SupportContact.objects.count() == 0


class TestChangeAndRemove:
    def test_it_changes_a_contact(self, person_client: Client, self_guided: User) -> None:
        contact = services_network.add_contact(self_guided, name="Sam", role="friend", phone="2075550199", on_plan=True)
        assert 'value="2075550199"' in person_client.get(url(contact)).content.decode()
        response = person_client.post(url(contact), {**SAM, "role": "counsellor", "on_plan": ""})
        assert response.status_code == 302
        contact.refresh_from_db()
        assert (contact.role, contact.on_plan, contact.phone) == ("counsellor", False, "+1 (207) 555-0199")
        assert AuditEvent.objects.filter(action="companion_contact_change", object_id=str(contact.pk)).exists()

    def test_a_bad_change_saves_nothing(self, person_client: Client, self_guided: User) -> None:
        contact = services_network.add_contact(self_guided, name="Sam", role="friend", phone="2075550199", on_plan=True)
        response = person_client.post(url(contact), {**SAM, "phone": "12"})
        assert response.status_code == 422
        contact.refresh_from_db()
        assert contact.phone == "2075550199"

    def test_it_removes_a_contact(self, person_client: Client, self_guided: User) -> None:
        contact = services_network.add_contact(self_guided, name="Sam", role="friend", phone="2075550199", on_plan=True)
        assert person_client.get(url(contact, "remove/")).status_code == 405
        assert person_client.post(url(contact, "remove/")).status_code == 302
        assert not SupportContact.objects.exists()
        assert AuditEvent.objects.filter(action="companion_contact_remove", object_id=str(contact.pk)).exists()

    def test_another_persons_contact_does_not_exist(self, person_client: Client, world: World) -> None:
        contact = others_contact(world)
        assert person_client.get(url(contact)).status_code == 404
        assert person_client.post(url(contact), SAM).status_code == 404
        assert person_client.post(url(contact, "remove/")).status_code == 404
        contact.refresh_from_db()
        assert contact.name == "Jojo Quill"
        assert "Jojo Quill" not in person_client.get(LIST).content.decode()


class TestAccess:
    def test_staff_are_refused(self, client: Client, world: World) -> None:
        staff = sign_in(client, world.user(Role.NURSE))
        assert staff.get(LIST).status_code == 403 and staff.post(NEW, SAM).status_code == 403
        assert SupportContact.objects.count() == 0

    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Client, db: None) -> None:
        response = client.get(LIST)
        assert response.status_code == 302 and "/login/?next=/companion/people/" in response["Location"]

    def test_reading_is_audited_and_spanish_shows(
        self, person_client: Client, self_guided: User, self_guided_profile: CompanionProfile
    ) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        assert '<html lang="es">' in person_client.get(LIST).content.decode()
        assert AuditEvent.objects.filter(
            actor=self_guided, action="companion_read", object_type="supportcontact"
        ).exists()
