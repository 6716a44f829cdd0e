"""Interpreting a drug-test specimen. Pure module (no Django): facts in, alerts
and outcomes out.

`interpret(facts)` gives the alerts a nurse or counsellor sees on the specimen:
ALERTs (act now) before NOTEs (recorded, follow up), each with a stable rule id
listed in `RULE_INFO` (mirrored by docs/clinical-rules.md). The alerts ask for a
conversation with the person, never a sanction.

`target_outcome(facts, targets)` says what a specimen means for the target
analytes a program counts (contingency management, drug-test negativity):

1. missed or refused specimen → MISSED (REFERENCE.md §7: a missed specimen
   resets; §9: missing counts as positive; a refused specimen is a missing one);
2. any target analyte positive → POSITIVE (a positive wins over an invalid
   result or an out-of-range temperature: tampering can hide a positive, never
   make one);
3. a target analyte with no result yet → PENDING (a positive may still come);
4. a target analyte invalid, or the temperature out of range → MISSED when
   `invalid_counts_as_missed` (program default [unverified]), otherwise
   INVALID: the specimen is not counted, neither negative nor positive;
5. otherwise every target analyte tested negative → NEGATIVE.

Sources: REFERENCE.md §6 (naloxone, overdose risk), §7 (contingency
management), §9 (drug-test negativity), §11 (analytes and LOINC codes).
"""

from dataclasses import dataclass
from enum import StrEnum

from waymark.core.rule_info import RuleInfo
from waymark.labs.analytes import Analyte, info


class Result(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INVALID = "invalid"


class Status(StrEnum):
    COLLECTED = "collected"
    MISSED = "missed"
    REFUSED = "refused"


@dataclass(frozen=True)
class Reading:
    analyte: Analyte
    result: Result


@dataclass(frozen=True)
class SpecimenFacts:
    """What is known about one specimen. `readings` holds the latest result per
    analyte (a laboratory result supersedes point-of-care); if an analyte
    appears more than once, the last reading counts. Readings of a specimen that
    was not collected are ignored."""

    status: Status
    readings: tuple[Reading, ...] = ()
    temperature_in_range: bool | None = None  # urine only; None = not measured, or oral fluid
    medications: frozenset[str] = frozenset()  # families prescribed now: "methadone", "buprenorphine", "naltrexone"

    @property
    def collected(self) -> bool:
        return self.status is Status.COLLECTED

    def results(self) -> dict[Analyte, Result]:
        """The result per analyte ({} when the specimen was not collected)."""
        if not self.collected:
            return {}
        return {
            _ANALYTES.get(r.analyte) or Analyte(r.analyte): _RESULTS.get(r.result) or Result(r.result)
            for r in self.readings
        }


# Enum lookups by value without Enum.__call__ (recomputing 720,000 specimens calls these millions of times).
_ANALYTES: dict[str, Analyte] = {a.value: a for a in Analyte}
_RESULTS: dict[str, Result] = {r.value: r for r in Result}


class Severity(StrEnum):
    ALERT = "alert"
    NOTE = "note"


@dataclass(frozen=True)
class Alert:
    rule_id: str
    severity: Severity
    message: str
    offer_naloxone: bool = False


EXPECTED_MEDICATION = "labs.expected_medication"
FENTANYL_POSITIVE = "labs.fentanyl_positive"
HEROIN_MARKER = "labs.heroin_marker"
INVALID_RESULT = "labs.invalid_result"
TEMPERATURE_OUT_OF_RANGE = "labs.temperature_out_of_range"
MISSED_COUNTS_AS_POSITIVE = "labs.missed_counts_as_positive"

_NON_ADHERENCE = (
    "possible non-adherence or diversion. Talk with the person; consider observed dosing or lab confirmation."
)


def _expected_medication(results: dict[Analyte, Result], medications: frozenset[str]) -> list[Alert]:
    """On buprenorphine and buprenorphine tested negative; on methadone and methadone and EDDP both
    tested negative (either one positive means methadone is present). Untested → nothing."""
    out = []
    if "buprenorphine" in medications and results.get(Analyte.BUPRENORPHINE) is Result.NEGATIVE:
        out.append(
            Alert(
                EXPECTED_MEDICATION,
                Severity.ALERT,
                f"Specimen negative for buprenorphine, which is prescribed: {_NON_ADHERENCE}",
            )
        )
    if (
        "methadone" in medications
        and results.get(Analyte.METHADONE) is Result.NEGATIVE
        and results.get(Analyte.EDDP) is Result.NEGATIVE
    ):
        out.append(
            Alert(
                EXPECTED_MEDICATION,
                Severity.ALERT,
                f"Specimen negative for methadone and its metabolite EDDP, though methadone is prescribed: "
                f"{_NON_ADHERENCE}",
            )
        )
    return out


def _fentanyl(results: dict[Analyte, Result]) -> list[Alert]:
    if results.get(Analyte.FENTANYL) is not Result.POSITIVE:
        return []
    return [
        Alert(
            FENTANYL_POSITIVE,
            Severity.ALERT,
            "Fentanyl positive: high overdose risk. Offer naloxone and talk about overdose safety.",
            offer_naloxone=True,
        )
    ]


def _heroin_marker(results: dict[Analyte, Result]) -> list[Alert]:
    if results.get(Analyte.SIX_MAM) is not Result.POSITIVE:
        return []
    return [Alert(HEROIN_MARKER, Severity.NOTE, "6-MAM positive: a marker of recent heroin use. Talk with the person.")]


def _invalid(results: dict[Analyte, Result]) -> list[Alert]:
    invalid = [info(a).label for a, r in results.items() if r is Result.INVALID]
    if not invalid:
        return []
    names = ", ".join(invalid)
    return [Alert(INVALID_RESULT, Severity.NOTE, f"Result invalid for {names}: collect a new specimen to retest.")]


def _temperature(facts: SpecimenFacts) -> list[Alert]:
    if not facts.collected or facts.temperature_in_range is not False:
        return []
    return [
        Alert(
            TEMPERATURE_OUT_OF_RANGE,
            Severity.NOTE,
            "Specimen temperature out of range: collect a new specimen, observed.",
        )
    ]


def _not_collected(facts: SpecimenFacts) -> list[Alert]:
    if facts.collected:
        return []
    what = "missed" if facts.status is Status.MISSED else "refused"
    return [
        Alert(
            MISSED_COUNTS_AS_POSITIVE,
            Severity.NOTE,
            f"Specimen {what}: recorded. It counts as not negative (like a positive) for incentives and outcomes.",
        )
    ]


def interpret(facts: SpecimenFacts) -> list[Alert]:
    """Every alert for one specimen: ALERTs first, then NOTEs, each group in RULE_INFO order."""
    results = facts.results()
    alerts = [
        *_expected_medication(results, facts.medications),
        *_fentanyl(results),
        *_heroin_marker(results),
        *_invalid(results),
        *_temperature(facts),
        *_not_collected(facts),
    ]
    return sorted(alerts, key=lambda a: a.severity is not Severity.ALERT)  # stable: keeps rule order


class Outcome(StrEnum):
    """What a specimen means for the target analytes (contingency management, outcomes)."""

    NEGATIVE = "negative"  # every target analyte tested negative
    POSITIVE = "positive"  # any target analyte positive
    MISSED = "missed"  # missed, refused, or (by default) invalid / temperature out of range
    PENDING = "pending"  # a target analyte has no result yet
    INVALID = "invalid"  # invalid / temperature out of range, and the program does not count it as missed:
    # the specimen is left out (neither negative nor positive)


def target_outcome(facts: SpecimenFacts, targets: frozenset[Analyte], invalid_counts_as_missed: bool = True) -> Outcome:
    """The specimen's outcome for `targets`, in the order given in the module docstring:
    missed/refused → MISSED; any target positive → POSITIVE; a target without a result → PENDING;
    a target invalid or the temperature out of range → MISSED (or INVALID when
    `invalid_counts_as_missed` is False); otherwise NEGATIVE. Rule labs.missed_counts_as_positive."""
    if not targets:
        raise ValueError("Choose at least one target analyte to judge the specimen against.")
    if not facts.collected:
        return Outcome.MISSED
    results = facts.results()
    found = [results.get(t) for t in targets]  # an Analyte and its string value are the same key
    if Result.POSITIVE in found:
        return Outcome.POSITIVE
    if None in found:
        return Outcome.PENDING
    if Result.INVALID in found or facts.temperature_in_range is False:
        return Outcome.MISSED if invalid_counts_as_missed else Outcome.INVALID
    return Outcome.NEGATIVE


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        EXPECTED_MEDICATION,
        "A person prescribed buprenorphine whose specimen tested negative for buprenorphine, or prescribed "
        "methadone whose specimen tested negative for both methadone and EDDP (either positive means present): "
        "alert for possible non-adherence or diversion; talk with the person, consider observed dosing or lab "
        "confirmation. An analyte not tested gives nothing.",
        "alert",
        "REFERENCE.md §11 (analytes: methadone and its metabolite EDDP, buprenorphine); the alert is a program "
        "default [unverified]",
        "no",
    ),
    RuleInfo(
        FENTANYL_POSITIVE,
        "Fentanyl positive: alert for high overdose risk; offer naloxone and talk about overdose safety.",
        "alert, offer naloxone",
        "REFERENCE.md §6 (naloxone; overdose risk)",
        "no",
    ),
    RuleInfo(
        HEROIN_MARKER,
        "6-MAM positive: note recent heroin use.",
        "note",
        "REFERENCE.md §11 (6-MAM, heroin marker)",
        "no",
    ),
    RuleInfo(
        INVALID_RESULT,
        "An analyte reported invalid: note to collect a new specimen and retest.",
        "note",
        "program default [unverified]: not in REFERENCE.md",
        "no",
    ),
    RuleInfo(
        TEMPERATURE_OUT_OF_RANGE,
        "Urine temperature out of range (as the collection cup or laboratory reports it): note to collect "
        "a new specimen, observed. A positive result still counts as positive.",
        "note",
        "program default [unverified]: not in REFERENCE.md",
        "no",
    ),
    RuleInfo(
        MISSED_COUNTS_AS_POSITIVE,
        "A missed or refused specimen is recorded and counts as not negative (resets the incentive "
        "schedule, counts as positive for drug-test negativity). An invalid result or out-of-range "
        "temperature counts as missed unless the program leaves such specimens out; a positive target "
        "result always counts as positive.",
        "missed = positive; refused = missed; invalid = missed",
        "REFERENCE.md §7 (a missed specimen resets), §9 (missing counts as positive); invalid as missed is a "
        "program default [unverified]",
        "per CM programme (invalid_counts_as_missed)",
    ),
)
