"""Recomputing the contingency-management ledgers of 10,000 people × 72 specimens.

    python -m bench.cm --db sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.cm --db postgresql

One program on a database rebuilt every run (var/bench/waymark_bench_cm.sqlite3,
or the PostgreSQL database waymark_bench_cm on the server DATABASE_URL points
at), production settings. Setup, not measured: 10,000 people enrolled in one
escalating-voucher programme (REFERENCE.md §7 defaults, target opiates and
fentanyl), 72 urine specimens each (thrice weekly for 24 weeks) with both
results, about 80% negative with runs and lapses drawn from a fixed seed, and
each person's ledger as the schedule pays it; laid down with bulk inserts.

Measured (time.perf_counter):
(a) pure: the schedule alone over the 720,000 outcomes (schedules.escalating_earnings
    per person), the floor any recompute stands on;
(b) recompute: `waymark cm recompute` (incentives.recompute.recompute_ledgers):
    read every award, specimen and result in chunks, re-derive each outcome,
    re-run the schedule, compare; its query count must grow with the chunks
    (people / 500), never with the specimens;
(c) one person's incentive page (GET /incentives/patients/<id>/ as their
    nurse) with 72 ledger entries: time and queries, against a person with 6.
Results are printed and written to bench/results/cm-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.run import RESULTS, ROOT, _database_version, _log, _machine, open_fresh_database

DB_NAME = "waymark_bench_cm"
SPECIMENS = 72
BATCH = 5000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--page-requests", type=int, default=30)
    args = parser.parse_args(argv)

    print(f"== Waymark contingency-management benchmark on {args.db} ==", flush=True)
    open_fresh_database(args.db, DB_NAME)
    from django.db import connection

    started = time.perf_counter()
    built = _build(args.patients)
    setup_s = time.perf_counter() - started
    _log(f"built {args.patients:,} people × {SPECIMENS} specimens in {setup_s:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    pure = _pure(built["outcomes"])
    recompute = _recompute(args.patients)
    page = _page(args, built)
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "patients": args.patients,
        "specimens": args.patients * SPECIMENS,
        "setup_s": round(setup_s, 1),
        "pure": pure,
        "recompute": recompute,
        "page": page,
    }
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"cm-{args.db}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {out.relative_to(ROOT)}")
    ok = recompute["differences"] == 0 and page["queries_independent_of_ledger"]
    return 0 if ok else 1


def _outcomes(rng: random.Random) -> list[str]:
    """72 outcomes: mostly negative, with lapses that come in short runs and some missed tests."""
    letters = []
    lapsing = False
    for _ in range(SPECIMENS):
        lapsing = rng.random() < (0.5 if lapsing else 0.1)
        letters.append("P" if lapsing else ("M" if rng.random() < 0.03 else "N"))
    return letters


def _build(patients: int) -> dict[str, Any]:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from waymark.chart.models import CareTeamMember, Episode, Patient
    from waymark.core.models import Program, Site, User
    from waymark.incentives import schedules
    from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry
    from waymark.labs.models import AnalyteResult, Specimen

    rng = random.Random(20261121)
    program = Program.objects.create(name="CM bench", time_zone="America/New_York")
    site = Site.objects.create(program=program, name="CM bench site")
    nurse = User.objects.create(username="cm-bench-nurse", role="nurse", program=program, site=site)
    admin = User.objects.create(username="cm-bench-admin", role="program_admin", program=program, site=site)
    programme = CmProgramme.objects.create(
        program=program,
        name="Opioid-negative vouchers",
        target=CmProgramme.Target.SPECIMEN_NEGATIVE,
        target_analytes=["opiates", "fentanyl"],
        schedule=CmProgramme.Schedule.ESCALATING,
        parameters={"start": "2.50", "increment": "1.25", "bonus": "10", "bonus_every": 3, "reset_recovery": 5},
        duration_weeks=24,
        created_by=admin,
    )
    params = schedules.Escalating()
    today = program.clinic_day()
    first_day = today - dt.timedelta(weeks=24)
    days = [first_day + dt.timedelta(days=(i // 3) * 7 + (0, 2, 4)[i % 3]) for i in range(SPECIMENS)]
    zone = program.zone
    times = [dt.datetime.combine(d, dt.time(9, 30), zone) for d in days]
    all_outcomes: list[list[str]] = []
    with transaction.atomic():
        people = Patient.objects.bulk_create(
            [
                Patient(
                    program=program,
                    site=site,
                    mrn=f"CM{n:06d}",
                    given_name="Person",
                    family_name=f"Bench{n}",
                    date_of_birth=dt.date(1985, 1, 1) + dt.timedelta(days=n % 3000),
                )
                for n in range(patients)
            ],
            batch_size=BATCH,
        )
        Episode.objects.bulk_create(
            [
                Episode(patient=p, site=site, admitted_on=first_day, level_of_care="otp", primary_substance="heroin")
                for p in people
            ],
            batch_size=BATCH,
        )
        CareTeamMember.objects.create(patient=people[0], user=nurse, role="nurse")
        enrollments = Enrollment.objects.bulk_create(
            [
                Enrollment(
                    programme=programme,
                    patient=p,
                    started_on=first_day,
                    ends_on=first_day + dt.timedelta(weeks=24, days=-1),
                    enrolled_by=nurse,
                )
                for p in people
            ],
            batch_size=BATCH,
        )
        now = timezone.now()
        next_id = {
            m: (m.objects.aggregate(top=Max("id"))["top"] or 0) + 1 for m in (Specimen, AnalyteResult, LedgerEntry)
        }
        for start in range(0, patients, 500):
            specimens: list[dict[str, Any]] = []
            results: list[dict[str, Any]] = []
            entries: list[dict[str, Any]] = []
            for person, enrollment in zip(people[start : start + 500], enrollments[start : start + 500], strict=True):
                letters = _outcomes(rng)
                all_outcomes.append(letters)
                earned = schedules.escalating_earnings(params, [schedules.Outcome(x) for x in letters])
                total = Decimal(0)
                for i, (letter, earning) in enumerate(zip(letters, earned, strict=True)):
                    specimen_id = next_id[Specimen]
                    next_id[Specimen] += 1
                    specimens.append(
                        {
                            "id": specimen_id,
                            "patient": person.pk,
                            "site": site.pk,
                            "status": "missed" if letter == "M" else "collected",
                            "collected_at": times[i],
                            "clinic_day": days[i],
                            "collected_by": nurse.pk,
                            "kind": "" if letter == "M" else "urine",
                            "observed": True,
                            "temperature_in_range": None,
                            "reason": "scheduled",
                            "notes": "",
                            "idempotency_key": f"cm-bench-{person.pk}-{i}",
                            "recorded_at": now,
                        }
                    )
                    if letter != "M":
                        for analyte, result in (
                            ("opiates", "positive" if letter == "P" else "negative"),
                            ("fentanyl", "negative"),
                        ):
                            results.append(
                                {
                                    "id": next_id[AnalyteResult],
                                    "specimen": specimen_id,
                                    "analyte": analyte,
                                    "result": result,
                                    "method": "point_of_care",
                                    "value_ng_ml": None,
                                    "cutoff_ng_ml": None,
                                    "resulted_at": times[i],
                                    "recorded_by": nurse.pk,
                                    "recorded_at": now,
                                }
                            )
                            next_id[AnalyteResult] += 1
                    granted = schedules.apply_cap(earning.total, total, programme.annual_cap)
                    total += granted
                    entries.append(
                        {
                            "id": next_id[LedgerEntry],
                            "patient": person.pk,
                            "enrollment": enrollment.pk,
                            "kind": "earned",
                            "amount": granted,
                            "event_key": f"specimen:{specimen_id}",
                            "event_day": days[i],
                            "outcome": letter,
                            "streak": earning.streak,
                            "scheduled_amount": earning.total,
                            "draws": [],
                            "seed": "",
                            "reward": None,
                            "note": "",
                            "idempotency_key": f"award:{enrollment.pk}:specimen:{specimen_id}",
                            "created_by": None,
                            "created_at": now,
                        }
                    )
                    next_id[LedgerEntry] += 1
            _insert(Specimen, specimens)
            _insert(AnalyteResult, results)
            _insert(LedgerEntry, entries)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [Specimen, AnalyteResult, LedgerEntry]):
                    cursor.execute(statement)
    small = Patient.objects.create(
        program=program,
        site=site,
        mrn="CM-SMALL",
        given_name="Few",
        family_name="Entries",
        date_of_birth=dt.date(1990, 1, 1),
    )
    small_enrollment = Enrollment.objects.create(
        programme=programme,
        patient=small,
        started_on=first_day,
        ends_on=first_day + dt.timedelta(weeks=24, days=-1),
        enrolled_by=nurse,
    )
    for i, earning in enumerate(schedules.escalating_earnings(params, [schedules.Outcome.SUCCESS] * 6)):
        LedgerEntry.objects.create(
            patient=small,
            enrollment=small_enrollment,
            kind="earned",
            amount=earning.total,
            event_key=f"check:small-{i}",
            event_day=days[i],
            outcome="N",
            streak=earning.streak,
            scheduled_amount=earning.total,
            idempotency_key=f"cm-bench-small-{i}",
        )
    return {"nurse": nurse.username, "large": people[0].pk, "small": small.pk, "outcomes": all_outcomes}


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Setup only: the rows, with values prepared by the model's own fields (explicit ids), as one
    INSERT … executemany on SQLite or a COPY on PostgreSQL; many times faster than bulk_create."""
    from django.db import connections

    if not rows:
        return
    connection = connections["default"]  # the real connection, not the per-attribute proxy
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # Only these types need the backend's conversion; ids, text and booleans go as they are.
    converted = {"DateTimeField", "DateField", "DecimalField", "JSONField"}
    prepare = [
        (lambda v, f=f: f.get_db_prep_save(v, connection)) if f.get_internal_type() in converted else None
        for f in fields
    ]
    names = [f.name for f in fields]
    params = [
        [row[n] if p is None or row[n] is None else p(row[n]) for n, p in zip(names, prepare, strict=True)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: row-by-row INSERTs of three million rows take many minutes on PostgreSQL.
            copy_sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row_values in params:
                    copy.write_row(row_values)
        else:
            cursor.executemany(statement, params)


def _pure(outcomes: list[list[str]]) -> dict[str, Any]:
    from waymark.incentives import schedules

    params = schedules.Escalating()
    converted = [[schedules.Outcome(x) for x in letters] for letters in outcomes]
    started = time.perf_counter()
    total = sum((schedules.total_earned(schedules.escalating_earnings(params, o)) for o in converted), Decimal(0))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "outcomes": sum(len(o) for o in outcomes), "scheduled_total": str(total)}


def _recompute(patients: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waymark.incentives.recompute import recompute_ledgers

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = recompute_ledgers()
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "enrollments": report.enrollments,
        "awards": report.events,
        "earned": str(report.earned),
        "differences": len(report.differences),
        "queries": len(queries.captured_queries),
        "per_patient_ms": round(seconds * 1000 / patients, 3),
    }


def _page(args: argparse.Namespace, built: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from waymark.chart.models import Patient
    from waymark.core.models import User

    nurse = User.objects.get(username=built["nurse"])
    client = Client()
    client.force_login(nurse, backend="django.contrib.auth.backends.ModelBackend")
    # Signed in with the TOTP step passed, as after a real sign-in (not what is measured).
    device = TOTPDevice.objects.create(user=nurse, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    out: dict[str, Any] = {}
    for key in ("small", "large"):
        patient = Patient.objects.get(pk=built[key])
        path = f"/incentives/patients/{patient.pk}/"
        client.get(path)  # warm-up: the first request of a session does its own bookkeeping
        executed: list[str] = []

        def count(execute: Any, sql: str, *rest: Any, executed: list[str] = executed) -> Any:
            executed.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(args.page_requests):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        out[key] = {
            "entries": patient.ledger.count(),
            "queries": len(executed),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(statistics.quantiles(times, n=20, method="inclusive")[18], 2),
        }
    out["queries_independent_of_ledger"] = out["small"]["queries"] == out["large"]["queries"]
    return out


def _print(report: dict[str, Any]) -> None:
    pure, recompute, page = report["pure"], report["recompute"], report["page"]
    print()
    print(
        f"{report['database']}, {report['patients']:,} people × {SPECIMENS} specimens, {report['machine']['cpus']} CPUs"
    )
    print(f"setup (bulk insert, not measured below): {report['setup_s']} s")
    print(f"(a) pure schedule over {pure['outcomes']:,} outcomes: {pure['seconds']:.2f} s")
    print(
        f"(b) recompute_ledgers: {recompute['seconds']:.1f} s ({recompute['per_patient_ms']} ms per person), "
        f"{recompute['queries']:,} queries, {recompute['awards']:,} awards, {recompute['differences']} differences"
    )
    for key in ("small", "large"):
        p = page[key]
        print(f"(c) incentive page, {p['entries']} entries: p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, ", end="")
        print(f"{p['queries']} queries")
    print(
        "page queries independent of the ledger's length: "
        + ("PASS" if page["queries_independent_of_ledger"] else "FAIL")
    )


if __name__ == "__main__":
    raise SystemExit(main())
