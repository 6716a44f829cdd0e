"""Directory import: time and peak memory of `waymark import directory` on the national file.

    python -m bench.directory_import --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.directory_import --db postgresql

One database rebuilt every run (var/bench/waymark_bench_directory_import.sqlite3, or the PostgreSQL database
waymark_bench_directory_import on the server DATABASE_URL points at; the database DATABASE_URL names is never
opened), production settings (DEBUG off). The file: ../shared/data/samhsa/facilities.csv.gz (or the folder
WAYMARK_SAMHSA_DIR names, or --file) with its code key beside it: 20,524 rows, 12,205 of them substance use.

Three passes, each in a fresh child process (python -m bench.directory_import --worker), one after the other on
the same database:
1. first: the empty directory; every listing is new (bulk inserts);
2. again: the same file; every listing is unchanged (the idempotent re-import: read, look up, compare);
3. changed: a copy of the file with the phone number of every tenth substance use row changed (bulk updates).

Times from time.perf_counter(): `import_s` around do_import_directory alone (reading, checking, geocoding,
writing, the audit entry, one transaction), and `process_s` for the whole child process (Python and Django
start-up, the ZIP code table loaded, the import). Memory: the child's own peak resident set size
(resource.getrusage(RUSAGE_SELF).ru_maxrss) at the end: the whole process, Python and Django included; on
PostgreSQL the server's memory is not in it, on SQLite the page cache is. `rss_before_mb` is the same figure
just before the import began (Django loaded), so the import's own share is the difference.

Targets (issue #9): the national file in under 20 s, peak memory well under 1 GB. Results are printed and
written to bench/results/directory-import-<db>.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
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

DB_NAME = "waymark_bench_directory_import"
TARGET_IMPORT_S = 20.0
TARGET_PEAK_MB = 1024.0
AS_OF = dt.date(2025, 1, 1)
CHANGE_EVERY = 10
PASSES = ("first", "again", "changed")


def national_file() -> Path:
    folder = os.environ.get("WAYMARK_SAMHSA_DIR") or str(ROOT.parent / "shared" / "data" / "samhsa")
    return Path(folder) / "facilities.csv.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--file", type=Path, help="the facilities file (default: the shared national file)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path = (args.file or national_file()).resolve()
    if args.worker:
        return worker(args.db, path, Path(args.out))
    if not path.is_file():
        print(f"No national file at {path}: nothing to benchmark (see ../shared/data/README.md).", file=sys.stderr)
        return 2

    print(f"== Waymark directory import benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    database = _database_version(connection)
    connection.close()
    passes: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        changed, substance_rows, changed_rows = _changed_copy(path, Path(tmp))
        for name, source in (("first", path), ("again", path), ("changed", changed)):
            passes[name] = _run_worker(args.db, source, Path(tmp) / f"{name}.json")
            _log(f"{name}: {passes[name]['import_s']:.2f} s, peak {passes[name]['peak_rss_mb']:.0f} MB")
    peak = max(p["peak_rss_mb"] for p in passes.values())
    report = {
        "database": database,
        "machine": _machine(),
        # 1-minute load average before and after the passes: other work on the machine shows up in the times.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "file": path.name,
        "file_bytes": path.stat().st_size,
        "substance_rows": substance_rows,
        "changed_rows": changed_rows,
        "memory_measure": "ru_maxrss of the child process (resource.getrusage(RUSAGE_SELF)), whole process",
        "target_import_s": TARGET_IMPORT_S,
        "target_peak_mb": TARGET_PEAK_MB,
        **passes,
        "peak_rss_mb": peak,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"directory-import-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    first, again, changed_pass = passes["first"], passes["again"], passes["changed"]
    ok = (
        first["import_s"] < TARGET_IMPORT_S
        and peak < TARGET_PEAK_MB
        and first["imported"] + first["rejected"] == substance_rows
        and again["imported"] == 0
        and again["unchanged"] == first["imported"]
        and changed_pass["updated"] == changed_rows
    )
    return 0 if ok else 1


def _changed_copy(path: Path, folder: Path) -> tuple[Path, int, int]:
    """The file with every tenth named substance use row's phone number changed, beside a copy of its code key;
    and the file's substance use rows and the rows changed."""
    for key in ("service_definitions.csv.gz", "service_definitions.csv"):
        if (path.parent / key).is_file():
            (folder / key).write_bytes((path.parent / key).read_bytes())
    changed = folder / "facilities-changed.csv.gz"
    with gzip.open(path, "rt", newline="") as source, gzip.open(changed, "wt", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        header = next(reader)
        writer.writerow(header)
        kind, phone, name = header.index("directory_type"), header.index("phone"), header.index("name1")
        substance = named = changes = 0
        for row in reader:
            if row[kind] == "substance":
                substance += 1
                named += bool(row[name])
                if row[name] and named % CHANGE_EVERY == 0:
                    row[phone] = f"555-01{named % 100:02d}"
                    changes += 1
            writer.writerow(row)
    return changed, substance, changes


def _run_worker(db: str, path: Path, out: Path) -> dict[str, Any]:
    return run_child("bench.directory_import", [f"--db={db}", f"--file={path}"], out)


def worker(db: str, path: Path, out: Path) -> int:
    _environment(db, DB_NAME)
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from waymark.directory.importer import do_import_directory

    before = peak_rss_mb()
    started = time.perf_counter()
    report = do_import_directory(path, as_of=AS_OF)
    took = time.perf_counter() - started
    result = {
        "import_s": round(took, 2),
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "rows_read": report.rows_read,
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "rejected": report.rejected,
        "not_placed": report.not_placed,
    }
    out.write_text(json.dumps(result))
    return 0


def _print(report: dict[str, Any]) -> None:
    print()
    print(
        f"{report['database']}, {report['file']} ({report['first']['rows_read']:,} rows), "
        f"{report['machine']['cpus']} CPUs ({report['machine']['cpu_model']}), "
        f"load average {report['load_average'][0]:.1f} → {report['load_average'][1]:.1f}"
    )
    print(f"{'pass':<9} {'import':>8} {'process':>8} {'peak RSS':>9} {'before':>8}   rows")
    for name in PASSES:
        p = report[name]
        counts = (
            f"{p['imported']:,} new, {p['updated']:,} updated, {p['unchanged']:,} unchanged, "
            f"{p['rejected']:,} rejected, {p['skipped']:,} skipped"
        )
        print(
            f"{name:<9} {p['import_s']:>6.2f} s {p['process_s']:>6.2f} s {p['peak_rss_mb']:>6.0f} MB "
            f"{p['rss_before_mb']:>5.0f} MB   {counts}"
        )
    print(f"target: first import under {report['target_import_s']:.0f} s, peak under {report['target_peak_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
