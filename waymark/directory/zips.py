"""ZIP code centroids, offline, from the `zipcodes` package (its data: GeoNames,
CC BY 4.0; the finder credits it). Pure: no Django.

The SAMHSA file lost leading zeros ("6401" is 06401 in Connecticut), so a ZIP of
3 or 4 digits is padded, and accepted only if the padded ZIP lies in the row's
state — that keeps a truncated ZIP from placing a facility in the wrong state.
"""

import functools
import re

import zipcodes

from waymark.directory.geo import Point

GEONAMES_CREDIT = "ZIP code locations: GeoNames (geonames.org), CC BY 4.0, through the zipcodes package."

_ZIP = re.compile(r"^(\d{3,5})(?:-\d{4})?$")


@functools.cache
def _centroids() -> dict[str, tuple[Point, str]]:
    found: dict[str, tuple[Point, str]] = {}
    for row in zipcodes.list_all():
        try:
            found[row["zip_code"]] = (Point(float(row["lat"]), float(row["long"])), row["state"])
        except (KeyError, TypeError, ValueError):
            continue
    return found


def normalise(raw: str, state: str = "") -> str | None:
    """The 5-digit ZIP for `raw` ("6401" → "06401", "10001-1234" → "10001"), or None. With `state`, a
    padded ZIP must be in that state."""
    match = _ZIP.match(raw.strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 5:
        return digits
    padded = digits.zfill(5)
    known = _centroids().get(padded)
    if known is None or (state and known[1] != state.upper()):
        return None
    return padded


def centroid(zip5: str) -> Point | None:
    """The ZIP's centre, or None for a ZIP the data does not know."""
    known = _centroids().get(zip5)
    return known[0] if known else None


def state_of(zip5: str) -> str | None:
    known = _centroids().get(zip5)
    return known[1] if known else None


def is_zip(text: str) -> bool:
    return bool(re.fullmatch(r"\d{5}", text.strip()))
