"""The relapse-prevention plan page (/companion/plan/): the people to call at the top with call and text links,
reasons, warning signs and triggers with what the person will do; readable when empty; the person's own only."""

from typing import Any

import pytest
from django.test import Client

from waymark.companion import services_network, services_plan
from waymark.companion.models import CompanionProfile, PlanItem, SupportContact
from waymark.companion.tests.conftest import start
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/plan/"


def build_plan(user: User) -> None:
    services_network.add_contact(user, name="Sam", role="sponsor", phone="(207) 555-0199", on_plan=True)
    services_network.add_contact(user, name="Old friend", role="friend", phone="207 555 0100", on_plan=False)
    services_plan.add_item(
        user, kind="warning_sign", text="I stop answering my phone", coping="Call Sam\nGo to a meeting"
    )
    services_plan.add_item(user, kind="trigger", text="Friday payday", coping="Give my card to my sister")
    services_plan.set_reasons(user, "My kids\n\nMy health")


class TestPlanPage:
    def test_an_empty_plan_invites_the_person_to_build_it(self, person_client: Client) -> None:
        html = person_client.get(URL).content.decode()
        assert "My plan" in html and "No one on your plan yet" in html
        assert "/companion/people/new/" in html and "/companion/plan/reasons/" in html
        assert "/companion/plan/items/new/?kind=warning_sign" in html
        assert "with a counsellor if you have one" in html

    def test_it_shows_the_people_to_call_first_then_reasons_signs_and_triggers(
        self, person_client: Client, self_guided: User
    ) -> None:
        build_plan(self_guided)
        html = person_client.get(URL).content.decode()
        assert 'href="tel:2075550199"' in html and 'href="sms:2075550199"' in html
        assert "Call Sam" in html and "Text Sam" in html
        assert "Old friend" not in html  # not marked for the plan
        order = [html.index(text) for text in ("Call Sam", "My kids", "I stop answering my phone", "Friday payday")]
        assert order == sorted(order)
        assert "<li>Go to a meeting</li>" in html and "<li>My health</li>" in html
        assert 'href="tel:911"' in html and "/companion/help-now/" in html

    def test_reading_the_plan_is_audited(self, person_client: Client, self_guided: User) -> None:
        build_plan(self_guided)
        person_client.get(URL)
        assert AuditEvent.objects.filter(actor=self_guided, action="companion_read", object_type="relapseplan").exists()

    def test_it_reads_in_few_queries(
        self, person_client: Client, self_guided: User, django_assert_max_num_queries: Any
    ) -> None:
        build_plan(self_guided)
        for n in range(10):
            services_plan.add_item(self_guided, kind="trigger", text=f"Trigger {n}", coping="Walk")
        with django_assert_max_num_queries(16):
            assert person_client.get(URL).status_code == 200

    def test_a_self_guided_person_has_no_sharing_switch(self, person_client: Client) -> None:
        html = person_client.get(URL).content.decode()
        assert "/companion/plan/share/" not in html and "Only you can see it." in html

    def test_a_program_patient_can_share_it(self, patient_client: Client) -> None:
        html = patient_client.get(URL).content.decode()
        assert 'action="/companion/plan/share/"' in html and "with your counsellor" in html


class TestAccess:
    def test_another_persons_plan_never_shows(self, person_client: Client, world: World) -> None:
        other = world.user(Role.PATIENT)
        start(other)
        build_plan(other)
        html = person_client.get(URL).content.decode()
        assert "Sam" not in html and "Friday payday" not in html

    def test_staff_are_refused(self, client: Client, world: World) -> None:
        assert sign_in(client, world.user(Role.COUNSELLOR)).get(URL).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Client, db: None) -> None:
        response = client.get(URL)
        assert response.status_code == 302 and "/login/?next=/companion/plan/" in response["Location"]

    def test_a_person_without_companion_settings_is_sent_to_start(self, client: Client, db: None) -> None:
        response = sign_in(client, make_user(None, Role.PATIENT, "newcomer")).get(URL)
        assert response.status_code == 302 and response["Location"] == "/companion/start/"

    def test_it_is_in_spanish_when_the_person_chose_spanish(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        assert '<html lang="es">' in person_client.get(URL).content.decode()

    def test_only_post_writes(self, person_client: Client) -> None:
        assert person_client.post(URL).status_code == 405
        assert PlanItem.objects.count() == 0 and SupportContact.objects.count() == 0
