"""Distances on the Earth and the grid the directory is indexed by. Pure: no Django.

Each facility stores its position three ways: latitude/longitude for people,
the unit vector (x, y, z) so the database can order by straight-line (chord)
distance — which orders exactly as the great-circle distance does, with only
arithmetic, on SQLite and PostgreSQL alike — and a grid cell (0.1° by 0.1°)
so a search reads only the cells around the point, through an index.
"""

import math
from dataclasses import dataclass

EARTH_RADIUS_MILES = 3958.7613  # mean radius (IUGG)
CELL_DEGREES = 0.1
_LON_CELLS = round(360 / CELL_DEGREES)  # 3600
_CELL_ROW = 4000  # cell = lat_row * 4000 + lon_column; 4000 > 3600 keeps rows apart


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError("Latitude must be between -90 and 90 and longitude between -180 and 180.")


def unit_vector(point: Point) -> tuple[float, float, float]:
    lat, lon = math.radians(point.lat), math.radians(point.lon)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def haversine_miles(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def destination(point: Point, miles: float, bearing: float) -> Point:
    """The point `miles` from `point` on `bearing` (radians clockwise from north), on the sphere."""
    d = miles / EARTH_RADIUS_MILES
    lat1, lon1 = math.radians(point.lat), math.radians(point.lon)
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing))
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
    )
    lon = (math.degrees(lon2) + 540) % 360 - 180
    return Point(max(-90.0, min(90.0, math.degrees(lat2))), lon)


def chord_squared(miles: float) -> float:
    """The squared straight-line distance between unit vectors `miles` apart on the surface."""
    return (2 * math.sin(min(math.pi, miles / EARTH_RADIUS_MILES) / 2)) ** 2


def cell_of(point: Point) -> int:
    row = min(int((point.lat + 90) / CELL_DEGREES), round(180 / CELL_DEGREES) - 1)
    column = min(int((point.lon + 180) / CELL_DEGREES), _LON_CELLS - 1)
    return row * _CELL_ROW + column


def row_column(cell: int) -> tuple[int, int]:
    """The row (from the south pole) and column (from the 180th meridian) of a cell."""
    row, column = divmod(cell, _CELL_ROW)
    return row, column


def cell_ranges(centre: Point, miles: float) -> list[tuple[int, int]]:
    """Inclusive ranges of cells covering every point within `miles` of `centre`: one range per row of cells
    (two where the circle crosses the 180th meridian), each as wide as the circle is within that row."""
    angle = min(math.pi, miles / EARTH_RADIUS_MILES)
    dlat = math.degrees(angle)  # no point of the circle is further in latitude than in distance
    south, north = max(-90.0, centre.lat - dlat), min(90.0, centre.lat + dlat)
    first_row = cell_of(Point(south, 0)) // _CELL_ROW
    last_row = cell_of(Point(north, 0)) // _CELL_ROW
    ranges = []
    for row in range(first_row, last_row + 1):
        low = max(south, -90 + row * CELL_DEGREES)
        high = min(north, -90 + (row + 1) * CELL_DEGREES)
        half = _half_width(centre.lat, angle, low, high)
        base = row * _CELL_ROW
        for west, east in _longitude_spans(centre.lon - half, centre.lon + half):
            ranges.append((base + west, base + east))
    return ranges


def _half_width(lat: float, angle: float, low: float, high: float) -> float:
    """How far in longitude (degrees, 180 for all) a circle of `angle` radians around latitude `lat` reaches
    between latitudes `low` and `high`.

    At latitude ψ the circle reaches Δλ with cos Δλ = (cos d − sin φ sin ψ) / (cos φ cos ψ) (the spherical law
    of cosines, φ the centre's latitude, d the angle); Δλ grows with ψ up to ψ* = asin(sin φ / cos d), where
    the circle is widest, and shrinks after: so within [low, high] it is widest at ψ* or the end nearer it."""
    if angle >= math.pi / 2:
        return 180.0
    phi = math.radians(lat)
    cos_phi = math.cos(phi)
    if cos_phi < 1e-12:
        return 180.0  # around a pole
    ratio = math.sin(phi) / math.cos(angle)
    widest = math.degrees(math.asin(ratio)) if abs(ratio) < 1 else math.copysign(90.0, ratio)
    psi = math.radians(min(max(widest, low), high))
    cos_psi = math.cos(psi)
    if cos_psi < 1e-12:
        return 180.0  # the circle holds the pole
    cos_dlon = (math.cos(angle) - math.sin(phi) * math.sin(psi)) / (cos_phi * cos_psi)
    if cos_dlon <= -1:
        return 180.0
    # A millionth of a degree (0.1 m) more, for rounding.
    return min(180.0, math.degrees(math.acos(min(1.0, cos_dlon))) + 1e-6)


def _longitude_spans(west: float, east: float) -> list[tuple[int, int]]:
    if east - west >= 360:
        return [(0, _LON_CELLS - 1)]

    def column(lon: float) -> int:
        return min(int((lon + 180) / CELL_DEGREES), _LON_CELLS - 1)

    if west < -180:
        return [(0, column(east)), (column(west + 360), _LON_CELLS - 1)]
    if east > 180:
        return [(column(west), _LON_CELLS - 1), (0, column(east - 360))]
    return [(column(west), column(east))]


def parse_lat_lon(text: str) -> Point:
    """ "40.75,-73.99" → Point; ValueError with a plain message otherwise."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError("Give a 5-digit ZIP code or “latitude,longitude”.")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError("Give a 5-digit ZIP code or “latitude,longitude” in decimal degrees.") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("Latitude and longitude must be numbers.")
    return Point(lat, lon)
