"""Server time and query count of the patient list, search, chart and API pages.

    python -m bench.run --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.run --db postgresql

A run has two passes, each in its own process on its own database:

1. a database rebuilt every run with 200 demo patients;
2. the benchmark database with 10,000 demo patients, built on the first run
   and reused after (``--fresh`` rebuilds it).

Both passes make the same requests as the demo nurse (signed in, TOTP step
passed) through django.test.Client, so every middleware, the session and the
audit-log write are included; the network and the WSGI server are not. Time
is measured with time.perf_counter() around each client call, queries with
CaptureQueriesContext. The query counts of the two passes must be equal: a
page's number of queries must not grow with the number of patients.

Only dedicated databases are used: var/bench/*.sqlite3, or the PostgreSQL
databases waymark_bench and waymark_bench_small on the server that
DATABASE_URL points at (the database DATABASE_URL names is never opened).
Results are printed and written to bench/results/<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"
DEV_DATABASE = ROOT / "var" / "waymark.sqlite3"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
LARGE_DB, SMALL_DB = "waymark_bench", "waymark_bench_small"
TARGET_P95_MS = 50.0
COMMON_FAMILY_NAME = "Smith"
# Demo patients (HR-000001 … HR-000200) whose query counts both passes compare;
# HR-000001 has a patient account, which the chart page looks up.
PROBE_PATIENTS = (1, 2, 3, 50, 100, 150, 199, 200)

# (key, label); the order of the printed table.
PAGES = [
    ("list", "Patient list, page 1"),
    ("search_name", f"Live search, family name “{COMMON_FAMILY_NAME}”"),
    ("search_mrn", "Live search, MRN"),
    ("chart", "Chart page"),
    ("api_patient", "API GET /api/v1/patients/{id}"),
]


# --- Orchestrator (no Django here) -------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--patients", type=int, default=10_000, help="patients in the benchmark database")
    parser.add_argument("--small", type=int, default=200, help="patients in the comparison database")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page first")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-name", default=LARGE_DB, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    print(f"== Waymark benchmark on {args.db} ==", flush=True)
    small = _run_worker(args, SMALL_DB, args.small, fresh=True)
    large = _run_worker(args, LARGE_DB, args.patients, fresh=args.fresh)
    report = _report(args, small, large)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    return 0 if report["query_counts_independent_of_patients"] else 1


def _run_worker(args: argparse.Namespace, db_name: str, patients: int, *, fresh: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.run",
            "--worker",
            f"--db={args.db}",
            f"--db-name={db_name}",
            f"--patients={patients}",
            f"--requests={args.requests}",
            f"--warmup={args.warmup}",
            f"--out={out}",
        ]
        if fresh:
            command.append("--fresh")
        subprocess.run(command, cwd=ROOT, check=True)
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _report(args: argparse.Namespace, small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    independent = small["probe_query_counts"] == large["probe_query_counts"]
    p95_ok = all(large["pages"][key]["p95_ms"] < TARGET_P95_MS for key, _ in PAGES)
    print()
    print(
        f"{large['database']}, {large['patients']:,} patients, {args.requests} requests per page, "
        f"{large['machine']['cpus']} CPUs ({large['machine']['cpu_model']})"
    )
    header = (
        f"{'page':<40} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8} "
        f"{'queries @' + format(small['patients'], ','):>14} {'p95 @' + format(small['patients'], ','):>11}"
    )
    print(header)
    print("-" * len(header))
    for key, label in PAGES:
        big, little = large["pages"][key], small["pages"][key]
        print(
            f"{label:<40} {big['median_ms']:>5.1f} ms {big['p95_ms']:>5.1f} ms {big['max_ms']:>5.1f} ms "
            f"{_queries(big['queries']):>8} {_queries(little['queries']):>14} {little['p95_ms']:>8.1f} ms"
        )
    print()
    print(
        f"Query counts for the same {len(PROBE_PATIENTS)} patients at {small['patients']:,} and "
        f"{large['patients']:,} patients, every page: " + ("identical (PASS)" if independent else "DIFFERENT (FAIL)")
    )
    if not independent:
        for key, _ in PAGES:
            if small["probe_query_counts"][key] != large["probe_query_counts"][key]:
                print(f"  {key}: {small['probe_query_counts'][key]} vs {large['probe_query_counts'][key]}")
    print(f"p95 under {TARGET_P95_MS:.0f} ms on every page: " + ("yes (PASS)" if p95_ok else "NO (FAIL)"))
    busy = max(large["load_average"] + small["load_average"])
    if busy > (large["machine"]["cpus"] or 1):
        print(f"NOTICE: load average reached {busy:.1f} during the run; other work on the machine inflates the times.")
    return {
        "database": large["database"],
        "machine": large["machine"],
        "method": {
            "client": "django.test.Client, signed in as the demo nurse with the TOTP step passed",
            "timing": "time.perf_counter() around each client call (middleware, session, audit write included)",
            "queries": "django.test.utils.CaptureQueriesContext per request",
            "requests_per_page": args.requests,
            "warmup_requests_per_page": args.warmup,
        },
        "target_p95_ms": TARGET_P95_MS,
        "p95_under_target": p95_ok,
        "query_counts_independent_of_patients": independent,
        "large": large,
        "small": small,
    }


def _queries(counts: list[int]) -> str:
    return str(counts[0]) if len(counts) == 1 else f"{min(counts)}–{max(counts)}"


# --- Worker: one database, one pass --------------------------------------------------


def _environment(db: str, db_name: str) -> None:
    """Settings come from the environment; set it before Django is imported."""
    os.environ.setdefault("SECRET_KEY", "waymark-benchmarks-only-" + "b" * 40)
    os.environ.setdefault("WAYMARK_ENCRYPTION_KEYS", "d2F5bWFyay1iZW5jaC1rZXktbm90LWZvci1yZWFsLXU=")
    os.environ.setdefault("WAYMARK_SSL_REDIRECT", "false")
    os.environ.setdefault("WAYMARK_SECURE_COOKIES", "false")
    os.environ.setdefault("WAYMARK_STATIC_MANIFEST", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("WAYMARK_LOG_LEVEL", "WARNING")
    os.environ["WAYMARK_DATA_DIR"] = str(BENCH_VAR)
    # Production settings: DEBUG off whatever the shell says.
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "waymark.settings"
    if not db_name.startswith(LARGE_DB):
        raise SystemExit(f"Refusing to benchmark on {db_name!r}: not a benchmark database.")
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        os.environ["WAYMARK_SQLITE_PATH"] = str(_sqlite_path(db_name))
    else:
        os.environ["DATABASE_URL"] = _pg_url(db_name)


def _sqlite_path(db_name: str) -> Path:
    path = (BENCH_VAR / f"{db_name}.sqlite3").resolve()
    if path == DEV_DATABASE.resolve():
        raise SystemExit("Refusing to benchmark on the development database.")
    return path


def _pg_url(db_name: str) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_PG_URL
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + db_name, parts.query, ""))


def _prepare_database(db: str, db_name: str, fresh: bool) -> None:
    if db == "sqlite":
        path = _sqlite_path(db_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    # The maintenance database, to create or drop the benchmark one.
    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db_name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))


def open_fresh_database(db: str, db_name: str) -> None:
    """Point Django at the benchmark's own database, rebuilt empty, and migrate it."""
    _environment(db, db_name)
    _prepare_database(db, db_name, fresh=True)

    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    _log(f"{db_name} on {connection.vendor}: migrating")
    call_command("migrate", interactive=False, verbosity=0)


def timing_stats(series: list[float]) -> dict[str, Any]:
    """Median, p95, max and mean of a series of milliseconds, with the samples."""
    return {
        "p50_ms": round(statistics.median(series), 3),
        "p95_ms": round(statistics.quantiles(series, n=20, method="inclusive")[18], 3),
        "max_ms": round(max(series), 3),
        "mean_ms": round(statistics.fmean(series), 3),
        "samples_ms": [round(t, 3) for t in series],
    }


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (ru_maxrss: kilobytes on Linux, bytes on macOS)."""
    import resource

    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)


def run_child(module: str, args: list[str], out: Path) -> dict[str, Any]:
    """Run `python -m module --worker ARGS --out=OUT` in a fresh process; its JSON result with `process_s`, the
    child's whole time (start-up included)."""
    import json
    import subprocess

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, "--worker", *args, f"--out={out}"], cwd=ROOT, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


def _log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def worker(args: argparse.Namespace) -> int:
    _environment(args.db, args.db_name)
    _prepare_database(args.db, args.db_name, args.fresh)

    import warnings

    import django

    # WhiteNoise looks for collected static files; the benchmark serves none.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from waymark.chart.demo import PROGRAM_NAME, load_demo
    from waymark.chart.models import Patient
    from waymark.core.models import Program, User

    _log(f"{args.db_name} on {connection.vendor}: migrating")
    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    added = load_demo(patients=args.patients).patients_added
    load_seconds = time.perf_counter() - started
    if added:
        _log(f"added {added:,} demo patients in {load_seconds:.1f} s")
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after a bulk load; makes plans repeatable.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    program = Program.objects.get(name=PROGRAM_NAME)
    patient_count = Patient.objects.filter(program=program).count()

    nurse = User.objects.get(username="nurse")
    client = Client()
    client.force_login(nurse, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.get(user=nurse, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    rng = random.Random(20240402)  # which patients to open; not security
    everyone = list(Patient.objects.filter(program=program).values_list("id", "mrn"))
    total = args.warmup + args.requests
    sample = rng.choices(everyone, k=total)
    # Patients present in both passes' databases (the demo data is deterministic),
    # so their query counts can be compared request for request.
    probe_mrns = [f"HR-{n:06d}" for n in PROBE_PATIENTS]
    probes = list(Patient.objects.filter(program=program, mrn__in=probe_mrns).values_list("id", "mrn"))
    if len(probes) != len(probe_mrns):
        raise SystemExit(f"The demo data lacks some of {probe_mrns}; use at least {max(PROBE_PATIENTS)} patients.")
    htmx = {"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": "http://testserver/patients/"}

    def request_for(
        key: str, i: int, patient: tuple[int, str] | None = None
    ) -> tuple[str, str, dict[str, str] | None, dict[str, str] | None]:
        patient_id, mrn = patient or sample[i]
        if key == "list":
            return "GET", "/patients/", None, None
        if key == "search_name":
            return "POST", "/patients/", {"q": COMMON_FAMILY_NAME}, htmx
        if key == "search_mrn":
            return "POST", "/patients/", {"q": mrn}, htmx
        if key == "chart":
            return "GET", f"/patients/{patient_id}/", None, None
        return "GET", f"/api/v1/patients/{patient_id}", None, None

    def measure(key: str, i: int, patient: tuple[int, str] | None = None) -> tuple[float, int]:
        method, path, data, headers = request_for(key, i, patient)
        connection.queries_log.clear()  # CaptureQueriesContext counts within a bounded log
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                response = client.post(path, data, headers=headers)
            elapsed_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{method} {path} answered {response.status_code}; the benchmark needs 200.")
        mrn = (patient or sample[i])[1]
        if key == "search_mrn" and mrn not in response.content.decode():
            raise SystemExit(f"MRN search did not find {mrn}.")
        return elapsed_ms, len(queries.captured_queries)

    _log(f"{patient_count:,} patients: {args.warmup} warm-up and {args.requests} measured requests per page")
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {key: [] for key, _ in PAGES}
    counts: dict[str, list[int]] = {key: [] for key, _ in PAGES}
    for i in range(total):
        # Round robin, so background noise is spread over every page alike.
        for key, _ in PAGES:
            elapsed_ms, n = measure(key, i)
            if i >= args.warmup:
                times[key].append(elapsed_ms)
                counts[key].append(n)

    probe_counts = {key: {mrn: measure(key, 0, (pid, mrn))[1] for pid, mrn in probes} for key, _ in PAGES}

    pages = {}
    for key, label in PAGES:
        series = times[key]
        pages[key] = {
            "label": label,
            "median_ms": round(statistics.median(series), 2),
            "p95_ms": round(statistics.quantiles(series, n=20, method="inclusive")[18], 2),
            "max_ms": round(max(series), 2),
            "mean_ms": round(statistics.fmean(series), 2),
            "queries": sorted(set(counts[key])),
            "samples_ms": [round(t, 3) for t in series],
        }
    result = {
        "database": _database_version(connection),
        "database_name": args.db_name,
        "patients": patient_count,
        "requests_per_page": args.requests,
        "load_seconds": round(load_seconds, 1) if added else None,
        "machine": _machine(),
        # 1-minute load average before and after the measured requests: other
        # work on the machine shows up in the times.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "pages": pages,
        "probe_query_counts": probe_counts,
    }
    Path(args.out).write_text(json.dumps(result))
    return 0


def _database_version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _machine() -> dict[str, Any]:
    import django

    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


if __name__ == "__main__":
    sys.exit(main())
