"""A group's roster and attendance are its members' records, and facilitating a group is a care
relationship (chart.access.on_care_team): only the facilitator opens the group's pages and hands the
group on. Another counsellor of the program sees the group in the list, not inside it."""

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from waymark.care import services_groups
from waymark.care.models import GroupMembership
from waymark.care.tests.session_helpers import (
    counsellor,
    group_attendance_url,
    group_input,
    group_url,
    group_with,
    past_session,
    today,
)
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import User
from waymark.core.roles import Role


@pytest.fixture
def colleague(world: World) -> User:
    return make_user(world.program, Role.COUNSELLOR, "colleague")


def test_another_counsellor_sees_the_group_listed_but_not_its_roster_or_attendance(
    world: World, colleague: User
) -> None:
    group, members = group_with(world, 3)
    session = past_session(world, group)
    client = sign_in(Client(), colleague)
    listing = client.get("/care/groups/").content.decode()
    assert group.name in listing and group_url(group) not in listing
    for url in (group_url(group), group_attendance_url(session), f"/care/groups/{group.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 403
        assert members[0].family_name not in response.content.decode()


def test_only_the_facilitator_hands_the_group_on(world: World, colleague: User) -> None:
    group, _ = group_with(world, 2)
    takeover = dataclasses.replace(group_input(world), facilitator=colleague)
    with pytest.raises(PermissionDenied):
        services_groups.update_group(colleague, group, takeover)
    group.refresh_from_db()
    assert group.facilitator == counsellor(world)
    services_groups.update_group(counsellor(world), group, takeover)
    group.refresh_from_db()
    assert group.facilitator == colleague


@pytest.mark.parametrize(("days", "allowed"), [(-365, True), (-366, False), (90, True), (91, False)])
def test_the_joining_day_is_within_a_year_back_or_90_days_ahead(world: World, days: int, allowed: bool) -> None:
    group, _ = group_with(world, 0)
    joined_on = today(world) + dt.timedelta(days=days)
    if allowed:
        assert services_groups.add_member(counsellor(world), group, world.patient, joined_on).joined_on == joined_on
        return
    with pytest.raises(ValidationError) as caught:
        services_groups.add_member(counsellor(world), group, world.patient, joined_on)
    assert caught.value.message_dict == {"joined_on": ["The joining day is at most 365 days ago or 90 days ahead."]}
    assert not GroupMembership.objects.exists()


def test_someone_booked_to_join_later_can_be_taken_off_the_roster(world: World) -> None:
    group, _ = group_with(world, 0)
    later = today(world) + dt.timedelta(days=14)
    membership = services_groups.add_member(counsellor(world), group, world.patient, later)
    response = sign_in(Client(), counsellor(world)).post(f"/care/groups/{group.pk}/members/{membership.pk}/remove/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == later
