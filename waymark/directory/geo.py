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


def chord_squared(miles: float) -> float:
    """The squared straight-line distance between unit vectors `miles` apart on the surface."""
    return (2 * math.sin(min(math.pi, miles / EARTH_RADIUS_MILES) / 2)) ** 2


def cell_of(point: Point) -> int:
    row = min(int((point.lat + 90) / CELL_DEGREES), round(180 / CELL_DEGREES) - 1)
    column = min(int((point.lon + 180) / CELL_DEGREES), _LON_CELLS - 1)
    return row * _CELL_ROW + column


def cell_ranges(centre: Point, miles: float) -> list[tuple[int, int]]:
    """Inclusive ranges of cells covering every point within `miles` of `centre`: one range per row of cells
    (two where the box crosses the 180th meridian)."""
    dlat = math.degrees(miles / EARTH_RADIUS_MILES)
    south, north = max(-90.0, centre.lat - dlat), min(90.0, centre.lat + dlat)
    # The widest the circle gets is at the latitude nearest a pole; near a pole every longitude is in range.
    widest = max(abs(south), abs(north))
    cos_widest = math.cos(math.radians(widest))
    dlon = 180.0 if cos_widest < 1e-9 else min(180.0, dlat / cos_widest)
    first_row = cell_of(Point(south, 0)) // _CELL_ROW
    last_row = cell_of(Point(north, 0)) // _CELL_ROW
    spans = _longitude_spans(centre.lon - dlon, centre.lon + dlon)
    ranges = []
    for row in range(first_row, last_row + 1):
        base = row * _CELL_ROW
        for west, east in spans:
            ranges.append((base + west, base + east))
    return ranges


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
