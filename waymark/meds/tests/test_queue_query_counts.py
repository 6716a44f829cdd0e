"""The queue page costs the same number of queries for 5 patients as for 30:
orders, holds, today's doses, take-homes and missed days are read in bulk."""

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.tests.window_helpers import (
    add_patient,
    buprenorphine,
    hold_after_missed_days,
    methadone,
    nurse_client,
    take_home_covering_today,
)

pytestmark = pytest.mark.django_db

# Measured: session, user and OTP device (3); the program's sites and the program (2); the
# queue's own reads (7: orders, their plan rows for today, holds, today's doses, take-homes
# today, last observed day, last take-home day); the audit append (savepoint, chain head,
# insert, head update, release). Look before raising it.
QUEUE_MAX = 17

_serial = itertools.count()


def add_mixed(world: World, n: int) -> None:
    """n patients in a mix of states: due, late, on hold, dosed (methadone and buprenorphine), take-home."""
    nurse = world.user(Role.NURSE)
    for _ in range(n):
        i = next(_serial)
        patient = add_patient(world, f"Q-{i}", f"Given{i}", f"Family{i:03d}")
        kind = i % 6
        if kind == 0:
            methadone(world, patient)
        elif kind == 1:
            methadone(world, patient, "60", last_days_ago=2)
        elif kind == 2:
            hold_after_missed_days(world, patient)
        elif kind == 3:
            order = buprenorphine(world, patient)
            services.record_administration(
                nurse,
                patient,
                services.AdministrationInput(idempotency_key=f"q-count-{i}", slot=1, amount_mg=order.dose_mg),
            )
        elif kind == 4:
            take_home_covering_today(world, methadone(world, patient))
        else:
            methadone(world, patient, slots=("50", "30"))


def queue_queries(client: Client) -> tuple[int, str]:
    client.get("/meds/window/")  # settles the session's idle clock, so the measured request writes no session
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/meds/window/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_queue_costs_the_same_for_5_and_30_patients(world: World) -> None:
    client = nurse_client(world)
    add_mixed(world, 5)
    small, html = queue_queries(client)
    assert html.count('class="who-link"') == 5
    add_mixed(world, 25)
    large, html = queue_queries(client)
    assert html.count('class="who-link"') == 30
    assert large == small, f"{small} queries for 5 patients, {large} for 30"
    assert small <= QUEUE_MAX
