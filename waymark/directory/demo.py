"""Demo data for the treatment finder.

With the SAMHSA National Directory beside the checkout (../shared/data/samhsa, or the folder WAYMARK_SAMHSA_DIR
names), the demo imports it: real, public listings. Without it, the demo lays down 30 clearly fictional listings
("(demo listing)" in every name, 555-01xx phone numbers, "Example" streets) around six ZIP codes, with
plausible service codes, so the finder has something to find. Both are idempotent.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from waymark.core import audit
from waymark.directory import importer, zips
from waymark.directory.listing import ensure_codes, set_codes, set_position
from waymark.directory.models import Facility

FACILITY_FILES = ("facilities.csv.gz", "facilities.csv", "facilities.xlsx")

# The codes the demo listings use, with the code key's labels (service_definitions.csv.gz).
DEMO_KEY = {
    "SA": "Substance use treatment",
    "DT": "Detoxification",
    "HH": "Transitional housing, halfway house, or sober home",
    "SUMH": "Treatment for co-occurring substance use plus either serious mental health illness in adults/serious "
    "emotional disturbance in children",
    "OP": "Outpatient",
    "OIT": "Intensive outpatient treatment",
    "ODT": "Outpatient day treatment or partial hospitalization",
    "OD": "Outpatient detoxification",
    "RES": "Residential/24-hour residential",
    "RS": "Short-term residential",
    "RL": "Long-term residential",
    "RD": "Residential detoxification",
    "HI": "Hospital inpatient/24-hour hospital inpatient",
    "HID": "Hospital inpatient detoxification",
    "GH": "General Hospital (including VA hospital)",
    "MU": "Methadone used in Treatment",
    "BU": "Buprenorphine used in Treatment",
    "NU": "Naltrexone used in Treatment",
    "OTP": "Federally-certified Opioid Treatment Program",
    "MM": "Methadone maintenance",
    "BUM": "Buprenorphine maintenance",
    "UB": "Prescribes buprenorphine",
    "UN": "Prescribes naltrexone",
    "METH": "Methadone",
    "BWN": "Buprenorphine with naloxone",
    "NXN": "Naltrexone (oral)",
    "VTRL": "Naltrexone (extended-release, injectable)",
    "CBT": "Cognitive behavioral therapy",
    "MOTI": "Motivational interviewing",
    "TELE": "Telemedicine/telehealth therapy",
    "PVTN": "Private non-profit organization",
    "PVTP": "Private for-profit organization",
    "STG": "State government",
    "VAMC": "U.S. Department of Veterans Affairs",
    "MD": "Medicaid",
    "MC": "Medicare",
    "PI": "Private health insurance",
    "MI": "Federal military insurance (e.g., TRICARE)",
    "SF": "Cash or self-payment",
    "NP": "No payment accepted",
    "SS": "Sliding fee scale (fee is based on income and other factors)",
    "PA": "Payment assistance (check with facility for details)",
    "AD": "Adolescents",
    "TAY": "Young adults",
    "WN": "Adult women",
    "PW": "Pregnant/postpartum women",
    "MN": "Adult men",
    "VET": "Veterans",
    "CJ": "Criminal justice (other than DUI/DWI)/Forensic clients",
    "CO": "Clients with co-occurring mental and substance use disorders",
    "ADLT": "Adults",
    "YAD": "Young Adults",
    "SNR": "Seniors",
    "SP": "Spanish",
    "AH": "Sign language services for the deaf and hard of hearing",
}

# Kinds of programme, as their `service_code_info` (groups in the code key's category order).
PROFILES = {
    "otp": "SA * OP * MU BU NU * OTP MM BUM UB UN * METH BWN NXN VTRL * CBT MOTI * PVTN * MD MC PI SF * SS * PW CO "
    "* ADLT SNR * SP",
    "office": "SA SUMH * OP OIT * BU NU * BUM UB UN * BWN VTRL * CBT MOTI TELE * PVTP * MD MC PI SF * PA * CO VET "
    "* YAD ADLT SNR",
    "iop": "SA * OP OIT ODT * BU NU * BUM UN * BWN NXN VTRL * CBT MOTI TELE * PVTN * MD PI SF * SS * TAY WN CO * "
    "YAD ADLT * SP AH",
    "residential": "SA DT * RES RS RL RD * BU NU * BUM UN * BWN VTRL * CBT MOTI * PVTN * MD PI SF * SS * WN PW MN "
    "CJ * ADLT",
    "hospital": "SA DT * HI HID OD * GH * MU BU NU * BUM UB UN * METH BWN NXN * CBT * STG * MD MC PI MI SF * CO VET "
    "* YAD ADLT SNR * SP",
    "sober_home": "SA HH * RES RL * MOTI * PVTN * SF NP * SS * MN CJ * ADLT",
    "teen": "SA * OP OIT * NU * UN * NXN * CBT MOTI TELE * PVTN * MD PI SF * SS * AD TAY * YAD * AH",
    "veterans": "SA SUMH * OP OIT OD * GH * BU NU * BUM UB UN * BWN VTRL * CBT MOTI TELE * VAMC * MI * VET CO * "
    "YAD ADLT SNR",
}

# (name, detail, ZIP, city, state, profile). Every name ends "(demo listing)".
LISTINGS = (
    ("Casco Bay Recovery Center", "Opioid Treatment Program", "04101", "Portland", "ME", "otp"),
    ("Harborview Family Health", "Office-based addiction care", "04102", "Portland", "ME", "office"),
    ("Back Cove Counseling", "Intensive outpatient", "04103", "Portland", "ME", "iop"),
    ("Presumpscot House", "", "04092", "Westbrook", "ME", "residential"),
    ("Fore River Sober Living", "Men's house", "04106", "South Portland", "ME", "sober_home"),
    ("Pine Street Youth Services", "", "04074", "Scarborough", "ME", "teen"),
    ("Chelsea Crossing Treatment Services", "Methadone clinic", "10001", "New York", "NY", "otp"),
    ("Hudson Yards Health Partners", "", "10011", "New York", "NY", "office"),
    ("Riverside Recovery Program", "Day treatment", "10451", "Bronx", "NY", "iop"),
    ("Brooklyn Heights Medical Center", "Detox unit", "11201", "Brooklyn", "NY", "hospital"),
    ("Ironbound Community Recovery", "", "07102", "Newark", "NJ", "residential"),
    ("Harbor Veterans Clinic", "Substance use program", "10001", "New York", "NY", "veterans"),
    ("Lakeshore Treatment Center", "OTP", "60601", "Chicago", "IL", "otp"),
    ("West Loop Wellness", "", "60607", "Chicago", "IL", "office"),
    ("Wicker Park Youth Counseling", "", "60622", "Chicago", "IL", "teen"),
    ("Prairie Path Residential", "Women and children", "60622", "Chicago", "IL", "residential"),
    ("Great Lakes Recovery House", "", "60607", "Chicago", "IL", "sober_home"),
    ("Rio Grande Recovery Services", "Opioid Treatment Program", "87102", "Albuquerque", "NM", "otp"),
    ("Sandia Health Center", "Behavioral health", "87106", "Albuquerque", "NM", "iop"),
    ("Mesa Vista Hospital", "Medical withdrawal unit", "87102", "Albuquerque", "NM", "hospital"),
    ("High Desert Veterans Clinic", "", "87106", "Albuquerque", "NM", "veterans"),
    ("Old Town Youth Programs", "", "87102", "Albuquerque", "NM", "teen"),
    ("Centro de Recuperación Bahía", "Programa de tratamiento con opioides", "00901", "San Juan", "PR", "otp"),
    ("Clínica Santurce", "", "00907", "San Juan", "PR", "iop"),
    ("Hogar Nueva Vida", "", "00907", "San Juan", "PR", "residential"),
    ("Puget Sound Treatment Center", "OTP", "98101", "Seattle", "WA", "otp"),
    ("Capitol Hill Health Partners", "", "98122", "Seattle", "WA", "office"),
    ("Elliott Bay Hospital", "Inpatient withdrawal", "98101", "Seattle", "WA", "hospital"),
    ("Cascade House", "Women's residence", "98122", "Seattle", "WA", "sober_home"),
    ("Emerald City Youth Services", "", "98122", "Seattle", "WA", "teen"),
)
AREA_CODES = {"ME": "207", "NY": "212", "NJ": "973", "IL": "312", "NM": "505", "PR": "787", "WA": "206"}
DEMO_SUFFIX = " (demo listing)"


class Output(Protocol):
    """Where the demo reports: a text stream or a management command's stdout."""

    def write(self, text: str, /) -> object: ...


def samhsa_dir() -> Path | None:
    """The folder with the national directory: WAYMARK_SAMHSA_DIR (empty: none), else ../shared/data/samhsa
    beside the checkout; None when there is no facilities file there."""
    configured = os.environ.get("WAYMARK_SAMHSA_DIR")
    if configured is not None:
        folder = Path(configured) if configured.strip() else None
    else:
        folder = Path(settings.BASE_DIR).resolve().parent / "shared" / "data" / "samhsa"
    if folder is None or not any((folder / name).is_file() for name in FACILITY_FILES):
        return None
    return folder


def load_demo_directory(out: Output | None = None) -> str:
    """Fill the directory for a demo: the national file if it is there, else the fictional listings.
    Writes progress and the outcome to `out` when given; returns the outcome in one line."""
    folder = samhsa_dir()
    if folder is not None:
        path = next(folder / name for name in FACILITY_FILES if (folder / name).is_file())
        progress = importer.progress_bar(_raw_writer(out)) if out is not None else None
        report = importer.do_import_directory(path, progress=progress)
        message = (
            f"Treatment finder: SAMHSA National Directory from {path}: {report.imported:,} new, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged, {report.rejected:,} rejected."
        )
    else:
        added = load_fictional_listings()
        message = f"Treatment finder: {len(LISTINGS)} fictional demo listings ({added} new); no national file found."
    if out is not None:
        out.write(message + "\n")
    return message


def _raw_writer(out: Output) -> Callable[[str], object]:
    """`out.write` without the newline a management command's OutputWrapper adds to each write."""
    if isinstance(out, OutputWrapper):
        return lambda text: out.write(text, ending="")
    return out.write


@transaction.atomic
def load_fictional_listings() -> int:
    """The 30 fictional listings, created or brought back to their demo values; returns how many were new."""
    ensure_codes(DEMO_KEY.items())
    existing = {
        f.source_id: f for f in Facility.objects.filter(source=Facility.Source.PROGRAM, source_id__startswith="demo-")
    }
    added = 0
    now = timezone.now()
    for number, (name, detail, zip5, city, state, profile) in enumerate(LISTINGS, start=1):
        source_id = f"demo-{number:02d}"
        facility = existing.get(source_id) or Facility(source=Facility.Source.PROGRAM, source_id=source_id)
        added += facility.pk is None
        area = AREA_CODES[state]
        facility.name = name + DEMO_SUFFIX
        facility.name_detail = detail
        facility.street1 = f"{100 + 7 * number} Example Street"
        facility.city, facility.state, facility.zip = city, state, zip5
        facility.phone = f"{area}-555-01{number:02d}"
        facility.intake1 = f"{area}-555-01{50 + number:02d}"
        facility.source_date = now.date()
        facility.updated_at = now
        set_codes(facility, PROFILES[profile].replace("*", " ").split())
        set_position(facility, zips.centroid(zip5))
        facility.save()
    # Every run writes every demo listing (new ones, and existing ones brought back to their demo values).
    reason = f"{added} new, {len(LISTINGS) - added} reset: fictional demo listings"
    audit.record(None, "directory_demo_load", object_type="facility", reason=reason)
    return added
