"""Who is on a caseload and who may open it: the viewer's current care team only
(an ended membership drops the person, another program's people never appear);
counsellors and prescribers may open it, nurses and patients may not. It costs the
same number of queries for 3 people as for 30."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.care.tests.caseload_helpers import CASELOAD_URL, attend, days_ago, on_caseload, signed_plan, today
from waymark.chart.models import CareTeamMember
from waymark.conftest import World, make_patient, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the user's program (1); the people with
# their attendance figures (1); their open episodes (1); the plan reviews (3: plans, last reviews, lapses);
# the audit append (3).
CASELOAD_MAX = 12


def test_only_the_current_care_team_is_listed(world: World) -> None:
    mine = on_caseload(world, 1)
    ended = on_caseload(world, 2)
    CareTeamMember.objects.filter(patient=ended).update(ended_on=today(world))
    colleague = on_caseload(world, 3, counsellor=world.user(Role.PRESCRIBER))
    html = sign_in(Client(), world.user(Role.COUNSELLOR)).get(CASELOAD_URL).content.decode()
    assert f'id="patient-{mine.pk}"' in html and f'id="patient-{world.patient.pk}"' in html
    assert f'id="patient-{ended.pk}"' not in html and f'id="patient-{colleague.pk}"' not in html
    assert f'id="patient-{world.other_patient.pk}"' not in html


def test_another_programs_people_never_appear(world: World) -> None:
    outsider = world.outsider_patient
    # Even a stray care-team link across programs does not bring them in.
    CareTeamMember.objects.create(patient=outsider, user=world.user(Role.COUNSELLOR), role="counsellor")
    html = sign_in(Client(), world.user(Role.COUNSELLOR)).get(CASELOAD_URL).content.decode()
    assert f'id="patient-{outsider.pk}"' not in html and "Frankie" not in html
    theirs = sign_in(Client(), world.outsider_staff[Role.COUNSELLOR]).get(CASELOAD_URL).content.decode()
    assert "Dana Whitlock" not in theirs and "No one is on your care team yet." in theirs


def test_a_prescriber_sees_their_own_care_team(world: World) -> None:
    theirs = on_caseload(world, 1, counsellor=world.user(Role.PRESCRIBER))
    html = sign_in(Client(), world.user(Role.PRESCRIBER)).get(CASELOAD_URL).content.decode()
    assert f'id="patient-{theirs.pk}"' in html and f'id="patient-{world.patient.pk}"' in html


@pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER, Role.PATIENT])
def test_other_roles_cannot_open_it(world: World, role: Role) -> None:
    response = sign_in(Client(), world.user(role)).get(CASELOAD_URL)
    assert response.status_code == 403


def test_signed_out_goes_to_sign_in(client: Client, world: World) -> None:
    response = client.get(CASELOAD_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def person_with_history(world: World, n: int) -> None:
    person = on_caseload(world, n)
    for days, status in [(20, "attended"), (13, "no_show"), (9, "cancelled"), (6, "no_show")]:
        attend(world, person, days_ago(world, days), status)
    attend(world, person, days_ago(world, -2), "expected")
    signed_plan(world, person, today(world) - dt.timedelta(days=20 + n))


def queries(client: Client) -> tuple[int, str]:
    client.get(CASELOAD_URL)  # settles the session's idle clock, so the measured request writes no session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CASELOAD_URL)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_caseload_costs_the_same_for_3_and_30_people(world: World, django_assert_max_num_queries) -> None:
    client = sign_in(Client(), world.user(Role.COUNSELLOR))
    for n in range(2):
        person_with_history(world, n)
    small, html = queries(client)
    assert html.count('<tr id="patient-') == 3
    for n in range(2, 29):
        person_with_history(world, n)
    make_patient(world.program, "HR-X", "Not", "Mine")  # in the program, not on the care team
    large, html = queries(client)
    assert html.count('<tr id="patient-') == 30
    assert html.count('<span class="badge late">2 in a row</span>') == 29
    assert large == small, f"{small} queries for 3 people, {large} for 30"
    with django_assert_max_num_queries(CASELOAD_MAX):
        client.get(CASELOAD_URL)
