"""The program's groups for staff (/community/program-groups/ and /new/): counsellors and program admins list
their program's cohort groups with member counts (never their messages) and make new ones."""

import pytest
from django.test import Client

from waymark.community import services
from waymark.community.models import Group
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

LIST, NEW = "/community/program-groups/", "/community/program-groups/new/"


class TestTheList:
    def test_it_counts_members_and_moderators_and_shows_no_messages(self, client: Client, cohort: Cohort) -> None:
        post(cohort.dana, "Something private about my week")
        sign_in(client, cohort.group.created_by)

        def row() -> str:
            html = client.get(LIST).content.decode()
            assert "Something private" not in html and f'href="/community/{cohort.group.pk}/"' not in html
            cells = html[html.index(f'id="group-{cohort.group.pk}"') :]
            return cells[: cells.index("</tr>")]

        assert f'href="/community/program-groups/{cohort.group.pk}/members/"' in row()
        assert '<td class="nowrap">2</td>\n    <td class="nowrap">1</td>' in row()  # members, moderators
        services.leave(cohort.elliot)
        assert '<td class="nowrap">1</td>\n    <td class="nowrap">1</td>' in row()

    def test_a_group_without_a_moderator_is_flagged(self, client: Client, world: World) -> None:
        services.create_cohort_group(world.user(Role.COUNSELLOR), "Thursday group")
        assert "none yet" in sign_in(client, world.user(Role.PROGRAM_ADMIN)).get(LIST).content.decode()

    def test_another_programs_groups_are_not_listed(self, client: Client, world: World, cohort: Cohort) -> None:
        services.create_cohort_group(world.outsider_staff[Role.COUNSELLOR], "Elsewhere Monday")
        html = sign_in(client, world.user(Role.COUNSELLOR)).get(LIST).content.decode()
        assert "Tuesday evening group" in html and "Elsewhere Monday" not in html

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.NURSE, Role.PEER_MODERATOR, Role.PRIVACY_OFFICER])
    def test_only_counsellors_and_program_admins_see_it(self, client: Client, world: World, role: Role) -> None:
        sign_in(client, world.user(role))
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403

    def test_the_list_costs_the_same_queries_for_one_group_or_many(
        self, client: Client, world: World, django_assert_max_num_queries: object
    ) -> None:
        counsellor = world.user(Role.COUNSELLOR)
        for n in range(10):
            services.create_cohort_group(counsellor, f"Group {n}")
        sign_in(client, counsellor).get(LIST)
        with django_assert_max_num_queries(8):  # type: ignore[operator]
            assert client.get(LIST).content.decode().count('<tr id="group-') == 10


class TestMakingOne:
    def test_a_counsellor_makes_a_group_and_goes_on_to_add_people(self, client: Client, world: World) -> None:
        counsellor = world.user(Role.COUNSELLOR)
        response = sign_in(client, counsellor).post(NEW, {"name": "Thursday  morning"})
        group = Group.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/community/program-groups/{group.pk}/members/"
        assert (group.kind, group.name, group.program_id, group.invite_code) == (
            "cohort",
            "Thursday morning",
            world.program.pk,
            None,
        )
        assert AuditEvent.objects.filter(action="community_group_create", actor=counsellor).exists()
        assert "Thursday morning is ready." in client.get(response["Location"]).content.decode()

    @pytest.mark.parametrize("name", ["", "   ", "x" * 81])
    def test_a_name_is_needed(self, client: Client, world: World, name: str) -> None:
        response = sign_in(client, world.user(Role.PROGRAM_ADMIN)).post(NEW, {"name": name})
        assert response.status_code == 422
        assert "Give the group a name of up to 80 characters." in response.content.decode()
        assert not Group.objects.exists()
