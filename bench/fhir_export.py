"""FHIR export: one patient's Bundle (p50/p95 ms, queries) and the bulk NDJSON export of a program.

    python -m bench.fhir_export --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.fhir_export --db postgresql

One database rebuilt every run (var/bench/waymark_bench_fhir_export.sqlite3, or the PostgreSQL database
waymark_bench_fhir_export on the server DATABASE_URL points at; the database DATABASE_URL names is never
opened), production settings (DEBUG off). Generated program: --patients people (2,000 by default), each with an
open episode, a TPO consent, a methadone order, --doses observed doses and --specimens urine specimens of three
results (opiates, fentanyl, cocaine), written in bulk.

1. single: `export.patient_bundle(load_chart(patient))` and its JSON for one patient, --repeat times (the first
   run, which builds the pydantic validators, is reported apart as `first_ms`); wall-clock ms and queries per run.
2. bulk: `waymark export fhir --program NAME OUTDIR` (services.export_program) in a fresh child process: seconds,
   lines written per resource type, the child's peak resident set size (ru_maxrss, whole process) and the same
   figure just before the export began.

Results are printed and written to bench/results/fhir_export-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
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
    timing_stats,
)

DB_NAME = "waymark_bench_fhir_export"
PROGRAM = "FHIR Bench Recovery"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fhir_export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--doses", type=int, default=60, help="observed doses per patient (60)")
    parser.add_argument("--specimens", type=int, default=8, help="specimens per patient (8)")
    parser.add_argument("--repeat", type=int, default=30, help="single-bundle runs (30)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.db, Path(args.out))

    print(f"== Waymark FHIR export benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    database = _database_version(connection)
    started = time.perf_counter()
    sizes = generate(args.patients, args.doses, args.specimens)
    _log(f"generated {sizes} in {time.perf_counter() - started:.1f} s")
    single = bench_single(args.repeat)
    _log(f"single bundle: p50 {single['p50_ms']:.1f} ms, {single['queries']} queries")
    connection.close()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bulk.json"
        child = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bench.fhir_export", "--worker", f"--db={args.db}", f"--out={out}"],
            cwd=ROOT,
            check=True,
        )
        bulk: dict[str, Any] = json.loads(out.read_text())
        bulk["process_s"] = round(time.perf_counter() - child, 2)
    _log(f"bulk: {bulk['export_s']:.1f} s, peak {bulk['peak_rss_mb']:.0f} MB")
    report = {
        "database": database,
        "machine": _machine(),
        "load_average": round(os.getloadavg()[0], 2),
        "data": sizes,
        "single": single,
        "bulk": bulk,
        "memory_measure": "ru_maxrss of the child process (resource.getrusage(RUSAGE_SELF)), whole process",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"fhir_export-{args.db}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    summary = {k: v for k, v in single.items() if k != "samples_ms"}
    print(json.dumps({"single": summary, "bulk": bulk}, indent=2))
    print(f"\nWritten: {path.relative_to(ROOT)}")
    return 0


def generate(patients: int, doses: int, specimens: int) -> dict[str, int]:
    """The program's people and records, in bulk."""
    from decimal import Decimal

    from waymark.chart.models import Consent, Episode, Patient
    from waymark.core.models import Program, User
    from waymark.labs.models import AnalyteResult, Specimen
    from waymark.meds.models import DoseAdministration, MedicationOrder

    program = Program.objects.create(name=PROGRAM, time_zone="America/New_York")
    staff = User.objects.create(username="bench-fhir-staff", role="program_admin", program=program)
    start = dt.date(2025, 1, 6)
    at = dt.datetime(2025, 1, 6, 14, tzinfo=dt.UTC)
    people = Patient.objects.bulk_create(
        Patient(
            program=program,
            mrn=f"FB-{n:06d}",
            given_name=f"Given{n}",
            family_name=f"Family{n}",
            date_of_birth=dt.date(1970 + n % 40, 1 + n % 12, 1 + n % 28),
            sex_at_birth=("female", "male", "unknown")[n % 3],
        )
        for n in range(patients)
    )
    Episode.objects.bulk_create(
        Episode(patient=p, admitted_on=start, level_of_care="otp", primary_substance="fentanyl", severity="severe")
        for p in people
    )
    Consent.objects.bulk_create(
        Consent(
            patient=p,
            kind="tpo",
            disclosing_party=PROGRAM,
            information_description="The whole record",
            recipients="Primary care clinic",
            purpose="Treatment",
            expiry_kind="end_of_treatment",
            signed_by=p.given_name,
            signed_on=start,
            recorded_by=staff,
        )
        for p in people
    )
    orders = MedicationOrder.objects.bulk_create(
        MedicationOrder(
            patient=p,
            medication="methadone",
            dose_mg=Decimal(80),
            slot_doses_mg=["80"],
            start_on=start,
            prescriber=staff,
        )
        for p in people
    )
    counts = {"patients": patients, "doses": 0, "specimens": 0, "results": 0}
    for order in orders:
        DoseAdministration.objects.bulk_create(
            DoseAdministration(
                patient_id=order.patient_id,
                order=order,
                clinic_day=start + dt.timedelta(days=d),
                outcome="observed",
                amount_mg=Decimal(80),
                idempotency_key=f"bench-fhir-{order.patient_id}-{d}",
            )
            for d in range(doses)
        )
        counts["doses"] += doses
        samples = Specimen.objects.bulk_create(
            Specimen(
                patient_id=order.patient_id,
                collected_at=at + dt.timedelta(days=7 * s),
                clinic_day=start + dt.timedelta(days=7 * s),
                collected_by=staff,
                kind="urine",
                idempotency_key=f"bench-fhir-s-{order.patient_id}-{s}",
            )
            for s in range(specimens)
        )
        AnalyteResult.objects.bulk_create(
            AnalyteResult(
                specimen=sample,
                analyte=analyte,
                result="negative",
                method="point_of_care",
                resulted_at=sample.collected_at,
                recorded_by=staff,
            )
            for sample in samples
            for analyte in ("opiates", "fentanyl", "cocaine")
        )
        counts["specimens"] += specimens
        counts["results"] += 3 * specimens
    return counts


def bench_single(repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waymark.chart.models import Patient
    from waymark.interop.fhir import export

    patient = Patient.objects.select_related("program").filter(program__name=PROGRAM).order_by("pk").first()
    assert patient is not None
    times: list[float] = []
    queries: list[int] = []
    first = 0.0
    resources = 0
    for n in range(repeat + 1):
        patient = Patient.objects.select_related("program").get(pk=patient.pk)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            exported = export.patient_bundle(export.load_chart(patient), notice=True)
            text = exported.json()
            took = (time.perf_counter() - started) * 1000
        if n == 0:
            first = took
            continue
        times.append(took)
        queries.append(len(captured.captured_queries))
        resources = exported.total
    return {
        "resources": resources,
        "bytes": len(text.encode()),
        "first_ms": round(first, 1),
        "queries": max(queries),
        **timing_stats(times),
    }


def worker(db: str, out: Path) -> int:
    _environment(db, DB_NAME)
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from waymark.core.models import Program
    from waymark.interop.fhir import services

    program = Program.objects.get(name=PROGRAM)
    before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        counts = services.export_program(None, program, Path(tmp))
        took = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    result = {
        "export_s": round(took, 2),
        "resources": sum(counts.values()),
        "resources_per_s": round(sum(counts.values()) / took),
        "bytes": size,
        "lines": counts,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
