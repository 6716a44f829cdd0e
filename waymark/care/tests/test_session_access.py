"""Every session, note and group page × every role, for world.patient (on the
counsellor's and the prescriber's care team). Reading a person's sessions is
reading their chart; scheduling, recording attendance, groups and one's own
schedule are Cap.SESSIONS (counsellors); a note is read as
confidentiality.may_read_note decides. Another program's person does not
exist (404)."""

import pytest
from django.test import Client

from waymark.care import services_groups
from waymark.care.tests.session_helpers import (
    attendance_url,
    attended,
    counsellor,
    group_attendance_url,
    group_url,
    group_with,
    note_on,
    note_url,
    past_session,
    schedule_url,
    sessions_url,
    today,
)
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

OK, DENY, INVALID, LOGIN = 200, 403, 422, 302
ROLES = ["anonymous", *(r.value for r in Role)]
READERS = {"anonymous": LOGIN, "patient": OK, "counsellor": OK, "nurse": OK, "prescriber": OK, "program_admin": OK}
COUNSELLORS = {"anonymous": LOGIN, "counsellor": OK}

# page → (method, expected status per role; unlisted roles are refused)
TABLE: dict[str, tuple[str, dict[str, int]]] = {
    "sessions": ("get", READERS),
    "schedule": ("post", {"anonymous": LOGIN, "counsellor": INVALID}),
    "attendance": ("get", COUNSELLORS),
    # The author and the person read it; the prescriber and the nurse need the counselling-notes consent
    # (and the nurse is not on the care team); the program admin never reads it.
    "note": ("get", {"anonymous": LOGIN, "counsellor": OK, "patient": OK}),
    "my_sessions": ("get", COUNSELLORS),
    "groups": ("get", COUNSELLORS),
    "group_create": ("get", COUNSELLORS),
    "group": ("get", COUNSELLORS),
    "group_attendance": ("get", COUNSELLORS),
    "group_edit": ("get", COUNSELLORS),
    "group_add_member": ("post", {"anonymous": LOGIN, "counsellor": INVALID}),  # the empty form's errors
    "group_schedule": ("post", {"anonymous": LOGIN, "counsellor": INVALID}),
    "group_remove_member": ("post", {"anonymous": LOGIN, "counsellor": 302}),  # back to the group; last
}


@pytest.fixture
def urls(world: World) -> dict[str, str]:
    row = attended(world)
    note_on(world, row)
    group, _ = group_with(world, 2)
    session = past_session(world, group)
    membership = services_groups.add_member(counsellor(world), group, world.patient, today(world))
    return {
        "sessions": sessions_url(world.patient),
        "schedule": schedule_url(world.patient),
        "attendance": attendance_url(row),
        "note": note_url(row),
        "my_sessions": "/care/sessions/mine/",
        "groups": "/care/groups/",
        "group_create": "/care/groups/new/",
        "group": group_url(group),
        "group_attendance": group_attendance_url(session),
        "group_edit": group_url(group) + "edit/",
        "group_add_member": group_url(group) + "members/",
        "group_schedule": group_url(group) + "schedule/",
        "group_remove_member": f"{group_url(group)}members/{membership.pk}/remove/",
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(world: World, urls: dict[str, str], role: str) -> None:
    client = Client() if role == "anonymous" else sign_in(Client(), world.user(role))
    got = {page: getattr(client, method)(urls[page]).status_code for page, (method, _) in TABLE.items()}
    expected = {page: allowed.get(role, DENY) for page, (_, allowed) in TABLE.items()}
    assert got == expected


def test_another_programs_person_does_not_exist(world: World, urls: dict[str, str]) -> None:
    client = sign_in(Client(), world.outsider_staff[Role.COUNSELLOR])
    for page in ("sessions", "attendance", "note"):
        assert client.get(urls[page]).status_code == 404, page
    assert client.post(urls["schedule"], {}).status_code == 404


def test_a_session_is_reached_only_through_its_own_person(world: World, urls: dict[str, str]) -> None:
    wrong = urls["note"].replace(f"/patients/{world.patient.pk}/", f"/patients/{world.other_patient.pk}/")
    # other_patient is on nobody's care team: the program-scoped nurse reaches the chart, not this note.
    assert sign_in(Client(), world.user(Role.NURSE)).get(wrong).status_code == 404
