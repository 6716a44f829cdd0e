"""The medications a program orders, and what the software needs to know about
each: how it is given, whether the dosing window dispenses it, and the range a
typed dose must fall in. Pure module (no Django).

The input ranges catch typing errors (a dose of 0 or 1,000 mg); they are not
clinical limits. Clinical limits are rules (rules.py), which warn or ask for a
prescriber's override and cite REFERENCE.md.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Medication(StrEnum):
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    BUPRENORPHINE_NALOXONE = "buprenorphine_naloxone"
    BUPRENORPHINE_XR = "buprenorphine_xr"
    NALTREXONE_XR = "naltrexone_xr"
    NALTREXONE_ORAL = "naltrexone_oral"
    LOFEXIDINE = "lofexidine"
    CLONIDINE = "clonidine"
    NALOXONE_KIT = "naloxone_kit"


class Family(StrEnum):
    """What `GET /api/v1/patients?medication=` filters on."""

    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    NALTREXONE = "naltrexone"
    WITHDRAWAL_SYMPTOMS = "withdrawal_symptoms"
    NALOXONE = "naloxone"


class Delivery(StrEnum):
    WINDOW = "window"  # observed at the dosing window; take-homes possible
    INJECTION = "injection"  # given by a nurse every few weeks
    PRESCRIPTION = "prescription"  # taken by the patient (tablets, kit)


@dataclass(frozen=True)
class MedicationInfo:
    code: Medication
    label: str
    family: Family
    form: str  # dosage form, as the dispensing log prints it
    route: str
    delivery: Delivery
    liquid: bool  # ordered and dispensed with a concentration in mg/mL
    min_dose_mg: Decimal  # input range for one dose (sanity, not a clinical limit)
    max_dose_mg: Decimal
    fixed_dose_mg: Decimal | None = None
    interval_days: int | None = None  # injections


CATALOGUE: dict[Medication, MedicationInfo] = {
    m.code: m
    for m in (
        MedicationInfo(
            Medication.METHADONE,
            "Methadone oral solution",
            Family.METHADONE,
            "oral solution",
            "oral",
            Delivery.WINDOW,
            True,
            Decimal("0.5"),
            Decimal("400"),
        ),
        MedicationInfo(
            Medication.BUPRENORPHINE,
            "Buprenorphine sublingual tablet",
            Family.BUPRENORPHINE,
            "sublingual tablet",
            "sublingual",
            Delivery.WINDOW,
            False,
            Decimal("0.5"),
            Decimal("48"),
        ),
        MedicationInfo(
            Medication.BUPRENORPHINE_NALOXONE,
            "Buprenorphine-naloxone sublingual film",
            Family.BUPRENORPHINE,
            "sublingual film",
            "sublingual",
            Delivery.WINDOW,
            False,
            Decimal("0.5"),
            Decimal("48"),
        ),
        MedicationInfo(
            Medication.BUPRENORPHINE_XR,
            "Buprenorphine extended-release injection",
            Family.BUPRENORPHINE,
            "extended-release injection",
            "subcutaneous",
            Delivery.INJECTION,
            False,
            Decimal("50"),
            Decimal("300"),
            interval_days=28,
        ),
        MedicationInfo(
            # 380 mg IM every 4 weeks (REFERENCE.md §6, confirmed).
            Medication.NALTREXONE_XR,
            "Naltrexone extended-release injection",
            Family.NALTREXONE,
            "extended-release injectable suspension",
            "intramuscular (gluteal)",
            Delivery.INJECTION,
            False,
            Decimal("380"),
            Decimal("380"),
            fixed_dose_mg=Decimal("380"),
            interval_days=28,
        ),
        MedicationInfo(
            Medication.NALTREXONE_ORAL,
            "Naltrexone tablet",
            Family.NALTREXONE,
            "tablet",
            "oral",
            Delivery.PRESCRIPTION,
            False,
            Decimal("1"),
            Decimal("150"),
        ),
        MedicationInfo(
            # 0.18 mg tablets; 0.72 mg per dose and 2.88 mg/day maxima are rules (REFERENCE.md §6).
            Medication.LOFEXIDINE,
            "Lofexidine tablet",
            Family.WITHDRAWAL_SYMPTOMS,
            "tablet",
            "oral",
            Delivery.PRESCRIPTION,
            False,
            Decimal("0.18"),
            Decimal("2.88"),
        ),
        MedicationInfo(
            Medication.CLONIDINE,
            "Clonidine tablet (off-label, withdrawal symptoms)",
            Family.WITHDRAWAL_SYMPTOMS,
            "tablet",
            "oral",
            Delivery.PRESCRIPTION,
            False,
            Decimal("0.025"),
            Decimal("1.2"),
        ),
        MedicationInfo(
            Medication.NALOXONE_KIT,
            "Naloxone kit (overdose reversal)",
            Family.NALOXONE,
            "nasal spray kit",
            "intranasal",
            Delivery.PRESCRIPTION,
            False,
            Decimal("2"),
            Decimal("8"),
        ),
    )
}


def info(code: Medication | str) -> MedicationInfo:
    return CATALOGUE[Medication(code)]


def family_members(family: Family | str) -> list[Medication]:
    return [m.code for m in CATALOGUE.values() if m.family == Family(family)]
