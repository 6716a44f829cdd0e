"""The public treatment finder, no account needed: search near a ZIP code (or a point) with friendly filters,
results nearest first, and a page per facility. English at /help/find-treatment/, Spanish at
/es/help/find-treatment/ (the public pages' layout and language switch).

The search is a GET: it is about places, not about the visitor, and a search can be shared. Its fields are
the API's parameters, checked by the API's parser (search.parse_query), so a bad value is named by its field
with status 422, as the API does. The empty form touches no database. Claimed, verified and advertiser
listings are labelled as such; none of them changes the order, which is by distance alone (search.search).
Plain pages, no HTMX: a new page is announced by its title (with the count of results or "Error:"), works the
same without JavaScript, and keeps its 422 status for a bad field."""

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from waymark.directory import codes, search, zips
from waymark.directory.forms import PARAMETERS, FinderForm, category_name, filter_label
from waymark.directory.models import DirectoryImport, Facility
from waymark.public.views import public_page

NEAR_STAND_IN = ["0,0"]  # stands in for a bad `near` while the other fields are checked


@dataclass(frozen=True)
class Phone:
    label: str
    number: str
    href: str  # "" when the number has no digits to dial
    intake: bool = False


@dataclass(frozen=True)
class Row:
    """One search result as the page shows it."""

    facility: Facility
    distance_miles: float
    matched: list[str]
    phones: list[Phone]


@dataclass(frozen=True)
class ServiceGroup:
    name: str
    labels: list[str]


EXTENSION = re.compile(r"(?i)\s*(?:x|ext\.?|extension)\s*(\d+)\s*$")
# A number with letters as on a keypad, as the national directory has a few ("402-717HOPE", "888-85COMPA"):
# an area code, then seven digits or letters.
VANITY = re.compile(r"1?[0-9]{3}[0-9A-Z]{7}")
KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


def tel_href(number: str) -> str:
    """A tel: link for a US phone number as the directory writes it ("(212) 555-0100 x12" →
    "tel:+12125550100,12": phones dial an extension after the pause a comma makes; "402-717HOPE" →
    "tel:+14027174673"); "" when there is nothing to dial."""
    extension = EXTENSION.search(number)
    main = number[: extension.start()] if extension else number
    compact = re.sub(r"[()+.\-\s]", "", main).upper()
    if VANITY.fullmatch(compact) and not compact.isdigit():
        main = compact.translate(KEYPAD)
    digits = re.sub(r"\D", "", main)
    if len(digits) == 10:
        digits = f"+1{digits}"
    elif len(digits) == 11 and digits.startswith("1"):
        digits = f"+{digits}"
    if not digits:
        return ""
    return f"tel:{digits},{extension.group(1)}" if extension else f"tel:{digits}"


def phones_of(facility: Facility) -> list[Phone]:
    """The main number, then the intake numbers, each number once (the main one may be the intake line too)."""
    out: dict[str, Phone] = {}
    for number, intake in [(facility.phone, False)] + [(n, True) for n in facility.intake_phones]:
        key = re.sub(r"\D", "", number)
        if not number:
            continue
        if key not in out:
            out[key] = Phone(_("Intake") if intake else _("Phone"), number, tel_href(number), intake)
        elif intake and not out[key].intake:
            out[key] = Phone(_("Phone and intake"), out[key].number, out[key].href, True)
    return list(out.values())


# --- Search --------------------------------------------------------------------------------------------------


def error_message(form: FinderForm, parameter: str) -> str:
    """What to do about a bad field, in the page's language (the parser's own words are for API callers)."""
    if parameter == "near":
        if not form.near:
            return _("Enter a 5-digit ZIP code.")
        if zips.is_zip(form.near):
            return _("We could not find ZIP code %(zip)s. Check it, or try a ZIP code nearby.") % {"zip": form.near}
        return _("Enter a 5-digit ZIP code, or a latitude and longitude such as 40.75,-73.99.")
    if parameter == "radius":
        return _("Choose a distance from %(low)s to %(high)s miles.") % {
            "low": search.RADIUS_MIN_MILES,
            "high": search.RADIUS_MAX_MILES,
        }
    if parameter == "limit":
        return _("Ask for 1 to %(most)s results.") % {"most": search.MAX_LIMIT}
    return _("One of these choices is not a filter the finder knows. Untick it and search again.")


def parse(form: FinderForm) -> search.SearchQuery | None:
    """The search asked for, or None with `form.errors` naming every bad field (the parser stops at the first
    bad one, so each is set aside in turn to check the rest)."""
    params = form.params()
    for _attempt in range(len(params) + 1):
        try:
            query = search.parse_query(params)
        except search.SearchError as error:
            form.errors[error.parameter] = error_message(form, error.parameter)
            params[error.parameter] = NEAR_STAND_IN if error.parameter == "near" else []
            continue
        return None if form.errors else query
    return None


def why_it_matches(form: FinderForm, facility: Facility) -> list[str]:
    """The chosen filters this facility meets, in plain words (a code from a link: the key's label)."""
    has = set(facility.codes)
    out = []
    for parameter in PARAMETERS:
        for value in form.chosen[parameter]:
            found = codes.FILTER_BY_SLUG.get(value.lower())
            if found is not None:
                if has.intersection(found.codes):
                    out.append(filter_label(found.slug))
            elif value.upper() in has:
                out.append(search.label_of(value.upper()))
    return list(dict.fromkeys(out))


def place_words(query: search.SearchQuery) -> str:
    """Where the search is from: "ZIP code 10001", or the point."""
    if query.origin_label.startswith("ZIP "):
        return _("ZIP code %(zip)s") % {"zip": query.origin_label.removeprefix("ZIP ")}
    return query.origin_label


def source_date(rows: list[Row]) -> dt.date | None:
    """The date of the directory data: the last import's, else the newest of the listings shown."""
    latest = (
        DirectoryImport.objects.filter(finished_at__isnull=False, source_date__isnull=False)
        .order_by("-finished_at")
        .values_list("source_date", flat=True)
        .first()
    )
    return latest or max((r.facility.source_date for r in rows if r.facility.source_date), default=None)


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET)
    context: dict[str, object] = {"form": form}
    if form.submitted:
        query = parse(form)
        if query is not None:
            results = search.search(query)
            rows = [
                Row(r.facility, r.distance_miles, why_it_matches(form, r.facility), phones_of(r.facility))
                for r in results
            ]
            more = len(rows) >= query.limit and query.limit < search.MAX_LIMIT
            context |= {
                "query": query,
                "rows": rows,
                "place": place_words(query),
                "source_date": source_date(rows),
                "more_url": f"?{form.query_string(limit=str(min(query.limit * 5, search.MAX_LIMIT)))}" if more else "",
                "facility_query": form.query_string(),
            }
    groups = form.groups()
    context |= {
        "groups": groups,
        "radius_choices": form.radius_choices(),
        "chosen_labels": [box.label for group in groups for box in group.boxes if box.checked],
        # Open to show a bad filter, or filters chosen elsewhere (Match me) before the first search; closed over
        # results, so that on a phone they come soon after the form (the summary lists what is chosen).
        "filters_open": any(g.error for g in groups) or (form.filters_chosen > 0 and not form.submitted),
    }
    return public_page(request, "directory/finder.html", "find_treatment", context, status=422 if form.errors else 200)


# --- Facility page -------------------------------------------------------------------------------------------


def service_groups(facility: Facility) -> list[ServiceGroup]:
    """The facility's codes by category, in the code key's order, each labelled as the key labels it."""
    if any(code not in search.code_table() for code in facility.codes):
        search.forget_code_table()  # another process may have imported a newer key
    return [
        ServiceGroup(category_name(category), [search.label_of(code) for code in group])
        for category, group in codes.by_category(facility.codes)
    ]


def website_link(facility: Facility) -> str:
    """The listing's website when it is a plain http(s) address ("" otherwise): the import and the listing
    editor check it, and this keeps a value written any other way (javascript:, data:) from becoming a link."""
    url = facility.website.strip()
    return url if re.match(r"(?i)https?://[^\s/?#@]+(?:[/?#]\S*)?$", url) else ""


def map_link(facility: Facility) -> tuple[str, bool]:
    """An OpenStreetMap link (a plain link: no map script on the page), by street address when there is one,
    else at the ZIP code's centre; and whether it is only approximate."""
    if facility.street1 and (facility.city or facility.zip):
        return f"https://www.openstreetmap.org/search?query={quote(facility.address)}", False
    if facility.latitude is not None and facility.longitude is not None:
        lat, lon = f"{facility.latitude:.5f}", f"{facility.longitude:.5f}"
        return f"https://www.openstreetmap.org/?{urlencode({'mlat': lat, 'mlon': lon})}#map=14/{lat}/{lon}", True
    return "", False


@require_GET
def facility(request: HttpRequest, facility_id: int) -> HttpResponse:
    found = Facility.objects.select_related("claimed_by").filter(pk=facility_id, directory_type="substance").first()
    if found is None:
        raise Http404("No such listing.")
    back = FinderForm(request.GET)
    phones = phones_of(found)
    intake = next((p for p in phones if p.intake and p.href), None)
    call = intake or next((p for p in phones if p.href), None)
    url, approximate = map_link(found)
    context = {
        "facility": found,
        "services": service_groups(found),
        "phones": phones,
        "call": call,
        "call_is_intake": intake is not None,
        "map_url": url,
        "website": website_link(found),
        "map_approximate": approximate,
        "added_by_program": found.source == Facility.Source.PROGRAM,
        "back_url": reverse("public:find_treatment") + (f"?{back.query_string()}" if back.submitted else ""),
    }
    return public_page(request, "directory/facility.html", "find_treatment", context)
