"""Directory search: latency on the national directory and on 1,000,000 synthetic facilities, and the memory of a
search worker.

    python -m bench.directory_search --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.directory_search --db postgresql

One database rebuilt every run (var/bench/waymark_bench_directory_search.sqlite3, or the PostgreSQL database
waymark_bench_directory_search on the server DATABASE_URL points at; the database DATABASE_URL names is never
opened), production settings (DEBUG off).

1. The national directory: ../shared/data/samhsa/facilities.csv.gz (or WAYMARK_SAMHSA_DIR) imported with
   `waymark import directory` (waymark.directory.importer); 12,205 substance-use rows.
2. 1,000,000 synthetic facilities in place of it, laid down with bulk inserts from a fixed seed (executemany on
   SQLite, COPY on PostgreSQL): each at a national facility's position (so the country's density is the national
   file's: a city with many facilities gets many) moved by up to JITTER_MILES in a random direction, with the
   codes of another national row picked at random.

Each is measured by a fresh child process, the search worker: it runs a fixed mix of queries (dense city and
rural ZIPs × radius 10/25/100 miles × six filter sets, 20 results), first in-process (search.parse_query +
search.search, what the finder page calls) and then through the API (GET /api/v1/facilities via
django.test.Client: routing, middleware, validation and JSON included, the network not). One warm-up pass,
then REPEATS measured passes; time.perf_counter() around each call, queries counted with
connection.execute_wrapper. The worker's peak memory is its own ru_maxrss (resource.getrusage(RUSAGE_SELF))
after both passes: the Python process with Django loaded and every query of the mix answered against the
database (on PostgreSQL the server's memory is not in it; on SQLite the page cache is).

Exactness: every query's results are compared with a brute-force search of the same database (every facility
that meets the filters, ordered by distance, no grid): the national mix in full, a fixed sample at 1M.

Targets (issue #9): p95 under 10 ms on the national directory in-process, under 50 ms at 1M, and a search
worker under 1 GB. Results are printed and written to bench/results/directory-search-<db>.json.
"""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.run import RESULTS, ROOT, _database_version, _environment, _log, _machine, open_fresh_database

DB_NAME = "waymark_bench_directory_search"
SYNTHETIC = 1_000_000
SEED = 20260409
JITTER_MILES = 5.0
REPEATS = 3
BATCH = 20_000
TARGET_NATIONAL_P95_MS = 10.0
TARGET_1M_P95_MS = 50.0
TARGET_MEMORY_MB = 1024
EXACT_SAMPLE_1M = 36

# Dense city ZIPs and rural ZIPs far from any city.
CITY_ZIPS = ("10001", "60601", "90012", "19107", "77002")  # New York, Chicago, Los Angeles, Philadelphia, Houston
RURAL_ZIPS = ("59301", "69101", "82901", "04730", "79830")  # Miles City MT, North Platte NE, Rock Springs WY,
# Houlton ME, Alpine TX
RADII = (10, 25, 100)
FILTER_SETS: tuple[dict[str, str], ...] = (
    {},
    {"services": "methadone"},
    {"services": "buprenorphine", "payment": "medicaid"},
    {"services": "detox", "population": "pregnant"},
    {"services": "outpatient", "payment": "sliding_fee", "language": "spanish"},
    {"services": "residential", "population": "adolescents"},
)


def query_mix() -> list[dict[str, str]]:
    return [
        {"near": zip5, "radius": str(radius), **filters}
        for zip5 in CITY_ZIPS + RURAL_ZIPS
        for radius in RADII
        for filters in FILTER_SETS
    ]


def samhsa_dir() -> Path:
    return Path(os.environ.get("WAYMARK_SAMHSA_DIR") or ROOT.parent / "shared" / "data" / "samhsa")


# --- Orchestrator ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory_search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC, help="synthetic facilities in the large pass")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="measured passes over the query mix")
    parser.add_argument("--worker", choices=["national", "synthetic"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--db-name", default=DB_NAME, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    source = samhsa_dir() / "facilities.csv.gz"
    if not source.exists():
        raise SystemExit(f"The national directory is not at {source}; set WAYMARK_SAMHSA_DIR.")
    print(f"== Waymark directory search benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    started = time.perf_counter()
    how = import_national(source)
    import_s = time.perf_counter() - started
    _log(f"national directory imported ({how}) in {import_s:.1f} s")
    analyse()
    national = _run_worker(args, "national")

    started = time.perf_counter()
    built = build_synthetic(args.synthetic)
    build_s = time.perf_counter() - started
    _log(f"{args.synthetic:,} synthetic facilities in {build_s:.1f} s ({built})")
    started = time.perf_counter()
    analyse()
    analyse_s = time.perf_counter() - started
    synthetic = _run_worker(args, "synthetic")

    report: dict[str, Any] = {
        "database": _database_version(connection),
        "machine": _machine(),
        "method": {
            "queries": f"{len(query_mix())} queries (ZIPs {', '.join(CITY_ZIPS + RURAL_ZIPS)} × radius "
            f"{'/'.join(map(str, RADII))} mi × {len(FILTER_SETS)} filter sets), 20 results each; "
            f"1 warm-up pass, {args.repeats} measured",
            "in_process": "search.parse_query + search.search, time.perf_counter() around both",
            "api": "GET /api/v1/facilities through django.test.Client, anonymous",
            "memory": "ru_maxrss of the search worker process (RUSAGE_SELF) after both passes",
            "exactness": "results compared with a brute-force scan (no grid) of the same database",
            "synthetic": f"seed {SEED}: a national facility's position moved up to {JITTER_MILES:g} miles, "
            "another national row's codes",
        },
        "targets": {
            "national_p95_ms": TARGET_NATIONAL_P95_MS,
            "synthetic_p95_ms": TARGET_1M_P95_MS,
            "worker_memory_mb": TARGET_MEMORY_MB,
        },
        "national": {"import_s": round(import_s, 1), "import_by": how, **national},
        "synthetic": {"build_s": round(build_s, 1), "analyse_s": round(analyse_s, 1), **synthetic},
    }
    ok = _print(report)
    report["targets_met"] = ok
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"directory-search-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    return 0 if ok else 1


def _run_worker(args: argparse.Namespace, phase: str) -> dict[str, Any]:
    from django.db import connection

    connection.close()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.directory_search",
            f"--db={args.db}",
            f"--worker={phase}",
            f"--repeats={args.repeats}",
            f"--out={out}",
        ]
        subprocess.run(command, cwd=ROOT, check=True, env=os.environ.copy())
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _print(report: dict[str, Any]) -> bool:
    print()
    print(f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']})")
    ok = True
    for key, target in (("national", TARGET_NATIONAL_P95_MS), ("synthetic", TARGET_1M_P95_MS)):
        part = report[key]
        print(f"\n{part['facilities']:,} facilities ({key}), load average {part['load_average']}")
        print(f"{'':<12} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8} {'mean':>5} {'results':>7}")
        for mode in ("in_process", "api"):
            s = part[mode]
            print(
                f"{mode.replace('_', '-'):<12} {s['p50_ms']:>5.2f} ms {s['p95_ms']:>5.2f} ms {s['max_ms']:>5.1f} ms "
                f"{_range(s['queries']):>8} {s['mean_queries']:>5.2f} {s['mean_results']:>7.1f}"
            )
        worst = part["worst_query"]
        print(f"slowest query (in-process p95 {worst['p95_ms']:.1f} ms): {worst['query']}")
        met = part["in_process"]["p95_ms"] < target
        print(f"in-process p95 under {target:g} ms: {'yes' if met else 'NO'}")
        print(f"exact on {part['exact_checked']} queries: {'yes' if part['exact'] else 'NO'}")
        print(f"search worker peak memory: {part['worker_peak_rss_mb']:.0f} MB")
        print(f"density counts, read once an hour by each process: {part['density_read_ms']:.0f} ms")
        ok = ok and met and part["exact"]
    synthetic = report["synthetic"]
    ok = ok and synthetic["worker_peak_rss_mb"] < TARGET_MEMORY_MB
    print(f"\nnational import {report['national']['import_s']} s; synthetic build {synthetic['build_s']} s")
    print("targets met: " + ("yes (PASS)" if ok else "NO (FAIL)"))
    return ok


def _range(counts: list[int]) -> str:
    return str(counts[0]) if len(counts) == 1 else f"{min(counts)}–{max(counts)}"


# --- Building -------------------------------------------------------------------------------------------------


def import_national(source: Path) -> str:
    """The national file through Helper A's importer when it is there, else the minimal loader below."""
    try:
        from waymark.directory.importer import do_import_directory
    except ImportError:
        _load_national_minimal(source)
        return "bench's minimal loader"
    do_import_directory(source)
    return "waymark.directory.importer"


def _load_national_minimal(source: Path) -> None:
    from waymark.directory import codes as code_key
    from waymark.directory import zips
    from waymark.directory.listing import ensure_codes, set_codes, set_position
    from waymark.directory.models import Facility

    with gzip.open(source.parent / "service_definitions.csv.gz", "rt", encoding="utf-8") as f:
        key = [(r["code"], r["label"]) for r in csv.DictReader(f) if r["directory_type"] == "substance"]
    known = set(ensure_codes(key))
    batch: list[Facility] = []
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["directory_type"] != "substance" or not row["name1"] or len(row["state"]) != 2:
                continue
            codes = [c for group in code_key.parse_service_info(row["service_code_info"]) for c in group]
            if not codes or any(c not in known for c in codes):
                continue
            zip5 = zips.normalise(row["zip"], row["state"]) or ""
            facility = Facility(
                source_id=row["facility_id"],
                name=row["name1"],
                name_detail=row["name2"],
                street1=row["street1"],
                street2=row["street2"],
                city=row["city"],
                state=row["state"],
                zip=zip5,
                phone=row["phone"],
                intake1=row["intake1"],
                intake2=row["intake2"],
            )
            set_codes(facility, codes)
            set_position(facility, zips.centroid(zip5) if zip5 else None)
            batch.append(facility)
    Facility.objects.bulk_create(batch, batch_size=2000)


def analyse() -> None:
    """What autovacuum would do soon after a bulk load (PostgreSQL: statistics and the visibility map that
    index-only scans need; SQLite: ANALYZE for the planner)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE directory_facility")
        else:
            cursor.execute("ANALYZE")


_COLUMNS = (
    "source",
    "source_id",
    "source_date",
    "directory_type",
    "name",
    "name_detail",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "phone",
    "intake1",
    "intake2",
    "intake1a",
    "intake2a",
    "website",
    "service_codes",
    "code_mask_0",
    "code_mask_1",
    "code_mask_2",
    "code_mask_3",
    "latitude",
    "longitude",
    "unit_x",
    "unit_y",
    "unit_z",
    "cell",
    "geocoded_by",
    "verified",
    "verified_what",
    "advertiser",
    "locally_edited",
    "created_at",
    "updated_at",
)


def build_synthetic(n: int) -> str:
    """Replace the directory with `n` synthetic facilities (see the module's docstring)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from waymark.directory import geo
    from waymark.directory.models import Facility

    rows = list(
        Facility.objects.filter(directory_type="substance")
        .order_by("source_id")
        .values_list(
            "latitude", "longitude", "city", "state", "zip", "service_codes", *(f"code_mask_{i}" for i in range(4))
        )
    )
    placed = [r for r in rows if r[0] is not None]
    now = timezone.now()
    rng = random.Random(SEED)

    def synthetic_rows() -> Any:
        for i in range(n):
            lat, lon, city, state, zip5 = placed[rng.randrange(len(placed))][:5]
            codes = rows[rng.randrange(len(rows))][5:]
            point = _moved(geo.Point(lat, lon), JITTER_MILES * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))
            x, y, z = geo.unit_vector(point)
            yield (
                "samhsa",
                f"synthetic_{i:07d}",
                now.date(),
                "substance",
                f"Synthetic facility {i}",
                "",
                f"{i % 9000 + 1} Main Street",
                "",
                city,
                state,
                zip5,
                "555-555-0100",
                "",
                "",
                "",
                "",
                "",
                *codes,
                point.lat,
                point.lon,
                x,
                y,
                z,
                geo.cell_of(point),
                "zip",
                False,
                "",
                False,
                "[]",
                now,
                now,
            )

    Facility.objects.all().delete()
    # The indexes are built after the rows, as a bulk load does: much faster than keeping them up to date.
    indexes = _indexes()
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(Facility, index)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_postgresql(synthetic_rows())
            how = "COPY"
        else:
            _insert_sqlite(synthetic_rows())
            how = f"executemany in batches of {BATCH:,}"
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.add_index(Facility, index)
    return how + ", then the indexes"


def _indexes() -> list[Any]:
    """The facility table's indexes (the model's)."""
    from django.db import connection

    from waymark.directory.models import Facility

    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, Facility._meta.db_table)
    indexes = [i for i in Facility._meta.indexes if i.name in existing]
    return indexes


def _insert_sqlite(rows: Any) -> None:
    from django.db import connection

    sql = f"INSERT INTO directory_facility ({', '.join(_COLUMNS)}) VALUES ({', '.join('%s' for _ in _COLUMNS)})"
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _copy_postgresql(rows: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor
        with raw.copy(f"COPY directory_facility ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _moved(point: Any, miles: float, bearing: float) -> Any:
    from waymark.directory import geo

    return geo.destination(point, miles, bearing)


# --- Worker: measure one database -----------------------------------------------------------------------------


def worker(args: argparse.Namespace) -> int:
    _environment(args.db, args.db_name)
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.pages import timed
    from waymark.directory import search
    from waymark.directory.models import Facility

    facilities = Facility.objects.filter(directory_type="substance", cell__isnull=False).count()
    mix = query_mix()
    client = Client()

    def in_process(params: dict[str, str]) -> list[int]:
        query = search.parse_query({k: [v] for k, v in params.items()})
        return [r.facility.pk for r in search.search(query)]

    def via_api(params: dict[str, str]) -> list[int]:
        response = client.get("/api/v1/facilities?" + urlencode(params))
        if response.status_code != 200:
            raise SystemExit(f"GET /api/v1/facilities?{urlencode(params)} answered {response.status_code}")
        return [r["id"] for r in json.loads(response.content)["results"]]

    _log(f"{args.worker}: {facilities:,} facilities; {len(mix)} queries, 1 warm-up and {args.repeats} measured passes")
    # The one query a process makes at most every search.DENSITY_MAX_AGE_SECONDS (where searches start).
    search.forget_density()
    started = time.perf_counter()
    search.density()
    density_ms = (time.perf_counter() - started) * 1000
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {}
    answers: dict[int, list[int]] = {}
    per_query: dict[int, list[float]] = {i: [] for i in range(len(mix))}
    for mode, call in (("in_process", in_process), ("api", via_api)):
        times: list[float] = []
        counts: list[int] = []
        found: list[int] = []
        for rep in range(args.repeats + 1):
            for i, params in enumerate(mix):
                elapsed, n, ids = timed(functools.partial(call, params))
                if rep == 0:
                    answers.setdefault(i, ids)
                    if ids != answers[i]:
                        raise SystemExit(f"{mode} and in-process answers differ for {params}")
                    continue
                times.append(elapsed)
                counts.append(n)
                if mode == "in_process":
                    per_query[i].append(elapsed)
                found.append(len(ids))
        results[mode] = {
            **_stats(times),
            "queries": sorted(set(counts)),
            "mean_queries": round(statistics.fmean(counts), 2),
            "mean_results": round(statistics.fmean(found), 1),
        }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worst = max(per_query, key=lambda i: _p95(per_query[i]))
    by_kind = {}
    for kind, zip_set in (("city", CITY_ZIPS), ("rural", RURAL_ZIPS)):
        for radius in RADII:
            series = [
                t
                for i, p in enumerate(mix)
                if p["near"] in zip_set and p["radius"] == str(radius)
                for t in per_query[i]
            ]
            by_kind[f"{kind}_{radius}mi"] = {
                "p50_ms": round(statistics.median(series), 3),
                "p95_ms": round(_p95(series), 3),
            }

    # Exactness against a brute-force scan.
    rng = random.Random(SEED)
    checked = range(len(mix)) if args.worker == "national" else sorted(rng.sample(range(len(mix)), EXACT_SAMPLE_1M))
    exact = True
    for i in checked:
        query = search.parse_query({k: [v] for k, v in mix[i].items()})
        expected = [r.facility.pk for r in search.brute_force(query)]
        if expected != answers[i]:
            exact = False
            _log(f"NOT EXACT: {mix[i]}: {answers[i]} vs brute force {expected}")
    result = {
        "facilities": facilities,
        "database": _database_version(connection),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "in_process": {k: v for k, v in results["in_process"].items() if k != "samples_ms"},
        "api": {k: v for k, v in results["api"].items() if k != "samples_ms"},
        "by_kind_in_process": by_kind,
        "worst_query": {"query": urlencode(mix[worst]), "p95_ms": round(_p95(per_query[worst]), 3)},
        "exact": exact,
        "exact_checked": len(checked),
        "worker_peak_rss_mb": round(peak_mb, 1),
        "density_read_ms": round(density_ms, 1),
        "samples_ms": {"in_process": results["in_process"]["samples_ms"], "api": results["api"]["samples_ms"]},
    }
    Path(args.out).write_text(json.dumps(result))
    return 0


def _p95(series: list[float]) -> float:
    return statistics.quantiles(series, n=20, method="inclusive")[18] if len(series) > 1 else series[0]


def _stats(series: list[float]) -> dict[str, Any]:
    from bench.run import timing_stats

    return timing_stats(series)


if __name__ == "__main__":
    sys.exit(main())
