"""GET /api/v1/community/groups: the groups I am in now, with what I show the others; never a group I left or was
removed from, and nothing for someone in no group."""

import datetime as dt

import pytest
from django.test import Client

from waymark.chart.tests.api_helpers import problem, session_api
from waymark.community import services
from waymark.community.tests.conftest import Cohort
from waymark.conftest import World
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


class TestMyGroups:
    def test_it_lists_my_groups_with_what_i_show(self, cohort: Cohort) -> None:
        services.update_profile(cohort.dana, display_name="Dee", avatar_colour="plum", show_days=True)
        response = session_api(cohort.dana.user).get("/community/groups")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        (group,) = response.json()
        assert group["id"] == cohort.group.pk
        assert group["name"] == "Tuesday evening group" and group["kind"] == "cohort"
        assert group["member_id"] == cohort.dana.pk and group["role"] == "member"
        assert (group["display_name"], group["avatar_colour"], group["show_days"]) == ("Dee", "plum", True)
        assert group["muted_until"] is None
        assert "Be kind." in group["guidelines"]

    def test_the_moderator_sees_their_role(self, cohort: Cohort) -> None:
        (group,) = session_api(cohort.moderator.user).get("/community/groups").json()
        assert group["role"] == "moderator"

    def test_a_muted_member_sees_until_when(self, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.dana.pk, 2, "Cooling off")
        (group,) = session_api(cohort.dana.user).get("/community/groups").json()
        until = dt.datetime.fromisoformat(group["muted_until"])
        assert dt.timedelta(hours=1) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=2)

    def test_a_group_i_left_is_gone_at_once(self, cohort: Cohort) -> None:
        services.leave(cohort.dana)
        assert session_api(cohort.dana.user).get("/community/groups").json() == []

    def test_a_group_i_was_removed_from_is_gone(self, cohort: Cohort) -> None:
        services.remove_member(cohort.moderator, cohort.elliot.pk, "Selling")
        assert session_api(cohort.elliot.user).get("/community/groups").json() == []

    def test_someone_in_no_group_gets_an_empty_list(self, cohort: Cohort, world: World) -> None:
        assert session_api(cohort.outsider).get("/community/groups").json() == []
        # The counsellor who made the group is not a member of it.
        assert session_api(world.user(Role.COUNSELLOR)).get("/community/groups").json() == []

    def test_it_needs_signing_in(self, cohort: Cohort) -> None:
        problem(Client().get("/api/v1/community/groups"), 401)
