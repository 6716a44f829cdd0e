"""The CTN-0094 harmonised trial tables, read into plain rows for the import (pure: no Django here).

Source: the CTN-0094 project's de-identified, harmonised tables of three NIDA Clinical Trials Network trials
(CTN-0027, CTN-0030, CTN-0051), as described in ../shared/data/README.md. Every table is a gzip (or plain) CSV;
`who` is the participant, `when` a day number relative to the participant's day zero (may be negative).

What this module decides, and why (the import and the outcomes rely on it; docs/clinical-rules.md):
- An episode per distinct randomisation (participant, arm, day). CTN-0027 and CTN-0051 repeat their one
  randomisation as `which = 2` with the same arm and day, so those collapse into one; CTN-0030's second phase is a
  second episode. An episode ends the day before the participant's next one starts, so each dose, specimen and
  rating belongs to one episode.
- The arm's medication, from the data README's trial descriptions: CTN-0027 "methadone vs buprenorphine",
  CTN-0030 "buprenorphine-naloxone", CTN-0051 "extended-release naltrexone vs buprenorphine-naloxone".
- A dose belongs to the latest episode started on or before its day. Doses of a participant never randomised,
  or before their first randomisation, cannot be given a medication: they are rejected and reported.
  Two doses on one day are slots 1 and 2, in file order.
- A specimen per `uds_temp` row. Its results: every substance group the participant's trial tested for
  (meta_substance_groups_uds), positive when `uds` lists it that day, else negative; a positive of a group the
  table does not list for that trial is kept as a positive. A day with two specimens (a cup out of temperature,
  then its recollection) gets the results on the cup whose temperature was right. Positives on a day with no
  `uds_temp` row still make a specimen (temperature unknown).
- Rows without a day, or whose numbers do not read, are rejected and reported with their table and line.
"""

import csv
import datetime as dt
import gzip
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from waymark.core.rule_info import RuleInfo

PROJECTS = {27: "CTN-0027", 30: "CTN-0030", 51: "CTN-0051"}
# Arm → Waymark medication code (meds.catalogue), from the data README's descriptions of the trials.
ARM_MEDICATION = {
    "Methadone": "methadone",
    "Outpatient BUP": "buprenorphine",
    "Outpatient BUP + EMM": "buprenorphine_naloxone",
    "Outpatient BUP + SMM": "buprenorphine_naloxone",
    "Inpatient BUP": "buprenorphine_naloxone",
    "Inpatient NR-NTX": "naltrexone_xr",
}
# `uds` names the groups a little differently from meta_substance_groups_uds (compared case-blind).
UDS_GROUP_ALIASES = {"sedatives": "barbiturate"}
NOT_TESTED = "no"
# The tables the import reads (each as <name>.csv.gz or <name>.csv).
TABLES = (
    "everybody",
    "demographics",
    "site_masked",
    "randomization",
    "treatment",
    "uds",
    "uds_temp",
    "meta_substance_groups_uds",
    "withdrawal",
    "detox",
    "visit",
)


@dataclass(frozen=True)
class Rejected:
    table: str
    line: int  # the file's line number (the header is line 1)
    reason: str


@dataclass(frozen=True)
class Participant:
    who: int
    project: int
    site: str  # the masked site's number, "" when unknown
    age: int | None
    is_male: bool | None
    is_hispanic: bool | None
    race: str


@dataclass(frozen=True)
class Episode:
    who: int
    arm: str
    medication: str
    start_day: int
    end_day: int | None  # the day before the participant's next episode; None for their last
    phase: int  # 1 for a participant's first randomisation, 2 for the next


@dataclass(frozen=True)
class Dose:
    who: int
    day: int
    slot: int
    amount_mg: Decimal
    episode: Episode


@dataclass(frozen=True)
class Specimen:
    who: int
    day: int
    sequence: int  # 1, or 2 for a second cup the same day
    temperature_ok: bool | None  # None: not recorded (99) or no temperature row
    results: dict[str, bool] = field(default_factory=dict)  # substance group (lower case) → positive


@dataclass(frozen=True)
class WithdrawalRating:
    who: int
    day: int
    rating: int  # 0 (none) to 3 (severe), the harmonised withdrawal severity


@dataclass(frozen=True)
class DetoxStay:
    who: int
    admitted_day: int
    discharged_day: int | None  # None: the table has no discharge for it


@dataclass(frozen=True)
class Visit:
    who: int
    day: int
    label: str  # BASELINE, WK4, EOT …
    attended: bool  # "visit" or "final" (or no status); "no visit" and "missing" are not


@dataclass
class Trial:
    participants: dict[int, Participant] = field(default_factory=dict)
    episodes: dict[int, list[Episode]] = field(default_factory=dict)  # by participant, oldest first
    doses: list[Dose] = field(default_factory=list)
    specimens: list[Specimen] = field(default_factory=list)
    withdrawal: list[WithdrawalRating] = field(default_factory=list)
    detox: list[DetoxStay] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def episode_on(self, who: int, day: int) -> Episode | None:
        """The participant's latest episode started on or before the day."""
        found = None
        for episode in self.episodes.get(who, ()):
            if episode.start_day <= day:
                found = episode
        return found


def date_for(start: dt.date, day: int) -> dt.date:
    """Day numbers become dates from the import's start date (day 0)."""
    return start + dt.timedelta(days=day)


# How the import reads and places the rows: docs/clinical-rules.md lists these.
RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        "interop.ctn0094.episodes",
        "CTN-0094 import: an episode per distinct randomisation (participant, arm, day); the arm is the episode's "
        "cohort; an episode ends the day before the participant's next one, the last one on their last record.",
        "as described",
        "issue #10; ../shared/data/README.md (randomization.which = 2 is the second phase)",
        "no",
    ),
    RuleInfo(
        "interop.ctn0094.arm_medication",
        "CTN-0094 arm → medication: Methadone → methadone; CTN-0027 Outpatient BUP → buprenorphine; CTN-0030 and "
        "CTN-0051 BUP arms → buprenorphine-naloxone; Inpatient NR-NTX → extended-release naltrexone.",
        "this table",
        "../shared/data/README.md (the trials' descriptions)",
        "no",
    ),
    RuleInfo(
        "interop.ctn0094.xr_naltrexone",
        "A CTN-0051 extended-release naltrexone `treatment` row (amount 1) is one 380 mg injection, covering 28 days.",
        "380 mg every 28 days",
        "REFERENCE.md §6 (380 mg IM every 4 weeks)",
        "no",
    ),
    RuleInfo(
        "interop.ctn0094.specimens",
        "A specimen per uds_temp row; every group its trial tested (meta_substance_groups_uds) gets a result, "
        "positive when `uds` lists it that day; temperature 1 in range, 0 out of range, 99 not read; two cups "
        "the same day: the results go on the cup in range. Groups with no Waymark analyte (barbiturates, "
        "MDMA/hallucinogens) are counted, not stored. Results are recorded as laboratory results (the table does "
        "not say).",
        "as described",
        "issue #10; ../shared/data/README.md",
        "no",
    ),
    RuleInfo(
        "interop.ctn0094.not_recorded",
        "What the tables do not hold stays empty: a birth date without an age, the primary substance, the detox "
        "protocol and visit lengths are 'not recorded'. A birth date from an age is day 0 minus that many years.",
        "as described",
        "issue #10 (nothing made up)",
        "no",
    ),
)


# --- Reading ---------------------------------------------------------------------------------------------


def rows(folder: Path, table: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of `<table>.csv.gz` (or `.csv`) in the folder."""
    path = folder / f"{table}.csv.gz"
    if not path.exists():
        path = folder / f"{table}.csv"
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        yield from enumerate(reader, start=2)


def _day(text: str) -> int | None:
    """A day number: "7.0" is 7; empty, or not a whole number, is None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _whole(text: str) -> int | None:
    return _day(text)


def _yes_no(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text.strip().lower())


def read(folder: Path) -> Trial:
    trial = Trial()
    _participants(folder, trial)
    _episodes(folder, trial)
    _doses(folder, trial)
    _specimens(folder, trial)
    _withdrawal(folder, trial)
    _detox(folder, trial)
    _visits(folder, trial)
    return trial


def _participants(folder: Path, trial: Trial) -> None:
    sites = {}
    for _line, row in rows(folder, "site_masked"):
        who = _whole(row["who"])
        if who is not None:
            sites[who] = (row.get("site_masked") or "").strip()
    demographics = {}
    for _line, row in rows(folder, "demographics"):
        who = _whole(row["who"])
        if who is not None:
            demographics[who] = row
    for line, row in rows(folder, "everybody"):
        who, project = _whole(row["who"]), _whole(row["project"])
        if who is None or project not in PROJECTS:
            trial.rejected.append(Rejected("everybody", line, "no participant id or an unknown project"))
            continue
        about = demographics.get(who, {})
        age = _whole(about.get("age", ""))
        trial.participants[who] = Participant(
            who=who,
            project=project,
            site=sites.get(who, ""),
            age=age if age is not None and 0 < age < 120 else None,
            is_male=_yes_no(about.get("is_male", "")),
            is_hispanic=_yes_no(about.get("is_hispanic", "")),
            race=(about.get("race") or "").strip(),
        )


def _episodes(folder: Path, trial: Trial) -> None:
    seen: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)  # who → (arm, day) → phase asked
    for line, row in rows(folder, "randomization"):
        who, day, arm = _whole(row["who"]), _day(row["when"]), (row.get("treatment") or "").strip()
        if who not in trial.participants:
            trial.rejected.append(Rejected("randomization", line, "a participant not in `everybody`"))
        elif day is None:
            trial.rejected.append(Rejected("randomization", line, "no day"))
        elif arm not in ARM_MEDICATION:
            trial.rejected.append(Rejected("randomization", line, f"an unknown arm {arm!r}"))
        else:
            seen[who].setdefault((arm, day), _whole(row.get("which", "")) or 1)
    for who, randomisations in seen.items():
        ordered = sorted(randomisations, key=lambda arm_day: (arm_day[1], randomisations[arm_day]))
        episodes = []
        for index, (arm, day) in enumerate(ordered):
            following = ordered[index + 1][1] if index + 1 < len(ordered) else None
            end = following - 1 if following is not None else None
            episodes.append(Episode(who, arm, ARM_MEDICATION[arm], day, end, index + 1))
        trial.episodes[who] = episodes


def _doses(folder: Path, trial: Trial) -> None:
    slots: dict[tuple[int, int], int] = defaultdict(int)
    for line, row in rows(folder, "treatment"):
        who, day = _whole(row["who"]), _day(row["when"])
        try:
            amount = Decimal(row["amount"])
        except (InvalidOperation, KeyError):
            amount = Decimal(0)
        if who is None or day is None or amount <= 0:
            trial.rejected.append(Rejected("treatment", line, "no participant, no day, or no amount"))
            continue
        episode = trial.episode_on(who, day)
        if episode is None:
            reason = "before the participant's first randomisation" if who in trial.episodes else "never randomised"
            trial.rejected.append(Rejected("treatment", line, f"a dose {reason}: its medication is unknown"))
            continue
        slots[(who, day)] += 1
        trial.doses.append(Dose(who, day, slots[(who, day)], amount, episode))


def tested_groups(folder: Path) -> dict[int, set[str]]:
    """Project → the substance groups (lower case, as `uds` names them) its trial tested for."""
    tested: dict[int, set[str]] = {project: set() for project in PROJECTS}
    for _line, row in rows(folder, "meta_substance_groups_uds"):
        for project, column in PROJECTS.items():
            group = (row.get(column) or "").strip().lower()
            if group and group != NOT_TESTED:
                tested[project].add(group)
    return tested


def _group(name: str) -> str:
    name = name.strip().lower()
    return UDS_GROUP_ALIASES.get(name, name)


def _specimens(folder: Path, trial: Trial) -> None:
    tested = tested_groups(folder)
    positives: dict[tuple[int, int], set[str]] = defaultdict(set)
    for line, row in rows(folder, "uds"):
        who, day = _whole(row["who"]), _day(row["when"])
        if who not in trial.participants or day is None or not (row.get("what") or "").strip():
            trial.rejected.append(Rejected("uds", line, "no participant, no day, or no substance"))
            continue
        positives[(who, day)].add(_group(row["what"]))
    cups: dict[tuple[int, int], list[bool | None]] = defaultdict(list)
    for line, row in rows(folder, "uds_temp"):
        who, day = _whole(row["who"]), _day(row["when"])
        if who not in trial.participants or day is None:
            trial.rejected.append(Rejected("uds_temp", line, "no participant or no day"))
            continue
        cups[(who, day)].append({"1": True, "0": False}.get((row.get("was_temp_ok") or "").strip()))
    for key in positives.keys() - cups.keys():
        cups[key].append(None)  # positives without a temperature row: the specimen still was collected
    for (who, day), temperatures in sorted(cups.items()):
        # The results go on the cup whose temperature was right (else the last one).
        carrier = next((i for i, ok in enumerate(temperatures) if ok), len(temperatures) - 1)
        groups = tested[trial.participants[who].project]
        found = positives.get((who, day), set())
        for index, temperature in enumerate(temperatures):
            results = {group: group in found for group in groups | found} if index == carrier else {}
            trial.specimens.append(Specimen(who, day, index + 1, temperature, results))


def _withdrawal(folder: Path, trial: Trial) -> None:
    for line, row in rows(folder, "withdrawal"):
        who, day, rating = _whole(row["who"]), _day(row["when"]), _whole(row.get("withdrawal", ""))
        if who not in trial.participants or day is None or rating not in (0, 1, 2, 3):
            trial.rejected.append(Rejected("withdrawal", line, "no participant, no day, or a rating not 0–3"))
            continue
        trial.withdrawal.append(WithdrawalRating(who, day, rating))


def _detox(folder: Path, trial: Trial) -> None:
    """Admissions paired with the next discharge of the same participant (in day order)."""
    events: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for line, row in rows(folder, "detox"):
        who, day, what = _whole(row["who"]), _day(row["when"]), (row.get("what") or "").strip().lower()
        if who not in trial.participants or day is None or what not in ("admission", "discharge"):
            trial.rejected.append(Rejected("detox", line, "no participant, no day, or neither admission nor discharge"))
            continue
        events[who].append((day, what, line))
    for who, happenings in sorted(events.items()):
        admitted: int | None = None
        for day, what, line in sorted(happenings):
            if what == "admission":
                if admitted is not None:
                    trial.detox.append(DetoxStay(who, admitted, None))
                admitted = day
            elif admitted is None:
                trial.rejected.append(Rejected("detox", line, "a discharge without an admission"))
            else:
                trial.detox.append(DetoxStay(who, admitted, day))
                admitted = None
        if admitted is not None:
            trial.detox.append(DetoxStay(who, admitted, None))


ATTENDED = {"visit", "final", ""}
NOT_ATTENDED = {"no visit", "missing"}


def _visits(folder: Path, trial: Trial) -> None:
    """Dated visits only: the table leaves the day empty on most missed visits, which cannot be placed."""
    for line, row in rows(folder, "visit"):
        who, day = _whole(row["who"]), _day(row["when"])
        status = (row.get("what") or "").strip().lower()
        if who not in trial.participants or day is None or status not in ATTENDED | NOT_ATTENDED:
            trial.rejected.append(Rejected("visit", line, "no participant, no day, or an unknown status"))
            continue
        trial.visits.append(Visit(who, day, (row.get("visit") or "").strip(), status in ATTENDED))
