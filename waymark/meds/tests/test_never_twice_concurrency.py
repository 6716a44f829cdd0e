"""Never twice: 50 nurses' stations recording the same dose at the same moment
record exactly one administration, and every other station sees which one.

Why a subprocess and a database of its own: pytest-django's SQLite test
database lives in memory (shared cache), where there is no WAL, no
`BEGIN IMMEDIATE` queueing on the busy timeout and no file lock, so threads
there would not meet the locking production meets. Each scenario therefore
runs in a subprocess (`python -m` this module) with the production settings
against a real database that `realdb.real_database` creates for the module:
a migrated SQLite file in WAL mode with IMMEDIATE transactions, or, in the
PostgreSQL run of the suite, a PostgreSQL database of its own. In the
subprocess 50 threads, each with its own connection, wait on one barrier and
then post at once: through Django's test Client with a nurse's personal access
token (the whole middleware, ninja, access check and audit stack; no socket),
or by calling services.record_administration directly. The test process reads
the outcome back from the database with sqlite3/psycopg, not through Django.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from waymark.meds.tests.realdb import Clinic, RealDatabase, real_database

THREADS = 50
BODY = {"amount_mg": "80", "concentration_mg_per_ml": "10", "slot": 1}
# (way in, keys): one patient each, so the scenarios do not meet.
SCENARIOS = [("http", "same"), ("http", "different"), ("service", "same"), ("service", "different")]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RealDatabase, Clinic]]:
    with real_database(tmp_path_factory.mktemp("never-twice"), "never_twice") as db:
        yield db, db.setup(patients=len(SCENARIOS))


def _race(db: RealDatabase, clinic: Clinic, way: str, keys: str) -> tuple[int, list[dict[str, Any]]]:
    patient = clinic.patients[SCENARIOS.index((way, keys))]
    outcomes = db.run(__name__, way, keys, f"--patient={patient}", f"--token={clinic.token}", f"--nurse={clinic.nurse}")
    assert len(outcomes) == THREADS
    errors = [o for o in outcomes if "error" in o]
    assert not errors, errors[:3]
    return patient, outcomes


def _doses_today(db: RealDatabase, clinic: Clinic, patient: int) -> list[tuple[Any, ...]]:
    return db.rows(
        "SELECT id, idempotency_key FROM meds_doseadministration WHERE patient_id = %s AND clinic_day = %s",
        [patient, clinic.day],
    )


def _audited_doses(db: RealDatabase, patient: int) -> int:
    return int(
        db.scalar("SELECT COUNT(*) FROM core_auditevent WHERE patient_id = %s AND action = 'dose_observed'", [patient])
    )


class TestFiftyStationsAtOnce:
    def test_same_key_over_http_gives_one_201_and_49_replays_of_it(self, clinic: tuple[RealDatabase, Clinic]) -> None:
        db, info = clinic
        patient, outcomes = _race(db, info, "http", "same")
        statuses = Counter(o["status"] for o in outcomes)
        assert statuses == {201: 1, 200: 49}, statuses
        rows = _doses_today(db, info, patient)
        assert len(rows) == 1
        assert {o["body"]["id"] for o in outcomes} == {rows[0][0]}
        assert _audited_doses(db, patient) == 1

    def test_different_keys_over_http_give_one_201_and_49_conflicts_naming_it(
        self, clinic: tuple[RealDatabase, Clinic]
    ) -> None:
        db, info = clinic
        patient, outcomes = _race(db, info, "http", "different")
        statuses = Counter(o["status"] for o in outcomes)
        assert statuses == {201: 1, 409: 49}, statuses
        rows = _doses_today(db, info, patient)
        assert len(rows) == 1
        created = next(o for o in outcomes if o["status"] == 201)
        assert created["body"]["id"] == rows[0][0]
        assert rows[0][1] == created["key"]
        for conflict in (o for o in outcomes if o["status"] == 409):
            assert conflict["body"]["existing"]["id"] == rows[0][0]
            assert "already recorded" in conflict["body"]["detail"]
        assert _audited_doses(db, patient) == 1

    def test_same_key_through_the_service_creates_once(self, clinic: tuple[RealDatabase, Clinic]) -> None:
        db, info = clinic
        patient, outcomes = _race(db, info, "service", "same")
        assert Counter(o["result"] for o in outcomes) == {"created": 1, "replayed": 49}
        rows = _doses_today(db, info, patient)
        assert len(rows) == 1
        assert {o["id"] for o in outcomes} == {rows[0][0]}
        assert _audited_doses(db, patient) == 1

    def test_different_keys_through_the_service_raise_already_recorded(
        self, clinic: tuple[RealDatabase, Clinic]
    ) -> None:
        db, info = clinic
        patient, outcomes = _race(db, info, "service", "different")
        assert Counter(o["result"] for o in outcomes) == {"created": 1, "already_recorded": 49}
        rows = _doses_today(db, info, patient)
        assert len(rows) == 1
        assert {o["id"] for o in outcomes} == {rows[0][0]}
        assert _audited_doses(db, patient) == 1


# --- The race itself, run in a subprocess: `python -m <this module> http|service same|different` ---


def _keys(kind: str) -> list[str]:
    shared = f"never-twice-{uuid.uuid4()}"
    return [shared if kind == "same" else f"never-twice-{uuid.uuid4()}" for _ in range(THREADS)]


def _over_http(patient: int, token: str, key: str) -> Callable[[], dict[str, Any]]:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post() -> dict[str, Any]:
        response = client.post(
            f"/api/v1/patients/{patient}/administrations",
            json.dumps(BODY),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return {"status": response.status_code, "body": json.loads(response.content), "key": key}

    return post


def _through_service(patient_id: int, nurse_name: str, key: str) -> Callable[[], dict[str, Any]]:
    from decimal import Decimal

    from waymark.chart.models import Patient
    from waymark.core.models import User
    from waymark.meds import services

    nurse = User.objects.get(username=nurse_name)
    patient = Patient.objects.select_related("program", "site").get(pk=patient_id)
    data = services.AdministrationInput(
        idempotency_key=key, slot=1, amount_mg=Decimal("80"), concentration_mg_per_ml=Decimal("10")
    )

    def record() -> dict[str, Any]:
        try:
            dose, created = services.record_administration(nurse, patient, data)
        except services.AlreadyRecorded as exc:
            return {"result": "already_recorded", "id": exc.existing.pk, "key": key}
        return {"result": "created" if created else "replayed", "id": dose.pk, "key": key}

    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("way", choices=["http", "service"])
    parser.add_argument("keys", choices=["same", "different"])
    parser.add_argument("--patient", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--nurse", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connections

    keys = _keys(args.keys)
    outcomes: list[dict[str, Any]] = [{} for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def station(i: int) -> None:
        try:
            if args.way == "http":
                act = _over_http(args.patient, args.token, keys[i])
            else:
                act = _through_service(args.patient, args.nurse, keys[i])
            start.wait(timeout=30)  # every station ready: all 50 go at once
            outcomes[i] = act()
        except Exception as exc:  # reported to the test, which fails on it
            outcomes[i] = {"error": repr(exc)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=station, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
