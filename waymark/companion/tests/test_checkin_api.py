"""The check-in API that the installed app's offline queue posts to: a client id is applied once (201 then
200 with duplicate), bad values are a 422 problem naming the field, a browser session must send the CSRF
token, staff are refused, and a person sees only their own check-ins."""

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from waymark.companion import services
from waymark.companion.models import CheckIn, CheckInSubmission, CompanionProfile
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

CHECK_INS = "/api/v1/companion/check-ins"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def check_in_body(**changes: Any) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "mood": 3,
        "craving": 4,
        "triggers": ["boredom"],
        "sleep_hours": 6.5,
        "medication_taken": "not_applicable",
        "used_today": None,
        "meeting_attended": True,
        "note": "offline evening",
        **changes,
    }


def fields_at_fault(response: Any) -> set[str | None]:
    assert response["Content-Type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


class TestPostCheckIn:
    def test_it_records_a_check_in_then_answers_a_repeat_with_200(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        body = check_in_body()
        first = post(person_client, CHECK_INS, body)
        assert first.status_code == 201, first.content
        today = services.today_for(self_guided_profile)
        assert first.json() == {
            "day": today.isoformat(),
            "created": True,
            "duplicate": False,
            "crisis": None,
            "early_warning": False,
        }
        again = post(person_client, CHECK_INS, body)
        assert again.status_code == 200
        assert again.json()["duplicate"] is True
        assert CheckIn.objects.count() == 1
        assert CheckInSubmission.objects.count() == 1
        saved = CheckIn.objects.get()
        assert saved.meeting_attended and saved.used_today is None and saved.note == "offline evening"

    def test_a_late_check_in_from_the_phone_keeps_its_own_day(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        yesterday = services.today_for(self_guided_profile) - dt.timedelta(days=1)
        response = post(person_client, CHECK_INS, check_in_body(day=yesterday.isoformat()))
        assert response.status_code == 201
        assert CheckIn.objects.get().day == yesterday

    def test_crisis_words_answer_with_where_to_find_help(self, person_client: Client) -> None:
        response = post(person_client, CHECK_INS, check_in_body(note="I want to end my life"))
        assert response.status_code == 201
        crisis = response.json()["crisis"]
        assert crisis["kinds"] == ["suicide"]
        assert crisis["help_url"] == "/companion/help-now/"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"craving": 11}, "craving"),
            ({"mood": 0}, "mood"),
            ({"sleep_hours": 25}, "sleep_hours"),
            ({"triggers": ["the moon"]}, "triggers"),
            ({"medication_taken": "sometimes"}, "medication_taken"),
            ({"mood": "happy"}, "mood"),
            ({"client_id": "not-a-uuid"}, "client_id"),
            ({"surprise": 1}, "surprise"),
        ],
    )
    def test_bad_values_are_a_422_naming_the_field(
        self, person_client: Client, changes: dict[str, Any], field: str
    ) -> None:
        response = post(person_client, CHECK_INS, check_in_body(**changes))
        assert response.status_code == 422
        assert field in fields_at_fault(response)
        assert CheckIn.objects.count() == 0

    def test_a_future_day_or_one_too_late_is_a_422(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        today = services.today_for(self_guided_profile)
        for day in (today + dt.timedelta(days=1), today - dt.timedelta(days=services.LATE_SYNC_DAYS + 1)):
            response = post(person_client, CHECK_INS, check_in_body(day=day.isoformat()))
            assert response.status_code == 422
            assert fields_at_fault(response) == {"day"}
        assert CheckIn.objects.count() == 0

    def test_a_session_post_needs_the_csrf_token(self, self_guided_profile: CompanionProfile) -> None:
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, self_guided_profile.user)
        refused = post(browser, CHECK_INS, check_in_body())
        assert refused.status_code == 403
        assert refused.json()["title"] == "CSRF check failed"
        assert CheckIn.objects.count() == 0

        page = browser.get("/companion/check-in/")
        token = page.context["csrf_token"]
        accepted = browser.post(
            CHECK_INS, json.dumps(check_in_body()), content_type="application/json", headers={"X-CSRFToken": str(token)}
        )
        assert accepted.status_code == 201
        assert CheckIn.objects.count() == 1

    def test_staff_are_refused(self, world: World, client: Client) -> None:
        sign_in(client, world.user(Role.COUNSELLOR))
        response = post(client, CHECK_INS, check_in_body())
        assert response.status_code == 403
        assert CheckIn.objects.count() == 0

    def test_anonymous_is_401(self, db: None, client: Client) -> None:
        assert post(client, CHECK_INS, check_in_body()).status_code == 401

    def test_another_persons_client_id_is_not_theirs_to_reuse(
        self, world: World, client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        body = check_in_body()
        sign_in(client, self_guided_profile.user)
        assert post(client, CHECK_INS, body).status_code == 201
        other = Client()
        patient = world.user(Role.PATIENT)
        start(patient)
        sign_in(other, patient)
        response = post(other, CHECK_INS, body)
        assert response.status_code == 422
        assert fields_at_fault(response) == {"client_id"}
        assert CheckIn.objects.filter(user=patient).count() == 0


class TestListCheckIns:
    def test_it_lists_the_persons_own_check_ins_newest_first(
        self, world: World, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        today = services.today_for(self_guided_profile)
        check_in(self_guided_profile.user, self_guided_profile, day=today - dt.timedelta(days=2), craving=1)
        check_in(self_guided_profile.user, self_guided_profile, craving=5)
        other = start(world.user(Role.PATIENT))
        check_in(other.user, other, craving=9)
        response = person_client.get(CHECK_INS)
        assert response.status_code == 200
        assert [(row["day"], row["craving"]) for row in response.json()] == [
            (today.isoformat(), 5),
            ((today - dt.timedelta(days=2)).isoformat(), 1),
        ]

    def test_days_out_of_range_is_a_422(self, person_client: Client) -> None:
        response = person_client.get(CHECK_INS + "?days=0")
        assert response.status_code == 422
        assert "days" in {str(f) for f in fields_at_fault(response)}
