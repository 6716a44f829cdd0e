"""The cost of recording an administration, three ways, and the dosing-window queue.

    python -m bench.dosing --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.dosing --db postgresql

One run, on one database rebuilt every run (var/bench/waymark_bench_dosing.sqlite3,
or the PostgreSQL database waymark_bench_dosing on the server DATABASE_URL points
at; the database DATABASE_URL names is never opened), with the production
settings (DEBUG off; on SQLite WAL, synchronous=FULL, IMMEDIATE transactions):

(a) bare: the same DoseAdministration row the service writes (columns and values
    prepared by Django's own fields), as one INSERT and COMMIT through the
    database's driver (sqlite3 with the app's PRAGMAs and BEGIN IMMEDIATE, or
    psycopg); durable, since both fsync at commit;
(b) service: services.record_administration with every rule, the idempotency
    check and the audit entry; the nurse and patient are read before the clock
    starts (in a request, patient_for does that, and (c) includes it);
(c) HTTP: POST /api/v1/patients/{id}/administrations to gunicorn on 127.0.0.1
    started with `waymark serve`'s flags, a personal access token, one new
    connection per request; timed from connect to the last byte of the 201.

Every measured call doses a different patient (one dose each: the unique
patient, clinic day and slot), each on 80 mg methadone, dosed the 7 days before.
Then the queue page GET /meds/window/ with 1,000 patients due, as that site's
nurse (signed in, TOTP step passed) through django.test.Client as bench/run.py
does, with its query count, compared with a site of 10 patients: the count must
not grow with the queue. Times come from time.perf_counter(); results are
printed and written to bench/results/dosing-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from decimal import Decimal
from typing import Any

from bench import server as web
from bench.run import (
    RESULTS,
    ROOT,
    _database_version,
    _log,
    _machine,
    _pg_url,
    open_fresh_database,
)
from bench.run import timing_stats as _stats

DB_NAME = "waymark_bench_dosing"
QUEUE_PATIENTS = 1000
SMALL_QUEUE_PATIENTS = 10
TARGET_SERVICE_FACTOR = 10.0  # (b) within 10× of (a), at the median
TARGET_HTTP_P95_MS = 15.0
BODY = {"amount_mg": "80", "concentration_mg_per_ml": "10", "slot": 1}

WAYS = [
    ("bare", "(a) bare INSERT + COMMIT of the same row"),
    ("service", "(b) services.record_administration"),
    ("http", "(c) HTTP POST /api/v1/…/administrations"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dosing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--requests", type=int, default=300, help="measured administrations per way")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured administrations per way first")
    parser.add_argument("--queue-requests", type=int, default=50, help="measured queue page requests")
    args = parser.parse_args(argv)

    print(f"== Waymark dosing benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    from waymark.meds.tests.realdb import build_clinic

    per_way = args.warmup + args.requests
    started = time.perf_counter()
    writes = build_clinic(per_way * len(WAYS), name="Dosing bench", mrn_prefix="DW")
    queue = build_clinic(QUEUE_PATIENTS, name="Dosing bench queue", mrn_prefix="DQ")
    small = build_clinic(SMALL_QUEUE_PATIENTS, name="Dosing bench small queue", mrn_prefix="DS")
    _log(
        f"built {per_way * len(WAYS) + QUEUE_PATIENTS + SMALL_QUEUE_PATIENTS:,} patients in "
        f"{time.perf_counter() - started:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    pools = {key: writes["patients"][i * per_way : (i + 1) * per_way] for i, (key, _) in enumerate(WAYS)}
    load_before = os.getloadavg()[0]
    ways = {
        "bare": _bare(args, writes["nurse"], pools["bare"]),
        "service": _service(args, writes["nurse"], pools["service"]),
        "http": _http(args, writes["token"], pools["http"]),
    }
    queue_page = _queue(args, queue["nurse"], small["nurse"])
    report = _report(args, ways, queue_page, [load_before, os.getloadavg()[0]])
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"dosing-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    return 0 if queue_page.get("queries_independent_of_patients", True) else 1


# --- (a) the same row, written bare ----------------------------------------------------


def _bare(args: argparse.Namespace, nurse_name: str, patients: list[int]) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from waymark.core.models import User
    from waymark.meds.models import DoseAdministration, MedicationOrder

    _log(f"(a) bare insert + commit: {args.warmup} + {args.requests}")
    nurse = User.objects.get(username=nurse_name)
    orders = {o.patient_id: o for o in MedicationOrder.objects.filter(patient_id__in=patients)}
    fields = [f for f in DoseAdministration._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = DoseAdministration._meta.db_table
    day = nurse.staff_program.clinic_day()

    def row(patient_id: int) -> list[Any]:
        order = orders[patient_id]
        record = DoseAdministration(
            patient_id=patient_id,
            order=order,
            site_id=nurse.site_id,
            clinic_day=day,
            slot=1,
            outcome="observed",
            amount_mg=Decimal("80"),
            concentration_mg_per_ml=Decimal("10"),
            volume_ml=Decimal("8"),
            idempotency_key=str(uuid.uuid4()),
            identity_checked=True,
            recorded_by=nurse,
            recorded_at=timezone.now(),
        )
        return [f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]

    times: list[float] = []
    if connection.vendor == "sqlite":
        import sqlite3

        options = connection.settings_dict["OPTIONS"]
        raw = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=options["timeout"])
        for pragma in options["init_command"].split(";"):
            if pragma.strip():
                raw.execute(pragma)
        insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(fields))})"
        for i, patient_id in enumerate(patients):
            values = row(patient_id)
            start = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(insert, values)
            raw.execute("COMMIT")
            if i >= args.warmup:
                times.append((time.perf_counter() - start) * 1000)
        raw.close()
    else:
        import psycopg

        insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        with psycopg.connect(_pg_url(DB_NAME)) as pg:
            for i, patient_id in enumerate(patients):
                values = row(patient_id)
                start = time.perf_counter()
                pg.execute(insert, values)
                pg.commit()
                if i >= args.warmup:
                    times.append((time.perf_counter() - start) * 1000)
    written = DoseAdministration.objects.filter(patient_id__in=patients, clinic_day=day).count()
    if written != len(patients):
        raise SystemExit(f"(a) wrote {written} rows for {len(patients)} patients.")
    return {"label": WAYS[0][1], "driver": connection.vendor, **_stats(times)}


# --- (b) through the service ---------------------------------------------------------------


def _service(args: argparse.Namespace, nurse_name: str, patients: list[int]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waymark.chart.models import Patient
    from waymark.core.models import User
    from waymark.meds import services

    _log(f"(b) services.record_administration: {args.warmup} + {args.requests}")
    nurse = User.objects.select_related("site", "program").get(username=nurse_name)
    people = Patient.objects.select_related("program", "site").in_bulk(patients)
    times: list[float] = []
    queries: set[int] = set()
    for i, patient_id in enumerate(patients):
        data = services.AdministrationInput(
            idempotency_key=str(uuid.uuid4()),
            slot=1,
            amount_mg=Decimal("80"),
            concentration_mg_per_ml=Decimal("10"),
        )
        if i < args.warmup:  # the warm-up calls also count the queries
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                _, created = services.record_administration(nurse, people[patient_id], data)
            queries.add(len(captured.captured_queries))
        else:
            start = time.perf_counter()
            _, created = services.record_administration(nurse, people[patient_id], data)
            times.append((time.perf_counter() - start) * 1000)
        if not created:
            raise SystemExit(f"(b) did not create a dose for patient {patient_id}.")
    return {"label": WAYS[1][1], "queries": sorted(queries), **_stats(times)}


# --- (c) end to end over HTTP --------------------------------------------------------------


def _http(args: argparse.Namespace, token: str, patients: list[int]) -> dict[str, Any]:
    port = web.free_port()
    _log(f"(c) HTTP to gunicorn on 127.0.0.1:{port} (log in var/bench): {args.warmup} + {args.requests}")
    server = web.start_gunicorn(port, "dosing")
    body = json.dumps(BODY)
    times: list[float] = []
    try:
        for i, patient_id in enumerate(patients):
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            path = f"/api/v1/patients/{patient_id}/administrations"
            start = time.perf_counter()
            status, content = web.request(port, "POST", path, body, headers)
            elapsed_ms = (time.perf_counter() - start) * 1000
            if status != 201:
                raise SystemExit(f"(c) POST {path} answered {status}: {content[:300]!r}")
            if i >= args.warmup:
                times.append(elapsed_ms)
    finally:
        web.stop(server)
    return {"label": WAYS[2][1], "server": "gunicorn, 2 workers × 4 threads (waymark serve's flags)", **_stats(times)}


# --- The queue page --------------------------------------------------------------------------


def _queue(args: argparse.Namespace, nurse_name: str, small_nurse_name: str) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from waymark.core.models import User

    try:
        path = reverse("meds:window")
    except NoReverseMatch:
        print("NOTICE: the dosing-window queue page (meds:window) does not exist yet; not measured.")
        return {"available": False}

    def signed_in(username: str) -> tuple[Client, User]:
        user = User.objects.select_related("site", "program").get(username=username)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
        session.save()
        return client, user

    def get(client: Client) -> tuple[float, int, str]:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            elapsed_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}; the benchmark needs 200.")
        return elapsed_ms, len(queries.captured_queries), response.content.decode()

    client, nurse = signed_in(nurse_name)
    due = _due_count(nurse)
    if due != QUEUE_PATIENTS:
        raise SystemExit(f"The queue shows {due} patients due, not {QUEUE_PATIENTS}.")
    _log(f"queue page {path}, {due:,} due: {args.warmup} + {args.queue_requests}")
    times: list[float] = []
    counts: set[int] = set()
    for i in range(args.warmup + args.queue_requests):
        elapsed_ms, n, html = get(client)
        if i >= args.warmup:
            times.append(elapsed_ms)
            counts.add(n)
    if "DQ-001000" not in html and "Person1000" not in html:
        raise SystemExit("The queue page does not list the last of the 1,000 patients due.")
    small_client, small_nurse = signed_in(small_nurse_name)
    small_counts: set[int] = set()
    for i in range(args.warmup + 3):  # the first requests of a session also refresh it
        n = get(small_client)[1]
        if i >= args.warmup:
            small_counts.add(n)
    return {
        "available": True,
        "path": path,
        "patients_due": due,
        "requests": args.queue_requests,
        "queries": sorted(counts),
        "small_patients_due": _due_count(small_nurse),
        "small_queries": sorted(small_counts),
        "queries_independent_of_patients": counts == small_counts,
        **_stats(times),
    }


def _due_count(nurse: Any) -> int:
    from waymark.meds.queue import build_queue

    return len(build_queue(nurse, nurse.site, nurse.staff_program.clinic_day()).due)


# --- The report ------------------------------------------------------------------------------


def _report(
    args: argparse.Namespace, ways: dict[str, dict[str, Any]], queue: dict[str, Any], load: list[float]
) -> dict[str, Any]:
    from django.db import connection

    machine = _machine()
    bare, service, http_ = ways["bare"], ways["service"], ways["http"]
    factor_p50 = service["p50_ms"] / bare["p50_ms"]
    factor_p95 = service["p95_ms"] / bare["p95_ms"]
    service_ok = factor_p50 <= TARGET_SERVICE_FACTOR
    http_ok = http_["p95_ms"] < TARGET_HTTP_P95_MS
    database = _database_version(connection)
    print()
    print(
        f"{database}, {args.requests} administrations per way (after {args.warmup} warm-up), "
        f"{machine['cpus']} CPUs ({machine['cpu_model']})"
    )
    header = f"{'':<44} {'p50':>9} {'p95':>9} {'max':>9} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for key, label in WAYS:
        way = ways[key]
        queries = _queries(way.get("queries", []))
        print(f"{label:<44} {_ms(way['p50_ms'])} {_ms(way['p95_ms'])} {_ms(way['max_ms'])} {queries:>8}")
    if queue["available"]:
        label = f"Queue page {queue['path']}, {queue['patients_due']:,} due"
        print(
            f"{label:<44} {_ms(queue['p50_ms'])} {_ms(queue['p95_ms'])} {_ms(queue['max_ms'])} "
            f"{_queries(queue['queries']):>8}"
        )
    print()
    print(
        f"(b) ÷ (a): {factor_p50:.1f}× at p50, {factor_p95:.1f}× at p95; target within {TARGET_SERVICE_FACTOR:.0f}× "
        "at p50: " + ("PASS" if service_ok else "FAIL")
    )
    print(
        f"(c) p95 {http_['p95_ms']:.1f} ms; target under {TARGET_HTTP_P95_MS:.0f} ms: "
        + ("PASS" if http_ok else "FAIL")
    )
    if queue["available"]:
        same = queue["queries_independent_of_patients"]
        print(
            f"Queue page queries at {queue['patients_due']:,} and {queue['small_patients_due']} due: "
            f"{_queries(queue['queries'])} and {_queries(queue['small_queries'])}: "
            + ("identical (PASS)" if same else "DIFFERENT (FAIL)")
        )
    if max(load) > (machine["cpus"] or 1):
        print(f"NOTICE: load average reached {max(load):.1f} during the run; other work on the machine inflates times.")
    return {
        "database": database,
        "database_name": DB_NAME,
        "machine": machine,
        "method": {
            "bare": "Django's own field preparation of the row; driver INSERT + COMMIT (sqlite3 with the app's "
            "PRAGMAs and BEGIN IMMEDIATE, or psycopg); one patient per call",
            "service": "services.record_administration(nurse, patient, input), patient and nurse read before timing",
            "http": "new TCP connection per request to gunicorn on 127.0.0.1; connect to last byte of the 201",
            "queue": "django.test.Client signed in as the site's nurse (TOTP passed), as bench/run.py",
            "timing": "time.perf_counter()",
            "requests_per_way": args.requests,
            "warmup_per_way": args.warmup,
        },
        "targets": {
            "service_within_factor_of_bare_at_p50": TARGET_SERVICE_FACTOR,
            "http_p95_under_ms": TARGET_HTTP_P95_MS,
        },
        "service_factor_p50": round(factor_p50, 2),
        "service_factor_p95": round(factor_p95, 2),
        "service_within_target": service_ok,
        "http_p95_within_target": http_ok,
        "load_average": [round(x, 2) for x in load],
        "ways": ways,
        "queue_page": queue,
    }


def _ms(value: float) -> str:
    return f"{value:>6.2f} ms"


def _queries(counts: list[int]) -> str:
    if not counts:
        return "–"
    return str(counts[0]) if len(counts) == 1 else f"{min(counts)}–{max(counts)}"


if __name__ == "__main__":
    sys.exit(main())
