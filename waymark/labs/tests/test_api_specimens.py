"""The drug-testing API: the analyte list with LOINC codes; recording a
specimen (idempotent by the Idempotency-Key header); refusing bad input with
the field named and nothing saved; adding a laboratory's results (409 when
they contradict what is recorded); listing a patient's tests, newest first,
with what they mean."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from waymark.chart.tests.api_helpers import Api, problem, token_api
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import ago, collect

pytestmark = pytest.mark.django_db

# REFERENCE.md §11: the only codes Waymark knows.
LOINC = {
    "opiates": "19295-5",
    "6-mam": "19321-9",
    "fentanyl": "59673-4",
    "buprenorphine": "93494-3",
    "methadone": "19550-3",
    "eddp": "93495-0",
}


@pytest.fixture
def api(world: World) -> Api:
    return token_api(world.user(Role.NURSE))


def specimens_path(world: World) -> str:
    return f"/patients/{world.patient.pk}/specimens"


def key(n: int = 1) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": f"lab-interface-{n:04d}"}


def cup(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "collected_at": ago(hours=1).isoformat(),
        "kind": "urine",
        "observed": True,
        "temperature_in_range": True,
        "reason": "random",
        "results": [
            {"analyte": "fentanyl", "result": "positive"},
            {"analyte": "opiates", "result": "negative"},
            {"analyte": "methadone", "result": "positive", "value_ng_ml": "320.5", "cutoff_ng_ml": "300"},
        ],
        **changes,
    }
    return body


def test_the_analytes_carry_the_loinc_codes_of_the_reference(api: Api) -> None:
    response = api.get("/analytes")
    assert response.status_code == 200
    analytes = response.json()
    assert [a["code"] for a in analytes] == [
        "opiates",
        "6-mam",
        "fentanyl",
        "buprenorphine",
        "methadone",
        "eddp",
        "oxycodone",
        "cocaine",
        "amphetamines",
        "benzodiazepines",
        "cannabis",
        "alcohol",
    ]
    assert {a["code"]: a["loinc"] for a in analytes if a["loinc"]} == LOINC
    by_code = {a["code"]: a for a in analytes}
    assert "58359-1" in by_code["buprenorphine"]["loinc_note"]
    assert by_code["cocaine"]["loinc"] is None and "no LOINC code" in by_code["cocaine"]["loinc_note"]
    assert {a["code"] for a in analytes if a["opioid"]} == {"opiates", "6-mam", "fentanyl", "oxycodone"}


class TestRecord:
    def test_a_specimen_is_created_once_per_key(self, world: World, api: Api) -> None:
        body = cup()
        first = api.post(specimens_path(world), body, **key())
        assert first.status_code == 201, first.content
        created = first.json()
        assert created["status"] == "collected" and created["kind"] == "urine" and created["observed"] is True
        assert created["reason"] == "random" and created["temperature_in_range"] is True
        sent = dt.datetime.fromisoformat(body["collected_at"])
        assert abs(dt.datetime.fromisoformat(created["collected_at"]) - sent) < dt.timedelta(milliseconds=1)
        assert created["clinic_day"] == world.program.clinic_day(ago(hours=1)).isoformat()
        results = {r["analyte"]: r for r in created["results"]}
        assert results["fentanyl"]["loinc"] == "59673-4" and results["fentanyl"]["method"] == "point_of_care"
        assert Decimal(results["methadone"]["value_ng_ml"]) == Decimal("320.5")
        assert Decimal(results["methadone"]["cutoff_ng_ml"]) == Decimal("300")
        assert results["opiates"]["loinc"] == "19295-5"
        assert [(a["rule_id"], a["offer_naloxone"]) for a in created["alerts"]] == [("labs.fentanyl_positive", True)]

        again = api.post(specimens_path(world), body, **key())
        assert again.status_code == 200
        assert again.json()["id"] == created["id"]
        assert Specimen.objects.count() == 1 and AnalyteResult.objects.count() == 3
        assert AuditEvent.objects.filter(action="specimen_collected").count() == 1

    def test_a_readers_clock_a_little_ahead_of_ours_is_allowed(self, world: World, api: Api) -> None:
        # Up to 5 minutes ahead is clock drift, not the future; its point-of-care results are not "before" it.
        response = api.post(
            specimens_path(world), cup(collected_at=(timezone.now() + dt.timedelta(minutes=2)).isoformat()), **key()
        )
        assert response.status_code == 201, response.content
        specimen = Specimen.objects.get()
        assert all(r.resulted_at >= specimen.collected_at for r in specimen.results.all())

    def test_a_key_reused_for_another_specimen_is_refused(self, world: World, api: Api) -> None:
        api.post(specimens_path(world), cup(), **key())
        other = api.post(specimens_path(world), cup(collected_at=ago(hours=5).isoformat()), **key())
        body = problem(other, 422)
        assert "already used for a different specimen" in body["detail"]
        assert Specimen.objects.count() == 1

    def test_a_missed_test_is_recorded_without_results(self, world: World, api: Api) -> None:
        response = api.post(
            specimens_path(world),
            {"status": "refused", "collected_at": ago(hours=2).isoformat(), "notes": "Said not today."},
            **key(),
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["status"], body["kind"], body["results"]) == ("refused", "", [])
        assert [a["rule_id"] for a in body["alerts"]] == ["labs.missed_counts_as_positive"]
        assert Specimen.objects.get().notes == "Said not today."


class TestRefused:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"results": [{"analyte": "ketamine", "result": "positive"}]}, "results.0.analyte"),
            ({"results": [{"analyte": "fentanyl", "result": "maybe"}]}, "results.0.result"),
            (
                {"results": [{"analyte": "fentanyl", "result": "negative", "value_ng_ml": "-1"}]},
                "results.0.value_ng_ml",
            ),
            (
                {"results": [{"analyte": "fentanyl", "result": "negative", "cutoff_ng_ml": "0"}]},
                "results.0.cutoff_ng_ml",
            ),
            (
                {"results": [{"analyte": "fentanyl", "result": "negative", "value_ng_ml": "1000000.01"}]},
                "results.0.value_ng_ml",
            ),
            ({"collected_at": "FUTURE"}, "collected_at"),
            ({"collected_at": "2026-03-01T10:00:00"}, "collected_at"),  # no UTC offset: which 10:00?
            ({"kind": ""}, "kind"),
            ({"kind": "oral_fluid"}, "temperature_in_range"),  # a temperature strip is on urine cups only
            ({"status": "missed"}, "results"),
            (
                {"results": [{"analyte": "fentanyl", "result": "negative", "resulted_at": "BEFORE"}]},
                "results.0.resulted_at",
            ),
            (
                {
                    "results": [
                        {"analyte": "cocaine", "result": "negative"},
                        {"analyte": "cocaine", "result": "negative"},
                    ]
                },
                "results.1.analyte",
            ),
            ({"colour": "amber"}, "colour"),
        ],
    )
    def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(
        self, world: World, api: Api, changes: dict[str, Any], field: str
    ) -> None:
        times = {
            "FUTURE": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
            "BEFORE": ago(hours=3).isoformat(),
        }
        body = cup(**changes)
        body["collected_at"] = times.get(body["collected_at"], body["collected_at"])
        for result in body["results"]:
            if "resulted_at" in result:
                result["resulted_at"] = times[result["resulted_at"]]
        response = api.post(specimens_path(world), body, **key())
        problem(response, 422, field)
        assert not Specimen.objects.exists() and not AnalyteResult.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="specimen_").exists()

    def test_a_missing_idempotency_key_is_422(self, world: World, api: Api) -> None:
        problem(api.post(specimens_path(world), cup()), 422, "Idempotency-Key")
        problem(api.post(specimens_path(world), cup(), HTTP_IDEMPOTENCY_KEY="short"), 422, "Idempotency-Key")
        assert not Specimen.objects.exists()


class TestResults:
    def test_the_labs_report_is_added_and_supersedes_point_of_care(self, world: World, api: Api) -> None:
        created = api.post(specimens_path(world), cup(), **key()).json()
        path = f"{specimens_path(world)}/{created['id']}/results"
        report = {
            "results": [
                {
                    "analyte": "fentanyl",
                    "result": "negative",
                    "method": "lab",
                    "value_ng_ml": "0.3",
                    "cutoff_ng_ml": "1",
                    "resulted_at": ago(minutes=5).isoformat(),
                }
            ]
        }
        response = api.post(path, report)
        assert response.status_code == 200, response.content
        body = response.json()
        assert sorted((r["analyte"], r["method"], r["result"]) for r in body["results"]) == [
            ("fentanyl", "lab", "negative"),
            ("fentanyl", "point_of_care", "positive"),
            ("methadone", "point_of_care", "positive"),
            ("opiates", "point_of_care", "negative"),
        ]
        assert body["alerts"] == []  # the lab's fentanyl negative counts, not the cup's positive

        # The same report again (a retry): accepted, nothing twice.
        assert api.post(path, report).status_code == 200
        assert AnalyteResult.objects.filter(method="lab").count() == 1

        # A contradicting report: 409, nothing changed.
        report["results"][0]["result"] = "positive"
        conflict = problem(api.post(path, report), 409)
        assert (
            "Fentanyl (laboratory) is already recorded as negative (0.30 ng/mL, cut-off 1.00 ng/mL)"
            in (conflict["detail"])
        )
        assert AnalyteResult.objects.get(method="lab").result == "negative"

    def test_results_before_the_collection_are_refused(self, world: World, api: Api) -> None:
        specimen = collect(world, world.patient, at=ago(hours=2))
        response = api.post(
            f"{specimens_path(world)}/{specimen.pk}/results",
            {"results": [{"analyte": "fentanyl", "result": "negative", "resulted_at": ago(hours=3).isoformat()}]},
        )
        problem(response, 422, "results.0.resulted_at")
        assert not AnalyteResult.objects.exists()

    def test_an_empty_report_and_a_missed_test_are_refused(self, world: World, api: Api) -> None:
        specimen = collect(world, world.patient, at=ago(hours=2))
        problem(api.post(f"{specimens_path(world)}/{specimen.pk}/results", {"results": []}), 422, "results")
        missed = collect(world, world.patient, status="missed")
        response = api.post(
            f"{specimens_path(world)}/{missed.pk}/results", {"results": [{"analyte": "fentanyl", "result": "negative"}]}
        )
        problem(response, 422, "results")
        assert not AnalyteResult.objects.exists()

    def test_a_specimen_of_another_patient_is_404(self, world: World, api: Api) -> None:
        theirs = collect(world, world.other_patient, {"fentanyl": "positive"})
        response = api.post(
            f"{specimens_path(world)}/{theirs.pk}/results", {"results": [{"analyte": "fentanyl", "result": "negative"}]}
        )
        problem(response, 404)
        assert theirs.results.count() == 1


class TestList:
    def test_tests_are_listed_newest_first_with_what_they_mean(self, world: World, api: Api) -> None:
        # Recorded out of order: the list follows collection time, not entry order.
        middle = collect(world, world.patient, {"fentanyl": "positive"}, at=ago(days=3))
        newest = collect(world, world.patient, {"fentanyl": "negative", "6-mam": "positive"}, at=ago(hours=4))
        oldest = collect(world, world.patient, status="missed", at=ago(days=10))
        collect(world, world.other_patient, {"fentanyl": "positive"})
        response = api.get(specimens_path(world))
        assert response.status_code == 200
        body = response.json()
        assert [s["id"] for s in body] == [newest.pk, middle.pk, oldest.pk]
        assert [[a["rule_id"] for a in s["alerts"]] for s in body] == [
            ["labs.heroin_marker"],
            ["labs.fentanyl_positive"],
            ["labs.missed_counts_as_positive"],
        ]
        assert body[1]["alerts"][0]["severity"] == "alert" and body[1]["alerts"][0]["offer_naloxone"] is True
        assert body[0]["results"][0]["loinc"] in {"59673-4", "19321-9"}
        assert [s["id"] for s in api.get(specimens_path(world) + "?limit=2").json()] == [newest.pk, middle.pk]
        read = AuditEvent.objects.filter(action="read", object_type="drug_tests", patient_id=world.patient.pk)
        assert read.count() == 2
