"""Distances and the search grid (geo.py): pure, no database."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waymark.directory import geo

NEW_YORK = geo.Point(40.7506, -73.9972)  # ZIP 10001
LOS_ANGELES = geo.Point(34.0614, -118.2385)  # ZIP 90012


moved = geo.destination


def in_ranges(cell: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= cell <= high for low, high in ranges)


latitudes = st.floats(-89.9, 89.9)
longitudes = st.floats(-180, 180)
radii = st.floats(0.5, 510)


class TestDistance:
    def test_it_measures_new_york_to_los_angeles(self) -> None:
        # Great-circle distance between the two ZIP centres: about 2,450 miles.
        assert geo.haversine_miles(NEW_YORK, LOS_ANGELES) == pytest.approx(2448, abs=5)

    def test_it_is_zero_at_the_same_point_and_symmetric(self) -> None:
        assert geo.haversine_miles(NEW_YORK, NEW_YORK) == 0
        assert geo.haversine_miles(NEW_YORK, LOS_ANGELES) == geo.haversine_miles(LOS_ANGELES, NEW_YORK)

    def test_a_unit_vector_has_length_one(self) -> None:
        x, y, z = geo.unit_vector(LOS_ANGELES)
        assert x * x + y * y + z * z == pytest.approx(1)

    def test_chord_squared_of_a_distance_matches_the_unit_vectors(self) -> None:
        a, b = geo.unit_vector(NEW_YORK), geo.unit_vector(LOS_ANGELES)
        chord = sum((p - q) ** 2 for p, q in zip(a, b, strict=True))
        assert chord == pytest.approx(geo.chord_squared(geo.haversine_miles(NEW_YORK, LOS_ANGELES)))

    @given(st.tuples(latitudes, longitudes), st.tuples(latitudes, longitudes), st.tuples(latitudes, longitudes))
    def test_chord_orders_points_as_distance_does(
        self, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
    ) -> None:
        centre, p, q = geo.Point(*a), geo.Point(*b), geo.Point(*c)

        def chord(point: geo.Point) -> float:
            a, b = geo.unit_vector(centre), geo.unit_vector(point)
            return sum((s - t) ** 2 for s, t in zip(a, b, strict=True))

        dp, dq = geo.haversine_miles(centre, p), geo.haversine_miles(centre, q)
        if abs(dp - dq) > 1e-6:
            assert (chord(p) < chord(q)) == (dp < dq)


class TestGrid:
    def test_it_numbers_cells_by_row_and_column(self) -> None:
        assert geo.cell_of(geo.Point(-90, -180)) == 0
        assert geo.cell_of(geo.Point(-90, 180)) == geo.cell_of(geo.Point(-90, 179.99))
        assert geo.cell_of(geo.Point(90, 0)) == geo.cell_of(geo.Point(89.99, 0))
        row = geo.cell_of(geo.Point(-89.85, -180))  # the second row
        assert row > geo.cell_of(geo.Point(-90, 180))

    def test_a_small_circle_is_a_few_cells_of_a_few_rows(self) -> None:
        ranges = geo.cell_ranges(NEW_YORK, 3)
        assert 1 <= len(ranges) <= 3
        assert in_ranges(geo.cell_of(NEW_YORK), ranges)

    def test_a_circle_across_the_180th_meridian_is_split(self) -> None:
        fiji = geo.Point(-17.7, 179.9)
        ranges = geo.cell_ranges(fiji, 50)
        assert in_ranges(geo.cell_of(geo.Point(-17.7, -179.8)), ranges)
        assert in_ranges(geo.cell_of(geo.Point(-17.7, 179.5)), ranges)
        assert not in_ranges(geo.cell_of(geo.Point(-17.7, 0)), ranges)

    def test_a_circle_over_a_pole_takes_every_longitude(self) -> None:
        ranges = geo.cell_ranges(geo.Point(89.5, 10), 100)
        assert in_ranges(geo.cell_of(geo.Point(89.9, -170)), ranges)

    def test_at_high_latitude_the_circle_is_wider_than_a_flat_estimate(self) -> None:
        # 500 miles from Fairbanks: the great circle reaches further in longitude than 500 miles along the
        # parallel of the northernmost point would suggest.
        fairbanks = geo.Point(64.84, -147.72)
        ranges = geo.cell_ranges(fairbanks, 500)
        for bearing in range(0, 360, 5):
            edge = moved(fairbanks, 499.9, math.radians(bearing))
            assert in_ranges(geo.cell_of(edge), ranges), bearing

    @settings(max_examples=300)
    @given(latitudes, longitudes, radii, st.floats(0, 1), st.floats(0, 2 * math.pi))
    def test_every_point_within_the_radius_is_in_a_range(
        self, lat: float, lon: float, miles: float, fraction: float, bearing: float
    ) -> None:
        centre = geo.Point(lat, lon)
        point = moved(centre, miles * fraction, bearing)
        assert geo.haversine_miles(centre, point) <= miles + 1e-6
        assert in_ranges(geo.cell_of(point), geo.cell_ranges(centre, miles))


class TestParsing:
    def test_it_reads_latitude_and_longitude(self) -> None:
        assert geo.parse_lat_lon("40.75,-73.99") == geo.Point(40.75, -73.99)
        assert geo.parse_lat_lon(" 40.75 , -73.99 ") == geo.Point(40.75, -73.99)

    @pytest.mark.parametrize("text", ["40.75", "40.75,-73.99,1", "north,west", "nan,0", "0,inf", "91,0", "0,181", ""])
    def test_it_refuses_anything_else(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"\w"):
            geo.parse_lat_lon(text)
