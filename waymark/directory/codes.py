"""The SAMHSA National Directory's service codes: their categories, and the
friendly filters people search with. Pure: no Django.

Each row of the directory lists its codes in groups separated by `*`, one group
per category of the code key, empty categories left out (so a group's position
says nothing; its codes do). The categories below are the groups found in the
national file (a test checks that every group of every row falls in one
category); the names are SAMHSA's headings in plain words. Source:
../shared/data/README.md and the code key service_definitions.csv.gz.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from waymark.core.rule_info import RuleInfo


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    codes: tuple[str, ...]


def _category(slug: str, name: str, codes: str) -> Category:
    return Category(slug, name, tuple(codes.split()))


CATEGORIES: tuple[Category, ...] = (
    _category("type_of_care", "Type of care", "SA DT HH SUMH"),
    _category("setting", "Service setting", "OP ORT OIT ODT OD OMB RES RS RL RD HI HIT HID"),
    _category("hospital", "Hospitals", "GH PSYH"),
    _category("opioid_medications", "Opioid medications used in treatment", "MU BU NU"),
    _category("opioid_prescriber", "Prescribing of opioid medications", "INPE RPE PC"),
    _category("alcohol_medications", "Medications for alcohol use disorder", "PMAT ACMA NAUT NMAUT"),
    _category("alcohol_prescriber", "Prescribing of alcohol medications", "AUINPE AURPE AUPC"),
    _category(
        "opioid_services",
        "Medication services for opioid use disorder",
        "OTP MM DM BUM DB UB UN RPN MWS DLC PAIN MOA NMOA NOOP",
    ),
    _category(
        "pharmacotherapies",
        "Pharmacotherapies",
        "METH BWN BWON BERI BSDM NXN VTRL ACM DSF LFXD CLND MMD MHIV MHCV MPEP NRT NSC",
    ),
    _category("approaches", "Treatment approaches", "ANG BIA CBT CMI CRV MOTI MXM RELP SACA TELE TRC TWFA"),
    _category("operation", "Facility operation", "PVTN PVTP STG LCCG FED TBG IH DDF VAMC"),
    _category(
        "accreditation",
        "Licence, certification or accreditation",
        "STAG STMH STDH HLA CARF JC COA HFAP NCQA SOTP DEA FQHC",
    ),
    _category("payment", "Payment, insurance or funding accepted", "SF MD MC SI PI MI ITU FSA SAMF NP"),
    _category("payment_assistance", "Payment assistance", "SS PA"),
    _category(
        "special_programs",
        "Special programs or groups",
        "AD TAY WN PW MN SE GL VET ADM MF CJ CO COPSU HV XA DV TRMA",
    ),
    _category("assessment", "Assessment and pre-treatment", "CMHA CSAA ISC OPC MHPA STU SSA SMHD PIEC"),
    _category("testing", "Testing", "BABA DAOF DAUT HIVT STDT TBS MST HBT HCT"),
    _category("transitional", "Transitional services", "ACC DP NOE OFD"),
    _category("recovery_support", "Recovery support", "SHG HS AOSS RC PEER EMP"),
    _category("other_addiction", "Other addiction services", "TOD TGD"),
    _category("detox_services", "Detoxification (medical withdrawal) services", "ADTX BDTX CDTX MDTX ODTX MDET"),
    _category("education", "Education and counselling services", "HAEC TAEC HEOH SAE TCC ICO GCO FCO MCO VOC"),
    _category("medical", "Medical services", "HAV HBV"),
    _category("smoking", "Smoking policy", "SMON SMOP SMPD"),
    _category("age", "Age groups accepted", "CHLD YAD ADLT SNR"),
    _category("gender", "Gender accepted", "FEM MALE"),
    _category("exclusive", "Exclusive services", "DU DUO AUDO OUDO"),
    _category("language", "Language services", "SP AH FX NX"),
    _category(
        "other_languages",
        "Other languages",
        "F4 F17 F19 F25 F28 F30 F31 F35 F36 F37 F42 F43 F47 F66 F67 F70 F81 F92 N24 N40",
    ),
    _category("vaping", "Vaping policy", "VAPN VAPP VPPD"),
    _category("ancillary", "Ancillary services", "ACU BC CCC CM DVFP EIH IPC MHS SPS SSD TA"),
)

CATEGORY_BY_SLUG = {c.slug: c for c in CATEGORIES}
CATEGORY_OF_CODE = {code: c for c in CATEGORIES for code in c.codes}
OTHER = Category("other", "Other services", ())


def category_of(code: str) -> Category:
    """The code's category; codes a later code key adds fall under "Other services"."""
    return CATEGORY_OF_CODE.get(code, OTHER)


def by_category(codes: Iterable[str]) -> list[tuple[Category, list[str]]]:
    """The codes grouped by category, categories in CATEGORIES order (then "Other services"), codes as given."""
    grouped: dict[str, list[str]] = {}
    for code in codes:
        grouped.setdefault(category_of(code).slug, []).append(code)
    return [(c, grouped[c.slug]) for c in (*CATEGORIES, OTHER) if c.slug in grouped]


def parse_service_info(text: str) -> list[list[str]]:
    """`service_code_info` as its groups: "SA DT * OP OD" → [["SA", "DT"], ["OP", "OD"]]."""
    return [group.split() for group in text.split("*") if group.split()]


# --- Search parameters and friendly filters -----------------------------------------------------------------

# Each search parameter takes codes of these categories. Codes of one parameter are OR-ed (any of them);
# the parameters are AND-ed (all of them).
PARAMETER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "services": (
        "type_of_care",
        "setting",
        "hospital",
        "opioid_medications",
        "alcohol_medications",
        "opioid_services",
        "pharmacotherapies",
        "approaches",
        "assessment",
        "testing",
        "transitional",
        "recovery_support",
        "other_addiction",
        "detox_services",
        "education",
        "medical",
        "ancillary",
    ),
    "payment": ("payment", "payment_assistance"),
    "population": ("special_programs", "age", "gender", "exclusive"),
    "language": ("language", "other_languages"),
}
PARAMETER_OF_CATEGORY = {cat: param for param, cats in PARAMETER_CATEGORIES.items() for cat in cats}


@dataclass(frozen=True)
class Filter:
    """A filter in plain words and the codes that satisfy it (any of them)."""

    slug: str
    parameter: str
    label: str
    codes: tuple[str, ...]


def _filter(slug: str, parameter: str, label: str, codes: str) -> Filter:
    return Filter(slug, parameter, label, tuple(codes.split()))


# The friendly filters of the issue, each mapped to the code key's own labels (service_definitions.csv.gz).
FILTERS: tuple[Filter, ...] = (
    _filter("detox", "services", "Detox (withdrawal management)", "DT OD RD HID"),
    _filter("methadone", "services", "Methadone maintenance (opioid treatment program)", "MM"),
    _filter("otp", "services", "Opioid treatment program (OTP)", "OTP"),
    _filter("buprenorphine", "services", "Buprenorphine", "BU BUM UB"),
    _filter("naltrexone", "services", "Naltrexone", "NU UN VTRL"),
    _filter("residential", "services", "Residential (any length)", "RES"),
    _filter("residential_short", "services", "Short-term residential", "RS"),
    _filter("residential_long", "services", "Long-term residential", "RL"),
    _filter("hospital_inpatient", "services", "Hospital inpatient", "HI HIT HID"),
    _filter("partial_hospitalisation", "services", "Partial hospitalisation (day treatment)", "ODT"),
    _filter("intensive_outpatient", "services", "Intensive outpatient", "OIT"),
    _filter("outpatient", "services", "Outpatient", "OP"),
    _filter("sober_living", "services", "Sober living (halfway house, transitional housing)", "HH"),
    _filter("telehealth", "services", "Telehealth", "TELE"),
    _filter("medicaid", "payment", "Medicaid", "MD"),
    _filter("medicare", "payment", "Medicare", "MC"),
    _filter("private_insurance", "payment", "Private health insurance", "PI"),
    _filter("self_pay", "payment", "Cash or self-payment", "SF"),
    _filter("sliding_fee", "payment", "Sliding fee scale", "SS"),
    _filter("free", "payment", "Free (no payment accepted)", "NP"),
    _filter("pregnant", "population", "Pregnant or postpartum women", "PW"),
    _filter("adolescents", "population", "Adolescents", "AD"),
    _filter("young_adults", "population", "Young adults", "TAY"),
    _filter("women", "population", "Adult women", "WN"),
    _filter("men", "population", "Adult men", "MN"),
    _filter("veterans", "population", "Veterans", "VET"),
    _filter("lgbtq", "population", "LGBTQ people", "GL"),
    _filter("criminal_justice", "population", "People involved with criminal justice", "CJ"),
    _filter("co_occurring", "population", "Co-occurring mental health conditions", "CO"),
    _filter("spanish", "language", "Spanish", "SP"),
    _filter("sign_language", "language", "Sign language", "AH"),
)
FILTER_BY_SLUG = {f.slug: f for f in FILTERS}


class CodeError(ValueError):
    """A search value that is neither a code of the parameter's categories nor a friendly filter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def codes_for(parameter: str, values: Iterable[str], known_codes: Iterable[str]) -> tuple[str, ...]:
    """The codes one parameter's values stand for: each value is a friendly filter ("methadone") or a
    code of the parameter's categories ("MM"). Raises CodeError naming the first bad value."""
    known = set(known_codes)
    codes: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        found = FILTER_BY_SLUG.get(value.lower())
        if found is not None:
            if found.parameter != parameter:
                raise CodeError(parameter, f"“{value}” is a {found.parameter} filter; use {found.parameter}=.")
            codes.extend(c for c in found.codes if c not in codes)
            continue
        code = value.upper()
        if code not in known:
            raise CodeError(parameter, f"Unknown code “{value}”: not in the directory's code key.")
        where = PARAMETER_OF_CATEGORY.get(category_of(code).slug)
        if where != parameter:
            hint = f"use {where}=" if where else "it cannot be searched on"
            raise CodeError(
                parameter, f"“{code}” ({category_of(code).name.lower()}) is not a {parameter} code; {hint}."
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


# --- Rules (registry: waymark.core.rule_registry; docs/clinical-rules.md) ------------------------------------

RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        "directory.search.filters",
        "Within one search parameter (services, payment, who it serves, language) any of the chosen codes will "
        "do; across parameters all must hold. A friendly filter stands for the code key's codes listed for it.",
        "OR within a parameter, AND across parameters",
        "issue #9; SAMHSA code key (service_definitions.csv.gz)",
        "no",
    ),
    RuleInfo(
        "directory.search.order",
        "Results are ordered by distance from the ZIP centroid or point, nearest first (ties by listing id). "
        "Claimed, verified and advertiser listings are labelled as such and never moved.",
        "distance only",
        "PRODUCT.md §2 (any facility listed free; paid status never changes ranking)",
        "no",
    ),
    RuleInfo(
        "directory.search.limits",
        "A search radius is 1–500 miles and returns 1–100 listings; anything else is refused naming the parameter.",
        "25 miles, 20 listings",
        "Waymark default",
        "no",
    ),
    RuleInfo(
        "directory.import.zip_leading_zero",
        "A 3- or 4-digit ZIP (its leading zeros lost) is padded only when the padded ZIP lies in the row's state; "
        "otherwise the listing is kept, not placed, and reported.",
        "pad within the state",
        "data/README.md (real-data traps)",
        "no",
    ),
    RuleInfo(
        "directory.match.level_services",
        "Match me turns a placement's level into the directory's settings (outpatient, intensive outpatient, "
        "partial hospitalisation, short- or long-term residential, hospital inpatient, detox for withdrawal "
        "management, methadone for an OTP or a wish for methadone), plus pregnant/postpartum and co-occurring.",
        "table in directory/matching.py",
        "assess/placement.py levels (REFERENCE.md §8); SAMHSA code key labels",
        "no",
    ),
)
