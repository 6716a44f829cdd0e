"""Searching the directory (search.py): order, radius, filters, limits, bad parameters, and what is never found."""

import random
from collections.abc import Iterator

import pytest

from waymark.directory import geo, search, zips
from waymark.directory.models import Facility
from waymark.directory.tests.helpers import SHARED_SAMHSA, make_facility, make_key, miles_north

pytestmark = pytest.mark.django_db


def centroid(zip5: str) -> geo.Point:
    point = zips.centroid(zip5)
    assert point is not None, zip5
    return point


NEW_YORK = centroid("10001")


def find(**params: str) -> list[search.Result]:
    return search.search(search.parse_query({name: [value] for name, value in params.items()}))


def names(**params: str) -> list[str]:
    return [r.facility.name for r in find(**params)]


class TestOrder:
    def test_it_lists_the_nearest_first(self) -> None:
        make_facility("Twenty", at=miles_north(NEW_YORK, 20))
        make_facility("Two", at=miles_north(NEW_YORK, 2))
        make_facility("Nine", at=miles_north(NEW_YORK, 9))
        assert names(near="10001") == ["Two", "Nine", "Twenty"]

    def test_it_gives_each_result_its_distance(self) -> None:
        make_facility("Nine", at=miles_north(NEW_YORK, 9))
        (result,) = find(near="10001")
        assert result.distance_miles == 9.0

    def test_it_breaks_ties_by_id(self) -> None:
        point = miles_north(NEW_YORK, 5)
        first = make_facility("Same place A", at=point)
        second = make_facility("Same place B", at=point)
        third = make_facility("Same place C", at=point)
        assert [r.facility for r in find(near="10001")] == [first, second, third]

    def test_it_searches_from_a_point(self) -> None:
        make_facility("Here", at=geo.Point(44.0, -70.0))
        make_facility("There", at=geo.Point(44.2, -70.0))
        results = find(near="44.01,-70")
        assert [r.facility.name for r in results] == ["Here", "There"]
        assert results[0].distance_miles == 0.7

    def test_listing_flags_never_change_the_order(self) -> None:
        make_facility("Near", at=miles_north(NEW_YORK, 3))
        make_facility("Far", at=miles_north(NEW_YORK, 4), advertiser=True, verified=True)
        assert names(near="10001") == ["Near", "Far"]


class TestRadius:
    def test_a_facility_exactly_at_the_radius_is_in(self) -> None:
        make_facility("At 25", at=miles_north(NEW_YORK, 25))
        make_facility("At 25.1", at=miles_north(NEW_YORK, 25.1))
        assert names(near="10001", radius="25") == ["At 25"]

    def test_it_defaults_to_25_miles(self) -> None:
        make_facility("At 24", at=miles_north(NEW_YORK, 24))
        make_facility("At 26", at=miles_north(NEW_YORK, 26))
        assert names(near="10001") == ["At 24"]
        assert names(near="10001", radius="26") == ["At 24", "At 26"]

    @pytest.mark.parametrize("miles", [1, 500])
    def test_it_takes_the_smallest_and_largest_radius(self, miles: int) -> None:
        make_facility("Inside", at=miles_north(NEW_YORK, miles - 0.5))
        make_facility("Outside", at=miles_north(NEW_YORK, miles + 0.5))
        assert names(near="10001", radius=str(miles)) == ["Inside"]

    @pytest.mark.parametrize("first", [1.0, 3.0, 100.0])
    def test_it_finds_the_nearest_wherever_the_first_circle_ends(
        self, monkeypatch: pytest.MonkeyPatch, first: float
    ) -> None:
        monkeypatch.setattr(search, "first_circle", lambda query: min(first, query.radius_miles))
        # Two within a small first circle, the third nearest just outside it, more further away.
        make_facility("One", at=miles_north(NEW_YORK, 0.5))
        make_facility("Two", at=miles_north(NEW_YORK, 0.7))
        make_facility("Four", at=miles_north(NEW_YORK, 4))
        for miles in (30, 40, 50, 99):
            make_facility(f"At {miles}", at=miles_north(NEW_YORK, miles))
        assert names(near="10001", radius="100", limit="4") == ["One", "Two", "Four", "At 30"]
        assert names(near="10001", radius="100", limit="7") == [
            "One",
            "Two",
            "Four",
            "At 30",
            "At 40",
            "At 50",
            "At 99",
        ]
        assert names(near="10001", radius="45", limit="7") == ["One", "Two", "Four", "At 30", "At 40"]


class TestFirstCircle:
    @pytest.fixture(autouse=True)
    def fresh_counts(self) -> Iterator[None]:
        search.forget_density()
        yield
        search.forget_density()

    def query(self, **params: str) -> search.SearchQuery:
        return search.parse_query({name: [value] for name, value in params.items()})

    def test_the_more_listings_around_the_smaller_it_is(self) -> None:
        for i in range(25):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, i))
        sparse = search.first_circle(self.query(near="10001", radius="100"))
        for i in range(400):
            make_facility(f"More {i}", at=miles_north(NEW_YORK, i / 40))
        search.forget_density()
        dense = search.first_circle(self.query(near="10001", radius="100"))
        assert search.MIN_FIRST_CIRCLE_MILES <= dense < sparse / 3

    def test_with_filters_it_is_wider(self) -> None:
        for i in range(400):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, i / 40))
        plain = search.first_circle(self.query(near="10001", radius="100"))
        filtered = search.first_circle(self.query(near="10001", radius="100", services="methadone"))
        assert filtered > plain

    def test_where_there_are_none_nearby_it_is_wide_but_within_the_radius(self) -> None:
        make_facility("Far away", at="99701")  # Fairbanks
        assert search.first_circle(self.query(near="10001", radius="500")) > 90
        assert search.first_circle(self.query(near="10001", radius="10")) == 10

    def test_counts_are_read_again_after_an_hour(
        self, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries
    ) -> None:
        now = [1000.0]
        monkeypatch.setattr(search, "_clock", lambda: now[0])
        make_facility("Near", at=miles_north(NEW_YORK, 2))
        assert sum(search.density()[1].values()) == 1
        make_facility("Another", at=miles_north(NEW_YORK, 3))
        now[0] += search.DENSITY_MAX_AGE_SECONDS - 1
        with django_assert_num_queries(0):
            assert sum(search.density()[1].values()) == 1
        now[0] += 2
        assert sum(search.density()[1].values()) == 2

    def test_an_empty_directory_is_read_again_within_a_minute(self, monkeypatch: pytest.MonkeyPatch) -> None:
        now = [1000.0]
        monkeypatch.setattr(search, "_clock", lambda: now[0])
        assert search.density() == ({}, {})
        make_facility("Near", at=miles_north(NEW_YORK, 2))
        now[0] += 61
        assert sum(search.density()[1].values()) == 1

    def test_counts_read_before_listings_changed_change_no_result(self) -> None:
        search.density()  # an empty directory
        make_facility("Near", at=miles_north(NEW_YORK, 2))
        for i in range(50):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, 3 + i / 10))
        assert names(near="10001", limit="2") == ["Near", "Listing 0"]


class TestFilters:
    @pytest.fixture
    def listings(self) -> None:
        make_facility("Methadone, Medicaid", at=miles_north(NEW_YORK, 1), codes="SA OTP MM MD")
        make_facility("Buprenorphine, Medicaid", at=miles_north(NEW_YORK, 2), codes="SA BU MD SP")
        make_facility("Methadone, private", at=miles_north(NEW_YORK, 3), codes="SA OTP MM PI")
        make_facility("Outpatient, sliding fee", at=miles_north(NEW_YORK, 4), codes="SA OP SS PW")

    def test_within_a_parameter_any_code_will_do(self, listings: None) -> None:
        assert names(near="10001", services="methadone,buprenorphine") == [
            "Methadone, Medicaid",
            "Buprenorphine, Medicaid",
            "Methadone, private",
        ]

    def test_across_parameters_all_must_hold(self, listings: None) -> None:
        assert names(near="10001", services="methadone", payment="medicaid") == ["Methadone, Medicaid"]
        assert names(near="10001", services="buprenorphine", payment="medicaid", language="spanish") == [
            "Buprenorphine, Medicaid"
        ]
        assert names(near="10001", services="methadone", population="pregnant") == []

    def test_friendly_filters_and_codes_find_the_same(self, listings: None) -> None:
        assert names(near="10001", services="MM") == names(near="10001", services="methadone")
        assert names(near="10001", payment="md,PI") == [
            "Methadone, Medicaid",
            "Buprenorphine, Medicaid",
            "Methadone, private",
        ]

    def test_repeated_values_are_any_of_them(self, listings: None) -> None:
        query = search.parse_query({"near": ["10001"], "services": ["MM", "BU"]})
        assert [r.facility.name for r in search.search(query)] == names(near="10001", services="MM,BU")

    def test_it_says_why_each_result_matches(self, listings: None) -> None:
        (result,) = find(near="10001", services="methadone,buprenorphine", payment="MD", language="SP")
        assert result.matched == ["Buprenorphine used in Treatment", "Medicaid", "Spanish"]

    def test_a_result_has_all_of_its_codes(self, listings: None) -> None:
        (result,) = find(near="10001", population="pregnant")
        assert result.facility.codes == ["SA", "OP", "SS", "PW"]

    def test_a_code_no_listing_has_finds_nothing(self, listings: None) -> None:
        assert names(near="10001", services="VTRL") == []


class TestLimit:
    def test_it_returns_at_most_limit_results_the_nearest(self) -> None:
        for miles in (5, 1, 4, 2, 3):
            make_facility(f"At {miles}", at=miles_north(NEW_YORK, miles))
        assert names(near="10001", limit="2") == ["At 1", "At 2"]
        assert names(near="10001", limit="1") == ["At 1"]

    def test_it_defaults_to_20(self) -> None:
        for i in range(21):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, 1 + i / 10))
        assert len(find(near="10001")) == 20
        assert len(find(near="10001", limit="100")) == 21


class TestNeverFound:
    def test_a_listing_not_placed_is_never_a_result(self) -> None:
        make_facility("Not placed", at=None)
        make_facility("Placed", at="10001")
        assert names(near="10001", radius="500") == ["Placed"]

    def test_a_mental_health_listing_is_never_a_result(self) -> None:
        make_facility("Mental health", at="10001", directory_type="mental")
        make_facility("Substance use", at="10001")
        assert names(near="10001", radius="500") == ["Substance use"]


class TestBadParameters:
    @pytest.mark.parametrize(
        ("params", "parameter", "words"),
        [
            ({}, "near", "ZIP"),
            ({"near": ["99999"]}, "near", "Unknown ZIP code 99999"),
            ({"near": ["1000"]}, "near", "ZIP"),
            ({"near": ["91,0"]}, "near", "Latitude"),
            ({"near": ["40.7,-73.9,1"]}, "near", "latitude,longitude"),
            ({"near": ["10001"], "radius": ["0"]}, "radius", "from 1 to 500 miles"),
            ({"near": ["10001"], "radius": ["501"]}, "radius", "from 1 to 500 miles"),
            ({"near": ["10001"], "radius": ["abc"]}, "radius", "number"),
            ({"near": ["10001"], "radius": ["nan"]}, "radius", "from 1 to 500"),
            ({"near": ["10001"], "radius": ["inf"]}, "radius", "from 1 to 500"),
            ({"near": ["10001"], "radius": ["10", "20"]}, "radius", "once"),
            ({"near": ["10001"], "limit": ["0"]}, "limit", "from 1 to 100"),
            ({"near": ["10001"], "limit": ["101"]}, "limit", "from 1 to 100"),
            ({"near": ["10001"], "limit": ["1.5"]}, "limit", "whole number"),
            ({"near": ["10001"], "services": ["XYZ"]}, "services", "Unknown code"),
            ({"near": ["10001"], "services": ["methadone,XYZ"]}, "services", "XYZ"),
            ({"near": ["10001"], "services": ["MD"]}, "services", "use payment="),
            ({"near": ["10001"], "payment": ["methadone"]}, "payment", "use services="),
            ({"near": ["10001"], "population": ["SP"]}, "population", "use language="),
            ({"near": ["10001"], "language": ["pregnant"]}, "language", "use population="),
            ({"near": ["10001"], "services": ["SMON"]}, "services", "cannot be searched on"),
        ],
    )
    def test_it_names_the_parameter(self, params: dict[str, list[str]], parameter: str, words: str) -> None:
        make_key()
        with pytest.raises(search.SearchError) as error:
            search.parse_query(params)
        assert error.value.parameter == parameter
        assert words in error.value.message


class TestExactness:
    """The grid and the widening circles find exactly what reading every facility finds."""

    @pytest.fixture
    def scattered(self) -> None:
        rng = random.Random(9)
        codes = ["SA OP MD", "SA OTP MM MD", "SA BU PI", "SA RES RS PW", "SA OP SS SP", "SA DT OD MC"]
        listings = []
        for i in range(400):
            # Dense near the centre, sparse further out, some far away; some share a position.
            miles = rng.choice([rng.uniform(0, 3), rng.uniform(0, 40), rng.uniform(0, 300)])
            point = miles_north(NEW_YORK, miles) if i % 7 else NEW_YORK
            point = geo.Point(point.lat, point.lon + rng.uniform(-1, 1) * (miles / 60))
            listings.append(make_facility(f"Listing {i}", at=point, codes=rng.choice(codes)))
        assert len(listings) == 400

    @pytest.mark.parametrize(
        "filters",
        [{}, {"services": "methadone"}, {"services": "buprenorphine,detox", "payment": "MC,PI"}, {"language": "SP"}],
    )
    def test_it_matches_brute_force(
        self, scattered: None, monkeypatch: pytest.MonkeyPatch, filters: dict[str, str]
    ) -> None:
        search.forget_density()
        for first in (None, 0.5, 2.0, 30.0):
            if first is not None:
                monkeypatch.setattr(search, "first_circle", lambda query, first=first: min(first, query.radius_miles))
            for radius in ("1", "10", "25", "100", "500"):
                for limit in ("1", "20", "100"):
                    params = {"near": ["10001"], "radius": [radius], "limit": [limit]}
                    query = search.parse_query(params | {k: [v] for k, v in filters.items()})
                    found = search.search(query)
                    expected = search.brute_force(query)
                    assert [r.facility.pk for r in found] == [r.facility.pk for r in expected], (first, radius, limit)
                    distances = [r.distance_miles for r in found]
                    assert distances == sorted(distances)


class TestQueries:
    """A search makes at most MAX_CIRCLES queries, once the process has the density counts (one query, at most
    every DENSITY_MAX_AGE_SECONDS)."""

    def test_a_search_takes_a_bounded_number_of_queries(
        self, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries
    ) -> None:
        monkeypatch.setattr(search, "first_circle", lambda query: 1.0)
        for miles in (0.5, 2, 3, 150, 160, 170):
            make_facility(f"At {miles}", at=miles_north(NEW_YORK, miles), codes="SA OTP MM MD")
        query = search.parse_query({"near": ["10001"], "radius": ["500"], "services": ["methadone"]})
        with django_assert_max_num_queries(search.MAX_CIRCLES):
            assert len(search.search(query)) == 6

    def test_the_count_does_not_grow_with_results(self, django_assert_max_num_queries) -> None:
        search.forget_density()
        for i in range(100):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, i / 50), codes="SA OTP MM MD")
        query = search.parse_query({"near": ["10001"], "limit": ["100"], "services": ["methadone"], "payment": ["MD"]})
        search.density()
        with django_assert_max_num_queries(search.MAX_CIRCLES):
            assert len(search.search(query)) == 100

    def test_the_density_counts_are_one_query(self, django_assert_num_queries) -> None:
        search.forget_density()
        with django_assert_num_queries(1):
            search.density()
        with django_assert_num_queries(0):
            search.density()


# --- The national directory ------------------------------------------------------------------------------------


@pytest.fixture
def national() -> Iterator[None]:
    source = SHARED_SAMHSA / "facilities.csv.gz"
    if not source.exists():
        pytest.skip(f"the national directory is not at {SHARED_SAMHSA}")
    from waymark.directory.importer import do_import_directory

    do_import_directory(source)
    yield
    search.forget_code_table()  # the key's bits went with the test's transaction


def position(facility: Facility) -> geo.Point:
    assert facility.latitude is not None and facility.longitude is not None
    return geo.Point(facility.latitude, facility.longitude)


def test_with_the_national_directory_methadone_near_10001_is_methadone_in_distance_order(national: None) -> None:
    assert Facility.objects.filter(directory_type="substance").count() > 12_000
    query = search.parse_query({"near": ["10001"], "radius": ["25"], "services": ["methadone"], "limit": ["100"]})
    results = search.search(query)
    assert len(results) >= 20  # New York City has many opioid treatment programs
    assert all("MM" in r.facility.codes for r in results)
    assert all(r.matched == ["Methadone maintenance"] for r in results)
    distances = [geo.haversine_miles(query.origin, position(r.facility)) for r in results]
    assert distances == sorted(distances)
    assert distances[-1] <= 25
    assert [r.facility.pk for r in results] == [r.facility.pk for r in search.brute_force(query)]
    # Every facility of the directory offering methadone within 25 miles (there are fewer than 100).
    within = [
        f
        for f in Facility.objects.filter(directory_type="substance", cell__isnull=False, service_codes__contains="MM")
        if "MM" in f.codes and geo.haversine_miles(query.origin, position(f)) <= 25
    ]
    assert len(results) == min(100, len(within))
