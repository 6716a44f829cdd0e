"""The incentives pages cost the same number of queries however long the ledger
grows: the patient page reads the ledger, the enrolments and the catalogue in
bulk; the report aggregates in the database, not per person."""

import itertools
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.chart.models import Patient
from waymark.conftest import World, make_patient
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry
from waymark.incentives.tests.helpers import D, days_ago, enrol, programme

pytestmark = pytest.mark.django_db

# Measured on SQLite (14): session, user and OTP device (3); the patient and the care-team check (2);
# the audit append (3: chain head, insert, head update); the ledger, the enrolments, whether any
# is staff-confirmed, and the choices of the redeem, check and enrol forms (6). Look before raising it.
PAGE_MAX = 14
# Measured on SQLite (15): session, user and OTP device (3); the program and the programme (2); the
# audit append (3); the report (7: earned, events, met, capped, people, longest runs with the run
# now, their names). Look before raising it.
REPORT_MAX = 15

_serial = itertools.count()
_days = itertools.count(1)


def staff_checks(world: World) -> tuple[Enrollment, Enrollment]:
    """world.patient in a fixed $1 adherence programme and an escalating plan-task programme."""
    fixed = programme(
        world,
        "Doses as planned",
        target=CmProgramme.Target.ADHERENCE,
        schedule=CmProgramme.Schedule.FIXED,
        parameters={"amount": "1"},
    )
    escalating = programme(world, "Plan tasks", target=CmProgramme.Target.PLAN_TASKS)
    return enrol(world, fixed, days_back=80), enrol(world, escalating, days_back=80)


def grow(world: World, enrollments: tuple[Enrollment, ...], days: int) -> None:
    """`days` more days confirmed in each programme (every fifth not met), a redemption and a correction."""
    counsellor = world.user(Role.COUNSELLOR)
    for _ in range(days):
        n = next(_days)
        for enrollment in enrollments:
            services.record_check(
                counsellor, enrollment.patient, enrollment, day=days_ago(world, 80 - n), met=n % 5 != 0
            )
    reward = services.add_reward(
        world.user(Role.PROGRAM_ADMIN), name=f"Gift card {next(_serial)}", kind="gift_card", value=D(1)
    )
    services.redeem(counsellor, world.patient, reward, idempotency_key=str(uuid.uuid4()))
    services.correct(
        world.user(Role.PROGRAM_ADMIN),
        world.patient,
        amount=D(1),
        note="Paper record.",
        idempotency_key=str(uuid.uuid4()),
    )


def queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # settles the session's idle clock, so the measured request writes no session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_patient_page_costs_the_same_for_a_short_and_a_long_ledger(world: World, as_role) -> None:
    enrollments = staff_checks(world)
    grow(world, enrollments, 2)
    client = as_role("counsellor")
    url = f"/incentives/patients/{world.patient.pk}/"
    small, html = queries(client, url)
    assert html.count("<tr>\n      <td") == 6
    grow(world, enrollments, 30)
    large, html = queries(client, url)
    assert LedgerEntry.objects.count() == 68
    assert html.count("<tr>\n      <td") == 68
    assert large == small, f"{small} queries for 6 ledger lines, {large} for 68"
    assert small <= PAGE_MAX


def test_the_patients_own_page_and_the_api_cost_the_same_for_a_long_ledger(world: World, as_role) -> None:
    enrollments = staff_checks(world)
    grow(world, enrollments, 2)
    client = as_role("patient")
    small, _ = queries(client, "/incentives/mine/")
    api_small, _ = queries(client, f"/api/v1/patients/{world.patient.pk}/incentives")
    grow(world, enrollments, 30)
    assert queries(client, "/incentives/mine/")[0] == small
    assert queries(client, f"/api/v1/patients/{world.patient.pk}/incentives")[0] == api_small


def people(world: World, vouchers: CmProgramme, count: int) -> list[Patient]:
    made = []
    for _ in range(count):
        i = next(_serial)
        patient = make_patient(world.program, f"Q-{i}", f"Given{i}", f"Family{i:03d}", site=world.site)
        made.append(patient)
        enrol(world, vouchers, patient=patient, days_back=80)
    return made


def test_the_report_costs_the_same_for_3_and_15_people(world: World, as_role) -> None:
    vouchers = programme(world, "Plan tasks", target=CmProgramme.Target.PLAN_TASKS)
    counsellor = world.user(Role.COUNSELLOR)

    def checks(patients: list[Patient], days: range) -> None:
        for patient in patients:
            enrollment = Enrollment.objects.get(programme=vouchers, patient=patient)
            for n in days:
                services.record_check(counsellor, patient, enrollment, day=days_ago(world, n), met=n % 4 != 0)

    first = people(world, vouchers, 3)
    checks(first, range(70, 66, -1))
    client = as_role("program_admin")
    url = f"/incentives/programmes/{vouchers.pk}/report/"
    small, html = queries(client, url)
    assert html.count('<th scope="row"><a href="/incentives/patients/') == 3
    more = people(world, vouchers, 12)
    checks(more, range(70, 60, -1))
    checks(first, range(66, 60, -1))
    large, html = queries(client, url)
    assert html.count('<th scope="row"><a href="/incentives/patients/') == 10  # the top ten
    assert large == small, f"{small} queries for 3 people, {large} for 15"
    assert small <= REPORT_MAX
