"""`waymark import ctn0094 PATH`: the CTN-0094 harmonised trial tables as one program's history.

ctn0094.read() turns the tables into plain rows; this module writes them into the program's own models (no
copies): a Patient per participant, an Episode per randomisation (its arm is the episode's cohort), a stopped
MedicationOrder per episode with doses and a DoseAdministration per dose, a Specimen per cup with an
AnalyteResult for every group its trial tested, an InstrumentRecord (`ctn-wd`) per withdrawal rating, a
DetoxStay per admission with its discharge, and a CounsellingSession with one Attendance per dated visit.

Day numbers become dates from the start date (day 0; default 2000-01-01). Running it again adds only what is
missing: every row has a key made of the program, the table and the participant's own numbers. The writing goes
through core.bulk (COPY or executemany) inside one transaction, with one audit entry and one ImportRun for the
run. What the data does not hold is left empty or named "not recorded", never made up; what cannot be placed is
rejected with its table, line and reason. The decisions are listed in RULE_INFO (docs/clinical-rules.md).
"""

import datetime as dt
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from waymark.assess.models import DetoxStay, InstrumentRecord
from waymark.care.models import Attendance, CounsellingSession
from waymark.chart.models import Episode, LevelOfCare, LevelOfCareChange, Patient
from waymark.core import bulk
from waymark.core.models import Program, Site, User
from waymark.interop import accounts, ctn0094
from waymark.interop.models import ImportRun
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.medications import CATALOGUE, Medication
from waymark.meds.models import DoseAdministration, MedicationOrder

Progress = Callable[[int, int | None], None]

DEFAULT_PROGRAM = "CTN-0094 trials"
DEFAULT_START = dt.date(2000, 1, 1)
CLINIC_HOUR = dt.time(9, 0)  # the data has days, not times: records are placed at 09:00 in the program's zone
STORED_PROBLEMS = 1000  # rejections and warnings kept on the ImportRun (the counts are exact)
SERIES_NAMESPACE = uuid.UUID("5c0f4f7e-2f0b-4b9e-9d36-0c6f5a2b7c94")  # order series: uuid5 of the episode's key

# Substance group (as `uds` names it, lower case) → Waymark analyte. Groups with no Waymark analyte are counted
# and reported, not stored.
GROUP_ANALYTE = {
    "opioid": "opiates",
    "thc": "cannabis",
    "cocaine": "cocaine",
    "benzodiazepine": "benzodiazepines",
    "amphetamine": "amphetamines",
    "methadone": "methadone",
    "buprenorphine": "buprenorphine",
    "alcohol": "alcohol",
}
# CTN-0027 ran in opioid treatment programs; CTN-0030 in outpatient buprenorphine clinics; CTN-0051 started in
# inpatient withdrawal management (its detox stays) and continued as outpatients.
PROJECT_LEVEL = {27: LevelOfCare.OTP, 30: LevelOfCare.OUTPATIENT, 51: LevelOfCare.OUTPATIENT}


@dataclass
class _Run:
    program: Program
    start: dt.date
    account: User
    zone: Any
    progress: Progress | None
    total: int = 0
    done: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    rejections: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    rejected_count: int = 0
    warning_count: int = 0
    site_of: dict[int, int | None] = field(default_factory=dict)  # patient id → their site's id, read once

    def day(self, number: int) -> dt.date:
        return ctn0094.date_for(self.start, number)

    def at(self, number: int) -> dt.datetime:
        return dt.datetime.combine(self.day(number), CLINIC_HOUR, tzinfo=self.zone)

    def key(self, table: str, *parts: object) -> str:
        return ":".join(["ctn0094", f"p{self.program.pk}", table, *map(str, parts)])

    def reject(self, table: str, line: int | None, reason: str) -> None:
        self.rejected_count += 1
        self.counts[table]["rejected"] += 1
        if len(self.rejections) < STORED_PROBLEMS:
            self.rejections.append({"table": table, "row": line, "reason": reason})

    def warn(self, table: str, row: object, note: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < STORED_PROBLEMS:
            self.warnings.append({"table": table, "row": row, "note": note})

    def step(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def ctn0094_dir() -> Path | None:
    """The data folder: WAYMARK_CTN0094_DIR, else ../shared/data/ctn0094 beside the checkout; None if absent."""
    configured = os.environ.get("WAYMARK_CTN0094_DIR")
    folder = (
        Path(configured) if configured else Path(settings.BASE_DIR).resolve().parent / "shared" / "data" / "ctn0094"
    )
    return folder if (folder / "everybody.csv.gz").exists() or (folder / "everybody.csv").exists() else None


class ImportFailed(Exception):
    """The folder as a whole cannot be imported."""


def do_import_ctn0094(
    folder: Path,
    *,
    program_name: str = DEFAULT_PROGRAM,
    start: dt.date = DEFAULT_START,
    progress: Progress | None = None,
) -> ImportRun:
    if not folder.is_dir():
        raise ImportFailed(f"{folder} is not a folder")
    missing = [t for t in ctn0094.TABLES if not any((folder / f"{t}{s}").exists() for s in (".csv.gz", ".csv"))]
    if missing:
        raise ImportFailed(f"{folder} lacks these CTN-0094 tables: {', '.join(missing)}")
    if start > timezone.now().date():
        raise ImportFailed(f"the start date {start:%Y-%m-%d} is in the future")
    trial = ctn0094.read(folder)
    last_day = max((d.day for d in trial.doses), default=0)
    if ctn0094.date_for(start, last_day) > timezone.now().date():
        raise ImportFailed(f"from {start:%Y-%m-%d} the data would run into the future; choose an earlier start")
    with transaction.atomic():
        program, _ = Program.objects.get_or_create(name=program_name)
        earlier = ImportRun.objects.filter(program=program, kind=ImportRun.Kind.CTN0094).exclude(day_zero=start).first()
        if earlier is not None and earlier.day_zero is not None:
            raise ImportFailed(
                f"{program.name} already holds CTN-0094 records with day 0 on {earlier.day_zero:%Y-%m-%d}; import "
                f"again with --start-date {earlier.day_zero:%Y-%m-%d}, or into another program"
            )
        run = _Run(program, start, accounts.import_account(program, "ctn0094"), program.zone, progress)
        for rejected in trial.rejected:
            run.reject(rejected.table, rejected.line, rejected.reason)
        run.total = (
            len(trial.participants)
            + sum(map(len, trial.episodes.values()))
            + len(trial.doses)
            + len(trial.specimens)
            + len(trial.withdrawal)
            + len(trial.detox)
            + len(trial.visits)
        )
        report = ImportRun.objects.create(
            program=program, kind=ImportRun.Kind.CTN0094, source_name=folder.name[:300], day_zero=start
        )
        patients = _patients(run, trial)
        episodes = _episodes(run, trial, patients)
        _doses(run, trial, patients, episodes)
        _specimens(run, trial, patients)
        _withdrawal(run, trial, patients, episodes)
        _detox(run, trial, patients, episodes)
        _visits(run, trial, patients)
        report.counts = {table: dict(counter) for table, counter in run.counts.items()}
        report.counts["totals"] = {"rejected": run.rejected_count, "warnings": run.warning_count}
        report.rejections, report.warnings = run.rejections, run.warnings
        added = sum(c.get("added", 0) for c in run.counts.values())
        report.finish(run.account, "ctn0094_import", f"{added} rows added, {run.rejected_count} rejected")
        _analyze()
    return report


def _analyze() -> None:
    """Refresh PostgreSQL's row estimates of the tables just filled: autovacuum comes later, and until then the
    planner takes them for nearly empty (a re-run's lookups took 50 s instead of 1 s)."""
    if connection.vendor != "postgresql":
        return
    tables = [
        m._meta.db_table
        for m in (
            Patient,
            Episode,
            MedicationOrder,
            DoseAdministration,
            Specimen,
            AnalyteResult,
            InstrumentRecord,
            DetoxStay,
            CounsellingSession,
            Attendance,
        )
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# --- Patients and episodes -----------------------------------------------------------------------------


def _mrn(who: int) -> str:
    return f"CTN-{who}"


def _birth_date(start: dt.date, age: int | None) -> dt.date | None:
    if age is None:
        return None
    try:
        return start.replace(year=start.year - age)
    except ValueError:  # 29 February
        return start.replace(year=start.year - age, day=28)


def _patients(run: _Run, trial: ctn0094.Trial) -> dict[int, int]:
    """Participant → patient id, adding the participants not yet in the program."""
    sites = _sites(run, {p.site for p in trial.participants.values() if p.site})
    existing = dict(Patient.objects.filter(program=run.program, mrn__startswith="CTN-").values_list("mrn", "id"))
    new = [p for p in trial.participants.values() if _mrn(p.who) not in existing]
    sex = {True: Patient.SexAtBirth.MALE.value, False: Patient.SexAtBirth.FEMALE.value, None: "unknown"}
    Patient.objects.bulk_create(
        [
            Patient(
                program=run.program,
                site_id=sites.get(p.site),
                mrn=_mrn(p.who),
                given_name="Participant",
                family_name=str(p.who),
                date_of_birth=_birth_date(run.start, p.age),
                sex_at_birth=sex[p.is_male],
            )
            for p in new
        ],
        batch_size=bulk.BATCH,
    )
    counts = run.counts["participants"]
    counts["read"] += len(trial.participants)
    counts["added"] += len(new)
    counts["already_there"] += len(trial.participants) - len(new)
    counts["no_age"] += sum(1 for p in new if p.age is None)
    run.step(len(trial.participants))
    by_mrn = {}
    for mrn, pk, site_id in Patient.objects.filter(program=run.program, mrn__startswith="CTN-").values_list(
        "mrn", "id", "site_id"
    ):
        by_mrn[mrn] = pk
        run.site_of[pk] = site_id
    return {who: by_mrn[_mrn(who)] for who in trial.participants}


def _sites(run: _Run, numbers: set[str]) -> dict[str, int]:
    names = {number: f"Site {number}" for number in numbers}
    existing = set(Site.objects.filter(program=run.program).values_list("name", flat=True))
    Site.objects.bulk_create([Site(program=run.program, name=n) for n in names.values() if n not in existing])
    ids = dict(Site.objects.filter(program=run.program).values_list("name", "id"))
    return {number: ids[name] for number, name in names.items()}


@dataclass(frozen=True)
class _Placed:
    """An episode as written: its id and admission date."""

    id: int
    admitted_on: dt.date


def _episodes(run: _Run, trial: ctn0094.Trial, patients: dict[int, int]) -> dict[ctn0094.Episode, _Placed]:
    last_record = _last_record_days(trial)
    existing = {
        (patient_id, admitted_on, cohort): pk
        for pk, patient_id, admitted_on, cohort in Episode.objects.filter(
            patient__program=run.program, patient__mrn__startswith="CTN-"
        ).values_list("id", "patient_id", "admitted_on", "cohort")
    }
    wanted: list[tuple[ctn0094.Episode, Episode]] = []
    for who, episodes in trial.episodes.items():
        project = trial.participants[who].project
        for episode in episodes:
            end_day = episode.end_day if episode.end_day is not None else last_record.get(who, episode.start_day)
            end_day = max(end_day, episode.start_day)
            key = (patients[who], run.day(episode.start_day), episode.arm)
            if key in existing:
                continue
            wanted.append(
                (
                    episode,
                    Episode(
                        patient_id=patients[who],
                        site_id=run.site_of.get(patients[who]),
                        admitted_on=run.day(episode.start_day),
                        discharged_on=run.day(end_day),
                        level_of_care=PROJECT_LEVEL[project],
                        primary_substance=Episode.Substance.NOT_RECORDED,
                        cohort=episode.arm,
                    ),
                )
            )
    created = Episode.objects.bulk_create([e for _, e in wanted], batch_size=bulk.BATCH)
    LevelOfCareChange.objects.bulk_create(
        [
            LevelOfCareChange(
                episode=e,
                level_of_care=e.level_of_care,
                started_on=e.admitted_on,
                reason="CTN-0094 import",
                recorded_by=run.account,
            )
            for e in created
        ],
        batch_size=bulk.BATCH,
    )
    counts = run.counts["episodes"]
    read = sum(map(len, trial.episodes.values()))
    counts["read"] += read
    counts["added"] += len(created)
    counts["already_there"] += read - len(created)
    run.step(read)
    placed: dict[ctn0094.Episode, _Placed] = {}
    for who, episodes in trial.episodes.items():
        for episode in episodes:
            key = (patients[who], run.day(episode.start_day), episode.arm)
            if key in existing:
                placed[episode] = _Placed(existing[key], key[1])
    for episode, row in wanted:
        placed[episode] = _Placed(row.pk, row.admitted_on)
    return placed


def _last_record_days(trial: ctn0094.Trial) -> dict[int, int]:
    """Each participant's last day with a dose, a specimen, a rating or a visit: where their last episode ends."""
    last: dict[int, int] = {}
    for rows in (trial.doses, trial.specimens, trial.withdrawal, trial.visits):
        for row in rows:
            if row.day > last.get(row.who, row.day - 1):
                last[row.who] = row.day
    return last


# --- Medication --------------------------------------------------------------------------------------------


def _doses(run: _Run, trial: ctn0094.Trial, patients: dict[int, int], episodes: dict[ctn0094.Episode, _Placed]) -> None:
    by_episode: dict[ctn0094.Episode, list[ctn0094.Dose]] = defaultdict(list)
    for dose in trial.doses:
        by_episode[dose.episode].append(dose)
    orders = _orders(run, by_episode, patients, episodes)
    existing = set(
        DoseAdministration.objects.filter(
            idempotency_key__startswith=run.key("dose", "")  # the key is unique across programs and holds this one
        ).values_list("idempotency_key", flat=True)
    )
    xr = CATALOGUE[Medication.NALTREXONE_XR]
    counts = run.counts["doses"]

    def rows() -> Iterator[tuple[Any, ...]]:
        for episode, doses in by_episode.items():
            order_id = orders[episode]
            for dose in doses:
                key = run.key("dose", dose.who, dose.day, dose.slot)
                if key in existing:
                    counts["already_there"] += 1
                    continue
                amount, notes = dose.amount_mg, ""
                if episode.medication == Medication.NALTREXONE_XR:
                    assert xr.fixed_dose_mg is not None
                    amount, notes = xr.fixed_dose_mg, f"CTN-0094 amount {dose.amount_mg}: one injection"
                elif amount > CATALOGUE[Medication(episode.medication)].max_dose_mg:
                    run.warn("treatment", key, f"{amount} mg is above the usual input range for {episode.medication}")
                counts["added"] += 1
                patient_id = patients[dose.who]
                yield (
                    patient_id,
                    order_id,
                    run.site_of.get(patient_id),
                    run.day(dose.day),
                    dose.slot,
                    "observed",
                    amount,
                    key,
                    notes,
                    run.account.pk,
                    run.at(dose.day),
                )

    names = (
        "patient",
        "order",
        "site",
        "clinic_day",
        "slot",
        "outcome",
        "amount_mg",
        "idempotency_key",
        "notes",
        "recorded_by",
        "recorded_at",
    )
    bulk.insert_rows(DoseAdministration, names, _stepping(run, rows()))
    counts["read"] += len(trial.doses)


def _stepping(run: _Run, rows: Iterable[tuple[Any, ...]], every: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Pass rows through, advancing the progress bar every `every` rows."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == every:
            run.step(pending)
            pending = 0
    run.step(pending)


def _orders(
    run: _Run,
    by_episode: dict[ctn0094.Episode, list[ctn0094.Dose]],
    patients: dict[int, int],
    episodes: dict[ctn0094.Episode, _Placed],
) -> dict[ctn0094.Episode, int]:
    """A stopped order per episode with doses: the episode's medication, from its first to its last dose."""
    series = {
        episode: uuid.uuid5(SERIES_NAMESPACE, run.key("order", episode.who, episode.start_day, episode.arm))
        for episode in by_episode
    }
    existing = dict(
        MedicationOrder.objects.filter(series__in=list(series.values()), version=1).values_list("series", "id")
    )
    xr = CATALOGUE[Medication.NALTREXONE_XR]
    new = []
    for episode, doses in by_episode.items():
        if series[episode] in existing:
            continue
        medication = Medication(episode.medication)
        first, last = min(d.day for d in doses), max(d.day for d in doses)
        injection = medication == Medication.NALTREXONE_XR
        new.append(
            MedicationOrder(
                patient_id=patients[episode.who],
                series=series[episode],
                medication=medication.value,
                dose_mg=xr.fixed_dose_mg if injection else min(doses, key=lambda d: (d.day, d.slot)).amount_mg,
                frequency=(MedicationOrder.Frequency.EVERY_28_DAYS if injection else MedicationOrder.Frequency.DAILY),
                start_on=max(run.day(first), episodes[episode].admitted_on),
                stop_on=run.day(last),
                status=MedicationOrder.Status.STOPPED,
                instructions="Imported from CTN-0094: the doses given each day are on the administrations.",
                prescriber=run.account,
                ended_at=run.at(last),
            )
        )
    MedicationOrder.objects.bulk_create(new, batch_size=bulk.BATCH)
    run.counts["orders"]["added"] += len(new)
    run.counts["orders"]["already_there"] += len(existing)
    ids = dict(MedicationOrder.objects.filter(series__in=list(series.values()), version=1).values_list("series", "id"))
    return {episode: ids[s] for episode, s in series.items()}


# --- Drug tests -------------------------------------------------------------------------------------------


def _specimens(run: _Run, trial: ctn0094.Trial, patients: dict[int, int]) -> None:
    prefix = run.key("specimen", "")
    existing = set(
        Specimen.objects.filter(idempotency_key__startswith=prefix).values_list("idempotency_key", flat=True)
    )
    counts, result_counts = run.counts["specimens"], run.counts["results"]
    now = timezone.now()
    new: list[ctn0094.Specimen] = []
    for specimen in trial.specimens:
        if run.key("specimen", specimen.who, specimen.day, specimen.sequence) in existing:
            counts["already_there"] += 1
        else:
            new.append(specimen)
    counts["read"] += len(trial.specimens)
    counts["added"] += len(new)
    counts["temperature_not_read"] += sum(1 for s in new if s.temperature_ok is None)

    def specimen_rows() -> Iterator[tuple[Any, ...]]:
        for s in new:
            patient_id = patients[s.who]
            yield (
                patient_id,
                run.site_of.get(patient_id),
                "collected",
                run.at(s.day),
                run.day(s.day),
                run.account.pk,
                "urine",
                False,
                s.temperature_ok,
                "scheduled",
                "",
                run.key("specimen", s.who, s.day, s.sequence),
                now,
            )

    bulk.insert_rows(
        Specimen,
        (
            "patient",
            "site",
            "status",
            "collected_at",
            "clinic_day",
            "collected_by",
            "kind",
            "observed",
            "temperature_in_range",
            "reason",
            "notes",
            "idempotency_key",
            "recorded_at",
        ),
        _stepping(run, specimen_rows()),
    )
    ids = dict(Specimen.objects.filter(idempotency_key__startswith=prefix).values_list("idempotency_key", "id"))

    def result_rows() -> Iterator[tuple[Any, ...]]:
        for s in new:
            specimen_id = ids[run.key("specimen", s.who, s.day, s.sequence)]
            for group, positive in sorted(s.results.items()):
                analyte = GROUP_ANALYTE.get(group)
                if analyte is None:
                    result_counts[f"not_stored_{group.replace('/', '_')}{'_positive' if positive else ''}"] += 1
                    continue
                result_counts["added"] += 1
                yield (
                    specimen_id,
                    analyte,
                    "positive" if positive else "negative",
                    "lab",
                    run.at(s.day),
                    run.account.pk,
                    now,
                )

    bulk.insert_rows(
        AnalyteResult,
        ("specimen", "analyte", "result", "method", "resulted_at", "recorded_by", "recorded_at"),
        result_rows(),
    )


# --- Withdrawal, detox, visits ------------------------------------------------------------------------------


def _episode_on(trial: ctn0094.Trial, episodes: dict[ctn0094.Episode, _Placed], who: int, day: int) -> _Placed | None:
    found = trial.episode_on(who, day)
    return episodes[found] if found is not None else None


def _withdrawal(
    run: _Run, trial: ctn0094.Trial, patients: dict[int, int], episodes: dict[ctn0094.Episode, _Placed]
) -> None:
    prefix = run.key("wd", "")
    existing = set(
        InstrumentRecord.objects.filter(
            patient__program=run.program, instrument="ctn-wd", idempotency_key__startswith=prefix
        ).values_list("idempotency_key", flat=True)
    )
    counts = run.counts["withdrawal"]
    now = timezone.now()
    seen: Counter[tuple[int, int]] = Counter()

    def rows() -> Iterator[tuple[Any, ...]]:
        for rating in trial.withdrawal:
            seen[(rating.who, rating.day)] += 1
            key = run.key("wd", rating.who, rating.day, seen[(rating.who, rating.day)])
            if key in existing:
                counts["already_there"] += 1
                continue
            counts["added"] += 1
            episode = _episode_on(trial, episodes, rating.who, rating.day)
            yield (
                patients[rating.who],
                episode.id if episode else None,
                "ctn-wd",
                "follow_up",
                run.at(rating.day),
                {"withdrawal": rating.rating},
                False,
                rating.rating,
                "",
                [],
                "",
                [],
                "en",
                "Imported from CTN-0094.",
                key,
                run.account.pk,
                now,
            )

    bulk.insert_rows(
        InstrumentRecord,
        (
            "patient",
            "episode",
            "instrument",
            "context",
            "administered_at",
            "answers",
            "under_medical_supervision",
            "total",
            "band",
            "flags",
            "remission",
            "specifiers",
            "language",
            "notes",
            "idempotency_key",
            "recorded_by",
            "recorded_at",
        ),
        _stepping(run, rows()),
    )
    counts["read"] += len(trial.withdrawal)


def _detox(run: _Run, trial: ctn0094.Trial, patients: dict[int, int], episodes: dict[ctn0094.Episode, _Placed]) -> None:
    existing = set(
        DetoxStay.objects.filter(
            patient__program=run.program, idempotency_key__startswith=run.key("detox", "")
        ).values_list("idempotency_key", flat=True)
    )
    levels = dict(Episode.objects.filter(id__in=[p.id for p in episodes.values()]).values_list("id", "level_of_care"))
    counts = run.counts["detox"]
    new = []
    for stay in trial.detox:
        key = run.key("detox", stay.who, stay.admitted_day)
        counts["read"] += 1
        if key in existing:
            counts["already_there"] += 1
            continue
        if stay.discharged_day is None:
            run.reject(
                "detox",
                None,
                f"participant {stay.who}: an admission on day {stay.admitted_day} with no "
                "discharge (an open stay would show on today's detox board)",
            )
            continue
        # The episode in effect at admission; CTN-0051 randomised people during their stay, so a stay that began
        # before the first randomisation belongs to that first episode.
        episode = _episode_on(trial, episodes, stay.who, stay.admitted_day)
        if episode is None and trial.episodes.get(stay.who):
            episode = episodes[trial.episodes[stay.who][0]]
        if episode is None:
            run.reject("detox", None, f"participant {stay.who} was never randomised: a stay needs an episode")
            continue
        counts["added"] += 1
        patient_id = patients[stay.who]
        new.append(
            DetoxStay(
                patient_id=patient_id,
                episode_id=episode.id,
                site_id=run.site_of.get(patient_id),
                protocol=DetoxStay.Protocol.NOT_RECORDED,
                started_at=run.at(stay.admitted_day),
                expected_days=max(1, stay.discharged_day - stay.admitted_day),
                status=DetoxStay.Status.DISCHARGED,
                notes="Imported from CTN-0094.",
                idempotency_key=key,
                started_by=run.account,
                discharged_at=run.at(stay.discharged_day),
                next_level_of_care=levels[episode.id],
                discharged_by=run.account,
            )
        )
    DetoxStay.objects.bulk_create(new, batch_size=bulk.BATCH)
    run.step(len(trial.detox))


def _visits(run: _Run, trial: ctn0094.Trial, patients: dict[int, int]) -> None:
    """A dated visit becomes an individual session with the participant's attendance (attended or no-show)."""
    existing = set(
        Attendance.objects.filter(session__created_by=run.account).values_list(
            "patient_id", "starts_at", "session__topic"
        )
    )
    counts = run.counts["visits"]
    counts["read"] += len(trial.visits)
    sessions, statuses = [], []
    in_file: set[tuple[int, dt.datetime, str]] = set()
    for visit in trial.visits:
        patient_id, starts_at = patients[visit.who], run.at(visit.day)
        topic = f"CTN-0094 visit {visit.label}".strip()[:200]
        if (patient_id, starts_at, topic) in existing:
            counts["already_there"] += 1
            continue
        if (patient_id, starts_at, topic) in in_file:
            counts["same_visit_twice_in_file"] += 1
            continue
        in_file.add((patient_id, starts_at, topic))
        sessions.append(
            CounsellingSession(
                program=run.program,
                site_id=run.site_of.get(patient_id),
                counsellor=run.account,
                kind=CounsellingSession.Kind.INDIVIDUAL,
                starts_at=starts_at,
                planned_minutes=0,
                topic=topic,
                created_by=run.account,
            )
        )
        statuses.append((patient_id, Attendance.Status.ATTENDED if visit.attended else Attendance.Status.NO_SHOW))
    created = CounsellingSession.objects.bulk_create(sessions, batch_size=bulk.BATCH)
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=s,
                patient_id=patient_id,
                starts_at=s.starts_at,
                status=status,
                recorded_by=run.account,
                recorded_at=s.starts_at,
            )
            for s, (patient_id, status) in zip(created, statuses, strict=True)
        ],
        batch_size=bulk.BATCH,
    )
    counts["added"] += len(created)
    run.step(len(trial.visits))


def summary_lines(report: ImportRun, show: int = 20) -> list[str]:
    """The report in plain text, as the command prints it."""
    lines = [f"CTN-0094 import from {report.source_name} into {report.program.name}:"]
    for table, counts in report.counts.items():
        if table == "totals" or not counts:
            continue
        detail = ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in sorted(counts.items()))
        lines.append(f"  {table:<13} {detail}")
    totals = report.counts.get("totals", {})
    lines.append(f"  rejected {totals.get('rejected', 0):,} rows, {totals.get('warnings', 0):,} warnings")
    for problem in report.rejections[:show]:
        where = f"line {problem['row']}" if problem["row"] else ""
        lines.append(f"  rejected {problem['table']} {where}: {problem['reason']}")
    lines.append(f"Stored as import run #{report.pk}.")
    return lines
