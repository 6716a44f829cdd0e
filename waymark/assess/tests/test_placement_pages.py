"""The placement pages as a counsellor uses them: the form with the edition's
dimension names, 0–4 radios with risk wording and the seed facts; the result
shown as decision support with its reasons; accepting or choosing another level
with a reason; the patient's list of placements with their decisions."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.assess import placement as rules
from waymark.assess.models import PlacementAssessment
from waymark.assess.tests.placement_helpers import decide_url, form_data, list_url, new_url, record, result_url
from waymark.chart.models import Episode, LevelOfCareChange
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

PAGE_MAX = 15


@pytest.fixture
def counsellor(world: World, client: Client) -> Client:
    return sign_in(client, world.user(Role.COUNSELLOR))


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


class TestForm:
    def test_it_shows_the_3rd_edition_dimensions_with_0_to_4_risk_and_the_facts(
        self, world: World, counsellor: Client
    ) -> None:
        page = text(counsellor.get(new_url(world.patient)))
        for dim in rules.DIMENSIONS[rules.Edition.THIRD]:
            assert f"Dimension {dim.number}: {dim.name}" in page
            assert f'name="note_{dim.number}"' in page
        assert page.count('type="radio" name="rating_1"') == 5
        assert "0 · no risk" in page and "4 · severe risk" in page
        for label in ("Prior treatment attempts", "Is the home safe for recovery?", "Support for recovery", "Pregnant"):
            assert label in page
        assert "Withdrawal needs medical supervision" in page and "The person chooses methadone" in page
        assert "Decision support, not a diagnosis" in page

    def test_a_4th_edition_program_sees_its_names(self, world: World, counsellor: Client) -> None:
        world.program.rule_settings = {rules.EDITION: "4"}
        world.program.save()
        page = text(counsellor.get(new_url(world.patient)))
        assert "Dimension 6: Person-centered considerations" in page
        assert "Readiness to change" not in page

    def test_recording_shows_the_recommendation_with_its_reasons(self, world: World, counsellor: Client) -> None:
        posted = counsellor.post(new_url(world.patient), form_data(world.patient, home_safe="no"))
        placement = PlacementAssessment.objects.get()
        assert posted.status_code == 302 and posted["Location"] == result_url(world.patient, placement)
        page = text(counsellor.get(posted["Location"]))
        assert "Decision support, not a diagnosis" in page
        assert "3.1 · Clinically managed low-intensity residential" in page
        assert "The home is not safe: outpatient care needs a safe home" in page
        assert "Accept 3.1 · Clinically managed low-intensity residential" in page

    def test_a_double_submit_records_once(self, world: World, counsellor: Client) -> None:
        data = form_data(world.patient)
        counsellor.post(new_url(world.patient), data)
        again = counsellor.post(new_url(world.patient), data)
        assert again.status_code == 302
        assert PlacementAssessment.objects.count() == 1

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"rating_2": "7"}, "Dimension 2 (biomedical conditions): choose a rating from 0 to 4."),
            ({"rating_5": None}, "Dimension 5 (relapse/continued use potential): choose a rating from 0 to 4."),
            ({"home_safe": None}, "Say whether the home is safe for recovery."),
            ({"support": None}, "Say how much support the person has for recovery."),
            ({"note_4": "x" * 2001}, "Dimension 4 (readiness to change) notes: at most 2000 characters."),
            ({"prior_relapses": "51"}, "Ensure this value is less than or equal to 50."),
            ({"assessed_at": "2099-01-01T09:00"}, "The assessment time is in the future."),
        ],
    )
    def test_bad_input_is_named_and_nothing_is_saved(
        self, world: World, counsellor: Client, changes: dict[str, Any], message: str
    ) -> None:
        response = counsellor.post(new_url(world.patient), form_data(world.patient, **changes))
        assert response.status_code == 422
        assert message in text(response)
        assert PlacementAssessment.objects.count() == 0

    def test_without_an_open_episode_the_form_says_so(self, world: World, counsellor: Client) -> None:
        Episode.objects.update(discharged_on="2026-02-01", discharge_reason="completed")
        assert "has no open episode of care" in text(counsellor.get(new_url(world.patient)))
        response = counsellor.post(new_url(world.patient), form_data(world.patient))
        assert response.status_code == 422 and "Open an episode of care first" in text(response)
        assert PlacementAssessment.objects.count() == 0

    def test_a_bad_program_setting_is_explained(self, world: World, counsellor: Client) -> None:
        world.program.rule_settings = {rules.EDITION: "2"}
        world.program.save()
        response = counsellor.get(new_url(world.patient))
        assert response.status_code == 422 and "ask the program admin" in text(response)


class TestDecision:
    def test_accepting_updates_the_level_of_care(self, world: World, counsellor: Client) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 2, 0, 0, 0, 0))
        posted = counsellor.post(decide_url(world.patient, placement), {"level": "2.1"})
        assert posted.status_code == 302
        page = text(counsellor.get(posted["Location"]))
        assert "Level 2.1 recorded. Level of care: Intensive outpatient." in page
        assert "2.1 · Intensive outpatient, 9–19 hours a week</strong> (recommended)" in page
        assert "Record this level" not in page
        assert LevelOfCareChange.objects.get().level_of_care == "intensive_outpatient"

    def test_accepting_withdrawal_management_first(self, world: World, counsellor: Client) -> None:
        placement = record(
            world.user(Role.COUNSELLOR), world.patient, (2, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True
        )
        page = text(counsellor.get(result_url(world.patient, placement)))
        assert 'Withdrawal management first: <strong id="withdrawal-level">2-WM' in page
        assert "Accept withdrawal management first: 2-WM" in page
        counsellor.post(decide_url(world.patient, placement), {"level": "2-WM"})
        assert Episode.objects.get(pk=placement.episode_id).level_of_care == "withdrawal_management"

    def test_another_level_without_a_reason_is_named(self, world: World, counsellor: Client) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        response = counsellor.post(decide_url(world.patient, placement), {"level": "3.5", "reason": ""})
        assert response.status_code == 422
        assert "Say why you chose level 3.5 instead of the recommended 1." in text(response)
        placement.refresh_from_db()
        assert placement.decided_level == ""

    def test_another_level_with_a_reason(self, world: World, counsellor: Client) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        posted = counsellor.post(
            decide_url(world.patient, placement),
            {"level": "3.5", "reason": "Partner uses at home; asked for residential."},
        )
        assert posted.status_code == 302
        page = text(counsellor.get(list_url(world.patient)))
        assert "3.5 · Clinically managed high-intensity residential" in page and "another level" in page
        assert "Partner uses at home; asked for residential." in page

    def test_a_level_outside_the_edition_is_refused(self, world: World, counsellor: Client) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        response = counsellor.post(decide_url(world.patient, placement), {"level": "1.7", "reason": "x"})
        assert response.status_code == 422
        assert PlacementAssessment.objects.get().decided_level == ""

    def test_deciding_twice_shows_the_first_decision(self, world: World, counsellor: Client) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        counsellor.post(decide_url(world.patient, placement), {"level": "1"})
        again = counsellor.post(decide_url(world.patient, placement), {"level": "2.1", "reason": "Second thoughts."})
        assert again.status_code == 302
        page = text(counsellor.get(again["Location"]))
        assert "already decided" in page
        assert PlacementAssessment.objects.get().decided_level == "1"


class TestList:
    def test_it_lists_the_patients_placements_with_decisions(self, world: World, counsellor: Client) -> None:
        decided = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        counsellor.post(decide_url(world.patient, decided), {"level": "3.1"})
        open_one = record(world.user(Role.COUNSELLOR), world.patient, wants_methadone=True)
        page = text(counsellor.get(list_url(world.patient)))
        assert f'id="placement-{decided.pk}"' in page and f'id="placement-{open_one.pk}"' in page
        assert "Opioid treatment program (OTP)" in page and "Not decided yet" in page
        assert "Current level of care: <strong>Long-term residential (6–12 months)</strong>" in page
        assert "New placement assessment" in page

    def test_the_page_costs_the_same_for_2_and_20_placements(
        self, world: World, counsellor: Client, django_assert_max_num_queries: Any
    ) -> None:
        def add(n: int) -> None:
            for i in range(n):
                placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, i % 5))
                if i % 2:
                    placement.decided_level = placement.recommended_level
                    placement.decided_by = world.user(Role.PRESCRIBER if i % 4 == 1 else Role.COUNSELLOR)
                    placement.decided_at = placement.recorded_at
                    placement.save()

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                response = counsellor.get(list_url(world.patient))
            assert response.status_code == 200
            return len(captured)

        add(2)
        counsellor.get(list_url(world.patient))  # the first request of a session does a little more
        few = queries()
        assert few <= PAGE_MAX
        add(18)
        with django_assert_max_num_queries(few):
            response = counsellor.get(list_url(world.patient))
        assert text(response).count('id="placement-') == 20
