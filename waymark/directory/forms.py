"""The treatment finder's forms: the search (ZIP or "lat,lon", distance, friendly filters in four groups) and
the self-check's "Find treatment that fits" form, with the filters' and categories' words in the page's
language.

Both are GET forms whose fields are the search parameters of the API (near, radius, services, payment,
population, language, limit): the page checks them with the API's own parser (search.parse_query), so the two
agree on what is valid, and a search can be shared as a link. Nothing here is about the visitor beyond a ZIP
code and the filters they chose."""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from waymark.directory import codes, search

PARAMETERS = search.PARAMETERS  # services, payment, population, language
FIELDS = ("near", "radius", *PARAMETERS, "limit")
RADIUS_CHOICES = (5, 10, 25, 50, 100, 250)

# The friendly filters in plain words (codes.FILTERS), in both languages.
FILTER_LABELS: dict[str, Promise] = {
    "detox": _("Detox (withdrawal management)"),
    "methadone": _("Methadone"),
    "otp": _("Opioid treatment program (OTP)"),
    "buprenorphine": _("Buprenorphine"),
    "naltrexone": _("Naltrexone"),
    "residential": _("Residential (any length)"),
    "residential_short": _("Short-term residential"),
    "residential_long": _("Long-term residential"),
    "partial_hospitalisation": _("Partial hospitalisation (day treatment)"),
    "intensive_outpatient": _("Intensive outpatient"),
    "outpatient": _("Outpatient"),
    "sober_living": _("Sober living (halfway house, transitional housing)"),
    "telehealth": _("Telehealth"),
    "medicaid": _("Medicaid"),
    "medicare": _("Medicare"),
    "private_insurance": _("Private health insurance"),
    "self_pay": _("Cash or self-payment"),
    "sliding_fee": _("Sliding fee scale"),
    "free": _("Free (no payment accepted)"),
    "pregnant": _("Pregnant or postpartum women"),
    "adolescents": _("Adolescents"),
    "young_adults": _("Young adults"),
    "women": _("Adult women"),
    "men": _("Adult men"),
    "veterans": _("Veterans"),
    "lgbtq": _("LGBTQ people"),
    "criminal_justice": _("People involved with criminal justice"),
    "co_occurring": _("Co-occurring mental health conditions"),
    "spanish": _("Spanish"),
    "sign_language": _("Sign language"),
    "hospital_inpatient": _("Hospital inpatient"),
}

PARAMETER_LEGENDS: dict[str, Promise] = {
    "services": _("Services"),
    "payment": _("Payment"),
    "population": _("Who it serves"),
    "language": _("Language"),
}

# The code key's categories (codes.CATEGORIES) in plain words, for the facility page.
CATEGORY_NAMES: dict[str, Promise] = {
    "type_of_care": _("Type of care"),
    "setting": _("Service setting"),
    "hospital": _("Hospitals"),
    "opioid_medications": _("Opioid medications used in treatment"),
    "opioid_prescriber": _("Prescribing of opioid medications"),
    "alcohol_medications": _("Medications for alcohol use disorder"),
    "alcohol_prescriber": _("Prescribing of alcohol medications"),
    "opioid_services": _("Medication services for opioid use disorder"),
    "pharmacotherapies": _("Pharmacotherapies"),
    "approaches": _("Treatment approaches"),
    "operation": _("Facility operation"),
    "accreditation": _("Licence, certification or accreditation"),
    "payment": _("Payment, insurance or funding accepted"),
    "payment_assistance": _("Payment assistance"),
    "special_programs": _("Special programs or groups"),
    "assessment": _("Assessment and pre-treatment"),
    "testing": _("Testing"),
    "transitional": _("Transitional services"),
    "recovery_support": _("Recovery support"),
    "other_addiction": _("Other addiction services"),
    "detox_services": _("Detoxification (medical withdrawal) services"),
    "education": _("Education and counselling services"),
    "medical": _("Medical services"),
    "smoking": _("Smoking policy"),
    "age": _("Age groups accepted"),
    "gender": _("Gender accepted"),
    "exclusive": _("Exclusive services"),
    "language": _("Language services"),
    "other_languages": _("Other languages"),
    "vaping": _("Vaping policy"),
    "ancillary": _("Ancillary services"),
    "other": _("Other services"),
}


def filter_label(slug: str) -> str:
    """A friendly filter's words in the page's language (the English of codes.FILTERS for one added later)."""
    label = FILTER_LABELS.get(slug)
    return str(label) if label is not None else codes.FILTER_BY_SLUG[slug].label


def category_name(category: codes.Category) -> str:
    name = CATEGORY_NAMES.get(category.slug)
    return str(name) if name is not None else category.name


def split_values(raw: Iterable[str]) -> list[str]:
    """Checkbox values and comma-separated lists ("sliding_fee,free") as one list, blanks and repeats left out."""
    return list(dict.fromkeys(v.strip() for item in raw for v in item.split(",") if v.strip()))


@dataclass(frozen=True)
class Box:
    """One checkbox of a filter group."""

    id: str
    parameter: str
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Group:
    parameter: str
    legend: str
    boxes: list[Box]
    error: str

    @property
    def chosen(self) -> int:
        return sum(box.checked for box in self.boxes)


@dataclass(frozen=True)
class RadiusChoice:
    value: str  # miles
    selected: bool


def _box_id(parameter: str, value: str) -> str:
    return f"f-{parameter}-" + re.sub(r"[^A-Za-z0-9_-]", "-", value)


class FinderForm:
    """The finder's search from the query string. `submitted` when a ZIP (or point) was asked for; `asked` when
    any search field came (a link from Match me may bring filters without a ZIP). Errors, parameter → message,
    are set by the view from search.parse_query."""

    def __init__(self, data: QueryDict) -> None:
        self.data = data
        self.near = (data.get("near") or "").strip()
        self.radius = (data.get("radius") or "").strip()
        self.chosen = {parameter: split_values(data.getlist(parameter)) for parameter in PARAMETERS}
        self.submitted = "near" in data
        self.asked = any(name in data for name in FIELDS)
        self.errors: dict[str, str] = {}

    def params(self) -> dict[str, list[str]]:
        """The fields as search.parse_query takes them (every value given, so its checks see them all)."""
        return {name: self.data.getlist(name) for name in FIELDS if name in self.data}

    def query_string(self, **changes: str) -> str:
        """The search as a query string (for links back to it and for more results)."""
        pairs: list[tuple[str, str]] = []
        for name in FIELDS:
            if name in changes:
                pairs.append((name, changes[name]))
            elif name in PARAMETERS:
                pairs.extend((name, value) for value in self.chosen[name])
            else:
                pairs.extend((name, value) for value in self.data.getlist(name) if value.strip())
        return urlencode(pairs)

    @property
    def filters_chosen(self) -> int:
        return sum(len(values) for values in self.chosen.values())

    def groups(self, label_of: Callable[[str], str] = search.label_of) -> list[Group]:
        """The four filter groups with their boxes ticked as asked. A value that is a code of the key rather
        than a friendly filter ("MM", from a link made for the API) gets a box of its own, labelled by the key."""
        groups = []
        for parameter in PARAMETERS:
            chosen = self.chosen[parameter]
            slugs = {v.lower() for v in chosen}
            boxes = [
                Box(_box_id(parameter, f.slug), parameter, f.slug, filter_label(f.slug), f.slug in slugs)
                for f in codes.FILTERS
                if f.parameter == parameter
            ]
            for value in chosen:
                if value.lower() not in codes.FILTER_BY_SLUG:
                    code = value.upper()
                    label = label_of(code)
                    text = f"{label} ({code})" if label != code else code
                    boxes.append(Box(_box_id(parameter, code), parameter, code, text, True))
            groups.append(Group(parameter, str(PARAMETER_LEGENDS[parameter]), boxes, self.errors.get(parameter, "")))
        return groups

    def radius_choices(self) -> list[RadiusChoice]:
        """The distances to choose from; a distance given in the link that is not one of them is kept."""
        current = self.radius or str(search.DEFAULT_RADIUS_MILES)
        values = [str(r) for r in RADIUS_CHOICES]
        if current not in values and "radius" not in self.errors:
            values.append(current)
        return [RadiusChoice(v, v == current) for v in values]


# --- "Find treatment that fits" on the self-check result -----------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    value: str
    label: Promise


def _choices(rows: Sequence[tuple[str, str, Promise]]) -> list[Choice]:
    return [Choice(_box_id(f"m-{name}", value or "none"), name, value, label) for name, value, label in rows]


# Each answer is a finder field and its value: the form is a GET to the finder, which ticks those filters.
# The self-check's answers and result are not among them: only what the person picks here goes in the link.
MATCH_PAYMENT = _choices(
    [
        ("payment", "medicaid", _("Medicaid")),
        ("payment", "medicare", _("Medicare")),
        ("payment", "private_insurance", _("Private health insurance")),
        ("payment", "sliding_fee,free", _("No insurance: a sliding fee scale, or free")),
    ]
)
MATCH_NEEDS = _choices(
    [
        ("population", "pregnant", _("I am pregnant or have just had a baby")),
        ("population", "adolescents", _("I am under 18")),
        ("population", "veterans", _("I am a veteran")),
        ("language", "spanish", _("Services in Spanish")),
        ("language", "sign_language", _("Sign language")),
    ]
)
MATCH_MEDICATION = _choices(
    [
        ("services", "methadone", _("Methadone")),
        ("services", "buprenorphine", _("Buprenorphine")),
        ("services", "naltrexone", _("Naltrexone")),
        ("services", "", _("Not sure yet")),
    ]
)


@dataclass(frozen=True)
class MatchMeForm:
    payment: list[Choice]
    needs: list[Choice]
    medication: list[Choice]


def match_me_form() -> MatchMeForm:
    return MatchMeForm(MATCH_PAYMENT, MATCH_NEEDS, MATCH_MEDICATION)
