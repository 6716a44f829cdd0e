"""The stateless instrument API, used without signing in (the public pages and
any client): the list of instruments, one definition with its items in order
and their allowed scores, and scoring. Every band edge of REFERENCE.md §1, §3
and §4 through the API, the DSM-5 medical-supervision rule, the PHQ-9 item-9
flag with a low total; answers outside the allowed set, missing, unknown or of
the wrong type are a 422 naming the item, and nothing is stored."""

import json
from typing import Any

import pytest
from django.test import Client

from waymark.assess.models import InstrumentRecord
from waymark.assess.tests.instrument_helpers import COWS_IDS, DSM5_IDS, criteria, phq9, totalling
from waymark.chart.tests.api_helpers import problem
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

BASE = "/api/v1/instruments"


def score(code: str, body: dict[str, Any], client: Client | None = None) -> Any:
    """POST to the scoring endpoint as an anonymous visitor (CSRF checks on, as for a real browser)."""
    client = client or Client(enforce_csrf_checks=True)
    return client.post(f"{BASE}/{code}/score", json.dumps(body), content_type="application/json")


def scored(code: str, body: dict[str, Any]) -> dict[str, Any]:
    response = score(code, body)
    assert response.status_code == 200, response.content
    return response.json()


class TestDefinitions:
    def test_the_list_names_every_instrument_with_its_items(self) -> None:
        response = Client().get(BASE)
        assert response.status_code == 200
        listed = response.json()
        assert [i["code"] for i in listed] == ["dsm5-oud", "cows", "sows", "phq9", "gad7"]
        by_code = {i["code"]: i for i in listed}
        assert [item["id"] for item in by_code["cows"]["items"]] == COWS_IDS
        assert by_code["cows"]["name"] == "Clinical Opiate Withdrawal Scale"
        assert len(by_code["sows"]["items"]) == 16
        assert by_code["phq9"]["items"][8]["id"] == "self_harm"
        assert len(by_code["gad7"]["items"]) == 7

    def test_the_cows_definition_has_the_allowed_scores_of_the_reference(self) -> None:
        response = Client().get(f"{BASE}/cows")
        assert response.status_code == 200
        cows = response.json()
        assert [item["id"] for item in cows["items"]] == COWS_IDS
        allowed = {item["id"]: item["allowed"] for item in cows["items"]}
        # REFERENCE.md §1, item by item.
        assert allowed == {
            "pulse": [0, 1, 2, 4],
            "sweating": [0, 1, 2, 3, 4],
            "restlessness": [0, 1, 3, 5],
            "pupils": [0, 1, 2, 5],
            "aches": [0, 1, 2, 4],
            "rhinorrhea": [0, 1, 2, 4],
            "gi_upset": [0, 1, 2, 3, 5],
            "tremor": [0, 1, 2, 4],
            "yawning": [0, 1, 2, 4],
            "anxiety": [0, 1, 2, 4],
            "gooseflesh": [0, 3, 5],
        }
        pulse = cows["items"][0]["choices"]
        assert pulse[-1] == {"value": 4, "label": "Above 120"}
        assert cows["max_total"] == 48 and cows["boolean"] is False
        assert [(b["code"], b["low"], b["high"]) for b in cows["bands"]] == [
            ("below-mild", 0, 4),
            ("mild", 5, 12),
            ("moderate", 13, 24),
            ("moderately-severe", 25, 36),
            ("severe", 37, 48),
        ]
        assert "Wesson" in cows["citation"]

    def test_the_dsm5_definition_is_true_or_false_and_has_a_spanish_wording(self) -> None:
        english = Client().get(f"{BASE}/dsm5-oud").json()
        assert english["boolean"] is True
        assert [item["id"] for item in english["items"]] == DSM5_IDS
        assert all(item["allowed"] == [True, False] for item in english["items"])
        assert english["remission"] == ["early", "sustained"]
        assert english["languages"] == ["en", "es"]
        spanish = Client().get(f"{BASE}/dsm5-oud?lang=es").json()
        assert [item["id"] for item in spanish["items"]] == DSM5_IDS
        assert spanish["items"][0]["text"] != english["items"][0]["text"]
        assert spanish["items"][0]["choices"][0]["label"] == "Sí"

    def test_sows_has_no_bands(self) -> None:
        sows = Client().get(f"{BASE}/sows").json()
        assert sows["bands"] == [] and sows["max_total"] == 64

    def test_an_unknown_instrument_is_404(self) -> None:
        body = problem(Client().get(f"{BASE}/audit-c"), 404)
        assert "dsm5-oud, cows, sows, phq9, gad7" in body["detail"]
        problem(score("audit-c", {"answers": []}), 404)


class TestBandEdges:
    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "below-mild"),
            (4, "below-mild"),
            (5, "mild"),
            (12, "mild"),
            (13, "moderate"),
            (24, "moderate"),
            (25, "moderately-severe"),
            (36, "moderately-severe"),
            (37, "severe"),
            (48, "severe"),
        ],
    )
    def test_cows(self, total: int, band: str) -> None:
        result = scored("cows", {"answers": totalling("cows", total)})
        assert (result["instrument"], result["total"], result["band"]) == ("cows", total, band)
        assert result["flags"] == []
        assert f"COWS {total} of 48" in result["interpretation"]

    @pytest.mark.parametrize(
        ("met", "band"),
        [
            (0, "none"),
            (1, "none"),
            (2, "mild"),
            (3, "mild"),
            (4, "moderate"),
            (5, "moderate"),
            (6, "severe"),
            (11, "severe"),
        ],
    )
    def test_dsm5(self, met: int, band: str) -> None:
        result = scored("dsm5-oud", {"answers": criteria(met)})
        assert (result["total"], result["band"]) == (met, band)
        assert "not a diagnosis" in result["interpretation"]

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately-severe"),
            (19, "moderately-severe"),
            (20, "severe"),
            (27, "severe"),
        ],
    )
    def test_phq9(self, total: int, band: str) -> None:
        assert scored("phq9", {"answers": totalling("phq9", total)})["band"] == band

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ],
    )
    def test_gad7(self, total: int, band: str) -> None:
        result = scored("gad7", {"answers": totalling("gad7", total)})
        assert (result["total"], result["band"]) == (total, band)

    def test_sows_is_a_total_without_a_band(self) -> None:
        result = scored("sows", {"answers": [4] * 16})
        assert (result["total"], result["band"], result["band_label"]) == (64, None, "")
        assert "trend" in result["interpretation"]


class TestRules:
    def test_under_medical_supervision_tolerance_and_withdrawal_do_not_count(self) -> None:
        answers = criteria(2, include=("tolerance", "withdrawal"))  # 4 met: moderate
        assert scored("dsm5-oud", {"answers": answers})["band"] == "moderate"
        supervised = scored("dsm5-oud", {"answers": answers, "under_medical_supervision": True})
        assert (supervised["total"], supervised["band"]) == (2, "mild")
        assert [f["code"] for f in supervised["flags"]] == ["supervision_excluded"]
        assert supervised["flags"][0]["urgent"] is False
        assert "Tolerance and withdrawal not counted" in supervised["flags"][0]["message"]

    def test_supervision_with_only_tolerance_and_withdrawal_met_is_no_disorder(self) -> None:
        answers = criteria(0, include=("tolerance", "withdrawal"))
        assert scored("dsm5-oud", {"answers": answers})["band"] == "mild"
        assert scored("dsm5-oud", {"answers": answers, "under_medical_supervision": True})["band"] == "none"

    def test_remission_and_specifiers_are_carried(self) -> None:
        result = scored(
            "dsm5-oud",
            {
                "answers": criteria(0, include=("craving",)),
                "remission": "early",
                "specifiers": ["on_maintenance_therapy"],
            },
        )
        assert result["remission"] == "early" and result["specifiers"] == ["on_maintenance_therapy"]
        assert "early remission, on maintenance therapy" in result["interpretation"]

    def test_phq9_item_9_flags_whatever_the_total(self) -> None:
        result = scored("phq9", {"answers": phq9(1, self_harm=1)})
        assert (result["total"], result["band"]) == (1, "minimal")
        [flag] = result["flags"]
        assert flag["code"] == "self_harm" and flag["urgent"] is True
        assert "988" in flag["message"] and "911" in flag["message"]

    def test_phq9_item_9_at_zero_raises_no_flag(self) -> None:
        assert scored("phq9", {"answers": phq9(20)})["flags"] == []

    def test_answers_in_item_order_score_the_same_as_by_id(self) -> None:
        by_id = totalling("cows", 17)
        in_order = [by_id[item_id] for item_id in COWS_IDS]
        assert scored("cows", {"answers": in_order}) == scored("cows", {"answers": by_id})

    def test_the_spanish_band_label(self) -> None:
        result = scored("dsm5-oud", {"answers": criteria(6), "lang": "es"})
        assert result["band"] == "severe" and result["band_label"].startswith("Grave")


class TestInvalidAnswers:
    @pytest.mark.parametrize(
        ("code", "change", "field", "words"),
        [
            ("cows", {"pulse": 3}, "answers.pulse", "3 is not an allowed score"),
            ("cows", {"gooseflesh": 1}, "answers.gooseflesh", "allowed: 0, 3, 5"),
            ("cows", {"restlessness": -1}, "answers.restlessness", "not an allowed score"),
            ("cows", {"pulse": "1"}, "answers.pulse", "not a whole-number score"),
            ("cows", {"pulse": 1.0}, "answers.pulse", "not a whole-number score"),
            ("cows", {"pulse": True}, "answers.pulse", "not a whole-number score"),
            ("cows", {"pulse": None}, "answers.pulse", "missing"),
            ("cows", {"heart_rate": 1}, "answers.heart_rate", "no item 'heart_rate'"),
            ("phq9", {"self_harm": 4}, "answers.self_harm", "allowed: 0, 1, 2, 3"),
            ("gad7", {"afraid": 9}, "answers.afraid", "not an allowed score"),
            ("sows", {"feel_like_using": 5}, "answers.feel_like_using", "not an allowed score"),
            ("dsm5-oud", {"craving": 1}, "answers.craving", "true or false"),
            ("dsm5-oud", {"craving": "yes"}, "answers.craving", "true or false"),
        ],
    )
    def test_a_bad_answer_is_422_naming_the_item(
        self, code: str, change: dict[str, Any], field: str, words: str
    ) -> None:
        answers: dict[str, Any] = criteria(3) if code == "dsm5-oud" else totalling(code, 0)
        answers.update(change)
        body = problem(score(code, {"answers": answers}), 422, field)
        message = next(e["message"] for e in body["errors"] if e["field"] == field)
        assert field.removeprefix("answers.") in message and words in message
        assert not InstrumentRecord.objects.exists() and not AuditEvent.objects.exists()

    def test_a_missing_item_is_named(self) -> None:
        answers = totalling("cows", 10)
        del answers["tremor"]
        body = problem(score("cows", {"answers": answers}), 422, "answers.tremor")
        assert {e["field"] for e in body["errors"]} == {"answers.tremor"}

    def test_every_item_at_fault_is_named(self) -> None:
        answers = {**totalling("cows", 0), "pulse": 3, "pupils": 4}
        del answers["yawning"]
        problem(score("cows", {"answers": answers}), 422, "answers.pulse", "answers.pupils", "answers.yawning")

    def test_a_list_of_the_wrong_length_says_how_many_items_there_are(self) -> None:
        body = problem(score("gad7", {"answers": [0, 1, 2]}), 422, "answers")
        assert "7 items; 3 answers" in body["errors"][0]["message"]

    def test_a_list_names_the_item_at_its_position(self) -> None:
        problem(score("gad7", {"answers": [0, 0, 7, 0, 0, 0, 0]}), 422, "answers.worry_too_much")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "answers"),
            ({"answers": "0,1,2"}, "answers"),
            ({"answers": [0] * 11, "under_medical_supervision": True}, "under_medical_supervision"),
            ({"answers": [0] * 11, "remission": "early"}, "remission"),
            ({"answers": [0] * 11, "colour": "blue"}, "colour"),
            ({"answers": [0] * 11, "lang": "fr"}, "lang"),
        ],
    )
    def test_other_bad_input_names_the_field(self, body: dict[str, Any], field: str) -> None:
        problem(score("cows", body), 422, field)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"under_medical_supervision": 1}, "under_medical_supervision"),
            ({"remission": "partial"}, "remission"),
            ({"specifiers": ["in_a_hurry"]}, "specifiers.0"),
        ],
    )
    def test_dsm5_options_are_checked(self, body: dict[str, Any], field: str) -> None:
        problem(score("dsm5-oud", {"answers": criteria(2), **body}), 422, field)


class TestNothingStored:
    def test_scoring_signed_in_stores_and_audits_nothing(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        response = score("phq9", {"answers": phq9(12, self_harm=2)}, client)
        assert response.status_code == 200
        assert not InstrumentRecord.objects.exists()
        assert not AuditEvent.objects.filter(patient_id__isnull=False).exists()
        assert not AuditEvent.objects.filter(object_type__icontains="instrument").exists()
