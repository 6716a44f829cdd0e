"""A group's roster: people join within the capacity (the ninth of eight is
refused, naming the count), once, and only from the group's own program; a new
member is expected at the sessions already scheduled from the day they join;
leaving keeps the membership and past attendance, and takes them off the
sessions still to come. Adding from the page reaches the person through the
care team."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.care import services_groups, services_sessions
from waymark.care.models import Attendance, GroupMembership
from waymark.care.tests.session_helpers import (
    counsellor,
    group_fields,
    group_url,
    group_with,
    make_group,
    past_session,
    people,
    today,
)
from waymark.chart.access import on_care_team
from waymark.chart.models import CareTeamMember
from waymark.conftest import World, sign_in

pytestmark = pytest.mark.django_db


class TestCapacity:
    def test_the_ninth_person_of_eight_is_refused_naming_the_count(self, world: World) -> None:
        group, _ = group_with(world, 8)
        (ninth,) = people(world, 1, start=9)
        with pytest.raises(ValidationError, match="The group is full: 8 of 8 places taken"):
            services_groups.add_member(counsellor(world), group, ninth, today(world))
        assert group.memberships.count() == 8

    def test_a_place_frees_up_when_someone_leaves(self, world: World) -> None:
        group, members = group_with(world, 8)
        services_groups.remove_member(counsellor(world), group, group.memberships.get(patient=members[0]), today(world))
        (ninth,) = people(world, 1, start=9)
        services_groups.add_member(counsellor(world), group, ninth, today(world))
        assert group.memberships.filter(left_on__isnull=True).count() == 8

    def test_capacity_cannot_drop_below_the_roster(self, world: World) -> None:
        group, _ = group_with(world, 5)
        data = services_groups.GroupInput(**{**group_fields(group), "capacity": 4})
        with pytest.raises(ValidationError) as caught:
            services_groups.update_group(counsellor(world), group, data)
        assert caught.value.message_dict == {"capacity": ["5 people are in the group: capacity cannot be below 5."]}


class TestWhoMayJoin:
    def test_a_person_joins_once(self, world: World) -> None:
        group, members = group_with(world, 1)
        with pytest.raises(ValidationError, match=r"Person01 Member01 is already in this group \(since "):
            services_groups.add_member(counsellor(world), group, members[0], today(world))

    def test_a_patient_of_another_program_is_refused(self, world: World) -> None:
        group = make_group(world)
        with pytest.raises(ValidationError, match="a patient of another program"):
            services_groups.add_member(counsellor(world), group, world.outsider_patient, today(world))
        assert not GroupMembership.objects.exists()

    def test_from_the_page_only_people_on_your_care_team_are_offered(self, world: World) -> None:
        group = make_group(world)
        client = sign_in(Client(), counsellor(world))
        html = client.get(group_url(group)).content.decode()
        assert "Whitlock, Dana (MRN HR-1)" in html and "Marsh, Elliot" not in html
        # Someone off the care team sent anyway is not added.
        response = client.post(
            group_url(group) + "members/", {"patient": world.other_patient.pk, "joined_on": today(world)}
        )
        assert response.status_code == 422 and not GroupMembership.objects.exists()
        response = client.post(group_url(group) + "members/", {"patient": world.patient.pk, "joined_on": today(world)})
        assert response.status_code == 302
        assert group.memberships.get().patient == world.patient


class TestJoiningAndLeaving:
    def test_a_new_member_is_expected_at_sessions_already_scheduled_from_the_day_they_join(self, world: World) -> None:
        group, _ = group_with(world, 2)
        first, last = today(world) + dt.timedelta(days=1), today(world) + dt.timedelta(days=10)
        services_groups.schedule_sessions(counsellor(world), group, first, last)
        (late_joiner,) = people(world, 1, start=3)
        services_groups.add_member(counsellor(world), group, late_joiner, today(world) + dt.timedelta(days=5))
        days = sorted(world.program.clinic_day(a.starts_at) for a in Attendance.objects.filter(patient=late_joiner))
        assert days == [today(world) + dt.timedelta(days=d) for d in range(5, 11)]

    def test_leaving_keeps_history_and_ends_future_expectations(self, world: World) -> None:
        group, members = group_with(world, 2)
        leaver = members[0]
        past = past_session(world, group)
        services_sessions.record_attendance(counsellor(world), past, {p.pk: ("attended", 90) for p in members})
        services_groups.schedule_sessions(
            counsellor(world), group, today(world) + dt.timedelta(days=1), today(world) + dt.timedelta(days=3)
        )
        membership = group.memberships.get(patient=leaver)
        services_groups.remove_member(counsellor(world), group, membership, today(world))
        membership.refresh_from_db()
        assert membership.left_on == today(world)
        assert list(Attendance.objects.filter(patient=leaver).values_list("status", flat=True)) == ["attended"]
        assert Attendance.objects.filter(patient=members[1]).count() == 4
        with pytest.raises(ValidationError, match="already left the group"):
            services_groups.remove_member(counsellor(world), group, membership, today(world))

    def test_the_facilitator_is_on_a_members_care_team_while_they_are_in_the_group(self, world: World) -> None:
        group, members = group_with(world, 1)
        assert not CareTeamMember.objects.filter(patient=members[0]).exists()
        assert on_care_team(counsellor(world), members[0].pk)
        services_groups.remove_member(counsellor(world), group, group.memberships.get(), today(world))
        assert not on_care_team(counsellor(world), members[0].pk)
