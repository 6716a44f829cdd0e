"""The drug-tests page and the API list cost the same number of queries for 3
specimens as for 30 (each with 5 results): specimens, their results and who
collected them are read in bulk, not one specimen at a time."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.chart.tests.api_helpers import Api, token_api
from waymark.conftest import World, sign_in
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import ago, collect, order_buprenorphine, page_url

pytestmark = pytest.mark.django_db

PANEL = ("opiates", "fentanyl", "buprenorphine", "methadone", "oxycodone")

# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the patient (1); the audit
# append (chain head, insert, head update: 3); specimens with who collected them and the site (1),
# their results (1), the medication orders (1). Look before raising it.
PAGE_MAX = 10
# The token with its user (1); the patient (1); the audit append (3); the medication orders (1);
# specimens (1) and their results (1).
API_MAX = 8


def add_specimens(world: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        results = {a: ("positive" if (i + j) % 4 == 0 else "negative") for j, a in enumerate(PANEL)}
        collect(world, world.patient, results, at=ago(days=i, hours=1))


def page_queries(client: Client, world: World) -> tuple[int, str]:
    client.get(page_url(world.patient))  # settles the session's idle clock, so the measured request writes no session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(world.patient))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def api_queries(api: Api, world: World) -> tuple[int, list[dict[str, Any]]]:
    api.get(f"/patients/{world.patient.pk}/specimens")
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/patients/{world.patient.pk}/specimens")
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_tests_page_costs_the_same_for_3_and_30_specimens(world: World, django_assert_max_num_queries) -> None:
    order_buprenorphine(world, world.patient)
    client = sign_in(Client(), world.user(Role.NURSE))
    add_specimens(world, 3, 0)
    small, html = page_queries(client, world)
    assert html.count('<article id="specimen-') == 3
    add_specimens(world, 27, 3)
    assert Specimen.objects.count() == 30 and AnalyteResult.objects.count() == 150
    large, html = page_queries(client, world)
    assert html.count('<article id="specimen-') == 30
    assert html.count('<span class="badge positive">Positive</span>') == 38  # (i + j) % 4 == 0, hand-counted
    assert large == small, f"{small} queries for 3 specimens, {large} for 30"
    with django_assert_max_num_queries(PAGE_MAX):
        client.get(page_url(world.patient))


def test_the_api_list_costs_the_same_for_3_and_30_specimens(world: World, django_assert_max_num_queries) -> None:
    order_buprenorphine(world, world.patient)
    api = token_api(world.user(Role.NURSE))
    add_specimens(world, 3, 0)
    small, body = api_queries(api, world)
    assert [len(s["results"]) for s in body] == [5, 5, 5]
    add_specimens(world, 27, 3)
    large, body = api_queries(api, world)
    assert [len(s["results"]) for s in body] == [5] * 30
    assert large == small, f"{small} queries for 3 specimens, {large} for 30"
    with django_assert_max_num_queries(API_MAX):
        api.get(f"/patients/{world.patient.pk}/specimens")
