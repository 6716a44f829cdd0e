"""Help now (/companion/help-now/): 988 and 911 one tap away, the overdose steps (REFERENCE.md §6), the SAMHSA
helpline, and the person's own people to call (only those on their plan, only their own), for anyone who opens
it — signed in or not — and in the person's language."""

import pytest
from django.test import Client
from django.urls import reverse

from waymark.companion.models import CompanionProfile, SupportContact
from waymark.companion.tests.conftest import start
from waymark.conftest import make_user, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

URL = "/companion/help-now/"


def contact(user: User, name: str, phone: str, on_plan: bool = True, role: str = "sponsor") -> SupportContact:
    return SupportContact.objects.create(user=user, name=name, role=role, phone=phone, on_plan=on_plan)


def page(client: Client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


class TestHelpLines:
    def test_the_url_is_the_companions_crisis_page(self) -> None:
        assert reverse("companion:crisis") == URL

    @pytest.mark.parametrize("who", ["anonymous", "person", "no_profile", "staff"])
    def test_anyone_gets_the_numbers_and_the_overdose_steps(self, who: str, client: Client, world) -> None:
        if who == "person":
            user = make_user(None, Role.PATIENT, "sky")
            start(user)
            sign_in(client, user)
        elif who == "no_profile":
            sign_in(client, make_user(None, Role.PATIENT, "sky"))
        elif who == "staff":
            sign_in(client, world.user(Role.NURSE))
        html = page(client)
        assert 'href="tel:911"' in html
        assert 'href="tel:988"' in html and 'href="sms:988"' in html
        assert 'href="tel:18006624357"' in html
        # The overdose steps, REFERENCE.md §6.
        for words in (
            "Call 911.",
            "Give naloxone if you have it.",
            "it can take several doses",
            "Put them in the recovery position.",
            "Stay with them until help arrives.",
            "Naloxone wears off, so they still need medical care",
        ):
            assert words in html, words


class TestOwnPeople:
    def test_it_shows_the_persons_people_to_call_with_call_and_text(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        user = self_guided_profile.user
        contact(user, "Marisol", "(207) 555-0142")
        contact(user, "Uncle Ray", "+1 207 555 0199", role="family")
        contact(user, "Old friend", "207-555-0111", on_plan=False)
        html = page(person_client)
        flat = " ".join(html.split())
        assert "Call Marisol</a>" in flat and "Text Marisol</a>" in flat
        assert 'href="tel:(207)555-0142"' in html and 'href="sms:(207)555-0142"' in html
        assert 'href="tel:+12075550199"' in html and "Call Uncle Ray</a>" in flat
        assert "Old friend" not in html
        assert reverse("companion:plan") in html
        event = AuditEvent.objects.order_by("-seq").first()
        assert event is not None and (event.action, event.object_type) == ("companion_read", "support_contacts")

    def test_it_never_shows_someone_elses_people(self, person_client: Client, self_guided_profile) -> None:
        other = make_user(None, Role.PATIENT, "someone-else")
        contact(other, "Their sponsor", "207-555-0177")
        html = page(person_client)
        assert "Their sponsor" not in html
        assert "2075550177" not in html
        assert "You haven't added anyone to call yet." in html

    def test_signed_out_there_are_no_personal_contacts(self, client: Client, self_guided_profile) -> None:
        contact(self_guided_profile.user, "Marisol", "207-555-0142")
        html = page(client)
        assert "Marisol" not in html
        assert "Reach out to someone you trust" in html


class TestLanguage:
    def test_it_is_in_spanish_for_a_person_who_chose_spanish(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        html = page(person_client)
        assert '<html lang="es">' in html
        assert "Sobredosis de opioides: qué hacer" in html
        assert "Administre naloxona si la tiene." in html

    def test_anyone_can_read_it_in_spanish(self, client: Client) -> None:
        html = client.get(URL + "?lang=es").content.decode()
        assert '<html lang="es">' in html
        assert "Sobredosis de opioides: qué hacer" in html
        assert 'href="?lang=en"' in html
        assert 'href="?lang=es"' in page(client)
