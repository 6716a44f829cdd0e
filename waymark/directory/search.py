"""Search the directory: facilities near a ZIP code or a point, within a radius, offering what was asked for.

Filters: within one parameter (services, payment, population, language) any of the codes will do; across
parameters all must hold. Codes are checked with bit masks in the database (Facility.code_mask_N).

Nearest first without reading the whole country: the query reads only the grid cells around the point
(geo.cell_ranges) and orders by chord distance, which orders exactly as distance on the Earth does. It starts
with a small circle and widens it (×4) until it has `limit` results or reaches the radius asked for: once a
circle holds `limit` results, nothing outside it can be nearer."""

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, ExpressionWrapper, F, FloatField, Q, QuerySet
from django.db.models.lookups import GreaterThan

from waymark.directory import codes as code_key
from waymark.directory import geo, zips
from waymark.directory.models import BITS_PER_WORD, Facility, ServiceCode

RADIUS_MIN_MILES = 1
RADIUS_MAX_MILES = 500
DEFAULT_RADIUS_MILES = 25
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
FIRST_CIRCLE_MILES = 3.0
PARAMETERS = tuple(code_key.PARAMETER_CATEGORIES)


class SearchError(ValueError):
    """A bad search parameter; `parameter` names it (the API answers 422 with it, the page shows it there)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class SearchQuery:
    origin: geo.Point
    origin_label: str  # "ZIP 10001" or "40.7484, -73.9967"
    radius_miles: float
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parameter → codes, empty ones left out
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Result:
    facility: Facility
    distance_miles: float
    matched: list[str]  # why it matches, in the code key's words


# --- Code bits -----------------------------------------------------------------------------------------------


@functools.cache
def _code_table() -> dict[str, tuple[int, str]]:
    return {c.code: (c.bit, c.label) for c in ServiceCode.objects.all()}


def forget_code_table() -> None:
    """Call after the code key changes (the import does)."""
    _code_table.cache_clear()


def code_table() -> dict[str, tuple[int, str]]:
    """code → (bit, label) for every code of the imported key."""
    return _code_table()


def label_of(code: str) -> str:
    known = code_table().get(code)
    return known[1] if known else code


def masks_for(codes: Sequence[str]) -> list[int]:
    """The four mask words with the bits of `codes` set (codes without a bit set none)."""
    table = code_table()
    if any(c not in table for c in codes):
        forget_code_table()  # another process may have imported a newer key
        table = code_table()
    words = [0, 0, 0, 0]
    for code in codes:
        if code in table:
            bit = table[code][0]
            words[bit // BITS_PER_WORD] |= 1 << (bit % BITS_PER_WORD)
    return words


# --- Parsing -------------------------------------------------------------------------------------------------


def parse_query(params: Mapping[str, Sequence[str]]) -> SearchQuery:
    """A SearchQuery from request parameters (each a list of values, comma-separated values allowed).
    Raises SearchError naming the parameter at fault."""

    def values(name: str) -> list[str]:
        return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]

    near = " ".join(params.get("near", [])).strip()
    origin, label = _origin(near)
    radius = _number(params, "radius", DEFAULT_RADIUS_MILES, RADIUS_MIN_MILES, RADIUS_MAX_MILES, "miles")
    limit = int(_number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, "results", whole=True))
    known = set(code_table()) | set(code_key.CATEGORY_OF_CODE)
    chosen: dict[str, tuple[str, ...]] = {}
    for parameter in PARAMETERS:
        try:
            found = code_key.codes_for(parameter, values(parameter), known)
        except code_key.CodeError as error:
            raise SearchError(parameter, str(error)) from None
        if found:
            chosen[parameter] = found
    return SearchQuery(origin, label, radius, chosen, limit)


def _origin(near: str) -> tuple[geo.Point, str]:
    if not near:
        raise SearchError("near", "Give a 5-digit ZIP code or “latitude,longitude”.")
    if zips.is_zip(near):
        point = zips.centroid(near)
        if point is None:
            raise SearchError("near", f"Unknown ZIP code {near}.")
        return point, f"ZIP {near}"
    try:
        point = geo.parse_lat_lon(near)
    except ValueError as error:
        raise SearchError("near", str(error)) from None
    return point, f"{point.lat:.4f}, {point.lon:.4f}"


def _number(
    params: Mapping[str, Sequence[str]], name: str, default: float, low: float, high: float, unit: str, whole=False
) -> float:
    given = [v for v in params.get(name, []) if v.strip()]
    if not given:
        return default
    if len(given) > 1:
        raise SearchError(name, f"Give {name} once.")
    try:
        value = int(given[0]) if whole else float(given[0])
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SearchError(name, f"{name.capitalize()} must be {kind} of {unit}, from {low} to {high}.") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise SearchError(name, f"{name.capitalize()} must be from {low} to {high} {unit}.")
    return value


# --- Searching -----------------------------------------------------------------------------------------------


def _code_filter(codes: Sequence[str]) -> Q | None:
    """Any of `codes`: a facility whose masks share a bit with theirs. None when no facility can match."""
    words = masks_for(codes)
    conditions = [
        GreaterThan(ExpressionWrapper(F(f"code_mask_{i}").bitand(word), output_field=BigIntegerField()), 0)
        for i, word in enumerate(words)
        if word
    ]
    if not conditions:
        return None
    return functools.reduce(operator.or_, (Q(c) for c in conditions))


def _within(origin: geo.Point, miles: float) -> Q:
    ranges = geo.cell_ranges(origin, miles)
    return functools.reduce(operator.or_, (Q(cell__range=r) for r in ranges))


def filtered(query: SearchQuery) -> QuerySet[Facility] | None:
    """Listed substance-use facilities that meet every parameter; None when none can."""
    facilities = Facility.objects.filter(directory_type="substance", cell__isnull=False)
    for codes in query.codes.values():
        condition = _code_filter(codes)
        if condition is None:
            return None
        facilities = facilities.filter(condition)
    return facilities


def search(query: SearchQuery) -> list[Result]:
    """The nearest `limit` facilities within the radius meeting every filter, nearest first (ties by id)."""
    facilities = filtered(query)
    if facilities is None:
        return []
    x, y, z = geo.unit_vector(query.origin)
    chord = ExpressionWrapper(
        (F("unit_x") - x) * (F("unit_x") - x)
        + (F("unit_y") - y) * (F("unit_y") - y)
        + (F("unit_z") - z) * (F("unit_z") - z),
        output_field=FloatField(),
    )
    miles = min(FIRST_CIRCLE_MILES, query.radius_miles)
    while True:
        found = list(
            facilities.filter(_within(query.origin, miles))
            .alias(chord=chord)
            .filter(chord__lte=geo.chord_squared(miles))
            .order_by("chord", "id")[: query.limit]
        )
        if len(found) >= query.limit or miles >= query.radius_miles:
            break
        miles = min(miles * 4, query.radius_miles)
    return [_result(query, facility) for facility in found]


def _result(query: SearchQuery, facility: Facility) -> Result:
    assert facility.latitude is not None and facility.longitude is not None
    distance = geo.haversine_miles(query.origin, geo.Point(facility.latitude, facility.longitude))
    has = set(facility.codes)
    matched = [label_of(code) for codes in query.codes.values() for code in codes if code in has]
    return Result(facility, round(distance, 1), matched)
