"""The public treatment finder (/help/find-treatment/) and facility pages (/help/find-treatment/<id>/): a GET
search by ZIP code or point with friendly filters, results nearest first with phones, why each matches and the
listing labels (which never move a listing up), errors named by their field with status 422, the credits, and a
page per facility with its services by category, a call-intake button and a plain map link."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from waymark.core.models import Program
from waymark.directory import codes, geo, search, zips
from waymark.directory.forms import FILTER_LABELS, FinderForm
from waymark.directory.models import DirectoryImport, Facility
from waymark.directory.tests.helpers import make_facility, miles_north
from waymark.directory.views_public import phones_of, tel_href
from waymark.public.tests.helpers import section, text

pytestmark = pytest.mark.django_db

FINDER = "/help/find-treatment/"
FINDER_ES = "/es/help/find-treatment/"


def _centre(zip5: str) -> geo.Point:
    point = zips.centroid(zip5)
    assert point is not None
    return point


ORIGIN = _centre("10001")


def facility_url(facility: Facility, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("public:facility", args=[facility.pk])


def names(page: str) -> list[str]:
    """The results' names, in the order shown."""
    return [text(n) for n in re.findall(r'<li class="listing">\s*<h3><a [^>]*>(.*?)</a>', page, flags=re.S)]


def results_of(page: str) -> str:
    return section(page, "results")


@pytest.fixture
def three() -> dict[str, Facility]:
    """Three listings north of ZIP 10001's centre, 2, 9 and 20 miles away, and one 40 miles away."""
    return {
        "near": make_facility(
            "Chelsea Counselling",
            at=miles_north(ORIGIN, 2),
            codes="SA OP BU BUM MD SF",
            name_detail="Outpatient program",
            street1="1 Example Street",
            city="New York",
            state="NY",
            zip="10001",
            phone="(212) 555-0101",
            intake1="212-555-0151 x12",
            source_date=dt.date(2025, 3, 1),
        ),
        "mid": make_facility("Midtown Methadone", at=miles_north(ORIGIN, 9), codes="SA OTP MM MD PI SP", zip="10019"),
        "far": make_facility("Bronx Methadone", at=miles_north(ORIGIN, 20), codes="SA OTP MM MD PW", zip="10451"),
        "out": make_facility("Yonkers Recovery", at=miles_north(ORIGIN, 40), codes="SA OTP MM MD", zip="10701"),
    }


class TestTheEmptyForm:
    def test_it_offers_the_search_with_the_help_lines_first(self, client: Client) -> None:
        page = client.get(FINDER).content.decode()
        words = text(page)
        assert words.index("SAMHSA National Helpline") < words.index("Search for treatment near you")
        for link in ('href="tel:18006624357"', 'href="tel:988"', 'href="tel:911"'):
            assert link in page[: page.index('<form method="get"')]
        assert re.search(r'<form method="get" action="/help/find-treatment/" class="finder" role="search"', page)
        assert '<label for="id_near">ZIP code</label>' in page
        assert '<option value="25" selected>Within 25 miles</option>' in page
        for legend in ("Services", "Payment", "Who it serves", "Language"):
            assert f"<legend>{legend}</legend>" in page
        for f in codes.FILTERS:
            assert f'name="{f.parameter}" value="{f.slug}" id="f-{f.parameter}-{f.slug}">' in page
        assert '<details class="filters">' in page  # closed: nothing chosen
        assert 'id="results"' not in page and "Error:" not in page

    def test_it_touches_no_database(self, client: Client, django_assert_num_queries: object) -> None:
        with django_assert_num_queries(0):  # type: ignore[operator]
            assert client.get(FINDER).status_code == 200

    def test_every_filter_has_words_in_both_languages(self) -> None:
        assert set(FILTER_LABELS) >= {f.slug for f in codes.FILTERS}

    def test_it_takes_no_posts(self, client: Client) -> None:
        assert client.post(FINDER, {"near": "10001"}).status_code == 405


class TestSearching:
    def test_results_come_nearest_first_within_the_distance(self, client: Client, three: dict) -> None:
        response = client.get(FINDER, {"near": "10001", "radius": "25"})
        assert response.status_code == 200
        page = response.content.decode()
        assert names(page) == ["Chelsea Counselling", "Midtown Methadone", "Bronx Methadone"]
        results = text(results_of(page))
        assert "3 places within 25 miles of ZIP code 10001" in results
        assert "Nearest first." in results and "never moved up" in results
        assert "<title>3 results: Find treatment · Waymark</title>" in page
        assert re.search(r"2.0 miles</strong> · 1 Example Street, New York, NY 10001", page)

    def test_each_result_has_its_phones_and_a_link_to_its_page(self, client: Client, three: dict) -> None:
        page = results_of(client.get(FINDER, {"near": "10001", "radius": "10"}).content.decode())
        near = three["near"]
        assert f'<a href="{facility_url(near)}?near=10001&amp;radius=10">Chelsea Counselling</a>' in page
        assert '<p class="detail">Outpatient program</p>' in page
        assert 'Phone: <a href="tel:+12125550101">(212) 555-0101</a>' in page
        assert 'Intake: <a href="tel:+12125550151,12">212-555-0151 x12</a>' in page

    def test_a_filter_keeps_only_the_facilities_offering_it(self, client: Client, three: dict) -> None:
        page = client.get(FINDER, {"near": "10001", "services": "methadone"}).content.decode()
        assert names(page) == ["Midtown Methadone", "Bronx Methadone"]
        assert 'value="methadone" id="f-services-methadone" checked>' in page
        # Closed over the results, saying what is chosen.
        assert '<details class="filters">' in page
        assert "Filters: services, payment, who it serves, language (chosen: Methadone)" in text(page)
        assert "Why it matches: Methadone" in text(results_of(page))

    def test_filters_are_any_within_a_group_and_all_across_groups(self, client: Client, three: dict) -> None:
        either = client.get(FINDER, {"near": "10001", "services": ["methadone", "buprenorphine"]}).content.decode()
        assert names(either) == ["Chelsea Counselling", "Midtown Methadone", "Bronx Methadone"]
        both = client.get(
            FINDER, {"near": "10001", "services": ["methadone", "buprenorphine"], "population": "pregnant"}
        ).content.decode()
        assert names(both) == ["Bronx Methadone"]
        assert "Why it matches: Methadone, Pregnant or postpartum women" in text(results_of(both))

    def test_comma_separated_values_and_codes_of_the_key_work_as_in_the_api(self, client: Client, three: dict) -> None:
        page = client.get(
            FINDER, {"near": "10001", "payment": "sliding_fee,free,SF", "services": "MM"}
        ).content.decode()
        assert 'value="sliding_fee" id="f-payment-sliding_fee" checked>' in page
        assert 'value="free" id="f-payment-free" checked>' in page
        # A code of the key has a box of its own, labelled by the key.
        assert re.search(r'value="MM" id="f-services-MM" checked> <label for="f-services-MM">[^<]*\(MM\)</label>', page)
        assert names(page) == []
        assert "No programs found with these choices." in text(page)

    def test_a_point_works_as_well_as_a_zip(self, client: Client, three: dict) -> None:
        page = client.get(FINDER, {"near": f"{ORIGIN.lat},{ORIGIN.lon}", "radius": "5"}).content.decode()
        assert names(page) == ["Chelsea Counselling"]
        assert "1 place within 5 miles of 40.7" in text(page)

    def test_a_distance_from_a_link_is_kept_in_the_choice(self, client: Client, three: dict) -> None:
        page = client.get(FINDER, {"near": "10001", "radius": "15"}).content.decode()
        assert names(page) == ["Chelsea Counselling", "Midtown Methadone"]
        assert '<option value="15" selected>Within 15 miles</option>' in page

    def test_unplaced_and_mental_health_listings_are_never_shown(self, client: Client, three: dict) -> None:
        make_facility("Nowhere Clinic", at=None, codes="SA OP")
        make_facility("Mind Clinic", at=miles_north(ORIGIN, 1), codes="SA OP", directory_type="mental")
        page = client.get(FINDER, {"near": "10001"}).content.decode()
        assert "Nowhere Clinic" not in page and "Mind Clinic" not in page

    def test_more_results_are_offered_when_the_list_is_full(self, client: Client, three: dict) -> None:
        page = client.get(FINDER, {"near": "10001", "limit": "2"}).content.decode()
        assert names(page) == ["Chelsea Counselling", "Midtown Methadone"]
        assert '<a href="?near=10001&amp;limit=10">Show more results</a>' in page
        page = client.get(FINDER, {"near": "10001", "limit": "10"}).content.decode()
        assert "Show more results" not in page

    def test_the_page_reads_no_more_than_the_search_and_the_data_date(self, client: Client) -> None:
        program = Program.objects.create(name="Harbor Recovery", time_zone="America/New_York")
        for n in range(20):
            make_facility(f"Clinic {n}", at=miles_north(ORIGIN, 1 + n / 2), codes="SA OTP MM MD", claimed_by=program)
        client.get(FINDER, {"near": "10001"})  # the code key, read once per process
        with CaptureQueriesContext(connection) as searching:
            search.search(search.parse_query({"near": ["10001"], "services": ["methadone"]}))
        with CaptureQueriesContext(connection) as paging:
            page = client.get(FINDER, {"near": "10001", "services": "methadone"}).content.decode()
        assert len(names(page)) == 20 and page.count("Claimed by the program") == 20
        assert len(paging) == len(searching) + 1  # + the date of the data; nothing per result


class TestLabels:
    def test_labels_show_and_never_move_a_listing_up(self, client: Client, three: dict) -> None:
        far = three["far"]
        far.verified, far.verified_on, far.verified_what = True, dt.date(2026, 2, 3), "address and phone, by phone"
        far.advertiser = True
        far.claimed_by = Program.objects.create(name="Bronx Methadone Program", time_zone="America/New_York")
        far.save()
        page = client.get(FINDER, {"near": "10001", "services": "methadone"}).content.decode()
        assert names(page) == ["Midtown Methadone", "Bronx Methadone"]
        listing = page[page.index("Bronx Methadone</a>") :]
        for label in ("Verified Feb. 3, 2026: address and phone, by phone", "Claimed by the program", "Advertiser"):
            assert label in text(listing)
        midtown = page[page.index("Midtown Methadone</a>") : page.index("Bronx Methadone</a>")]
        assert "listing-flags" not in midtown


class TestErrors:
    @pytest.mark.parametrize(
        "params, field, message",
        [
            ({"near": ""}, "id_near", "Enter a 5-digit ZIP code."),
            ({"near": "99999"}, "id_near", "We could not find ZIP code 99999."),
            ({"near": "91,0"}, "id_near", "or a latitude and longitude"),
            ({"near": "10001", "radius": "0"}, "id_radius", "Choose a distance from 1 to 500 miles."),
            ({"near": "10001", "radius": "501"}, "id_radius", "Choose a distance from 1 to 500 miles."),
            ({"near": "10001", "radius": "abc"}, "id_radius", "Choose a distance from 1 to 500 miles."),
            ({"near": "10001", "services": "XYZ"}, "f-services", "not a filter the finder knows"),
            ({"near": "10001", "services": "medicaid"}, "f-services", "not a filter the finder knows"),
            ({"near": "10001", "payment": "MM"}, "f-payment", "not a filter the finder knows"),
        ],
    )
    def test_a_bad_field_is_named_by_it_with_422(self, client: Client, params: dict, field: str, message: str) -> None:
        response = client.get(FINDER, params)
        assert response.status_code == 422
        page = response.content.decode()
        summary = text(section(page, "error-title"))
        assert summary == "Please check your search"
        assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', page)
        assert 'id="results"' not in page
        assert "<title>Error: Find treatment · Waymark</title>" in page
        if field.startswith("f-"):
            assert f'class="filter-group has-error" id="{field}" aria-describedby="{field}-error"' in page
            assert '<details class="filters" open>' in page
        else:
            assert 'aria-invalid="true"' in page[page.index(f'id="{field}"') - 200 :]

    def test_every_bad_field_is_named_at_once(self, client: Client) -> None:
        page = client.get(FINDER, {"near": "99999", "radius": "900", "language": "XYZ"}).content.decode()
        for target in ("#id_near", "#id_radius", "#f-language"):
            assert f'<a href="{target}">' in page
        assert 'value="99999"' in page  # what was typed stays, to correct

    def test_a_bad_result_count_is_explained(self, client: Client) -> None:
        response = client.get(FINDER, {"near": "10001", "limit": "101"})
        assert response.status_code == 422
        assert "Ask for 1 to 100 results." in text(response.content.decode())

    def test_filters_without_a_zip_are_ticked_and_wait_for_one(self, client: Client) -> None:
        response = client.get(FINDER, {"services": ["residential_short", "detox"], "population": "pregnant"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Filters have been chosen for you below. Enter a ZIP code and search." in text(page)
        assert '<details class="filters" open>' in page
        for box in ("f-services-residential_short", "f-services-detox", "f-population-pregnant"):
            assert f'id="{box}" checked>' in page
        assert 'id="results"' not in page and "Error:" not in page


class TestCreditsAndLanguage:
    def test_results_credit_samhsa_with_its_date_and_geonames(self, client: Client, three: dict) -> None:
        page = text(client.get(FINDER, {"near": "10001"}).content.decode())
        assert "SAMHSA's National Directory of Drug and Alcohol Use Treatment Facilities" in page
        assert "data of March 1, 2025" in page  # the newest listing's date, without an import record
        assert "ZIP code locations: GeoNames" in page and "CC BY 4.0" in page
        DirectoryImport.objects.create(
            path_name="facilities.csv.gz",
            source_date=dt.date(2025, 6, 30),
            finished_at=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
        )
        assert "data of June 30, 2025" in text(client.get(FINDER, {"near": "10001"}).content.decode())

    def test_the_spanish_page_searches_the_same(self, client: Client, three: dict) -> None:
        response = client.get(FINDER_ES, {"near": "10001", "services": "methadone"})
        page = response.content.decode()
        assert response.status_code == 200 and '<html lang="es">' in page
        assert names(page) == ["Midtown Methadone", "Bronx Methadone"]
        assert f'href="{facility_url(three["mid"], "es")}?near=10001&amp;services=methadone"' in page
        assert '<a class="lang-switch" href="/help/find-treatment/"' in page

    def test_no_inline_code_or_third_party_script(self, client: Client, three: dict) -> None:
        response = client.get(FINDER, {"near": "10001"})
        page = response.content.decode()
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert not re.search(r"\sstyle=|\son[a-z]+=", page)
        for attributes in re.findall(r"<script\b([^>]*)>", page):
            assert re.search(r'src="/static/[^"]+"', attributes)


class TestFacilityPage:
    def test_it_shows_the_services_by_category_in_the_keys_order(self, client: Client, three: dict) -> None:
        near = three["near"]
        page = client.get(facility_url(near)).content.decode()
        headings = re.findall(r"<h3>([^<]+)</h3>", page)
        assert headings == [
            "Type of care",
            "Service setting",
            "Opioid medications used in treatment",
            "Medication services for opioid use disorder",
            "Payment, insurance or funding accepted",
        ]
        services = text(page[page.index("<h2>Services</h2>") : page.index("<h2>About this listing</h2>")])
        for label in (
            "Substance use treatment",
            "Outpatient",
            "Buprenorphine maintenance",
            "Medicaid",
            "Cash or self-payment",
        ):
            assert label in services

    def test_it_has_a_call_intake_button_phones_and_a_map_link(self, client: Client, three: dict) -> None:
        page = client.get(facility_url(three["near"])).content.decode()
        assert '<a class="button call-intake" href="tel:+12125550151,12">Call intake: 212-555-0151 x12</a>' in page
        assert '<a class="phone" href="tel:+12125550101">(212) 555-0101</a>' in page
        assert (
            '<a href="https://www.openstreetmap.org/search?query=1%20Example%20Street%2C%20New%20York%2C%20NY%2010001">'
            in page
        )
        assert "approximate" not in page
        assert "<script" not in page.replace('<script src="/static/waymark/htmx-2.min.js"', "")

    def test_without_a_street_the_map_is_at_the_zip_code_and_says_so(self, client: Client, three: dict) -> None:
        page = client.get(facility_url(three["far"])).content.decode()
        lat, lon = f"{three['far'].latitude:.5f}", f"{three['far'].longitude:.5f}"
        assert f'href="https://www.openstreetmap.org/?mlat={lat}&amp;mlon={lon}#map=14/{lat}/{lon}"' in page
        assert "(approximate: the centre of its ZIP code)" in page
        # No phone at all: no button.
        assert "call-intake" not in page
        # No intake number: the main phone is the one to call.
        mid = client.get(facility_url(three["mid"])).content.decode()
        assert "call-intake" not in mid
        three["mid"].phone = "212-555-0102"
        three["mid"].save()
        mid = client.get(facility_url(three["mid"])).content.decode()
        assert '<a class="button call-intake" href="tel:+12125550102">Call: 212-555-0102</a>' in mid

    def test_it_gives_the_source_date_labels_and_credits(self, client: Client, three: dict) -> None:
        near = three["near"]
        near.verified, near.verified_on, near.verified_what = True, dt.date(2026, 1, 9), "phone"
        near.claimed_by = Program.objects.create(name="Chelsea", time_zone="America/New_York")
        near.advertiser, near.locally_edited = True, ["phone"]
        near.save()
        about = text(client.get(facility_url(near)).content.decode())
        for phrase in (
            "Verified on Jan. 9, 2026: phone.",
            "Claimed by the program: the program itself keeps",
            "Some contact details were updated by the program.",
            "That never changes the order of search results.",
            "Every program is listed free of charge.",
            "data of March 1, 2025",
            "ZIP code locations: GeoNames",
            "CC BY 4.0",
        ):
            assert phrase in about

    def test_it_links_back_to_the_search_it_came_from(self, client: Client, three: dict) -> None:
        page = client.get(facility_url(three["mid"]), {"near": "10001", "services": "methadone"}).content.decode()
        assert '<a href="/help/find-treatment/?near=10001&amp;services=methadone">Back to the search</a>' in page
        page = client.get(facility_url(three["mid"])).content.decode()
        assert '<a href="/help/find-treatment/">Back to the search</a>' in page

    def test_unknown_and_mental_health_listings_are_not_found(self, client: Client) -> None:
        mental = make_facility("Mind Clinic", directory_type="mental")
        assert client.get(facility_url(mental)).status_code == 404
        assert client.get("/help/find-treatment/999999/").status_code == 404

    def test_an_unplaced_listing_still_has_its_page(self, client: Client) -> None:
        nowhere = make_facility("Nowhere Clinic", at=None, phone="555-0100")
        page = client.get(facility_url(nowhere)).content.decode()
        assert "Nowhere Clinic" in page and "openstreetmap" not in page

    def test_it_is_in_spanish_at_the_spanish_address(self, client: Client, three: dict) -> None:
        page = client.get(facility_url(three["mid"], "es")).content.decode()
        assert '<html lang="es">' in page
        assert f'<a class="lang-switch" href="{facility_url(three["mid"])}"' in page
        assert "SAMHSA" in text(page)

    def test_the_website_is_a_link_that_sends_nothing_back(self, client: Client) -> None:
        harbor = make_facility("Harbor Clinic", website="https://harbor.example.org/intake")
        page = client.get(facility_url(harbor), {"near": "10001", "population": "pregnant"}).content.decode()
        assert (
            '<a href="https://harbor.example.org/intake" rel="nofollow noopener noreferrer">'
            "https://harbor.example.org/intake</a>"
        ) in page

    @pytest.mark.parametrize(
        "website",
        [
            "javascript:alert(1)",
            " JavaScript:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "https://findtreatment.example@phish.example/",
            "//phish.example/",
        ],
    )
    def test_a_website_that_is_not_a_plain_web_address_is_never_a_link(self, client: Client, website: str) -> None:
        # The import and the listing editor refuse these; a value stored any other way is still no link.
        harbor = make_facility("Harbor Clinic", website=website)
        page = client.get(facility_url(harbor)).content.decode()
        assert "Website:" not in page
        assert not re.search(r'href="\s*(?:javascript|data|vbscript):', page, flags=re.I)
        assert "phish.example" not in page

    def test_listing_text_is_escaped_on_the_results_and_the_facility_page(self, client: Client) -> None:
        hostile = make_facility(
            "<script>alert(1)</script> Clinic",
            name_detail='<img src=x onerror="alert(2)">',
            street1="1 <b>Example</b> Street",
            phone="<svg onload=alert(3)>",
            verified=True,
            verified_what="<iframe src=//x>",
        )
        for page in (
            client.get(FINDER, {"near": "10001"}).content.decode(),
            client.get(facility_url(hostile)).content.decode(),
        ):
            assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in page
            for raw in ("<script>alert(1)", "<img src=x", "<svg", "<b>Example", "<iframe"):
                assert raw not in page

    def test_it_reads_a_few_queries(self, client: Client, three: dict, django_assert_max_num_queries: object) -> None:
        search.forget_code_table()
        with django_assert_max_num_queries(2):  # type: ignore[operator]
            assert client.get(facility_url(three["near"])).status_code == 200


class TestPhoneLinks:
    def test_each_number_shows_once_and_an_intake_line_says_so(self) -> None:
        facility = Facility(phone="207-555-0100", intake1="(207) 555-0100", intake2="207-555-0111", intake1a="")
        assert [(p.label, p.number, p.intake) for p in phones_of(facility)] == [
            ("Phone and intake", "207-555-0100", True),
            ("Intake", "207-555-0111", True),
        ]
        assert phones_of(Facility(phone="", intake1="")) == []

    @pytest.mark.parametrize(
        "number, href",
        [
            ("(212) 555-0101", "tel:+12125550101"),
            ("212-555-0151 x12", "tel:+12125550151,12"),
            ("212.555.0151 ext. 4", "tel:+12125550151,4"),
            ("212-555-0151 Extension 400", "tel:+12125550151,400"),
            ("1-800-662-4357", "tel:+18006624357"),
            # Letters as on a keypad, as a few of the national directory's numbers are written.
            ("402-717HOPE", "tel:+14027174673"),
            ("888-85COMPA", "tel:+18888526672"),
            ("305-531JDH1", "tel:+13055315341"),
            ("1-800-662-HELP x2", "tel:+18006624357,2"),
            ("911", "tel:911"),
            ("call the front desk", ""),
        ],
    )
    def test_a_number_becomes_a_link_to_dial(self, number: str, href: str) -> None:
        assert tel_href(number) == href


def test_the_form_reads_the_query_string_as_the_api_does() -> None:
    from django.http import QueryDict

    form = FinderForm(QueryDict("near=10001&services=methadone,BU&services=methadone&payment=&radius=10"))
    assert form.submitted and form.chosen == {
        "services": ["methadone", "BU"],
        "payment": [],
        "population": [],
        "language": [],
    }
    assert form.query_string() == "near=10001&radius=10&services=methadone&services=BU"
    assert form.query_string(limit="100").endswith("&limit=100")
