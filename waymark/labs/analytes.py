"""The analytes a drug test reports, and what Waymark needs to know about each.
Pure module (no Django).

LOINC codes are only those given in ../shared/clinical/REFERENCE.md §11 (urine
drug screens, from the HL7 CDC opioid guideline value sets): opiates screen
19295-5; 6-MAM (heroin marker) 19321-9; fentanyl 59673-4; buprenorphine 93494-3
(buprenorphine + norbuprenorphine panel 58359-1); methadone 19550-3; EDDP
93495-0. Every other analyte has no code here (`loinc` is None): a program maps
its own laboratory's code. Codes are never filled in from memory.

`opioid` marks the illicit-opioid targets that "negative for opioids" counts
(opiates, 6-MAM, fentanyl, oxycodone). `medication` names the opioid use
disorder medication family an analyte shows (buprenorphine; methadone and its
metabolite EDDP), which the expected-medication rule in rules.py reads.
"""

from dataclasses import dataclass
from enum import StrEnum


class Analyte(StrEnum):
    OPIATES = "opiates"
    SIX_MAM = "6-mam"
    FENTANYL = "fentanyl"
    BUPRENORPHINE = "buprenorphine"
    METHADONE = "methadone"
    EDDP = "eddp"
    OXYCODONE = "oxycodone"
    COCAINE = "cocaine"
    AMPHETAMINES = "amphetamines"
    BENZODIAZEPINES = "benzodiazepines"
    CANNABIS = "cannabis"
    ALCOHOL = "alcohol"


@dataclass(frozen=True)
class AnalyteInfo:
    code: Analyte
    label: str
    loinc: str | None  # only codes REFERENCE.md §11 gives; others None
    loinc_note: str
    opioid: bool  # counts toward "negative for opioids"
    medication: str | None  # "methadone" | "buprenorphine": an OUD medication or its metabolite


NO_LOINC = "no LOINC code in REFERENCE.md §11; programs map their laboratory's code"
_SOURCE = "REFERENCE.md §11 (HL7 CDC opioid guideline value sets)"

ANALYTES: dict[Analyte, AnalyteInfo] = {
    a.code: a
    for a in (
        AnalyteInfo(Analyte.OPIATES, "Opiates (screen)", "19295-5", f"opiates screen; {_SOURCE}", True, None),
        AnalyteInfo(Analyte.SIX_MAM, "6-MAM (heroin marker)", "19321-9", f"6-MAM; {_SOURCE}", True, None),
        AnalyteInfo(Analyte.FENTANYL, "Fentanyl", "59673-4", f"fentanyl; {_SOURCE}", True, None),
        AnalyteInfo(
            Analyte.BUPRENORPHINE,
            "Buprenorphine",
            "93494-3",
            f"buprenorphine; buprenorphine + norbuprenorphine panel: 58359-1; {_SOURCE}",
            False,
            "buprenorphine",
        ),
        AnalyteInfo(Analyte.METHADONE, "Methadone", "19550-3", f"methadone; {_SOURCE}", False, "methadone"),
        AnalyteInfo(Analyte.EDDP, "Methadone metabolite (EDDP)", "93495-0", f"EDDP; {_SOURCE}", False, "methadone"),
        AnalyteInfo(Analyte.OXYCODONE, "Oxycodone", None, NO_LOINC, True, None),
        AnalyteInfo(Analyte.COCAINE, "Cocaine", None, NO_LOINC, False, None),
        AnalyteInfo(Analyte.AMPHETAMINES, "Amphetamines", None, NO_LOINC, False, None),
        AnalyteInfo(Analyte.BENZODIAZEPINES, "Benzodiazepines", None, NO_LOINC, False, None),
        AnalyteInfo(Analyte.CANNABIS, "Cannabis (THC)", None, NO_LOINC, False, None),
        AnalyteInfo(Analyte.ALCOHOL, "Alcohol", None, NO_LOINC, False, None),
    )
}

OPIOID_ANALYTES: frozenset[Analyte] = frozenset(a.code for a in ANALYTES.values() if a.opioid)


def info(code: Analyte | str) -> AnalyteInfo:
    """The analyte's entry; an unknown code raises ValueError."""
    return ANALYTES[Analyte(code)]
