"""The expected-medication alert (rule labs.expected_medication): a person
prescribed buprenorphine whose specimen is negative for buprenorphine, or
prescribed methadone whose specimen is negative for both methadone and EDDP,
may not be taking it (or may be diverting it). The drug-tests page and the API
say so; a specimen that shows the medication, or did not test for it, says nothing."""

import pytest

from waymark.conftest import World
from waymark.core.roles import Role
from waymark.labs import services
from waymark.labs.tests.helpers import (
    ago,
    collect,
    order_buprenorphine,
    page_url,
    specimen_form,
    specimen_url,
)
from waymark.meds.tests.conftest import order_methadone

pytestmark = pytest.mark.django_db

BUPRENORPHINE_ALERT = (
    "Specimen negative for buprenorphine, which is prescribed: possible non-adherence or diversion. "
    "Talk with the person; consider observed dosing or lab confirmation."
)
METHADONE_ALERT = (
    "Specimen negative for methadone and its metabolite EDDP, though methadone is prescribed: possible "
    "non-adherence or diversion. Talk with the person; consider observed dosing or lab confirmation."
)


def api_alerts(world: World, as_role) -> list[dict[str, object]]:
    response = as_role(Role.NURSE).get(f"/api/v1/patients/{world.patient.pk}/specimens")
    assert response.status_code == 200
    return response.json()[0]["alerts"]


def test_on_buprenorphine_a_specimen_negative_for_it_alerts(world: World, as_role) -> None:
    order_buprenorphine(world, world.patient)
    collect(world, world.patient, {"buprenorphine": "negative", "fentanyl": "negative", "opiates": "negative"})
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    assert "Prescribed now: buprenorphine." in html
    # Under "Latest test" and on the specimen itself.
    assert html.count(f"<strong>Alert:</strong> {BUPRENORPHINE_ALERT}") == 2
    assert api_alerts(world, as_role) == [
        {
            "rule_id": "labs.expected_medication",
            "severity": "alert",
            "message": BUPRENORPHINE_ALERT,
            "offer_naloxone": False,
        }
    ]


def test_the_nurse_is_told_as_soon_as_the_cup_is_recorded(world: World, as_role) -> None:
    order_buprenorphine(world, world.patient)
    client = as_role(Role.NURSE)
    response = client.post(
        specimen_url(world.patient), specimen_form(world.patient, {"buprenorphine": "negative"}), follow=True
    )
    assert f'<li class="warning">{BUPRENORPHINE_ALERT}</li>' in response.content.decode()


@pytest.mark.parametrize(
    "results",
    [
        {"buprenorphine": "positive", "fentanyl": "negative"},
        {"fentanyl": "negative", "opiates": "negative"},  # buprenorphine not tested: nothing to say
        {"buprenorphine": "invalid"},
    ],
)
def test_on_buprenorphine_no_alert_unless_it_tested_negative(world: World, as_role, results: dict[str, str]) -> None:
    order_buprenorphine(world, world.patient)
    collect(world, world.patient, results)
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    assert "non-adherence" not in html
    assert [a["rule_id"] for a in api_alerts(world, as_role)] == (
        ["labs.invalid_result"] if "invalid" in results.values() else []
    )


def test_without_a_buprenorphine_order_a_negative_is_expected(world: World, as_role) -> None:
    collect(world, world.patient, {"buprenorphine": "negative"})
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    assert "Prescribed now: no medication for opioid use disorder." in html
    assert "non-adherence" not in html
    assert api_alerts(world, as_role) == []


def test_on_methadone_an_eddp_positive_shows_it_is_taken(world: World, as_role) -> None:
    order_methadone(world, world.patient)
    collect(world, world.patient, {"methadone": "negative", "eddp": "positive", "fentanyl": "negative"})
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    assert "Prescribed now: methadone." in html
    assert "non-adherence" not in html and "Alert:" not in html
    assert api_alerts(world, as_role) == []


def test_on_methadone_negative_for_methadone_and_eddp_alerts(world: World, as_role) -> None:
    order_methadone(world, world.patient)
    collect(world, world.patient, {"methadone": "negative", "eddp": "negative"})
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    assert html.count(METHADONE_ALERT) == 2
    assert [(a["rule_id"], a["message"]) for a in api_alerts(world, as_role)] == [
        ("labs.expected_medication", METHADONE_ALERT)
    ]


def test_on_methadone_eddp_not_tested_says_nothing(world: World, as_role) -> None:
    order_methadone(world, world.patient)
    collect(world, world.patient, {"methadone": "negative"})
    assert api_alerts(world, as_role) == []


def test_the_labs_confirmation_clears_a_point_of_care_negative(world: World, as_role) -> None:
    order_buprenorphine(world, world.patient)
    cup = collect(world, world.patient, {"buprenorphine": "negative"}, at=ago(hours=5))
    assert [a["rule_id"] for a in api_alerts(world, as_role)] == ["labs.expected_medication"]
    services.record_results(
        world.user(Role.NURSE), world.patient, cup, [services.ResultInput("buprenorphine", "positive", "lab")]
    )
    assert api_alerts(world, as_role) == []
    assert "non-adherence" not in as_role(Role.NURSE).get(page_url(world.patient)).content.decode()


def test_only_the_latest_specimen_is_under_latest_test(world: World, as_role) -> None:
    order_buprenorphine(world, world.patient)
    collect(world, world.patient, {"buprenorphine": "negative"}, at=ago(days=7))
    collect(world, world.patient, {"buprenorphine": "positive"}, at=ago(days=1))
    html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
    # The old specimen keeps its alert; nothing is under "Latest test".
    assert html.count(BUPRENORPHINE_ALERT) == 1
    assert "Latest test: what it means" not in html
