"""Assessment and withdrawal management: scoring, recording a detox check, and
the pages a detox nurse lives in.

    python -m bench.assess --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.assess --db postgresql

One program on a database rebuilt every run (var/bench/waymark_bench_assess.sqlite3,
or the PostgreSQL database waymark_bench_assess on the server DATABASE_URL points
at), production settings, through django.test.Client (signed in, TOTP step
passed, as bench/run.py does). Times from time.perf_counter(); queries counted
with connection.execute_wrapper.

(a) scoring, stateless and anonymous: POST /api/v1/instruments/cows/score and the
    public self-check POST /help/self-check/ (Spanish); neither may touch the database;
(b) recording a detox check (COWS + vitals) through services_detox.record_check,
    which is how the setup lays down 40 stays × 18 checks (3 days at 4 h) plus one
    stay of 84 checks (14 days): time per check;
(c) the detox board with 40 active stays, against a site with 2: time, and the
    query count must not grow with the stays;
(d) the patient's assessments page with its COWS chart, for the person with 84
    COWS records against one with 3: time, and the count must not grow.
Results are printed and written to bench/results/assess-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
import uuid
from typing import Any

from bench import pages
from bench.run import RESULTS, ROOT, _database_version, _log, _machine, open_fresh_database, timing_stats

DB_NAME = "waymark_bench_assess"
BOARD_STAYS = 40
SMALL_STAYS = 2
CHECKS_PER_STAY = 18
LONG_STAY_CHECKS = 84


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.assess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--page-requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)

    print(f"== Waymark assessment benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    scoring = _scoring(args)
    built = _build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    board = pages.compare(args, built, "assess:detox_board", None, "board_nurse", "small_nurse")
    chart = pages.compare(
        args, built, "assess:instruments", "long_patient", "board_nurse", None, small_patient="short_patient"
    )
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "scoring": scoring,
        "record_check": built["record_check"],
        "board": board,
        "assessments_page": chart,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"assess-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    ok = (
        scoring["api"]["queries"] == [0]
        and scoring["self_check"]["queries"] == [0]
        and board["queries_independent"]
        and chart["queries_independent"]
    )
    return 0 if ok else 1


# --- (a) scoring -----------------------------------------------------------------------------


def _scoring(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    rng = random.Random(20261121)
    from waymark.assess import instruments

    client = Client()
    allowed = [instruments.COWS.item(i).allowed() for i in _cows_ids()]
    dsm_ids = [item.id for item in instruments.DSM5_OUD.items]
    out: dict[str, Any] = {}
    for name, call in (
        (
            "api",
            lambda: client.post(
                "/api/v1/instruments/cows/score",
                json.dumps({"answers": [rng.choice(a) for a in allowed]}),
                content_type="application/json",
            ),
        ),
        (
            "self_check",
            lambda: client.post("/es/help/self-check/", {i: rng.choice(["yes", "no"]) for i in dsm_ids}),
        ),
    ):
        _log(f"(a) {name}: {args.warmup} + {args.requests}")
        times, counts = [], set()
        for i in range(args.warmup + args.requests):
            elapsed, n, response = pages.timed(call)
            if response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code}: {response.content[:300]!r}")
            if i >= args.warmup:
                times.append(elapsed)
                counts.add(n)
        out[name] = {"requests": args.requests, "queries": sorted(counts), **timing_stats(times)}
    return out


# --- setup and (b) recording a check ---------------------------------------------------------


def _build() -> dict[str, Any]:
    from django.utils import timezone

    from waymark.assess import services_detox
    from waymark.chart.models import CareTeamMember, Episode, Patient
    from waymark.core.models import Program, Site

    rng = random.Random(7)
    program = Program.objects.create(name="Assess bench", time_zone="America/New_York")
    big, small = (Site.objects.create(program=program, name=n) for n in ("Detox unit", "Small unit"))
    users = {
        "board_nurse": pages.staff("assess-nurse", "nurse", program, big),
        "small_nurse": pages.staff("assess-nurse-small", "nurse", program, small),
    }
    now = timezone.now()
    record_times: list[float] = []

    def stay_with_checks(n: int, site: Site, checks: int) -> Patient:
        patient = Patient.objects.create(
            program=program,
            site=site,
            mrn=f"AS{n:05d}",
            given_name="Person",
            family_name=f"Detox{n}",
            date_of_birth=dt.date(1988, 1, 1) + dt.timedelta(days=n),
        )
        admitted = (now - dt.timedelta(hours=4 * checks + 2)).astimezone(program.zone).date()
        Episode.objects.create(
            patient=patient,
            site=site,
            admitted_on=admitted,
            level_of_care="withdrawal_management",
            primary_substance="fentanyl",
        )
        nurse = users["board_nurse"] if site == big else users["small_nurse"]
        CareTeamMember.objects.create(patient=patient, user=nurse, role="nurse")
        started_at = now - dt.timedelta(hours=4 * checks + 1)
        stay = services_detox.start_stay(
            nurse,
            patient,
            services_detox.StayInput(
                idempotency_key=str(uuid.uuid4()),
                protocol="buprenorphine",
                started_at=started_at,
                last_use_at=started_at - dt.timedelta(hours=14),
                expected_days=14 if checks > 42 else 7,
            ),
            site=site,
        ).stay
        for c in range(checks):
            # Withdrawal rises for a day, then settles: totals move through the bands.
            level = max(0.0, 1 - abs(c - 6) / 12)
            answers = {
                item: max(
                    (v for v in _allowed(item) if v <= round(level * max(_allowed(item)) + rng.random())), default=0
                )
                for item in _cows_ids()
            }
            data = services_detox.CheckInput(
                idempotency_key=str(uuid.uuid4()),
                checked_at=started_at + dt.timedelta(hours=4 * c + 1),
                answers=answers,
                pulse_bpm=70 + int(30 * level),
                systolic_mmhg=120,
                diastolic_mmhg=78,
                temperature="98.6",
                temperature_unit="F",
                respiratory_rate=16,
                spo2_percent=97,
            )
            start = time.perf_counter()
            services_detox.record_check(nurse, patient, stay, data)
            record_times.append((time.perf_counter() - start) * 1000)
        return patient

    _log(f"setup: {BOARD_STAYS} stays × {CHECKS_PER_STAY} checks, one of {LONG_STAY_CHECKS}, through record_check")
    patients = [stay_with_checks(n, big, CHECKS_PER_STAY) for n in range(BOARD_STAYS - 1)]
    long_patient = stay_with_checks(BOARD_STAYS, big, LONG_STAY_CHECKS)
    for n in range(SMALL_STAYS):
        short = stay_with_checks(100 + n, small, 3)
    return {
        "users": users,
        "patients": {"long_patient": long_patient, "short_patient": short, "first": patients[0]},
        "record_check": {"checks": len(record_times), **pages.without_samples(timing_stats(record_times))},
    }


def _cows_ids() -> list[str]:
    from waymark.assess import instruments

    return [item.id for item in instruments.COWS.items]


def _allowed(item: str) -> tuple[int, ...]:
    from waymark.assess import instruments

    return tuple(int(v) for v in instruments.COWS.item(item).allowed())


def _print(report: dict[str, Any]) -> None:
    print()
    print(f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']})")
    for name, r in report["scoring"].items():
        print(
            f"  {name:<22} p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  queries {r['queries']}"
            f"  ({r['requests']} requests)"
        )
    r = report["record_check"]
    print(f"  record_check           p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  ({r['checks']} checks)")
    for name in ("board", "assessments_page"):
        r = report[name]
        print(
            f"  {name:<22} p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  queries {r['queries']}"
            f" (small: {r['small_queries']})  {r['bytes']:,} bytes"
        )


if __name__ == "__main__":
    raise SystemExit(main())
