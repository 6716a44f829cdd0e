"""A real database for the tests that need several processes or connections at
once (never twice, crash durability): a fresh SQLite file with the production
settings (WAL, IMMEDIATE transactions, synchronous=FULL), or, when DATABASE_URL
is set (the PostgreSQL run of `make test`), a PostgreSQL database of its own on
that server, created and dropped here. pytest-django's test database is not
used: on SQLite it lives in memory, where neither WAL nor IMMEDIATE applies.

The clinic inside is built by `python -m waymark.meds.tests.realdb setup` in a
subprocess with the same environment as the code under test; the test process
reads the results back with sqlite3 or psycopg directly, not through Django.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[3]
PAST_DOSE_DAYS = 7  # observed doses laid down before today: established patients, no missed days


@dataclass(frozen=True)
class Clinic:
    """What the setup built: the nurse's token, patient ids, and today's clinic day."""

    token: str
    nurse: str
    patients: list[int]
    day: str


@dataclass(frozen=True)
class RealDatabase:
    vendor: str  # "sqlite" or "postgresql"
    env: dict[str, str]  # the environment a subprocess (script, gunicorn) needs to use it
    sqlite_path: Path | None = None
    pg_url: str | None = None

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read with the database's own driver; `%s` placeholders on both."""
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=20) as conn:
                return list(conn.execute(query.replace("%s", "?"), tuple(params)).fetchall())
        assert self.pg_url is not None
        with psycopg.connect(self.pg_url) as conn:
            return list(conn.execute(query, tuple(params)).fetchall())

    def scalar(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.rows(query, params)[0][0]

    def run(self, module: str, *args: str, timeout: float = 120) -> Any:
        """`python -m module args…` against this database; returns the JSON it prints last."""
        result = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{module} {args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return json.loads(result.stdout.strip().splitlines()[-1])

    def setup(self, patients: int) -> Clinic:
        return Clinic(**self.run(__name__, "setup", f"--patients={patients}"))


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WAYMARK_SQLITE_PATH")}
    env["DJANGO_SETTINGS_MODULE"] = "waymark.settings"
    env["WAYMARK_LOG_LEVEL"] = "WARNING"
    env["DEBUG"] = "false"
    return env


def server_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@contextmanager
def real_database(tmp_path: Path, tag: str) -> Iterator[RealDatabase]:
    """A fresh, empty database: PostgreSQL if DATABASE_URL is set, else a SQLite file in tmp_path."""
    env = _base_env()
    env["WAYMARK_DATA_DIR"] = str(tmp_path)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        path = tmp_path / f"{tag}.sqlite3"
        env["WAYMARK_SQLITE_PATH"] = str(path)
        yield RealDatabase("sqlite", env, sqlite_path=path)
        return
    # Our own name on the suite's server (never the suite's database), unique per process.
    name = f"test_waymark_{tag}_{os.getpid()}"
    maintenance = server_url(database_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["DATABASE_URL"] = server_url(database_url, name)
    try:
        yield RealDatabase("postgresql", env, pg_url=env["DATABASE_URL"])
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- In the subprocess: Django set up on the real database -----------------------------


def build_clinic(patients: int, *, name: str = "Real Database Clinic", mrn_prefix: str = "RD") -> dict[str, Any]:
    """A program with a nurse (token and TOTP device), a prescriber, and `patients`
    people in treatment on 80 mg methadone at 10 mg/mL, each dosed on the 7 days
    before today. Setup data, written in bulk (not the behaviour under test)."""
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from waymark.chart.models import Episode, Patient
    from waymark.core.models import Program, Site, User
    from waymark.core.roles import Role
    from waymark.core.services import create_access_token
    from waymark.meds.models import DoseAdministration, MedicationOrder

    with transaction.atomic():
        program = Program.objects.create(name=name, time_zone="America/New_York")
        site = Site.objects.create(program=program, name=f"{name} main site")
        slug = mrn_prefix.lower()
        nurse = User.objects.create_user(f"{slug}-nurse", role=Role.NURSE.value, program=program, site=site)
        TOTPDevice.objects.create(user=nurse, name="test", confirmed=True)
        prescriber = User.objects.create_user(f"{slug}-prescriber", role=Role.PRESCRIBER.value, program=program)
        today = program.clinic_day()
        people = Patient.objects.bulk_create(
            [
                Patient(
                    program=program,
                    site=site,
                    mrn=f"{mrn_prefix}-{i:06d}",
                    given_name=f"Person{i}",
                    family_name="Example",
                    date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000),
                )
                for i in range(1, patients + 1)
            ],
            batch_size=1000,
        )
        Episode.objects.bulk_create(
            [
                Episode(
                    patient=p,
                    site=site,
                    admitted_on=today - dt.timedelta(days=90),
                    level_of_care="otp",
                    primary_substance="fentanyl",
                )
                for p in people
            ],
            batch_size=1000,
        )
        orders = MedicationOrder.objects.bulk_create(
            [
                MedicationOrder(
                    patient=p,
                    medication="methadone",
                    dose_mg=80,
                    slot_doses_mg=["80"],
                    concentration_mg_per_ml=10,
                    start_on=today - dt.timedelta(days=60),
                    prescriber=prescriber,
                )
                for p in people
            ],
            batch_size=1000,
        )
        DoseAdministration.objects.bulk_create(
            [
                DoseAdministration(
                    patient_id=order.patient_id,
                    order=order,
                    site=site,
                    clinic_day=today - dt.timedelta(days=n),
                    outcome="observed",
                    amount_mg=80,
                    concentration_mg_per_ml=10,
                    volume_ml=8,
                    idempotency_key=f"setup-{uuid.uuid4()}",
                    identity_checked=True,
                    recorded_by=nurse,
                )
                for order in orders
                for n in range(1, PAST_DOSE_DAYS + 1)
            ],
            batch_size=1000,
        )
    _, token = create_access_token(nurse, "tests")
    return {"token": token, "nurse": nurse.username, "patients": [p.pk for p in people], "day": today.isoformat()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m waymark.meds.tests.realdb")
    parser.add_argument("command", choices=["setup"])
    parser.add_argument("--patients", type=int, required=True)
    args = parser.parse_args(argv)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(build_clinic(args.patients)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
