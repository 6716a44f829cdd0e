"""The journal API that the installed app's offline queue posts to: a client id is applied once (201 then 200),
when the entry was written is kept, bad values are a 422 problem naming the field, a browser session must
send the CSRF token, and staff are refused."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client

from waymark.companion.models import CompanionProfile, JournalEntry
from waymark.companion.tests.test_checkin_api import fields_at_fault, post
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

JOURNAL = "/api/v1/companion/journal"


class TestPostJournal:
    def test_it_adds_an_entry_then_answers_a_repeat_with_200(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        body = {"client_id": str(uuid.uuid4()), "text": "Written on the bus, offline.", "prompt": "gratitude"}
        first = post(person_client, JOURNAL, body)
        assert first.status_code == 201, first.content
        assert first.json()["created"] is True
        assert first.json()["crisis"] is None
        again = post(person_client, JOURNAL, body)
        assert again.status_code == 200
        assert again.json()["created"] is False
        assert again.json()["id"] == first.json()["id"]
        entry = JournalEntry.objects.get()
        assert entry.text == "Written on the bus, offline." and entry.prompt == "gratitude"
        assert not entry.shared_with_care_team

    def test_when_it_was_written_is_kept(self, person_client: Client) -> None:
        written = dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)
        body = {"client_id": str(uuid.uuid4()), "text": "yesterday", "written_at": written.isoformat()}
        assert post(person_client, JOURNAL, body).status_code == 201
        assert abs(JournalEntry.objects.get().written_at - written) < dt.timedelta(seconds=1)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"text": ""}, "text"),
            ({"prompt": "poetry"}, "prompt"),
            ({"written_at": "2999-01-01T00:00:00Z"}, "written_at"),
        ],
    )
    def test_bad_values_are_a_422_naming_the_field(
        self, person_client: Client, changes: dict[str, Any], field: str
    ) -> None:
        body = {"client_id": str(uuid.uuid4()), "text": "hello", **changes}
        response = post(person_client, JOURNAL, body)
        assert response.status_code == 422
        assert field in fields_at_fault(response)
        assert JournalEntry.objects.count() == 0

    def test_a_time_without_its_utc_offset_is_a_422_not_a_server_error(self, person_client: Client) -> None:
        naive = dt.datetime.now().replace(microsecond=0).isoformat()  # no offset: whose clock?
        body = {"client_id": str(uuid.uuid4()), "text": "hello", "written_at": naive}
        response = post(person_client, JOURNAL, body)
        assert response.status_code == 422
        assert "written_at" in fields_at_fault(response)
        assert JournalEntry.objects.count() == 0

    def test_crisis_words_answer_with_where_to_find_help(self, person_client: Client) -> None:
        body = {"client_id": str(uuid.uuid4()), "text": "I am going to overdose tonight"}
        response = post(person_client, JOURNAL, body)
        assert response.json()["crisis"]["kinds"] == ["overdose"]

    def test_a_session_post_needs_the_csrf_token(self, self_guided_profile: CompanionProfile) -> None:
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, self_guided_profile.user)
        response = post(browser, JOURNAL, {"client_id": str(uuid.uuid4()), "text": "hi"})
        assert response.status_code == 403
        assert JournalEntry.objects.count() == 0

    def test_staff_are_refused(self, world: World, client: Client) -> None:
        sign_in(client, world.user(Role.PRESCRIBER))
        assert post(client, JOURNAL, {"client_id": str(uuid.uuid4()), "text": "hi"}).status_code == 403
