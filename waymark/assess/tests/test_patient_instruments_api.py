"""A patient's instruments over the API: recording one (once per
Idempotency-Key), refusing bad answers and bad times naming the field with
nothing stored, listing newest first with what each means, who may do what
(a patient or a peer moderator cannot record; off the care team, break-glass),
the audit of reads and writes, and the list's query count."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waymark.assess.models import InstrumentRecord
from waymark.assess.tests.instrument_helpers import ago, audit_actions, criteria, give, phq9, totalling
from waymark.chart.tests.api_helpers import Api, api_for, problem, token_api
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def path(world: World, patient: Any = None) -> str:
    return f"/patients/{(patient or world.patient).pk}/instruments"


def key(n: int = 1) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": f"tablet-cows-{n:04d}"}


def cows(**changes: Any) -> dict[str, Any]:
    return {
        "instrument": "cows",
        "answers": totalling("cows", 14),
        "administered_at": ago(minutes=20).isoformat(),
        "context": "induction",
        "last_use_at": ago(hours=14).isoformat(),
        **changes,
    }


@pytest.fixture
def api(world: World) -> Api:
    return token_api(world.user(Role.NURSE))


class TestRecord:
    def test_a_nurse_records_a_cows_once_per_key(self, world: World, api: Api) -> None:
        body = cows()
        first = api.post(path(world), body, **key())
        assert first.status_code == 201, first.content
        created = first.json()
        assert (created["instrument"], created["total"], created["band"]) == ("cows", 14, "moderate")
        assert created["band_label"] == "Moderate (13–24)" and created["max_total"] == 48
        assert created["context"] == "induction" and created["answers"] == body["answers"]
        assert created["episode_id"] == world.patient.episodes.get().pk
        sent = dt.datetime.fromisoformat(body["administered_at"])
        assert abs(dt.datetime.fromisoformat(created["administered_at"]) - sent) < dt.timedelta(milliseconds=1)

        again = api.post(path(world), body, **key())
        assert again.status_code == 200 and again.json()["id"] == created["id"]
        assert InstrumentRecord.objects.count() == 1
        assert audit_actions(world.patient, "instrument_recorded") == [
            ("instrument_recorded", "instrumentrecord", "nurse")
        ]

    def test_answers_may_be_a_list_in_item_order(self, world: World, api: Api) -> None:
        response = api.post(path(world), cows(answers=[2, 1, 1, 2, 1, 2, 2, 1, 1, 1, 0]), **key())
        assert response.status_code == 201
        assert response.json()["answers"]["pulse"] == 2 and response.json()["total"] == 14

    def test_the_dsm5_checklist_under_medical_supervision(self, world: World) -> None:
        api = token_api(world.user(Role.COUNSELLOR))
        body = {
            "instrument": "dsm5-oud",
            "answers": criteria(3, include=("tolerance", "withdrawal")),
            "administered_at": ago(days=2).isoformat(),
            "context": "intake",
            "under_medical_supervision": True,
        }
        response = api.post(path(world), body, **key())
        assert response.status_code == 201, response.content
        record = response.json()
        assert (record["total"], record["band"]) == (3, "mild")
        assert [f["code"] for f in record["flags"]] == ["supervision_excluded"]
        stored = InstrumentRecord.objects.get()
        assert stored.under_medical_supervision is True and stored.answers["tolerance"] is True

    def test_a_phq9_with_item_9_comes_back_flagged(self, world: World, api: Api) -> None:
        body = {"instrument": "phq9", "answers": phq9(3, self_harm=1), "administered_at": ago(hours=1).isoformat()}
        record = api.post(path(world), body, **key()).json()
        assert (record["total"], record["band"]) == (3, "minimal")
        [flag] = record["flags"]
        assert flag["code"] == "self_harm" and flag["urgent"] and "988" in flag["message"]
        assert InstrumentRecord.objects.get().flags == ["self_harm"]

    def test_a_key_reused_for_another_record_is_refused(self, world: World, api: Api) -> None:
        api.post(path(world), cows(), **key())
        other = api.post(path(world), cows(administered_at=ago(hours=3).isoformat()), **key())
        assert "already used for another record" in problem(other, 422)["detail"]
        assert InstrumentRecord.objects.count() == 1

    def test_the_key_is_required(self, world: World, api: Api) -> None:
        problem(api.post(path(world), cows()), 422, "Idempotency-Key")
        assert not InstrumentRecord.objects.exists()


class TestRefused:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"answers": {**totalling("cows", 14), "pulse": 3}}, "answers.pulse"),
            ({"answers": {**totalling("cows", 14), "tremor": "2"}}, "answers.tremor"),
            ({"answers": {k: v for k, v in totalling("cows", 14).items() if k != "yawning"}}, "answers.yawning"),
            ({"answers": {**totalling("cows", 14), "sneezing": 1}}, "answers.sneezing"),
            ({"answers": [0, 1]}, "answers"),
            ({"instrument": "ciwa"}, "instrument"),
            ({"administered_at": "FUTURE"}, "administered_at"),
            ({"administered_at": "LONG_AGO"}, "administered_at"),
            ({"administered_at": "2026-03-01T10:00:00"}, "administered_at"),  # no UTC offset
            ({"last_use_at": "FUTURE"}, "last_use_at"),
            ({"context": "court_order"}, "context"),
            ({"language": "es"}, "language"),  # COWS has no Spanish version
            ({"under_medical_supervision": True}, "under_medical_supervision"),
            ({"notes": "x" * 2001}, "notes"),
            ({"colour": "amber"}, "colour"),
        ],
    )
    def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(
        self, world: World, api: Api, changes: dict[str, Any], field: str
    ) -> None:
        times = {
            "FUTURE": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
            "LONG_AGO": ago(days=31).isoformat(),
        }
        body = cows(**changes)
        for name in ("administered_at", "last_use_at"):
            body[name] = times.get(body[name], body[name])
        problem(api.post(path(world), body, **key()), 422, field)
        assert not InstrumentRecord.objects.exists()
        assert audit_actions(world.patient, "instrument_recorded") == []

    def test_the_messages_say_what_to_do(self, world: World, api: Api) -> None:
        future = api.post(
            path(world), cows(administered_at=(timezone.now() + dt.timedelta(hours=2)).isoformat()), **key()
        )
        assert "in the future" in problem(future, 422)["errors"][0]["message"]
        old = api.post(path(world), cows(administered_at=ago(days=40).isoformat()), **key(2))
        assert "more than 30 days ago" in problem(old, 422)["errors"][0]["message"]
        bad = api.post(path(world), cows(answers={**totalling("cows", 0), "pupils": 3}), **key(3))
        assert problem(bad, 422)["errors"] == [
            {
                "field": "answers.pupils",
                "message": "Item pupils: 3 is not an allowed score for this item; allowed: 0, 1, 2, 5.",
            }
        ]

    def test_a_program_may_allow_older_records(self, world: World, api: Api) -> None:
        world.program.rule_settings = {"assess.instruments.max_days_back": 60}
        world.program.save()
        assert (
            api.post(path(world), cows(administered_at=ago(days=45).isoformat(), last_use_at=None), **key()).status_code
            == 201
        )

    def test_a_clock_a_little_ahead_is_not_the_future(self, world: World, api: Api) -> None:
        soon = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
        assert api.post(path(world), cows(administered_at=soon), **key()).status_code == 201

    def test_last_use_after_the_assessment_is_refused(self, world: World, api: Api) -> None:
        body = cows(administered_at=ago(hours=2).isoformat(), last_use_at=ago(hours=1).isoformat())
        problem(api.post(path(world), body, **key()), 422, "last_use_at")


class TestList:
    def test_newest_first_with_what_each_means(self, world: World, api: Api) -> None:
        old = give(world, "cows", totalling("cows", 4), at=ago(hours=6))
        new = give(world, "cows", totalling("cows", 25), at=ago(hours=1))
        phq = give(world, "phq9", phq9(2, self_harm=1), at=ago(hours=3))
        listed = api.get(path(world)).json()
        assert [r["id"] for r in listed] == [new.pk, phq.pk, old.pk]
        assert [r["band"] for r in listed] == ["moderately-severe", "minimal", "below-mild"]
        assert listed[1]["flags"][0]["code"] == "self_harm"
        assert listed[0]["recorded_by"] == "Nurse"
        only_cows = api.get(path(world) + "?instrument=cows").json()
        assert [r["id"] for r in only_cows] == [new.pk, old.pk]
        assert [r["id"] for r in api.get(path(world) + "?limit=1").json()] == [new.pk]

    def test_reading_is_audited(self, world: World, api: Api) -> None:
        api.get(path(world))
        assert audit_actions(world.patient, "read") == [("read", "instruments", "nurse")]

    def test_the_list_costs_the_same_for_3_and_30_records(
        self, world: World, api: Api, django_assert_max_num_queries
    ) -> None:
        for n in range(3):
            give(world, "cows", totalling("cows", n * 3), at=ago(hours=n + 1))

        def count() -> int:
            api.get(path(world))
            with CaptureQueriesContext(connection) as queries:
                assert len(api.get(path(world)).json()) in (3, 30)
            return len(queries)

        small = count()
        for n in range(3, 30):
            give(world, "phq9", phq9(n % 20), at=ago(hours=n + 1))
        assert count() == small
        # The token with its user (1), the patient (1), the audit append (3), the records with who recorded them (1).
        with django_assert_max_num_queries(6):
            api.get(path(world))


class TestAccess:
    @pytest.mark.parametrize("role", [Role.NURSE, Role.COUNSELLOR, Role.PRESCRIBER])
    def test_the_care_team_records(self, world: World, role: Role) -> None:
        response = api_for(world, role).post(path(world), cows(), HTTP_IDEMPOTENCY_KEY=f"key-{role.value}")
        assert response.status_code == 201, response.content

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.PEER_MODERATOR, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER])
    def test_others_may_not_record(self, world: World, role: Role) -> None:
        problem(api_for(world, role).post(path(world), cows(), **key()), 403)
        assert not InstrumentRecord.objects.exists()

    def test_the_patient_reads_their_own_and_nobody_elses(self, world: World) -> None:
        mine = give(world, "gad7", totalling("gad7", 6))
        give(world, "gad7", totalling("gad7", 6), patient=world.other_patient)
        api = api_for(world, Role.PATIENT)
        assert [r["id"] for r in api.get(path(world)).json()] == [mine.pk]
        problem(api.get(path(world, world.other_patient)), 404)

    def test_the_peer_moderator_reads_nothing(self, world: World) -> None:
        give(world, "gad7", totalling("gad7", 6))
        problem(api_for(world, Role.PEER_MODERATOR).get(path(world)), 403)

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_off_the_care_team_the_api_points_to_break_glass(self, world: World, role: Role) -> None:
        api = api_for(world, role)
        target = path(world, world.other_patient)
        for response in (api.get(target), api.post(target, cows(), **key())):
            body = problem(response, 403)
            assert body["break_glass_url"] == f"/api/v1/patients/{world.other_patient.pk}/break-glass"
        assert not InstrumentRecord.objects.exists()

    def test_after_breaking_the_glass_the_prescriber_records_and_it_is_flagged(self, world: World) -> None:
        api = api_for(world, Role.PRESCRIBER)
        granted = api.post(
            f"/patients/{world.other_patient.pk}/break-glass", {"reason": "Covering the induction clinic."}
        )
        assert granted.status_code in (200, 201), granted.content
        response = api.post(path(world, world.other_patient), cows(), **key())
        assert response.status_code == 201
        write = AuditEvent.objects.get(
            patient_id=world.other_patient.pk, action="write", object_type="instrumentrecord"
        )
        assert write.break_glass is True and write.reason == "Covering the induction clinic."

    def test_another_programs_patient_is_404(self, world: World, api: Api) -> None:
        target = path(world, world.outsider_patient)
        problem(api.get(target), 404)
        problem(api.post(target, cows(), **key()), 404)
        assert not InstrumentRecord.objects.exists()

    def test_the_write_is_audited_with_the_access(self, world: World, api: Api) -> None:
        created = api.post(path(world), cows(), **key()).json()
        assert audit_actions(world.patient, "write", "instrument_recorded") == [
            ("write", "instrumentrecord", "nurse"),
            ("instrument_recorded", "instrumentrecord", "nurse"),
        ]
        assert AuditEvent.objects.get(action="instrument_recorded").object_id == str(created["id"])
