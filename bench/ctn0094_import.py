"""CTN-0094 import: time and peak memory of `waymark import ctn0094` on the harmonised trial tables.

    python -m bench.ctn0094_import --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.ctn0094_import --db postgresql

One database rebuilt every run (var/bench/waymark_bench_ctn0094.sqlite3, or the PostgreSQL database
waymark_bench_ctn0094 on the server DATABASE_URL points at), production settings (DEBUG off). The tables:
../shared/data/ctn0094 (or WAYMARK_CTN0094_DIR, or --folder).

Two passes, each in a fresh child process, one after the other on the same database:
1. first: the empty program; every row is new (reading the tables, then COPY / executemany in one transaction);
2. again: the same tables; nothing is added (the idempotent re-import: read, look up the keys, skip).

`import_s` is do_import_ctn0094 alone (reading the 11 tables, placing the rows, writing, the audit entry);
`process_s` the whole child process. Memory: the child's peak resident set size (ru_maxrss), the whole process.
Targets (issue #10): under 60 s and under 500 MB on SQLite. Results: bench/results/ctn0094-import-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import (
    RESULTS,
    ROOT,
    _database_version,
    _environment,
    _log,
    _machine,
    open_fresh_database,
    peak_rss_mb,
    run_child,
)

DB_NAME = "waymark_bench_ctn0094"
TARGET_IMPORT_S = 60.0
TARGET_PEAK_MB = 500.0
PASSES = ("first", "again")


def data_folder() -> Path:
    return Path(os.environ.get("WAYMARK_CTN0094_DIR") or str(ROOT.parent / "shared" / "data" / "ctn0094"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ctn0094_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--folder", type=Path, help="the tables' folder (default: ../shared/data/ctn0094)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    folder = (args.folder or data_folder()).resolve()
    if args.worker:
        return worker(args.db, folder, Path(args.out))
    if not (folder / "everybody.csv.gz").is_file():
        print(f"No CTN-0094 tables at {folder}: nothing to benchmark (see ../shared/data/README.md).", file=sys.stderr)
        return 2
    print(f"== Waymark CTN-0094 import benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    database = _database_version(connection)
    connection.close()
    passes: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for name in PASSES:
            passes[name] = _run_worker(args.db, folder, Path(tmp) / f"{name}.json")
            _log(f"{name}: {passes[name]['import_s']:.2f} s, peak {passes[name]['peak_rss_mb']:.0f} MB")
    report = {
        "database": database,
        "machine": _machine(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "memory_measure": "ru_maxrss of the child process (resource.getrusage(RUSAGE_SELF)), whole process",
        "target_import_s": TARGET_IMPORT_S,
        "target_peak_mb": TARGET_PEAK_MB,
        **passes,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ctn0094-import-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    first, again = passes["first"], passes["again"]
    ok = (
        first["import_s"] < TARGET_IMPORT_S
        and max(first["peak_rss_mb"], again["peak_rss_mb"]) < TARGET_PEAK_MB
        and again["rows_added"] == 0
        and first["rows_added"] > 500_000
    )
    return 0 if ok else 1


def _run_worker(db: str, folder: Path, out: Path) -> dict[str, Any]:
    return run_child("bench.ctn0094_import", [f"--db={db}", f"--folder={folder}"], out)


def worker(db: str, folder: Path, out: Path) -> int:
    _environment(db, DB_NAME)
    import django

    django.setup()
    from waymark.interop.ctn_import import do_import_ctn0094

    before = peak_rss_mb()
    started = time.perf_counter()
    report = do_import_ctn0094(folder, start=dt.date(2000, 1, 1))
    took = time.perf_counter() - started
    added = {table: counts.get("added", 0) for table, counts in report.counts.items() if table != "totals"}
    result = {
        "import_s": round(took, 2),
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "added": added,
        "rows_added": sum(added.values()),
        "rejected": report.counts["totals"]["rejected"],
    }
    out.write_text(json.dumps(result))
    return 0


def _print(report: dict[str, Any]) -> None:
    print()
    print(
        f"{report['database']}, {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']}), "
        f"load average {report['load_average'][0]:.1f} → {report['load_average'][1]:.1f}"
    )
    print(f"{'pass':<7} {'import':>8} {'process':>8} {'peak RSS':>9} {'before':>8}   rows added")
    for name in PASSES:
        p = report[name]
        print(
            f"{name:<7} {p['import_s']:>6.2f} s {p['process_s']:>6.2f} s {p['peak_rss_mb']:>6.0f} MB "
            f"{p['rss_before_mb']:>5.0f} MB   {p['rows_added']:,} ({p['rejected']:,} rows refused)"
        )
    print(f"target: first import under {report['target_import_s']:.0f} s, peak under {report['target_peak_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
