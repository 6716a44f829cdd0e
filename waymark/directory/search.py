"""Search the directory: facilities near a ZIP code or a point, within a radius, offering what was asked for.

Filters: within one parameter (services, payment, population, language) any of the codes will do; across
parameters all must hold. Codes are checked with bit masks (Facility.code_mask_N).

Nearest first without reading the whole country. Every placed listing has a grid cell (geo.cell_of); a search
reads only the cells around its circle, one range of cells per row of the grid (geo.cell_ranges), through the
index facility_search on (directory_type, cell, unit_x, unit_y, unit_z, code_mask_0..3, id): the distance and
the filters are worked out from the index entries alone, and only the `limit` nearest rows are then read. The
distance is the chord between unit vectors, which orders exactly as distance on the Earth does and is plain
arithmetic on SQLite and PostgreSQL alike.

A search starts with a circle sized from how many listings are around the point (density(): counts per
cell and per 1° block, one query per process an hour) and widens it until a circle holds
`limit` results or is the radius asked for: once a circle holds `limit` results, nothing outside it can be
nearer. So a search in a city reads a few miles' worth of listings and one in the country a wide circle of
few; usually one query, never more than MAX_CIRCLES. Where a search starts never changes what it finds.

The SQL is written by hand (fixed pieces, every value a parameter): the ORM took longer to build the query
than the database took to answer it."""

import functools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from waymark.directory import codes as code_key
from waymark.directory import geo, zips
from waymark.directory.models import BITS_PER_WORD, Facility, ServiceCode

RADIUS_MIN_MILES = 1
RADIUS_MAX_MILES = 500
DEFAULT_RADIUS_MILES = 25
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MIN_FIRST_CIRCLE_MILES = 1.0
EXPECTED_PER_LIMIT = 1.5  # listings the first circle should hold, per result asked for, without filters
EXPECTED_PER_LIMIT_FILTERED = 5.0  # … and with filters (a filter keeps one listing in a few, or fewer)
DENSITY_BLOCK_DEGREES = 1.0
DENSITY_MAX_AGE_SECONDS = 60 * 60
MILES_PER_DEGREE = math.pi * geo.EARTH_RADIUS_MILES / 180  # of latitude
MIN_GROWTH = 2.0
MAX_GROWTH = 4.0
MAX_CIRCLES = 4  # queries a search makes at most
BOUNDARY_MILES = 1e-6
CELL_MARGIN_MILES = 0.01
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


def _parameter_masks(query: SearchQuery) -> list[list[int]] | None:
    """Each parameter's mask words (any bit will do); None when a parameter's codes have no bit (nothing can
    match)."""
    masks = []
    for codes in query.codes.values():
        words = masks_for(codes)
        if not any(words):
            return None
        masks.append(words)
    return masks


def _nearest(
    origin: geo.Point, miles: float, masks: list[list[int]], limit: int, *, grid: bool = True
) -> list[Facility]:
    """The `limit` facilities nearest `origin` within `miles` that meet every mask, nearest first, ties by id,
    in one query. With `grid`, only the cells around the circle are read (see the module's docstring);
    without, every facility is.

    The SQL is put together from fixed pieces only; every value is a query parameter."""
    table = connection.ops.quote_name(Facility._meta.db_table)
    x, y, z = geo.unit_vector(origin)
    chord = "(f.unit_x - %s) * (f.unit_x - %s) + (f.unit_y - %s) * (f.unit_y - %s) + (f.unit_z - %s) * (f.unit_z - %s)"
    chord_params: list[Any] = [x, x, y, y, z, z]
    # A hair more than the radius, so a facility exactly at it is in despite rounding (1e-6 mile: 1.6 mm).
    where = ["f.directory_type = 'substance'", "f.cell IS NOT NULL", f"({chord}) <= %s"]
    where_params: list[Any] = [*chord_params, geo.chord_squared(miles + BOUNDARY_MILES)]
    for words in masks:
        any_bit = [f"(f.code_mask_{i} & %s) <> 0" for i, word in enumerate(words) if word]
        where.append(f"({' OR '.join(any_bit)})")
        where_params.extend(word for word in words if word)
    select = f"SELECT f.id, ({chord}) AS chord FROM {table} f"  # noqa: S608
    if not grid:
        with_cells, cell_params = "", []
        candidates = f"{select} WHERE {' AND '.join(where)}"
    else:
        ranges = geo.cell_ranges(origin, miles + CELL_MARGIN_MILES)
        with_cells = f"WITH r (lo, hi) AS (VALUES {', '.join('(%s, %s)' for _ in ranges)}) "
        cell_params = [bound for cells in ranges for bound in cells]
        in_range = " AND ".join(["f.cell BETWEEN r.lo AND r.hi", *where])
        if connection.vendor == "postgresql":
            # One range scan of the index per row of cells: LATERAL says so, and OFFSET 0 keeps the planner
            # from flattening it into a walk of the whole index (it cannot estimate how few rows a range holds).
            per_range = f"{select} WHERE {in_range} OFFSET 0"
            candidates = f"SELECT s.id, s.chord FROM r CROSS JOIN LATERAL ({per_range}) s"  # noqa: S608
        else:
            # SQLite puts r outside and searches the index once for each of its ranges.
            candidates = f"{select} JOIN r ON {in_range}"
    columns = ", ".join(f"f.{connection.ops.quote_name(c)}" for c in _COLUMNS)
    nearest = f"SELECT n.id, n.chord FROM ({candidates}) n ORDER BY n.chord, n.id LIMIT %s"  # noqa: S608
    sql = f"{with_cells}SELECT {columns} FROM ({nearest}) near JOIN {table} f ON f.id = near.id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY near.chord, near.id", [*cell_params, *chord_params, *where_params, limit])
        rows = cursor.fetchall()
    return [Facility.from_db(connection.alias, _FIELDS, row) for row in rows]


_FIELDS = [f.attname for f in Facility._meta.concrete_fields]
_COLUMNS = [str(f.column) for f in Facility._meta.concrete_fields]


# --- Where a search starts ----------------------------------------------------------------------------------


Counts = dict[tuple[int, int], int]  # (row, column) of a square of the grid → listings in it


@dataclass(frozen=True)
class _Density:
    read_at: float
    cells: Counts  # per cell of the grid (geo.CELL_DEGREES)
    blocks: Counts  # per DENSITY_BLOCK_DEGREES block


_density: _Density | None = None
_clock = time.monotonic


def density() -> tuple[Counts, Counts]:
    """How many listings each cell and each block of the grid hold, read at most every
    DENSITY_MAX_AGE_SECONDS by each process (one query). Only where a search starts depends on them, never what
    it finds: a stale count costs time, not results."""
    global _density
    # An empty directory is read again sooner: the import may be running.
    max_age = DENSITY_MAX_AGE_SECONDS if _density is None or _density.cells else 60
    if _density is None or _clock() - _density.read_at > max_age:
        table = connection.ops.quote_name(Facility._meta.db_table)
        placed = "directory_type = 'substance' AND cell IS NOT NULL"
        sql = f"SELECT cell, COUNT(*) FROM {table} WHERE {placed} GROUP BY cell"  # noqa: S608
        per_block = round(DENSITY_BLOCK_DEGREES / geo.CELL_DEGREES)
        cells: Counts = {}
        blocks: Counts = {}
        with connection.cursor() as cursor:
            cursor.execute(sql)
            for cell, count in cursor.fetchall():
                row, column = geo.row_column(cell)
                cells[row, column] = count
                block = (row // per_block, column // per_block)
                blocks[block] = blocks.get(block, 0) + count
        _density = _Density(_clock(), cells, blocks)
    return _density.cells, _density.blocks


def forget_density() -> None:
    """The next search reads the counts again (tests; after a large import a process may call it too)."""
    global _density
    _density = None


def first_circle(query: SearchQuery) -> float:
    """The radius of the first circle: wide enough to hold EXPECTED_PER_LIMIT times `limit` listings (more
    with filters, which keep only some) at the density around the point: of the 3×3 cells around it where they
    hold that many, else of the 3×3 blocks. With no listing in those blocks, nearly their width. Never more than
    the radius asked for."""
    wanted = query.limit * (EXPECTED_PER_LIMIT_FILTERED if query.codes else EXPECTED_PER_LIMIT)
    cells, blocks = density()
    for degrees, counts in ((geo.CELL_DEGREES, cells), (DENSITY_BLOCK_DEGREES, blocks)):
        row = math.floor((query.origin.lat + 90) / degrees)
        column = math.floor((query.origin.lon + 180) / degrees)
        columns = round(360 / degrees)
        count = sum(counts.get((row + dr, (column + dc) % columns), 0) for dr in (-1, 0, 1) for dc in (-1, 0, 1))
        if count >= wanted:
            break
    if not count:
        return min(query.radius_miles, 1.5 * degrees * MILES_PER_DEGREE)
    width = 3 * degrees * max(0.05, math.cos(math.radians(query.origin.lat)))
    area = 3 * degrees * width * MILES_PER_DEGREE**2
    miles = math.sqrt(wanted * area / (math.pi * count))
    return min(query.radius_miles, max(MIN_FIRST_CIRCLE_MILES, miles))


def _circles(query: SearchQuery, masks: list[list[int]]) -> list[Facility]:
    """Widening circles until one holds `limit` results or is the radius asked for: once a circle holds
    `limit` results, nothing outside it can be nearer, so they are the nearest in the whole radius. Each next
    circle is sized from what the last one found (wide enough, at the density it found, for `limit` and a
    quarter more), between 2 and 4 times wider; the last of MAX_CIRCLES is the radius itself."""
    miles = first_circle(query)
    for _ in range(MAX_CIRCLES - 1):
        nearest = _nearest(query.origin, miles, masks, query.limit)
        if len(nearest) >= query.limit or miles >= query.radius_miles:
            return nearest
        growth = math.sqrt(query.limit / len(nearest)) * 1.25 if nearest else MAX_GROWTH
        miles = min(miles * min(MAX_GROWTH, max(MIN_GROWTH, growth)), query.radius_miles)
    return _nearest(query.origin, query.radius_miles, masks, query.limit)


def search(query: SearchQuery) -> list[Result]:
    """The nearest `limit` facilities within the radius meeting every filter, nearest first (ties by id)."""
    masks = _parameter_masks(query)
    if masks is None:
        return []
    return [_result(query, f) for f in _circles(query, masks)]


def brute_force(query: SearchQuery) -> list[Result]:
    """What `search` must find, the slow way: every facility is read, no grid, one circle. For tests and the
    benchmark's exactness check."""
    masks = _parameter_masks(query)
    if masks is None:
        return []
    return [_result(query, f) for f in _nearest(query.origin, query.radius_miles, masks, query.limit, grid=False)]


def _result(query: SearchQuery, facility: Facility) -> Result:
    assert facility.latitude is not None and facility.longitude is not None
    distance = geo.haversine_miles(query.origin, geo.Point(facility.latitude, facility.longitude))
    has = set(facility.codes)
    matched = [label_of(code) for codes in query.codes.values() for code in codes if code in has]
    return Result(facility, round(distance, 1), matched)
