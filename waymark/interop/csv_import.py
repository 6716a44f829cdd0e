"""`waymark import csv KIND FILE --program NAME`: patients, doses or drug tests from another system's export.

The columns are documented in docs/operations.md ("Moving from another system"); the header names them, in any
order, case-blind. Every row is checked on its own: a bad row is refused with its line, column and what is wrong,
and nothing of it is saved; good rows are saved. A file that cannot be read, or lacks a required column, is
refused as a whole. Running the same file again adds nothing: a patient is its MRN, a dose its (MRN, day, slot),
a specimen its (MRN, day, sequence). One ImportRun and one audit entry per run.
"""

import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from waymark.chart.models import Patient
from waymark.core import bulk
from waymark.core.models import Program, Site, User
from waymark.directory import sheets
from waymark.interop import accounts
from waymark.interop.models import ImportRun
from waymark.labs.analytes import ANALYTES
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.medications import CATALOGUE, Medication
from waymark.meds.models import DoseAdministration, MedicationOrder

KINDS = ("patients", "doses", "specimens")
STORED_PROBLEMS = 1000
SERIES_NAMESPACE = uuid.UUID("0b8a4f52-31f6-4a53-9a44-1d6f0e1c7a21")
CLINIC_HOUR = dt.time(9, 0)
_MRN = re.compile(r"[A-Za-z0-9-]{1,32}")  # as the chart's API takes it

# kind → (required columns, optional columns)
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "patients": (
        ("mrn", "given_name", "family_name", "date_of_birth"),
        ("sex_at_birth", "preferred_name", "site", "phone", "email", "preferred_language"),
    ),
    "doses": (("mrn", "clinic_day", "medication", "amount_mg"), ("slot", "outcome", "notes")),
    "specimens": (
        ("mrn", "collected_on"),
        ("sequence", "kind", "status", "temperature_in_range", "method", *(a.value for a in ANALYTES)),
    ),
}


class ImportFailed(Exception):
    """The file as a whole cannot be imported."""


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


@dataclass
class _Run:
    program: Program
    account: User
    today: dt.date
    counts: Counter[str] = field(default_factory=Counter)
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, column: str, message: str) -> None:
        self.counts["rejected"] += 1
        if len(self.rejections) < STORED_PROBLEMS:
            self.rejections.append({"table": "csv", "row": line, "column": column, "reason": message})

    def at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, CLINIC_HOUR, tzinfo=self.program.zone)

    def key(self, table: str, *parts: object) -> str:
        return ":".join(["csv", f"p{self.program.pk}", table, *map(str, parts)])


def do_import_csv(kind: str, path: Path, *, program: Program) -> ImportRun:
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    try:
        table = sheets.read_csv(path)
    except (sheets.TableError, OSError) as error:
        raise ImportFailed(f"{path.name} cannot be read: {error}") from None
    required, optional = COLUMNS[kind]
    missing = [c for c in required if c not in table.header]
    if missing:
        raise ImportFailed(f"{path.name} lacks the column(s) {', '.join(missing)} that a {kind} file needs")
    unknown = [c for c in table.header if c and c not in required + optional]
    if unknown:
        raise ImportFailed(f"{path.name} has column(s) this import does not know: {', '.join(unknown)}")
    records = _records(table)
    with transaction.atomic():
        run = _Run(program, accounts.import_account(program, "csv"), program.clinic_day())
        report = ImportRun.objects.create(program=program, kind=ImportRun.Kind.CSV, source_name=path.name[:300])
        {"patients": _patients, "doses": _doses, "specimens": _specimens}[kind](run, records)
        report.counts = {kind: dict(run.counts)}
        report.rejections = run.rejections
        report.finish(
            run.account, "csv_import", f"{kind}: {run.counts['added']} added, {run.counts['rejected']} rejected"
        )
    return report


def _records(table: sheets.Table) -> Iterator[tuple[int, dict[str, str]]]:
    for offset, cells in enumerate(table.read(), start=1):
        yield table.header_row + offset, {name: value.strip() for name, value in zip(table.header, cells, strict=False)}


# --- Values ------------------------------------------------------------------------------------------------


def _date(record: dict[str, str], column: str, today: dt.date) -> dt.date:
    text = record.get(column, "")
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise RowError(column, f"{text!r} is not a date; write it like 2024-03-31") from None
    if value > today:
        raise RowError(column, f"{value:%Y-%m-%d} is in the future")
    if value.year < 1900:
        raise RowError(column, f"{value:%Y-%m-%d} is before 1900")
    return value


def _choice(record: dict[str, str], column: str, allowed: tuple[str, ...], default: str) -> str:
    value = record.get(column, "").lower() or default
    if value not in allowed:
        raise RowError(column, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def _whole(record: dict[str, str], column: str, low: int, high: int, default: int) -> int:
    text = record.get(column, "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise RowError(column, f"{text!r} is not a whole number") from None
    if not low <= value <= high:
        raise RowError(column, f"{value} is outside {low}–{high}")
    return value


def _patient_ids(run: _Run) -> dict[str, int]:
    return dict(Patient.objects.filter(program=run.program).values_list("mrn", "id"))


def _birth_dates(run: _Run) -> dict[int, dt.date | None]:
    return dict(Patient.objects.filter(program=run.program).values_list("id", "date_of_birth"))


def _on_or_after_birth(day: dt.date, column: str, born: dt.date | None) -> dt.date:
    if born is not None and day < born:
        raise RowError(column, f"{day:%Y-%m-%d} is before the person's birth date")
    return day


def _patient(record: dict[str, str], patients: dict[str, int]) -> int:
    mrn = record.get("mrn", "")
    if mrn not in patients:
        raise RowError("mrn", f"no patient with MRN {mrn!r} in this program (import the patients first)")
    return patients[mrn]


# --- Patients ------------------------------------------------------------------------------------------------


def _patients(run: _Run, records: Iterator[tuple[int, dict[str, str]]]) -> None:
    # MRN → (given name, family name, birth date) of the program's charts, and of the rows saved from this file.
    existing: dict[str, tuple[str, str, dt.date | None]] = {
        mrn: (given, family, born)
        for mrn, given, family, born in Patient.objects.filter(program=run.program).values_list(
            "mrn", "given_name", "family_name", "date_of_birth"
        )
    }
    sites = dict(Site.objects.filter(program=run.program).values_list("name", "id"))
    for line, record in records:
        run.counts["read"] += 1
        try:
            if not _MRN.fullmatch(record["mrn"]):
                raise RowError("mrn", f"{record['mrn']!r} is not an MRN: 1–32 letters, digits and '-'")
            if record["mrn"] in existing:
                # The same person again adds nothing; another person under that MRN would mix two charts.
                given, family, born = existing[record["mrn"]]
                same = (given.casefold(), family.casefold(), born and born.isoformat()) == (
                    record["given_name"].casefold(),
                    record["family_name"].casefold(),
                    record["date_of_birth"],
                )
                if not same:
                    raise RowError(
                        "mrn", f"MRN {record['mrn']} already belongs to a chart with another name or birth date"
                    )
                run.counts["already_there"] += 1
                continue
            site = record.get("site", "")
            if site and site not in sites:
                raise RowError("site", f"no site named {site!r} in this program")
            patient = Patient(
                program=run.program,
                mrn=record["mrn"],
                given_name=record["given_name"],
                family_name=record["family_name"],
                preferred_name=record.get("preferred_name", ""),
                date_of_birth=_date(record, "date_of_birth", run.today),
                sex_at_birth=_choice(record, "sex_at_birth", tuple(Patient.SexAtBirth.values), "unknown"),
                site_id=sites.get(site),
                phone=record.get("phone", ""),
                email=record.get("email", ""),
                preferred_language=record.get("preferred_language", "") or "English",
            )
            try:
                patient.full_clean()
            except ValidationError as error:
                column, messages = next(iter(error.message_dict.items()))
                raise RowError(column, " ".join(messages)) from None
        except RowError as problem:
            run.reject(line, problem.column, problem.message)
            continue
        if not _saved(run, line, patient.save):
            continue
        existing[patient.mrn] = (patient.given_name, patient.family_name, patient.date_of_birth)
        run.counts["added"] += 1


# --- Doses ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dose:
    line: int
    patient_id: int
    mrn: str
    medication: str
    day: dt.date
    slot: int
    outcome: str
    amount: Decimal | None
    notes: str


def _doses(run: _Run, records: Iterator[tuple[int, dict[str, str]]]) -> None:
    patients = _patient_ids(run)
    births = _birth_dates(run)
    medications = tuple(m.value for m in Medication)
    outcomes = tuple(DoseAdministration.Outcome.values)
    good: list[_Dose] = []
    seen: set[tuple[int, dt.date, int]] = set()
    for line, record in records:
        run.counts["read"] += 1
        try:
            patient_id = _patient(record, patients)
            medication = _choice(record, "medication", medications, "")
            day = _on_or_after_birth(_date(record, "clinic_day", run.today), "clinic_day", births[patient_id])
            slot = _whole(record, "slot", 1, 6, 1)
            outcome = _choice(record, "outcome", outcomes, "observed")
            amount = _amount(record, Medication(medication), outcome)
            if (patient_id, day, slot) in seen:
                raise RowError("slot", f"a second dose for {record['mrn']} on {day:%Y-%m-%d} slot {slot} in the file")
        except RowError as problem:
            run.reject(line, problem.column, problem.message)
            continue
        seen.add((patient_id, day, slot))
        good.append(
            _Dose(line, patient_id, record["mrn"], medication, day, slot, outcome, amount, record.get("notes", ""))
        )
    keys = {d: run.key("dose", d.mrn, d.day.isoformat(), d.slot) for d in good}
    taken = set(
        DoseAdministration.objects.filter(
            patient__program=run.program, idempotency_key__in=list(keys.values())
        ).values_list("idempotency_key", flat=True)
    )
    slots_used = set(
        DoseAdministration.objects.filter(patient_id__in={d.patient_id for d in good}).values_list(
            "patient_id", "clinic_day", "slot"
        )
    )
    new = []
    for dose in good:
        if keys[dose] in taken:
            run.counts["already_there"] += 1
        elif (dose.patient_id, dose.day, dose.slot) in slots_used:
            run.reject(
                dose.line, "slot", f"{dose.mrn} already has a dose recorded on {dose.day:%Y-%m-%d} slot {dose.slot}"
            )
        else:
            new.append(dose)
    orders = _orders(run, new)
    bulk.insert_rows(
        DoseAdministration,
        (
            "patient",
            "order",
            "clinic_day",
            "slot",
            "outcome",
            "amount_mg",
            "idempotency_key",
            "notes",
            "recorded_by",
            "recorded_at",
        ),
        (
            (
                d.patient_id,
                orders[(d.patient_id, d.medication)],
                d.day,
                d.slot,
                d.outcome,
                d.amount,
                keys[d],
                d.notes,
                run.account.pk,
                run.at(d.day),
            )
            for d in new
        ),
    )
    run.counts["added"] += len(new)


def _amount(record: dict[str, str], medication: Medication, outcome: str) -> Decimal | None:
    text = record.get("amount_mg", "")
    if outcome != "observed":
        if text:
            raise RowError("amount_mg", f"a {outcome} dose has no amount; leave amount_mg empty")
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowError("amount_mg", f"{text!r} is not a number of mg") from None
    if not amount.is_finite():
        raise RowError("amount_mg", f"{text!r} is not a number of mg")
    if amount != amount.quantize(Decimal("0.001")):
        raise RowError("amount_mg", f"{text} mg has more than 3 decimal places")
    info = CATALOGUE[medication]
    if not info.min_dose_mg <= amount <= info.max_dose_mg:
        raise RowError(
            "amount_mg", f"{amount} mg is outside {info.min_dose_mg}–{info.max_dose_mg} mg for {info.label.lower()}"
        )
    return amount


def _orders(run: _Run, doses: list[_Dose]) -> dict[tuple[int, str], int]:
    """One stopped order per (patient, medication) covering the imported days; widened when later files add days."""
    spans: dict[tuple[int, str], list[_Dose]] = {}
    for dose in doses:
        spans.setdefault((dose.patient_id, dose.medication), []).append(dose)
    ids = {}
    for (patient_id, medication), group in spans.items():
        series = uuid.uuid5(SERIES_NAMESPACE, run.key("order", patient_id, medication))
        first, last = min(d.day for d in group), max(d.day for d in group)
        amount = next((d.amount for d in group if d.amount is not None), CATALOGUE[Medication(medication)].min_dose_mg)
        order, created = MedicationOrder.objects.get_or_create(
            series=series,
            version=1,
            defaults={
                "patient_id": patient_id,
                "medication": medication,
                "dose_mg": amount,
                "start_on": first,
                "stop_on": last,
                "status": MedicationOrder.Status.STOPPED,
                "prescriber": run.account,
                "instructions": "Imported from another system: the doses given are on the administrations.",
            },
        )
        if not created and (first < order.start_on or last > (order.stop_on or last)):
            order.start_on, order.stop_on = min(first, order.start_on), max(last, order.stop_on or last)
            order.save(update_fields=["start_on", "stop_on"])
        ids[(patient_id, medication)] = order.pk
    return ids


# --- Specimens -----------------------------------------------------------------------------------------------


RESULTS = tuple(AnalyteResult.Result.values)


def _specimens(run: _Run, records: Iterator[tuple[int, dict[str, str]]]) -> None:
    patients = _patient_ids(run)
    births = _birth_dates(run)
    analytes = [a.value for a in ANALYTES]
    seen: set[str] = set()
    for line, record in records:
        run.counts["read"] += 1
        try:
            patient_id = _patient(record, patients)
            day = _on_or_after_birth(_date(record, "collected_on", run.today), "collected_on", births[patient_id])
            sequence = _whole(record, "sequence", 1, 9, 1)
            status = _choice(record, "status", tuple(Specimen.Status.values), "collected")
            kind = _choice(record, "kind", tuple(Specimen.Kind.values), "urine")
            method = _choice(record, "method", tuple(AnalyteResult.Method.values), "lab")
            temperature = _yes_no(record, "temperature_in_range")
            if temperature is not None and (kind != "urine" or status != "collected"):
                raise RowError("temperature_in_range", "only a collected urine cup has a temperature reading")
            results = {a: _choice(record, a, RESULTS, "") for a in analytes if record.get(a, "")}
            if status != "collected" and results:
                raise RowError("status", f"a {status} test has no results; leave the analyte columns empty")
            key = run.key("specimen", record["mrn"], day.isoformat(), sequence)
            if key in seen:
                raise RowError(
                    "sequence",
                    f"a second test for {record['mrn']} on {day:%Y-%m-%d} sequence {sequence} "
                    "in the file (number a second cup 2)",
                )
        except RowError as problem:
            run.reject(line, problem.column, problem.message)
            continue
        seen.add(key)
        try:
            with transaction.atomic():
                specimen, created = Specimen.objects.get_or_create(
                    idempotency_key=key,
                    defaults={
                        "patient_id": patient_id,
                        "status": status,
                        "collected_at": run.at(day),
                        "clinic_day": day,
                        "collected_by": run.account,
                        "kind": kind if status == "collected" else "",
                        "temperature_in_range": temperature,
                        "notes": "Imported from another system.",
                    },
                )
        except IntegrityError as error:
            _refused_by_database(run, line, error)
            continue
        if not created:
            stored = dict(specimen.results.values_list("analyte", "result"))
            if stored != results or specimen.status != status:
                run.reject(
                    line,
                    "mrn",
                    f"a test for {record['mrn']} on {day:%Y-%m-%d} sequence {sequence} was "
                    "imported before with other results; correct it in the chart",
                )
            else:
                run.counts["already_there"] += 1
            continue
        AnalyteResult.objects.bulk_create(
            AnalyteResult(
                specimen=specimen, analyte=a, result=r, method=method, resulted_at=run.at(day), recorded_by=run.account
            )
            for a, r in results.items()
        )
        run.counts["added"] += 1
        run.counts["results"] += len(results)


def _saved(run: _Run, line: int, save: Callable[[], object]) -> bool:
    """Write one row in its own savepoint: a database constraint it breaks refuses the row, not the file."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        _refused_by_database(run, line, error)
        return False
    return True


def _refused_by_database(run: _Run, line: int, error: IntegrityError) -> None:
    run.reject(line, "", f"the database refused the row: {str(error).splitlines()[0]}")


def _yes_no(record: dict[str, str], column: str) -> bool | None:
    value = record.get(column, "").lower()
    if not value:
        return None
    if value not in ("yes", "no"):
        raise RowError(column, f"{value!r} is not yes, no or empty")
    return value == "yes"


def summary_lines(report: ImportRun, show: int = 20) -> list[str]:
    ((kind, counts),) = report.counts.items()
    lines = [f"CSV import of {kind} from {report.source_name} into {report.program.name}:"]
    lines.append("  " + ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in sorted(counts.items())))
    for problem in report.rejections[:show]:
        where = f"line {problem['row']}, " if problem["row"] else ""
        lines.append(f"  refused {where}{problem['column']}: {problem['reason']}")
    lines.append(f"Stored as import run #{report.pk}.")
    return lines
