"""The "More" page: every other part of the companion one tap away, and a program patient's own record."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from waymark.companion.models import CompanionProfile
from waymark.conftest import World


class TestLinks:
    def test_it_links_every_other_part(self, person_client: Client) -> None:
        html = person_client.get(reverse("companion:more")).content.decode()
        links = html.split('class="plain more-links"', 1)[1].split("</ul>", 1)[0]
        for name in (
            "companion:contacts",
            "companion:meetings",
            "companion:milestones",
            "companion:insights",
            "companion:history",
            "companion:settings",
            "companion:my_data",
            "companion:crisis",
            "public:find_treatment",
        ):
            assert f'href="{reverse(name)}"' in links, name


class TestMyRecordLink:
    def test_a_program_patient_reaches_their_record_from_more(
        self, patient_client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        try:
            record = reverse("my_record")
        except NoReverseMatch:
            pytest.skip("waymark/urls.py has no my_record URL yet")
        html = patient_client.get(reverse("companion:more")).content.decode()
        assert f'href="{record}">My record</a>' in html
        page = patient_client.get(record)
        assert page.status_code == 200
        assert "Your consents" in page.content.decode()

    def test_a_self_guided_person_has_no_record_link(self, person_client: Client) -> None:
        html = person_client.get(reverse("companion:more")).content.decode()
        links = html.split('class="plain more-links"', 1)[1].split("</ul>", 1)[0]
        assert "My record" not in links
        assert reverse("companion:contacts") in links and reverse("companion:my_data") in links
