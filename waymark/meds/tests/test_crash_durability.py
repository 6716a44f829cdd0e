"""A crash loses no acknowledged dose: the web server is killed with SIGKILL in
the middle of a stream of administrations; after a restart every dose that got
a 201 is there, once, with its audit entry, and retrying every key records the
rest without a second row for anyone.

The server is the production one (gunicorn with `waymark serve`'s flags: two
workers of four threads) in its own process group, on a real database built
for this test by `realdb.real_database`: a SQLite file (WAL, synchronous=FULL,
IMMEDIATE transactions), or a PostgreSQL database of its own in the suite's
PostgreSQL run. `waymark serve`'s scheduler is left out so a clinic-day close
cannot mark slots missed while the test runs. Four client threads post one
dose per patient, each with its own Idempotency-Key, over real sockets with a
nurse's personal access token. Soon after 40 acknowledgements the whole
process group (master and workers) gets SIGKILL, whatever it is doing:
requests are cut mid-transaction and mid-response, SQLite's WAL is left for
recovery.

A process kill does not lose what the operating system has already been
handed, so this shows that nothing is acknowledged before it is committed and
that recovery and retries stay consistent; surviving power loss is the work of
synchronous=FULL (SQLite) and PostgreSQL's fsync, which no test here can cut.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from waymark.meds.tests.realdb import ROOT, Clinic, RealDatabase, real_database

PATIENTS = 120
STREAMS = 4
KILL_AFTER = 40  # acknowledged doses before the kill
BODY = json.dumps({"amount_mg": "80", "concentration_mg_per_ml": "10", "slot": 1})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """gunicorn as `waymark serve` starts it, in a process group of its own."""

    db: RealDatabase
    log: IO[str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "waymark.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--no-control-socket",
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
            ],
            cwd=ROOT,
            env=self.db.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "gunicorn exited at start-up; see its log"
            try:
                if self.request("GET", "/login/")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 30 s")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body, headers or {})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        is_json = "json" in response.getheader("Content-Type", "")
        return response.status, json.loads(data) if is_json else None

    def dose(self, clinic: Clinic, patient: int, key: str) -> tuple[int, Any]:
        headers = {
            "Authorization": f"Bearer {clinic.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        return self.request("POST", f"/api/v1/patients/{patient}/administrations", BODY, headers)


@dataclass
class Stream:
    """What the clients saw: an answer per key, or none (cut off by the kill)."""

    keys: dict[int, str]
    answered: dict[str, tuple[int, Any]] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)
    lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def acknowledged(self) -> dict[str, int]:
        return {key: body["id"] for key, (status, body) in self.answered.items() if status in (200, 201)}


def _stream(server: Server, clinic: Clinic, stream: Stream) -> None:
    """STREAMS client threads dose the patients in turn until the server goes away."""
    todo = iter(list(stream.keys.items()))

    def client() -> None:
        while True:
            with stream.lock:
                patient, key = next(todo, (None, ""))
            if patient is None:
                return
            try:
                answer = server.dose(clinic, patient, key)
            except (OSError, http.client.HTTPException):
                with stream.lock:
                    stream.unanswered.add(key)
                    stream.lock.notify_all()
                return
            with stream.lock:
                stream.answered[key] = answer
                stream.lock.notify_all()

    threads = [threading.Thread(target=client) for _ in range(STREAMS)]
    for thread in threads:
        thread.start()
    with stream.lock:
        assert stream.lock.wait_for(lambda: len(stream.acknowledged) >= KILL_AFTER or stream.unanswered, timeout=30)
    # A little later, at a different point of the requests in flight each run.
    time.sleep(random.uniform(0, 0.03))
    server.kill()
    for thread in threads:
        thread.join(timeout=30)


def _doses_today(db: RealDatabase, clinic: Clinic) -> list[tuple[Any, ...]]:
    return db.rows(
        "SELECT idempotency_key, id, patient_id FROM meds_doseadministration "
        "WHERE clinic_day = %s AND idempotency_key LIKE %s",
        [clinic.day, "crash-%"],
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[RealDatabase]:
    with real_database(tmp_path, "crash") as db:
        yield db


class TestSigkillMidStream:
    def test_every_acknowledged_dose_survives_and_retries_record_the_rest_once(
        self, database: RealDatabase, tmp_path: Path
    ) -> None:
        clinic = database.setup(patients=PATIENTS)
        stream = Stream(keys={patient: f"crash-{uuid.uuid4()}" for patient in clinic.patients})
        with (tmp_path / "gunicorn.log").open("w") as log:
            first = Server(database, log)
            first.start()
            try:
                _stream(first, clinic, stream)
            finally:
                first.stop()
            # Before the kill, only first recordings: nothing else may have answered.
            assert {status for status, _ in stream.answered.values()} == {201}, stream.answered
            acknowledged = stream.acknowledged
            assert len(acknowledged) >= KILL_AFTER
            assert len(acknowledged) < PATIENTS, "the stream ended before the kill"

            second = Server(database, log)
            second.start()
            try:
                # Every acknowledged dose is there, with the id the client was given.
                survived = {key: dose_id for key, dose_id, _ in _doses_today(database, clinic)}
                assert {key: survived.get(key) for key in acknowledged} == acknowledged
                # Retry every key: acknowledged → the same record (200); cut off → 200 if it had
                # committed, else 201; never sent → 201. Never a conflict, never a second row.
                for patient, key in stream.keys.items():
                    status, body = second.dose(clinic, patient, key)
                    if key in acknowledged:
                        assert (status, body["id"]) == (200, acknowledged[key])
                    elif key in stream.unanswered:
                        assert status in (200, 201), (status, body)
                    else:
                        assert status == 201, (status, body)
            finally:
                second.stop()

        rows = _doses_today(database, clinic)
        assert sorted(patient for _, _, patient in rows) == sorted(clinic.patients)
        assert {key for key, _, _ in rows} == set(stream.keys.values())
        # Each dose and its audit entry were committed together: one entry per dose.
        assert database.scalar("SELECT COUNT(*) FROM core_auditevent WHERE action = 'dose_observed'") == PATIENTS
        if database.vendor == "sqlite":
            assert database.scalar("PRAGMA integrity_check") == "ok"
        verify = subprocess.run(
            [sys.executable, "-m", "waymark.cli", "audit", "verify"],
            cwd=ROOT,
            env=database.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "Audit chain intact" in verify.stdout
