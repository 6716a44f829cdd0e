"""Recompute every ledger from the records as they stand now, and report where
the ledger differs (`waymark cm recompute`).

Each award was computed when its event was final. Later a laboratory may
overturn a point-of-care result, or a test recorded late may change the order
of events. Nothing earned is ever taken away (REFERENCE.md §7), so this never
writes: it re-derives each award's outcome from the specimen, dosing-window
or staff record, re-runs the programme's schedule with the stored prize-draw
seeds, and lists every award whose outcome or scheduled amount now differs,
for a person to review. (Balances are never stored: pages sum the entries.)

It reads in chunks of enrolments with plain value rows (no model instances),
so 10,000 people × 72 specimens fit in memory (bench/cm.py measures it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from waymark.core.models import Program
from waymark.incentives import schedules
from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry, TargetCheck
from waymark.incentives.services import LETTER, attendance_outcome, earnings, schedule_params
from waymark.labs import rules as lab_rules
from waymark.labs.analytes import Analyte
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration

CHUNK = 500
ANALYTES = {a.value: a for a in Analyte}
RESULTS = {r.value: r for r in lab_rules.Result}
STATUSES = {s.value: s for s in lab_rules.Status}


@dataclass(frozen=True)
class Difference:
    patient_id: int
    enrollment_id: int
    event_key: str
    event_day: str
    recorded_outcome: str
    outcome_now: str
    recorded_amount: Decimal
    amount_now: Decimal


@dataclass
class Report:
    enrollments: int = 0
    events: int = 0
    earned: Decimal = Decimal(0)
    differences: list[Difference] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "enrollments": self.enrollments,
            "events": self.events,
            "earned": str(self.earned),
            "differences": [
                {
                    "patient_id": d.patient_id,
                    "enrollment_id": d.enrollment_id,
                    "event": d.event_key,
                    "day": d.event_day,
                    "recorded": {"outcome": d.recorded_outcome, "amount": str(d.recorded_amount)},
                    "now": {"outcome": d.outcome_now, "amount": str(d.amount_now)},
                }
                for d in self.differences
            ],
        }


def _chunks(rows: Sequence[tuple[int, int]]) -> Iterator[Sequence[tuple[int, int]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _specimen_outcomes(patient_ids: Iterable[int], programme: CmProgramme) -> dict[int, str]:
    """specimen id → outcome letter now ("" when pending or left out), for every specimen of these
    people (selected by person: 500 ids in the query rather than 36,000 specimen ids)."""
    readings: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
    rows = AnalyteResult.objects.filter(specimen__patient_id__in=patient_ids).values_list(
        "specimen_id", "analyte", "result", "method"
    )
    for specimen_id, analyte, result, method in rows:
        held = readings[specimen_id].get(analyte)
        if held is None or (method == AnalyteResult.Method.LAB and held[1] != AnalyteResult.Method.LAB):
            readings[specimen_id][analyte] = (result, method)
    targets = frozenset(Analyte(a) for a in programme.target_analytes)
    out: dict[int, str] = {}
    specimens = Specimen.objects.filter(patient_id__in=patient_ids).values_list("pk", "status", "temperature_in_range")
    for pk, status, temperature in specimens:
        facts = lab_rules.SpecimenFacts(
            status=STATUSES[status],
            readings=tuple(lab_rules.Reading(ANALYTES[a], RESULTS[r]) for a, (r, _) in readings.get(pk, {}).items()),
            temperature_in_range=temperature,
        )
        letter = LETTER.get(lab_rules.target_outcome(facts, targets, programme.invalid_counts_as_missed))
        out[pk] = letter.value if letter else ""
    return out


def _event_outcomes(programme: CmProgramme, awards: list[tuple[Any, ...]], patients: dict[int, int]) -> dict[str, str]:
    """event key → outcome letter now, for one chunk's awards of one programme."""
    keys = [row[2] for row in awards]
    out: dict[str, str] = {}
    if programme.target == CmProgramme.Target.SPECIMEN_NEGATIVE:
        for pk, letter in _specimen_outcomes(patients.values(), programme).items():
            out[f"specimen:{pk}"] = letter
    elif programme.target == CmProgramme.Target.ATTENDANCE:
        days = {row[3] for row in awards}
        by_patient_day: dict[tuple[int, Any], list[str]] = defaultdict(list)
        rows = DoseAdministration.objects.filter(
            patient_id__in=set(patients.values()), clinic_day__in=days
        ).values_list("patient_id", "clinic_day", "outcome")
        for patient_id, day, outcome in rows:
            by_patient_day[(patient_id, day)].append(outcome)
        for enrollment_id, key, day in ((row[1], row[2], row[3]) for row in awards):
            found = attendance_outcome(by_patient_day.get((patients[enrollment_id], day), []))
            out[f"{enrollment_id}|{key}"] = found.value if found else ""
    else:
        ids = [int(k.split(":", 1)[1]) for k in keys if k.startswith("check:")]
        for pk, met in TargetCheck.objects.filter(pk__in=ids).values_list("pk", "met"):
            out[f"check:{pk}"] = schedules.Outcome.SUCCESS.value if met else schedules.Outcome.FAILURE.value
    return out


def recompute_ledgers(program: Program | None = None) -> Report:
    report = Report()
    programmes = CmProgramme.objects.all() if program is None else CmProgramme.objects.filter(program=program)
    for programme in programmes.order_by("pk"):
        params = schedule_params(programme.schedule, programme.parameters or {})
        enrollment_rows = list(
            Enrollment.objects.filter(programme=programme).order_by("pk").values_list("pk", "patient_id")
        )
        report.enrollments += len(enrollment_rows)
        for chunk in _chunks(enrollment_rows):
            patients = dict(chunk)
            awards = list(
                LedgerEntry.objects.filter(enrollment_id__in=patients, kind=LedgerEntry.Kind.EARNED)
                .order_by("enrollment_id", "event_day", "pk")
                .values_list(
                    "pk", "enrollment_id", "event_key", "event_day", "outcome", "seed", "scheduled_amount", "amount"
                )
            )
            now = _event_outcomes(programme, awards, patients)
            by_enrollment: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
            for row in awards:
                by_enrollment[row[1]].append(row)
            for enrollment_id, rows in by_enrollment.items():
                _compare(report, programme, params, patients[enrollment_id], enrollment_id, rows, now)
    return report


def _compare(
    report: Report,
    programme: CmProgramme,
    params: Any,
    patient_id: int,
    enrollment_id: int,
    rows: list[tuple[Any, ...]],
    now: dict[str, str],
) -> None:
    attendance = programme.target == CmProgramme.Target.ATTENDANCE
    # An event that no longer counts (a result withdrawn, a day now only on hold) drops out of the run.
    current = []
    for row in rows:
        key = f"{enrollment_id}|{row[2]}" if attendance else row[2]
        current.append((row, now.get(key, row[4])))
    counted = [(row, letter) for row, letter in current if letter]
    recomputed = earnings(params, [schedules.Outcome(letter) for _, letter in counted], [row[5] for row, _ in counted])
    amount_now = {row[0]: e.total for (row, _), e in zip(counted, recomputed, strict=True)}
    for row, letter in current:
        report.events += 1
        report.earned += row[7]
        scheduled = amount_now.get(row[0], Decimal(0))
        if letter != row[4] or scheduled != row[6]:
            report.differences.append(
                Difference(
                    patient_id=patient_id,
                    enrollment_id=enrollment_id,
                    event_key=row[2],
                    event_day=row[3].isoformat(),
                    recorded_outcome=row[4],
                    outcome_now=letter or "not counted",
                    recorded_amount=row[6],
                    amount_now=scheduled,
                )
            )
