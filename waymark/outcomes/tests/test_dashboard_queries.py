"""The dashboard's query count does not grow with episodes, doses or specimens."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.conftest import World
from waymark.outcomes.tests.dashboard_data import by_group, hand_made_program, many_episodes

MAX_QUERIES = 40


@pytest.mark.parametrize("extra", [3, 30])
@pytest.mark.parametrize("url_name", ["outcomes:dashboard", "outcomes:export_csv"])
def test_it_stays_under_a_fixed_number_of_queries(
    world: World,
    as_role: Callable[[str], Client],
    django_assert_max_num_queries: Any,
    extra: int,
    url_name: str,
) -> None:
    hand_made_program(world)
    many_episodes(world, extra)
    client = as_role("program_admin")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse(url_name), {"group_by": "cohort"})
    assert response.status_code == 200
    if url_name == "outcomes:dashboard":
        assert by_group(response.content.decode())["Bulk"]["Episodes"] == str(extra)


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("outcomes:dashboard")).status_code == 200
    return len(captured)


def test_3_and_30_episodes_take_exactly_as_many_queries(world: World, as_role: Callable[[str], Client]) -> None:
    hand_made_program(world)
    client = as_role("program_admin")
    many_episodes(world, 3)
    _queries(client)  # the first request also sets up the session and the audit chain's head
    with_3 = _queries(client)
    many_episodes(world, 27, first=3)
    assert _queries(client) == with_3
