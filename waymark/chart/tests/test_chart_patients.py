"""chart.access.chart_patients: the patients a user's lists may show clinical content
for without breaking the glass — the program for nurses and program admins, the
current care team for counsellors and prescribers, no one for the other roles and
never another program's patients."""

import datetime as dt

import pytest

from waymark.chart.access import chart_patients
from waymark.chart.models import CareTeamMember
from waymark.conftest import World
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN])
def test_program_scoped_roles_get_the_whole_program(world: World, role: Role) -> None:
    assert set(chart_patients(world.user(role))) == {world.patient, world.other_patient}


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
def test_care_team_roles_get_their_current_care_team(world: World, role: Role) -> None:
    user = world.user(role)
    assert list(chart_patients(user)) == [world.patient]
    CareTeamMember.objects.filter(user=user).update(ended_on=dt.date(2026, 1, 1))
    assert list(chart_patients(user)) == []


@pytest.mark.parametrize("role", [Role.PATIENT, Role.PEER_MODERATOR, Role.PRIVACY_OFFICER])
def test_other_roles_get_no_one(world: World, role: Role) -> None:
    assert list(chart_patients(world.user(role))) == []


def test_never_another_programs_patients(world: World) -> None:
    assert world.outsider_patient not in chart_patients(world.user(Role.NURSE))
