"""Who opens the outcomes dashboard and its CSV (Cap.OUTCOMES_READ: program admins and prescribers),
and that each program sees only its own figures."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, sign_in
from waymark.core.roles import Cap, Role, can
from waymark.outcomes.tests.dashboard_data import by_group, hand_made_program

PAGES = [reverse("outcomes:dashboard"), reverse("outcomes:export_csv")]
NAV_LINK = f'href="{reverse("outcomes:dashboard")}"'


@pytest.fixture
def program(world: World) -> World:
    hand_made_program(world)
    return world


class TestWhoMayRead:
    def test_the_capability_is_for_program_admins_and_prescribers_only(self) -> None:
        assert {role for role in Role if can(role, Cap.OUTCOMES_READ)} == {Role.PROGRAM_ADMIN, Role.PRESCRIBER}

    @pytest.mark.parametrize("role", ["program_admin", "prescriber"])
    def test_it_opens_for_readers_with_a_link_in_the_menu(
        self, program: World, as_role: Callable[[str], Client], role: str
    ) -> None:
        client = as_role(role)
        for url in PAGES:
            assert client.get(url).status_code == 200
        menu = client.get(reverse("home")).content.decode().split("</nav>")[0]
        assert NAV_LINK in menu

    @pytest.mark.parametrize("role", ["patient", "counsellor", "nurse", "peer_moderator", "privacy_officer"])
    def test_it_refuses_everyone_else_and_hides_the_link(
        self, program: World, as_role: Callable[[str], Client], role: str
    ) -> None:
        client = as_role(role)
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 403, url
            assert b"Methadone" not in response.content
        home = client.get(reverse("home"), follow=True).content.decode()
        assert NAV_LINK not in home

    def test_anonymous_visitors_are_sent_to_sign_in(self, program: World, client: Client) -> None:
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login") + "?next=")

    def test_it_answers_only_get(self, program: World, as_role: Callable[[str], Client]) -> None:
        client = as_role("program_admin")
        for url in PAGES:
            assert client.post(url).status_code == 405


class TestOwnProgramOnly:
    def test_another_programs_admin_sees_their_own_figures_only(self, program: World) -> None:
        client = sign_in(Client(), program.outsider_staff[Role.PROGRAM_ADMIN])
        html = client.get(PAGES[0]).content.decode()
        assert set(by_group(html)) == {"Elsewhere arm"}
        assert "Methadone" not in html and "Buprenorphine" not in html
        csv_text = client.get(PAGES[1]).content.decode()
        assert "Elsewhere arm" in csv_text and "Methadone" not in csv_text

    def test_no_parameter_selects_another_program(self, program: World, as_role: Callable[[str], Client]) -> None:
        # The program comes from the account, never from the URL.
        html = as_role("program_admin").get(PAGES[0], {"program": program.outsider_program.pk}).content.decode()
        assert "Elsewhere arm" not in html
        assert set(by_group(html)) == {"Methadone", "Buprenorphine"}
