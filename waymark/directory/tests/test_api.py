"""The directory over the API: GET /api/v1/facilities and /api/v1/facilities/{id}, public, problem+json errors."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from waymark.chart.tests.api_helpers import problem
from waymark.conftest import World, sign_in
from waymark.core.models import Program
from waymark.directory import geo, search, zips
from waymark.directory.api import SOURCE
from waymark.directory.models import DirectoryImport
from waymark.directory.tests.helpers import make_facility, miles_north


def centroid(zip5: str) -> geo.Point:
    point = zips.centroid(zip5)
    assert point is not None, zip5
    return point


NEW_YORK = centroid("10001")
BASE = "/api/v1/facilities"

pytestmark = pytest.mark.django_db


def get(url: str, **extra: Any) -> Any:
    return Client().get(url, **extra)


def body(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


class TestSearch:
    def test_it_answers_anyone_nearest_first_with_everything_a_result_needs(self) -> None:
        far = make_facility(
            "Harbor Recovery",
            at=miles_north(NEW_YORK, 9),
            codes="SA OTP MM MD",
            name_detail="Methadone clinic",
            street1="1 Pier Rd",
            city="New York",
            state="NY",
            phone="212-555-0100",
            intake1="212-555-0101",
            verified=True,
            advertiser=True,
        )
        near = make_facility("Bridge Clinic", at=miles_north(NEW_YORK, 2), codes="SA OTP MM PI")
        data = body(get(f"{BASE}?near=10001&services=methadone"))
        assert data["near"] == {"lat": NEW_YORK.lat, "lon": NEW_YORK.lon, "label": "ZIP 10001"}
        assert data["radius_miles"] == 25
        assert [r["id"] for r in data["results"]] == [near.pk, far.pk]
        assert data["results"][1] == {
            "id": far.pk,
            "name": "Harbor Recovery",
            "name_detail": "Methadone clinic",
            "address": "1 Pier Rd, New York, NY",
            "phone": "212-555-0100",
            "intake_phones": ["212-555-0101"],
            "distance_miles": 9.0,
            "service_codes": ["SA", "OTP", "MM", "MD"],
            "matched": ["Methadone maintenance"],
            "verified": True,
            "claimed": False,
            "advertiser": True,
            "url": f"/help/find-treatment/{far.pk}/",
        }
        assert data["source"] == SOURCE
        assert data["credit"] == zips.GEONAMES_CREDIT

    def test_it_needs_no_sign_in_but_a_signed_in_user_gets_the_same(self, world: World) -> None:
        make_facility("Bridge Clinic", at=miles_north(NEW_YORK, 2))
        anonymous = body(get(f"{BASE}?near=10001"))
        signed_in = body(sign_in(Client(), world.user("nurse")).get(f"{BASE}?near=10001"))
        assert anonymous == signed_in

    def test_it_filters_with_and_across_parameters_and_or_within(self) -> None:
        make_facility("Methadone, Medicaid", at=miles_north(NEW_YORK, 1), codes="SA OTP MM MD")
        make_facility("Buprenorphine, Medicaid", at=miles_north(NEW_YORK, 2), codes="SA BU MD")
        make_facility("Methadone, private", at=miles_north(NEW_YORK, 3), codes="SA OTP MM PI")

        def found(query: str) -> list[str]:
            return [r["name"] for r in body(get(f"{BASE}?near=10001&{query}"))["results"]]

        assert found("services=methadone&payment=medicaid") == ["Methadone, Medicaid"]
        assert found("services=MM,BU&payment=MD") == ["Methadone, Medicaid", "Buprenorphine, Medicaid"]
        assert found("services=MM&services=BU&payment=MD") == ["Methadone, Medicaid", "Buprenorphine, Medicaid"]
        assert found("services=buprenorphine&payment=private_insurance") == []

    def test_it_takes_a_point_radius_and_limit(self) -> None:
        for miles in (1, 2, 3, 60):
            make_facility(f"At {miles}", at=miles_north(NEW_YORK, miles))
        data = body(get(f"{BASE}?near={NEW_YORK.lat},{NEW_YORK.lon}&radius=100&limit=2"))
        assert data["near"]["label"] == f"{NEW_YORK.lat:.4f}, {NEW_YORK.lon:.4f}"
        assert data["radius_miles"] == 100
        assert [r["name"] for r in data["results"]] == ["At 1", "At 2"]
        assert len(body(get(f"{BASE}?near=10001&radius=100&limit=100"))["results"]) == 4

    def test_it_says_how_current_the_data_is(self) -> None:
        make_facility("Bridge Clinic", at=miles_north(NEW_YORK, 2))
        assert body(get(f"{BASE}?near=10001"))["source_date"] is None
        DirectoryImport.objects.create(path_name="old.csv", source_date=dt.date(2025, 1, 6), finished_at=timezone.now())
        DirectoryImport.objects.create(path_name="new.csv", source_date=dt.date(2025, 7, 1), finished_at=timezone.now())
        DirectoryImport.objects.create(path_name="failed.csv", source_date=dt.date(2025, 9, 1))  # never finished
        assert body(get(f"{BASE}?near=10001"))["source_date"] == "2025-07-01"

    def test_the_page_address_is_in_the_default_language(self) -> None:
        facility = make_facility("Bridge Clinic", at=miles_north(NEW_YORK, 2))
        data = body(get(f"{BASE}?near=10001", headers={"Accept-Language": "es"}))
        assert data["results"][0]["url"] == f"/help/find-treatment/{facility.pk}/"

    def test_listings_not_placed_or_of_the_mental_health_directory_are_never_results(self) -> None:
        make_facility("Not placed", at=None)
        make_facility("Mental health", at="10001", directory_type="mental")
        assert body(get(f"{BASE}?near=10001&radius=500"))["results"] == []

    def test_claimed_is_reported_and_changes_nothing_else(self) -> None:
        program = Program.objects.create(name="Harbor", time_zone="America/New_York")
        make_facility("Near", at=miles_north(NEW_YORK, 1))
        make_facility("Claimed", at=miles_north(NEW_YORK, 2), claimed_by=program, claimed_at=timezone.now())
        results = body(get(f"{BASE}?near=10001"))["results"]
        assert [(r["name"], r["claimed"]) for r in results] == [("Near", False), ("Claimed", True)]

    def test_its_query_count_does_not_grow_with_results(self, django_assert_max_num_queries: Any) -> None:
        for i in range(60):
            make_facility(f"Listing {i}", at=miles_north(NEW_YORK, i / 3), codes="SA OTP MM MD")
        get(f"{BASE}?near=10001&limit=1")  # the code key, read once per process
        # The circles of the search, and the date of the data.
        with django_assert_max_num_queries(search.MAX_CIRCLES + 1):
            assert len(body(get(f"{BASE}?near=10001&services=methadone&limit=100"))["results"]) == 60


class TestBadParameters:
    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ("", "near"),
            ("near=", "near"),
            ("near=99999", "near"),
            ("near=nowhere", "near"),
            ("near=91,0", "near"),
            ("near=10001&radius=0", "radius"),
            ("near=10001&radius=501", "radius"),
            ("near=10001&radius=abc", "radius"),
            ("near=10001&radius=nan", "radius"),
            ("near=10001&limit=0", "limit"),
            ("near=10001&limit=101", "limit"),
            ("near=10001&limit=abc", "limit"),
            ("near=10001&services=XYZ", "services"),
            ("near=10001&services=MD", "services"),
            ("near=10001&payment=methadone", "payment"),
            ("near=10001&population=spanish", "population"),
            ("near=10001&language=XYZ", "language"),
            ("near=10001&services=methadone&payment=XYZ", "payment"),
        ],
    )
    def test_it_is_a_422_naming_the_parameter(self, query: str, parameter: str) -> None:
        make_facility("Bridge Clinic", at=miles_north(NEW_YORK, 2))
        answer = problem(get(f"{BASE}?{query}"), 422, parameter)
        assert answer["title"] == "Invalid input"
        assert all(e["message"] for e in answer["errors"])

    def test_an_unknown_zip_is_said_in_words(self) -> None:
        answer = problem(get(f"{BASE}?near=99999"), 422, "near")
        assert answer["errors"] == [{"field": "near", "message": "Unknown ZIP code 99999."}]

    def test_a_code_of_another_parameter_says_where_it_belongs(self) -> None:
        answer = problem(get(f"{BASE}?near=10001&services=MD"), 422, "services")
        assert "use payment=" in answer["errors"][0]["message"]


class TestFacility:
    def test_it_shows_one_facility_with_its_services_by_category(self) -> None:
        facility = make_facility(
            "Harbor Recovery",
            codes="SA OTP MM BU MD SP",
            street1="1 Pier Rd",
            city="New York",
            state="NY",
            website="https://harbor.example.org",
            verified=True,
            verified_what="address and phone, by phone",
            verified_on=dt.date(2025, 3, 1),
            source_date=dt.date(2025, 1, 6),
        )
        data = body(get(f"{BASE}/{facility.pk}"))
        assert data["name"] == "Harbor Recovery"
        assert data["address"] == "1 Pier Rd, New York, NY 10001"
        assert (data["latitude"], data["longitude"]) == (NEW_YORK.lat, NEW_YORK.lon)
        assert data["service_codes"] == ["SA", "OTP", "MM", "BU", "MD", "SP"]
        assert [c["category"] for c in data["services"]] == [
            "type_of_care",
            "opioid_medications",
            "opioid_services",
            "payment",
            "language",
        ]
        assert data["services"][2] == {
            "category": "opioid_services",
            "name": "Medication services for opioid use disorder",
            "codes": [
                {"code": "OTP", "label": "Federally-certified Opioid Treatment Program"},
                {"code": "MM", "label": "Methadone maintenance"},
            ],
        }
        assert data["verified"] is True
        assert data["verified_what"] == "address and phone, by phone"
        assert data["verified_on"] == "2025-03-01"
        assert data["source"] == "SAMHSA National Directory"
        assert data["source_date"] == "2025-01-06"
        assert data["url"] == f"/help/find-treatment/{facility.pk}/"

    def test_a_listing_not_placed_has_a_page_without_a_position(self) -> None:
        facility = make_facility("Not placed", at=None)
        data = body(get(f"{BASE}/{facility.pk}"))
        assert (data["latitude"], data["longitude"]) == (None, None)

    def test_an_unknown_id_is_a_404_problem(self) -> None:
        mental = make_facility("Mental health", directory_type="mental")
        problem(get(f"{BASE}/{mental.pk + 1000}"), 404)
        problem(get(f"{BASE}/{mental.pk}"), 404)

    def test_an_id_that_is_not_a_positive_integer_is_a_422(self) -> None:
        problem(get(f"{BASE}/0"), 422, "facility_id")


class TestOpenApi:
    def test_the_endpoints_are_documented_as_public(self) -> None:
        schema = json.loads(get("/api/v1/openapi.json").content)
        for route in ("/api/v1/facilities", "/api/v1/facilities/{facility_id}"):
            operation = schema["paths"][route]["get"]
            assert "security" not in operation
            assert operation["tags"] == ["directory"]
            assert "422" in operation["responses"]
        names = {p["name"] for p in schema["paths"]["/api/v1/facilities"]["get"]["parameters"]}
        assert names == {"near", "radius", "services", "payment", "population", "language", "limit"}
