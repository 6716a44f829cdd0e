"""Outcome report at scale: `outcomes()` in the database against the same numbers computed with pandas.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark python -m bench.outcomes --db postgresql
    python -m bench.outcomes --db sqlite            # 5,000 patients by default

Synthetic data (deterministic, seeded): N patients (default 100,000 on PostgreSQL, 5,000 on SQLite), one episode
each admitted in the first 30 days of 2023, one year (365 days) of daily dose administrations each — observed
while the person stays (with random missed days and some 5–12-day absences), then missed — so 36.5 million dose
rows for 100,000 patients; a weekly specimen while they stay (missed, or collected with a fentanyl result:
negative, positive or invalid; some urine temperatures out of range, some results confirmed by the laboratory).
Generation streams (one patient at a time, written in chunks): COPY FROM STDIN on PostgreSQL, executemany on
SQLite; the secondary indexes of the dose, specimen and result tables are dropped during the load and rebuilt.
The database (waymark_bench_outcomes on the server DATABASE_URL points at, or
var/bench/waymark_bench_outcomes[_N].sqlite3) is reused when it already holds the same data (--fresh rebuilds).

Then, in one run: `outcomes()` grouped by cohort (time.perf_counter() around the call; the rows are in the
database's cache after the first of --repeat runs), and the same numbers with pandas: the rows read out (COPY TO
on PostgreSQL, read_sql on SQLite) and vectorised group-bys (gaps-and-islands with cummax/cumsum, Kaplan–Meier
with cumulative products). The two must agree exactly (shares to 1e-9); both times and their ratio are written to
bench/results/outcomes-<db>.json. The censoring date is given (the last day of the data) so both sides use it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench.run import RESULTS, ROOT, _database_version, _environment, _log, _machine, _prepare_database

DB_NAME = "waymark_bench_outcomes"
PROGRAM = "Bench outcomes"
SEED = 20240610
YEAR_DAYS = 365
DAY0 = dt.date(2023, 1, 1)
COHORTS = ("Arm A", "Arm B", "Arm C", "Arm D")
RETENTION_DAYS = (30, 90, 180)
CHUNK_PATIENTS = 500


# --- The synthetic history (pure Python, streamed) -----------------------------------------------------------


def patient_plan(i: int) -> dict[str, Any]:
    """What happens to patient i: admission day, medication, days stayed, discharge, absence."""
    rng = random.Random(SEED * 1_000_003 + i)
    start = i % 30
    r = rng.random()
    if i % 50 == 0:
        stay = 0  # never dosed
    elif r < 0.2:
        stay = rng.randrange(1, 30)
    elif r < 0.4:
        stay = rng.randrange(30, 90)
    elif r < 0.6:
        stay = rng.randrange(90, 180)
    else:
        stay = YEAR_DAYS
    discharged = start + stay + 14 if stay < 300 else None
    absence = None
    if rng.random() < 0.3 and stay > 20:
        length = rng.randint(5, 12)
        at = rng.randrange(1, max(stay - length, 2))
        absence = (at, at + length)
    return {
        "rng": rng,
        "start": start,
        "stay": stay,
        "discharged": discharged,
        "absence": absence,
        "medication": "methadone" if i % 10 < 7 else "buprenorphine",
        "cohort": COHORTS[i % 4],
    }


def dose_outcomes(plan: dict[str, Any]) -> Iterator[tuple[int, bool]]:
    """(day number from DAY0, observed?) for each of the patient's 365 days."""
    rng, start, stay, absence = plan["rng"], plan["start"], plan["stay"], plan["absence"]
    for k in range(YEAR_DAYS):
        observed = k < stay and rng.random() > 0.05
        if observed and absence is not None and absence[0] <= k < absence[1]:
            observed = False
        yield start + k, observed


def specimen_plan(plan: dict[str, Any]) -> Iterator[tuple[int, str, str | None, bool | None, str | None]]:
    """(day, status, point-of-care fentanyl result, temperature in range, lab result) weekly while staying."""
    rng, start, stay = plan["rng"], plan["start"], plan["stay"]
    for w in range(52):
        if 7 * w >= stay:
            break
        day = start + 7 * w + rng.randrange(7)
        if rng.random() < 0.1:
            yield day, "missed", None, None, None
            continue
        r = rng.random()
        result = "negative" if r < 0.7 else "positive" if r < 0.95 else "invalid"
        temperature = False if rng.random() < 0.02 else None
        lab = (
            ("negative" if rng.random() < 0.5 else "positive") if result == "positive" and rng.random() < 0.2 else None
        )
        yield day, "collected", result, temperature, lab


# --- Loading -----------------------------------------------------------------------------------------------------


def _loaded(patients: int) -> bool:
    from waymark.core.models import Program

    program = Program.objects.filter(name=PROGRAM).first()
    return bool(program and program.rule_settings.get("bench_outcomes") == {"patients": patients, "seed": SEED})


def load(db: str, patients: int) -> dict[str, Any]:
    """Build the synthetic program; returns row counts and the load time."""
    from django.db import connection, transaction

    from waymark.chart.models import Episode, Patient
    from waymark.core.models import Program, Site, User
    from waymark.labs.models import AnalyteResult, Specimen
    from waymark.meds.models import DoseAdministration, MedicationOrder

    started = time.perf_counter()
    Program.objects.filter(name=PROGRAM).update(name=f"{PROGRAM} (stale {time.time():.0f})")
    program = Program.objects.create(name=PROGRAM, time_zone="UTC")
    site = Site.objects.create(program=program, name="Bench site")
    user = User.objects.create(username=f"bench-outcomes-{program.pk}", role="nurse", program=program)
    base = {
        "patient": (Patient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1,
        "episode": (Episode.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1,
        "order": (MedicationOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1,
        "specimen": (Specimen.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1,
    }
    counts: dict[str, Any] = {"patients": 0, "episodes": 0, "doses": 0, "specimens": 0, "results": 0}
    _log(f"loading {patients:,} patients …")
    with transaction.atomic():
        for first in range(0, patients, 5000):
            batch = range(first, min(first + 5000, patients))
            plans = {i: patient_plan(i) for i in batch}
            Patient.objects.bulk_create(
                Patient(
                    pk=base["patient"] + i,
                    program=program,
                    site=site,
                    mrn=f"BO-{i}",
                    given_name="Bench",
                    family_name=f"Person {i}",
                    date_of_birth=dt.date(1985, 1, 1),
                )
                for i in batch
            )
            Episode.objects.bulk_create(
                Episode(
                    pk=base["episode"] + i,
                    patient_id=base["patient"] + i,
                    site=site,
                    admitted_on=DAY0 + dt.timedelta(days=plans[i]["start"]),
                    discharged_on=(
                        DAY0 + dt.timedelta(days=plans[i]["discharged"]) if plans[i]["discharged"] is not None else None
                    ),
                    level_of_care="otp",
                    primary_substance="fentanyl",
                    cohort=plans[i]["cohort"],
                )
                for i in batch
            )
            MedicationOrder.objects.bulk_create(
                MedicationOrder(
                    pk=base["order"] + i,
                    patient_id=base["patient"] + i,
                    medication=plans[i]["medication"],
                    dose_mg=80,
                    start_on=DAY0,
                    prescriber=user,
                )
                for i in batch
            )
        counts["patients"] = counts["episodes"] = patients
        tables: list[type] = [DoseAdministration, Specimen, AnalyteResult]
        saved = _drop_secondary_indexes(tables)
        writer = _PgWriter() if db == "postgresql" else _SqliteWriter()
        dose_fields = ("patient_id", "order_id", "clinic_day", "outcome", "amount_mg", "idempotency_key", "recorded_at")
        doses = _Table(DoseAdministration, writer, db, dose_fields)
        specimens = _Table(
            Specimen,
            writer,
            db,
            ("id", "patient_id", "status", "collected_at", "clinic_day", "collected_by_id", "kind",
             "temperature_in_range", "idempotency_key", "recorded_at"),
        )  # fmt: skip
        results = _Table(
            AnalyteResult,
            writer,
            db,
            ("specimen_id", "analyte", "result", "method", "resulted_at", "recorded_by_id", "recorded_at"),
        )
        recorded_at = dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC)
        iso = [(DAY0 + dt.timedelta(days=n)).isoformat() for n in range(YEAR_DAYS + 60)]
        observed_text = {True: ("observed", "80"), False: ("missed", "\\N")}
        specimen_id = base["specimen"]
        for i in range(patients):
            plan = patient_plan(i)
            pid, oid = base["patient"] + i, base["order"] + i
            if db == "postgresql":
                per_patient = doses.template.format(
                    patient_id=pid,
                    order_id=oid,
                    recorded_at=_pg(recorded_at),
                    clinic_day="{d}",
                    outcome="{o}",
                    amount_mg="{a}",
                    idempotency_key=f"bo{pid}-{{d}}",
                )
                lines = []
                for day, observed in dose_outcomes(plan):
                    outcome, amount = observed_text[observed]
                    lines.append(per_patient.format(d=iso[day], o=outcome, a=amount))
                doses.add_lines("".join(lines), len(lines))
            else:
                for day, observed in dose_outcomes(plan):
                    doses.add(
                        patient_id=pid,
                        order_id=oid,
                        clinic_day=DAY0 + dt.timedelta(days=day),
                        outcome="observed" if observed else "missed",
                        amount_mg=80 if observed else None,
                        idempotency_key=f"bo{pid}-{iso[day]}",
                        recorded_at=recorded_at,
                    )
            for day, status, result, temperature, lab in specimen_plan(plan):
                on = DAY0 + dt.timedelta(days=day)
                at = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC)
                specimens.add(
                    id=specimen_id,
                    patient_id=pid,
                    status=status,
                    collected_at=at,
                    clinic_day=on,
                    collected_by_id=user.pk,
                    kind="urine" if status == "collected" else "",
                    temperature_in_range=temperature,
                    idempotency_key=f"bs{specimen_id}",
                    recorded_at=at,
                )
                for value, method in ((result, "point_of_care"), (lab, "lab")):
                    if value is not None:
                        results.add(
                            specimen_id=specimen_id,
                            analyte="fentanyl",
                            result=value,
                            method=method,
                            resulted_at=at,
                            recorded_by_id=user.pk,
                            recorded_at=at,
                        )
                specimen_id += 1
            if (i + 1) % CHUNK_PATIENTS == 0:
                for table in (doses, specimens, results):
                    table.flush()
            if (i + 1) % 10_000 == 0:
                _log(f"  {i + 1:,} patients, {doses.rows:,} doses")
        for table in (doses, specimens, results):
            table.flush()
        counts.update(doses=doses.rows, specimens=specimens.rows, results=results.rows)
        _log("rebuilding indexes …")
        _restore_indexes(saved)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{Specimen._meta.db_table}', 'id'), %s)", [specimen_id]
                )
        program.rule_settings = {"bench_outcomes": {"patients": patients, "seed": SEED}}
        program.save(update_fields=["rule_settings"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {model._meta.db_table}")  # type: ignore[attr-defined]
    counts["load_s"] = round(time.perf_counter() - started, 1)
    return counts


def _drop_secondary_indexes(models: list[type]) -> list[str]:
    """Drop every index but the primary key of these tables; return the statements that rebuild them."""
    from django.db import connection

    saved: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys of the rows so far
        for model in models:
            table = model._meta.db_table  # type: ignore[attr-defined]
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'c')",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                    "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    saved.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    saved.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')
    return saved


def _restore_indexes(saved: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in saved:
            cursor.execute(statement)


class _PgWriter:
    def write(self, table: str, columns: list[str], buffer: io.StringIO) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())


class _SqliteWriter:
    def write(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        from django.db import connection

        marks = ", ".join("?" for _ in columns)
        connection.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class _Table:
    """Rows of one model as COPY text (PostgreSQL) or tuples (SQLite). `variable` names the fields each row
    gives; the others take their default (or NULL, or "")."""

    def __init__(self, model: type, writer: Any, db: str, variable: tuple[str, ...]) -> None:
        from django.db.models.fields import NOT_PROVIDED

        fields = [f for f in model._meta.concrete_fields if f.column != "id" or "id" in variable]  # type: ignore[attr-defined]
        self.table = model._meta.db_table  # type: ignore[attr-defined]
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        parts: list[str] = []
        self.consts: list[Any] = []
        for f in fields:
            if f.attname in variable:
                parts.append("{" + f.attname + "}")
                self.consts.append(None)
                continue
            if f.default is not NOT_PROVIDED:
                value = f.default() if callable(f.default) else f.default
            else:
                value = None if f.null else ""
            parts.append(_pg(value).replace("{", "{{").replace("}", "}}"))
            self.consts.append(_lite(value))
        self.template = "\t".join(parts) + "\n"
        self.writer, self.db = writer, db
        self.rows = 0
        self._text = io.StringIO()
        self._tuples: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        self.rows += 1
        if self.db == "postgresql":
            self._text.write(self.template.format(**{k: _pg(v) for k, v in values.items()}))
            return
        row = list(self.consts)
        for k, v in values.items():
            row[self.index[k]] = _lite(v)
        self._tuples.append(tuple(row))

    def add_lines(self, text: str, rows: int) -> None:
        """PostgreSQL fast path: lines already in COPY text form."""
        self.rows += rows
        self._text.write(text)

    def flush(self) -> None:
        if self.db == "postgresql":
            if self._text.tell():
                self.writer.write(self.table, self.columns, self._text)
                self._text = io.StringIO()
        elif self._tuples:
            self.writer.write(self.table, self.columns, self._tuples)
            self._tuples = []


def _pg(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _lite(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- The same numbers with pandas ---------------------------------------------------------------------------------


def _frame(sql: str) -> Any:
    """A query's rows as a DataFrame: COPY … TO STDOUT (CSV) on PostgreSQL, read_sql on SQLite."""
    import pandas as pd
    from django.db import connection

    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        return pd.read_csv(buffer)
    return pd.read_sql_query(sql, connection.connection)


def pandas_outcomes(program_id: int, data_end: dt.date, gap: int, continuity: int) -> dict[str, dict[str, Any]]:
    """The report's figures per cohort, from raw rows with vectorised pandas (no loop over rows)."""
    import numpy as np
    import pandas as pd

    from waymark.chart.models import Episode, Patient
    from waymark.labs.analytes import OPIOID_ANALYTES
    from waymark.labs.models import AnalyteResult, Specimen
    from waymark.meds.models import DoseAdministration, MedicationOrder
    from waymark.outcomes.rules import COVERAGE_DAYS, MOUD_MEDICATIONS

    epoch = pd.Timestamp("1970-01-01")
    end = (pd.Timestamp(data_end) - epoch).days

    def days(series: Any) -> Any:
        return (pd.to_datetime(series) - epoch).dt.days.astype("int64")

    ep = _frame(
        f"SELECT e.id AS episode_id, e.patient_id, e.admitted_on, e.discharged_on, e.cohort "
        f"FROM {Episode._meta.db_table} e JOIN {Patient._meta.db_table} p ON p.id = e.patient_id "
        f"WHERE p.program_id = {int(program_id)}"
    )
    ep["start"] = days(ep["admitted_on"])
    disc = pd.to_datetime(ep["discharged_on"])
    ep["discharged"] = ((disc - epoch).dt.days).fillna(end).astype("int64")
    ep = ep.sort_values(["patient_id", "start", "episode_id"])
    ep["next_start"] = ep.groupby("patient_id")["start"].shift(-1).fillna(end + 10**9).astype("int64")
    ep["end"] = np.minimum(np.minimum(ep["discharged"], ep["next_start"] - 1), end)
    ep["closed"] = (disc.notna() & (ep["discharged"] <= end)) | (ep["next_start"] - 1 <= end)
    ep["weeks"] = np.where(ep["end"] >= ep["start"], (ep["end"] - ep["start"] + 1) // 7, 0)
    ep["cohort"] = ep["cohort"].fillna("").str.strip().replace("", "(none)")
    windows = ep[["episode_id", "patient_id", "start", "end"]]

    moud = ", ".join(f"'{m}'" for m in MOUD_MEDICATIONS)
    doses = _frame(
        f"SELECT x.patient_id, x.clinic_day, o.medication FROM {DoseAdministration._meta.db_table} x "
        f"JOIN {MedicationOrder._meta.db_table} o ON o.id = x.order_id "
        f"JOIN {Patient._meta.db_table} p ON p.id = x.patient_id "
        f"WHERE p.program_id = {int(program_id)} AND x.outcome = 'observed' AND o.medication IN ({moud})"
    )
    doses["s"] = days(doses["clinic_day"])
    cover = doses["medication"].map(COVERAGE_DAYS).fillna(1).astype("int64")
    doses["e0"] = doses["s"] + cover - 1
    cov = doses.merge(windows, on="patient_id")
    cov = cov[(cov["s"] >= cov["start"]) & (cov["s"] <= cov["end"])]
    cov = cov.assign(e=np.minimum(cov["e0"], cov["end"])).sort_values(["episode_id", "s", "medication", "e"])
    by = cov.groupby("episode_id", sort=False)
    prev_end = by["e"].cummax().groupby(cov["episode_id"]).shift(1)
    brk = prev_end.isna() | (cov["s"] > prev_end + 1 + gap)
    run_id = brk.astype("int64").groupby(cov["episode_id"]).cumsum()
    runs = cov.assign(run=run_id).groupby(["episode_id", "run"]).agg(rs=("s", "min"), re=("e", "max"))
    runs["length"] = runs["re"] - runs["rs"] + 1
    per = pd.DataFrame(
        {
            "first_day": by["s"].min(),
            "last_day": by["e"].max(),
            "longest": runs.groupby(level="episode_id")["length"].max(),
        }
    )
    ep = ep.merge(per, left_on="episode_id", right_index=True, how="left")

    opioids = ", ".join(f"'{a}'" for a in sorted(str(a) for a in OPIOID_ANALYTES))
    sp = _frame(
        f"SELECT x.id AS specimen_id, x.patient_id, x.clinic_day, x.collected_at, x.status, "
        f"CASE WHEN x.temperature_in_range IS FALSE THEN 1 ELSE 0 END AS temp_bad "
        f"FROM {Specimen._meta.db_table} x JOIN {Patient._meta.db_table} p ON p.id = x.patient_id "
        f"WHERE p.program_id = {int(program_id)}"
    )
    res = _frame(
        f"SELECT r.specimen_id, r.analyte, r.method, r.result FROM {AnalyteResult._meta.db_table} r "
        f"JOIN {Specimen._meta.db_table} x ON x.id = r.specimen_id JOIN {Patient._meta.db_table} p "
        f"ON p.id = x.patient_id WHERE p.program_id = {int(program_id)} AND r.analyte IN ({opioids})"
    )
    res["lab"] = res["method"] == "lab"
    res = res.sort_values(["specimen_id", "analyte", "lab"]).drop_duplicates(["specimen_id", "analyte"], keep="last")
    flags = (
        res.assign(pos=res["result"] == "positive", inv=res["result"] == "invalid", neg=res["result"] == "negative")
        .groupby("specimen_id")[["pos", "inv", "neg"]]
        .agg({"pos": "max", "inv": "max", "neg": "sum"})
    )
    sp["day"] = days(sp["clinic_day"])
    sp = sp.merge(windows, on="patient_id")
    sp = sp[(sp["day"] >= sp["start"]) & (sp["day"] <= sp["end"])]
    sp = sp.merge(flags, left_on="specimen_id", right_index=True, how="left")
    sp[["pos", "inv"]] = sp[["pos", "inv"]].fillna(False).astype(bool)
    sp["neg"] = sp["neg"].fillna(0)
    collected = sp["status"] == "collected"
    sp["outcome"] = np.select(
        [~collected, sp["pos"], sp["inv"] | (sp["temp_bad"] == 1), sp["neg"] >= 1], ["M", "P", "M", "N"], "M"
    )
    sp["week"] = (sp["day"] - sp["start"]) // 7
    sp = sp.merge(ep[["episode_id", "weeks"]], on="episode_id")
    sp = sp.sort_values(["episode_id", "day", "collected_at", "specimen_id"])
    prev_week = sp.groupby("episode_id")["week"].shift(1)
    sbrk = (sp["outcome"] != "N") | (prev_week.notna() & (sp["week"] - prev_week > 1))
    sp["run"] = sbrk.astype("int64").groupby(sp["episode_id"]).cumsum()
    sp["is_neg"] = (sp["outcome"] == "N").astype("int64")
    longest = sp.groupby(["episode_id", "run"])["is_neg"].sum().groupby(level="episode_id").max()
    whole = sp[sp["week"] < sp["weeks"]]
    counts = pd.DataFrame(
        {
            "recorded": sp.groupby("episode_id").size(),
            "negative": sp.groupby("episode_id")["is_neg"].sum(),
            "positive": (sp["outcome"] == "P").groupby(sp["episode_id"]).sum(),
            "missing_recorded": (sp["outcome"] == "M").groupby(sp["episode_id"]).sum(),
            "weeks_with": whole.groupby("episode_id")["week"].nunique(),
            "neg_run": longest,
        }
    )
    ep = ep.merge(counts, left_on="episode_id", right_index=True, how="left")
    for column in ("recorded", "negative", "positive", "missing_recorded", "weeks_with", "neg_run"):
        ep[column] = ep[column].fillna(0).astype("int64")
    ep["missing"] = ep["missing_recorded"] + (ep["weeks"] - ep["weeks_with"]).clip(lower=0)
    ep["inducted"] = ep["first_day"].notna()
    ep["time"] = np.where(ep["inducted"], (ep["last_day"] - ep["start"] + 1).clip(lower=0), 0).astype("int64")
    last = ep["last_day"].fillna(ep["start"] - 1)
    ep["event"] = ep["closed"] | (end - last > gap)

    out: dict[str, dict[str, Any]] = {}
    for cohort, g in ep.groupby("cohort"):
        expected = int(g["negative"].sum() + g["positive"].sum() + g["missing"].sum())
        runs_median = g.loc[(g["recorded"] + g["weeks"]) > 0, "neg_run"]
        inducted = g[g["inducted"]]
        # Kaplan–Meier: at each event time, survival *= 1 − d / n (n: times ≥ t).
        table = g.groupby("time").agg(leaving=("event", "size"), events=("event", "sum")).sort_index()
        table["at_risk"] = len(g) - table["leaving"].cumsum().shift(1, fill_value=0)
        steps = table[table["events"] > 0]
        survival = (1 - steps["events"] / steps["at_risk"]).cumprod()
        curve = [(int(t), float(s)) for t, s in survival.items()]
        if not curve or curve[0][0] != 0:
            curve = [(0, 1.0), *curve]
        out[str(cohort)] = {
            "episodes": len(g),
            "patients": int(g["patient_id"].nunique()),
            "inducted": int(g["inducted"].sum()),
            "retained": {d: int((g["last_day"] >= g["start"] + d).sum()) for d in RETENTION_DAYS},
            "continuity_180": int((inducted["longest"] >= continuity).sum()),
            "expected_specimens": expected,
            "negative_specimens": int(g["negative"].sum()),
            "negative_share": int(g["negative"].sum()) / expected if expected else None,
            "longest_negative_run_median": float(runs_median.median()) if len(runs_median) else None,
            "median_days_to_first_dose": (
                float((inducted["first_day"] - inducted["start"]).median()) if len(inducted) else None
            ),
            "retention_curve": curve,
        }
    return out


def _report_figures(groups: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        g.group: {
            "episodes": g.episodes,
            "patients": g.patients,
            "inducted": g.inducted,
            "retained": dict(g.retained),
            "continuity_180": g.continuity_180,
            "expected_specimens": g.expected_specimens,
            "negative_specimens": g.negative_specimens,
            "negative_share": g.negative_share,
            "longest_negative_run_median": g.longest_negative_run_median,
            "median_days_to_first_dose": g.median_days_to_first_dose,
            "retention_curve": [(int(t), float(s)) for t, s in g.retention_curve],
        }
        for g in groups
    }


def _differences(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if set(a) != set(b):
        return [f"groups differ: {sorted(a)} vs {sorted(b)}"]
    for group in a:
        for key, value in a[group].items():
            other = b[group][key]
            if key == "retention_curve":
                same = len(value) == len(other) and all(
                    t1 == t2 and abs(s1 - s2) < 1e-9 for (t1, s1), (t2, s2) in zip(value, other, strict=True)
                )
            elif isinstance(value, float) and isinstance(other, float):
                same = abs(value - other) < 1e-9
            else:
                same = value == other
            if not same:
                problems.append(f"{group} {key}: report {str(value)[:200]} vs pandas {str(other)[:200]}")
    return problems


# --- Orchestration -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outcomes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--patients", type=int, help="default 100,000 (PostgreSQL) or 5,000 (SQLite)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side (the best is kept)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    parser.add_argument(
        "--ctn0094",
        action="store_true",
        help="the CTN-0094 trials instead of synthetic data (the database bench.ctn0094_import leaves, imported "
        "if empty; the censoring date is the data's own end)",
    )
    args = parser.parse_args(argv)
    patients = args.patients or (100_000 if args.db == "postgresql" else 5_000)
    db_name = DB_NAME if args.db == "postgresql" or patients == 5_000 else f"{DB_NAME}_{patients}"
    if args.ctn0094:
        from bench.ctn0094_import import DB_NAME as CTN_DB

        db_name = CTN_DB
    what = "the CTN-0094 trials" if args.ctn0094 else f"{patients:,} patients"
    print(f"== Waymark outcomes benchmark on {args.db}: {what} ==", flush=True)
    _environment(args.db, db_name)
    _prepare_database(args.db, db_name, fresh=args.fresh)

    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from waymark.core.models import Program
    from waymark.outcomes.report import OutcomeQuery, outcomes, resolve_data_end

    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = WAL")
    loaded: dict[str, Any] = {"reused": True}
    if args.ctn0094:
        from bench.ctn0094_import import data_folder
        from waymark.interop.ctn_import import DEFAULT_PROGRAM, do_import_ctn0094

        if not Program.objects.filter(name=DEFAULT_PROGRAM).exists():
            started = time.perf_counter()
            do_import_ctn0094(data_folder())
            loaded = {"reused": False, "load_s": round(time.perf_counter() - started, 2)}
        program = Program.objects.get(name=DEFAULT_PROGRAM)
        data_end = resolve_data_end(OutcomeQuery(program_ids=(program.pk,)))
        patients = program.patients.count()
    else:
        if not _loaded(patients):
            loaded = {"reused": False, **load(args.db, patients)}
            _log(f"loaded in {loaded['load_s']} s: {loaded['doses']:,} doses, {loaded['specimens']:,} specimens")
        program = Program.objects.get(name=PROGRAM)
        data_end = DAY0 + dt.timedelta(days=29 + YEAR_DAYS - 1)  # the last day of the last patient's year
    query = OutcomeQuery(program_ids=(program.pk,), group_by="cohort", retention_days=RETENTION_DAYS, data_end=data_end)

    report_times, pandas_times = [], []
    groups: list[Any] = []
    figures: dict[str, dict[str, Any]] = {}
    for n in range(args.repeat):
        started = time.perf_counter()
        groups = outcomes(query)
        report_times.append(time.perf_counter() - started)
        _log(f"outcomes() run {n + 1}: {report_times[-1]:.2f} s")
        started = time.perf_counter()
        figures = pandas_outcomes(program.pk, data_end, query.allowed_gap_days, query.continuity_days)
        pandas_times.append(time.perf_counter() - started)
        _log(f"pandas run {n + 1}: {pandas_times[-1]:.2f} s")
    ours = _report_figures(groups)
    problems = _differences(ours, figures)
    with connection.cursor() as cursor:
        from waymark.meds.models import DoseAdministration

        cursor.execute(f"SELECT COUNT(*) FROM {DoseAdministration._meta.db_table}")
        dose_rows = cursor.fetchone()[0]
    report = {
        "database": _database_version(connection),
        "machine": _machine(),
        "load_average": round(os.getloadavg()[0], 2),
        "patients": patients,
        "dose_rows": dose_rows,
        "load": loaded,
        "data_end": data_end.isoformat(),
        "group_by": "cohort",
        "report_s": [round(t, 2) for t in report_times],
        "pandas_s": [round(t, 2) for t in pandas_times],
        "report_best_s": round(min(report_times), 2),
        "pandas_best_s": round(min(pandas_times), 2),
        "ratio_report_to_pandas": round(min(report_times) / min(pandas_times), 2),
        "equal": not problems,
        "differences": problems[:20],
        "groups": {g.group: g.as_json(RETENTION_DAYS) | {"retention_curve": len(g.retention_curve)} for g in groups},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / (f"outcomes-ctn0094-{args.db}.json" if args.ctn0094 else f"outcomes-{args.db}.json")
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(
        f"\n{report['database']}, {patients:,} patients, {dose_rows:,} dose rows: "
        f"outcomes() {report['report_best_s']} s, "
        f"pandas {report['pandas_best_s']} s (ratio {report['ratio_report_to_pandas']}); "
        f"{'same results' if not problems else 'RESULTS DIFFER'}"
    )
    for line in problems[:20]:
        print("  " + line)
    print(f"Written: {out.relative_to(ROOT)}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
