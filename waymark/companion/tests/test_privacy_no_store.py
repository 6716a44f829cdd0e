"""The person's own pages, their API answers and what the care team sees are never kept by a browser or shared
cache (a shared phone, the back button after signing out): Cache-Control: private, no-store. The public help
page, seen signed out, may be cached."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from waymark.companion.models import CompanionProfile
from waymark.companion.tests.conftest import check_in
from waymark.conftest import World, sign_in
from waymark.core.roles import Role


def assert_no_store(response: object) -> None:
    value = response["Cache-Control"]  # type: ignore[index]
    assert "no-store" in value and "private" in value, value


@pytest.mark.parametrize(
    "name",
    ["home", "check_in", "history", "journal", "plan", "contacts", "meetings", "insights", "settings", "my_data",
     "crisis"],
)  # fmt: skip
def test_the_persons_pages_are_not_cached(
    person_client: Client, self_guided_profile: CompanionProfile, name: str
) -> None:
    check_in(self_guided_profile.user, self_guided_profile, note="private words")
    response = person_client.get(reverse(f"companion:{name}"))
    assert response.status_code == 200
    assert_no_store(response)


def test_a_journal_entry_page_is_not_cached(person_client: Client) -> None:
    body = {"text": "my own words", "prompt": "", "client_id": str(uuid.uuid4())}
    saved = person_client.post(reverse("companion:journal_new"), body)
    assert saved.status_code == 302
    assert_no_store(person_client.get(saved["Location"]))


def test_the_api_answers_are_not_cached(person_client: Client) -> None:
    body = {"client_id": str(uuid.uuid4()), "mood": 3, "craving": 2, "note": "I want to die"}
    posted = person_client.post("/api/v1/companion/check-ins", json.dumps(body), content_type="application/json")
    assert posted.status_code == 201
    assert_no_store(posted)
    listed = person_client.get("/api/v1/companion/check-ins")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert_no_store(listed)
    journal = {"client_id": str(uuid.uuid4()), "text": "hello"}
    assert_no_store(
        person_client.post("/api/v1/companion/journal", json.dumps(journal), content_type="application/json")
    )


def test_what_the_care_team_sees_is_not_cached(world: World, client: Client, patient_profile: CompanionProfile) -> None:
    sign_in(client, world.user(Role.COUNSELLOR))
    trends = client.get(reverse("companion:care_trends", args=[world.patient.pk]))
    assert trends.status_code == 200
    assert_no_store(trends)
    alerts = client.get(reverse("companion:care_alerts"))
    assert alerts.status_code == 200
    assert_no_store(alerts)
