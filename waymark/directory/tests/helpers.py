"""Test helpers: a code key and facilities placed where a test needs them."""

from itertools import count
from pathlib import Path
from typing import Any

from waymark.directory import codes as code_key
from waymark.directory import geo, zips
from waymark.directory.listing import ensure_codes, set_codes, set_position
from waymark.directory.models import Facility

SHARED_SAMHSA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "samhsa"

# The key's labels for the codes tests read (service_definitions.csv.gz); other codes are labelled by code.
LABELS = {
    "SA": "Substance use treatment",
    "DT": "Detoxification",
    "HH": "Transitional housing, halfway house, or sober home",
    "OP": "Outpatient",
    "OIT": "Intensive outpatient treatment",
    "ODT": "Outpatient day treatment or partial hospitalization",
    "RES": "Residential/24-hour residential",
    "RS": "Short-term residential",
    "RL": "Long-term residential",
    "OD": "Outpatient detoxification",
    "RD": "Residential detoxification",
    "HID": "Hospital inpatient detoxification",
    "OTP": "Federally-certified Opioid Treatment Program",
    "MM": "Methadone maintenance",
    "BU": "Buprenorphine used in Treatment",
    "BUM": "Buprenorphine maintenance",
    "UB": "Prescribes buprenorphine",
    "NU": "Naltrexone used in Treatment",
    "UN": "Prescribes naltrexone",
    "VTRL": "Naltrexone (extended-release, injectable)",
    "TELE": "Telemedicine/telehealth therapy",
    "MD": "Medicaid",
    "MC": "Medicare",
    "PI": "Private health insurance",
    "SF": "Cash or self-payment",
    "SS": "Sliding fee scale (fee is based on income and other factors)",
    "NP": "No payment accepted",
    "PW": "Pregnant/postpartum women",
    "AD": "Adolescents",
    "VET": "Veterans",
    "SP": "Spanish",
    "AH": "Sign language services for the deaf and hard of hearing",
    "PVTN": "Private non-profit organization",
}

_ids = count(1)


def make_key() -> None:
    every = [code for category in code_key.CATEGORIES for code in category.codes]
    ensure_codes((code, LABELS.get(code, code)) for code in every)


def make_facility(
    name: str = "Harbor Recovery", *, at: geo.Point | str | None = "10001", codes: str = "SA OP", **fields: Any
) -> Facility:
    """A substance-use listing at a ZIP centroid (at="10001"), a point, or nowhere (at=None)."""
    make_key()
    facility = Facility(source_id=f"test_{next(_ids)}", name=name, **fields)
    if isinstance(at, str):
        facility.zip = at
        point = zips.centroid(at)
        assert point is not None, at
        at = point
    set_codes(facility, codes.split())
    set_position(facility, at)
    facility.save()
    return facility


def miles_north(point: geo.Point, miles: float) -> geo.Point:
    """A point `miles` due north of `point` (one degree of latitude is 1/360 of the circumference)."""
    import math

    return geo.Point(point.lat + math.degrees(miles / geo.EARTH_RADIUS_MILES), point.lon)
