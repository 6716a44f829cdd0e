"""The groups pages: the list (roster count against capacity, next meeting; the
same number of queries for 1 group as for 6), creating a group (errors named
next to the fields, nothing saved), changing one (upcoming sessions follow a
new time), a group's page (reading the roster is audited). Only counsellors of
the group's own program open them."""

import datetime as dt

import pytest
from django.test import Client

from waymark.care import services_groups
from waymark.care.models import CareGroup
from waymark.care.tests.session_helpers import counsellor, group_fields, group_url, group_with, make_group, today
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the program (1); the groups with
# facilitator, site, roster count and next meeting (1); the audit append (3).
LIST_MAX = 8


def create_form(world: World, **changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "name": "Early recovery, evenings",
        "topic": "early_recovery",
        "facilitator": str(counsellor(world).pk),
        "capacity": "10",
        "weekdays": ["0", "2"],
        "starts_at_time": "18:00",
        "minutes": "90",
        "site": str(world.site.pk),
        "modality": "in_person",
    }
    data.update(changes)
    return data


class TestTheList:
    def test_each_group_with_its_roster_count_capacity_and_next_meeting(self, world: World) -> None:
        group, _ = group_with(world, 8)
        tomorrow = today(world) + dt.timedelta(days=1)
        services_groups.schedule_sessions(counsellor(world), group, tomorrow, tomorrow + dt.timedelta(days=6))
        html = sign_in(Client(), counsellor(world)).get("/care/groups/").content.decode()
        row = html[html.index(f'<tr id="group-{group.pk}"') :].split("</tr>")[0]
        assert "8 of 8" in row and "full" in row
        assert f"{tomorrow:%a %Y-%m-%d} 10:00" in row

    def test_it_costs_the_same_queries_for_1_group_as_for_6(
        self, world: World, django_assert_max_num_queries: object
    ) -> None:
        client = sign_in(Client(), counsellor(world))
        make_group(world, name="Group 0")
        client.get("/care/groups/")  # settles the session's idle clock
        with django_assert_max_num_queries(LIST_MAX):  # type: ignore[operator]
            client.get("/care/groups/")
        for n in range(1, 6):
            group_with(world, 0, name=f"Group {n}")
        with django_assert_max_num_queries(LIST_MAX):  # type: ignore[operator]
            html = client.get("/care/groups/").content.decode()
        assert html.count('<tr id="group-') == 6


class TestCreating:
    def test_a_counsellor_creates_a_group(self, world: World) -> None:
        client = sign_in(Client(), counsellor(world))
        response = client.post("/care/groups/new/", create_form(world))
        group = CareGroup.objects.get()
        assert response.status_code == 302 and response["Location"] == group_url(group)
        assert (group.weekdays, group.starts_at_time, group.capacity) == ([0, 2], dt.time(18, 0), 10)
        assert AuditEvent.objects.filter(action="create", object_type="care_group", object_id=str(group.pk)).exists()

    @pytest.mark.parametrize(
        ("changes", "field_error"),
        [
            ({"capacity": "51"}, "Capacity is 1–50 people; 51 given."),
            ({"capacity": "0"}, "Capacity is 1–50 people; 0 given."),
            ({"minutes": "14"}, "A session lasts 15–480 minutes; 14 given."),
            ({"minutes": "481"}, "A session lasts 15–480 minutes; 481 given."),
            ({"weekdays": []}, "Choose at least one day of the week the group meets."),
        ],
    )
    def test_bad_values_are_named_and_nothing_is_saved(
        self, world: World, changes: dict[str, str], field_error: str
    ) -> None:
        response = sign_in(Client(), counsellor(world)).post("/care/groups/new/", create_form(world, **changes))
        assert response.status_code == 422 and field_error in response.content.decode()
        assert not CareGroup.objects.exists()

    def test_the_facilitator_must_be_a_counsellor_of_the_program(self, world: World) -> None:
        nurse = world.user(Role.NURSE)
        with pytest.raises(Exception, match="must be an active counsellor of this program"):
            make_group(world, facilitator=nurse)
        with pytest.raises(Exception, match="must be an active counsellor of this program"):
            make_group(world, facilitator=world.outsider_staff[Role.COUNSELLOR])
        assert not CareGroup.objects.exists()


class TestChanging:
    def test_a_new_time_moves_the_sessions_still_to_come(self, world: World) -> None:
        group, _ = group_with(world, 2)
        start = today(world) + dt.timedelta(days=1)
        services_groups.schedule_sessions(counsellor(world), group, start, start + dt.timedelta(days=2))
        data = services_groups.GroupInput(**group_fields(group, starts_at_time=dt.time(17, 0)))
        services_groups.update_group(counsellor(world), group, data)
        zone = world.program.zone
        times = [s.starts_at.astimezone(zone).strftime("%H:%M") for s in group.sessions.all()]
        assert times == ["17:00"] * 3
        assert all(s.attendances.count() == 2 for s in group.sessions.all())

    def test_the_edit_page_saves(self, world: World) -> None:
        group = make_group(world)
        client = sign_in(Client(), counsellor(world))
        assert client.get(group_url(group) + "edit/").status_code == 200
        response = client.post(group_url(group) + "edit/", create_form(world, name="Renamed", active="on"))
        assert response.status_code == 302
        group.refresh_from_db()
        assert group.name == "Renamed" and group.active


class TestAccess:
    def test_reading_a_roster_is_audited(self, world: World) -> None:
        group, _ = group_with(world, 2)
        html = sign_in(Client(), counsellor(world)).get(group_url(group)).content.decode()
        assert "Person01 Member01" in html and "2 of 8 places taken" in html
        event = AuditEvent.objects.latest("seq")
        assert (event.action, event.object_type, event.object_id) == ("read", "care_group", str(group.pk))

    @pytest.mark.parametrize(
        "role", [Role.NURSE, Role.PRESCRIBER, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER, Role.PATIENT]
    )
    def test_only_counsellors_open_group_pages(self, world: World, role: Role) -> None:
        group, _ = group_with(world, 1)
        session = group.sessions.create(
            program=world.program,
            counsellor=counsellor(world),
            kind="group",
            starts_at=dt.datetime(2026, 1, 5, 15, tzinfo=dt.UTC),
            planned_minutes=90,
            created_by=counsellor(world),
        )
        client = sign_in(Client(), world.user(role))
        for url in (
            "/care/groups/",
            "/care/groups/new/",
            group_url(group),
            f"{group_url(group)}sessions/{session.pk}/",
        ):
            assert client.get(url).status_code == 403, url

    def test_another_programs_group_does_not_exist(self, world: World) -> None:
        group = make_group(world)
        client = sign_in(Client(), world.outsider_staff[Role.COUNSELLOR])
        assert client.get(group_url(group)).status_code == 404
        assert "Relapse prevention" not in client.get("/care/groups/").content.decode()

    def test_anonymous_visitors_are_sent_to_sign_in(self, world: World) -> None:
        response = Client().get("/care/groups/")
        assert response.status_code == 302 and "/login/" in response["Location"]
