"""In a real browser on a phone-sized screen: a visitor searches near ZIP 10001 for methadone, reads the
results nearest first, opens a facility's page (call-intake button, map link) and comes back; a wrong ZIP is
named by its field; the self-check's "Find treatment that fits" opens the finder with the choices ticked.
axe-core finds no serious or critical problem on any of these pages, in English and Spanish.

Reuses the chart's Chromium fixtures and page watcher (console errors, CSP violations) and the public pages'
phone helpers; screenshots go to test-output/screenshots/."""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.directory import geo, zips
from waymark.directory.tests.helpers import make_facility, miles_north
from waymark.public.tests.helpers import ITEM_IDS
from waymark.public.tests.test_browser_public_self_check import (
    SCREENSHOTS,
    fits_the_screen,
    on_a_phone,
    serious_problems,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _centre(zip5: str) -> geo.Point:
    point = zips.centroid(zip5)
    assert point is not None
    return point


ORIGIN = _centre("10001")


@pytest.fixture
def listings() -> None:
    make_facility(
        "Chelsea Counselling", at=miles_north(ORIGIN, 1), codes="SA OP BU MD", street1="1 Example St", city="New York"
    )
    make_facility(
        "Midtown Methadone Program",
        at=miles_north(ORIGIN, 3),
        codes="SA OTP MM MD SP",
        street1="200 West 57th Street",
        city="New York",
        state="NY",
        zip="10019",
        phone="212-555-0102",
        intake1="212-555-0152",
        name_detail="Opioid treatment program",
        verified=True,
        verified_what="address and phone",
    )
    make_facility("Harlem Methadone Clinic", at=miles_north(ORIGIN, 6), codes="SA OTP MM MD PW", advertiser=True)
    make_facility("Bronx Opioid Treatment", at=miles_north(ORIGIN, 11), codes="SA OTP MM PI", phone="718-555-0103")


def test_a_visitor_finds_methadone_near_a_zip_and_opens_a_facility(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    listings: None,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    page.goto(f"{live_server.url}/help/find-treatment/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find treatment")
    assert fits_the_screen(page)
    problems = serious_problems(page)

    page.get_by_label("ZIP code").fill("10001")
    page.get_by_label("Distance").select_option("25")
    page.get_by_text("Filters: services, payment, who it serves, language").click()
    page.get_by_role("checkbox", name="Methadone", exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"/help/find-treatment/\?near=10001&radius=25&services=methadone$"))
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("3 places within 25 miles of ZIP code 10001")
    names = results.locator("li.listing h3")
    expect(names).to_have_text(["Midtown Methadone Program", "Harlem Methadone Clinic", "Bronx Opioid Treatment"])
    expect(results.locator("strong.distance")).to_have_text(["3.0 miles", "6.0 miles", "11.0 miles"])
    expect(results.locator(".matched")).to_have_text(["Why it matches: Methadone"] * 3)
    expect(results.locator(".listing-flags")).to_have_text([re.compile("Verified"), re.compile("Advertiser")])
    expect(results.get_by_role("link", name="212-555-0152")).to_have_attribute("href", "tel:+12125550152")
    assert fits_the_screen(page)
    problems += serious_problems(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "finder-results.png"), full_page=True)

    results.get_by_role("link", name="Midtown Methadone Program").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Midtown Methadone Program")
    expect(page.get_by_role("link", name="Call intake: 212-555-0152")).to_have_attribute("href", "tel:+12125550152")
    expect(page.get_by_role("link", name="See it on a map (OpenStreetMap)")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/search\?query=200%20West%2057th%20Street")
    )
    expect(page.get_by_role("heading", name="Medication services for opioid use disorder")).to_be_visible()
    assert fits_the_screen(page)
    problems += serious_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "finder-facility.png"), full_page=True)

    page.get_by_role("link", name="Back to the search").click()
    expect(page).to_have_url(re.compile(r"\?near=10001&radius=25&services=methadone$"))
    summary = page.locator("details.filters summary")
    expect(summary).to_have_text("Filters: services, payment, who it serves, language (chosen: Methadone)")
    summary.click()
    expect(page.get_by_role("checkbox", name="Methadone", exact=True)).to_be_checked()

    # In Spanish, the same search.
    page.goto(f"{live_server.url}/es/help/find-treatment/?near=10001&services=methadone")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#results li.listing h3")).to_have_count(3)
    assert fits_the_screen(page)
    problems += serious_problems(page)
    assert problems == []
    assert watched.problems() == []
    assert all("unsafe-inline" not in policy for policy in watched.csp_headers)


def test_a_wrong_zip_is_named_by_its_field(
    chromium: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    page.goto(f"{live_server.url}/help/find-treatment/")
    page.get_by_label("ZIP code").fill("99999")
    page.get_by_role("button", name="Search", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("We could not find ZIP code 99999.")
    alert.get_by_role("link", name=re.compile("We could not find")).click()
    expect(page.get_by_label("ZIP code")).to_be_focused()
    expect(page.get_by_label("ZIP code")).to_have_attribute("aria-invalid", "true")
    assert fits_the_screen(page)
    assert serious_problems(page) == []
    # The page comes back with status 422 (the browser logs that); nothing else may go wrong.
    assert [p for p in watched.problems() if "status of 422" not in p] == []


def test_the_self_check_result_finds_treatment_that_fits(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    listings: None,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    page.goto(f"{live_server.url}/help/self-check/")
    for item_id in ITEM_IDS:
        page.locator(f'input[name="{item_id}"][value="yes"]').check()
    page.get_by_role("button", name="See my result").click()
    match_me = page.locator("#match-me")
    expect(match_me.get_by_role("heading", name="Find treatment that fits")).to_be_visible()
    assert fits_the_screen(page)
    problems = serious_problems(page)

    match_me.get_by_label("ZIP code").fill("10001")
    match_me.get_by_label("Medicaid").check()
    match_me.get_by_label("I am pregnant or have just had a baby").check()
    match_me.get_by_role("radio", name="Methadone").check()
    match_me.get_by_role("button", name="Find programs").click()

    expect(page).to_have_url(re.compile(r"/help/find-treatment/\?"))
    assert not any(item_id in page.url for item_id in ITEM_IDS) and "severe" not in page.url
    summary = page.locator("details.filters summary")
    expect(summary).to_contain_text("(chosen: Methadone, Medicaid, Pregnant or postpartum women)")
    summary.click()
    for name in ("Methadone", "Medicaid", "Pregnant or postpartum women"):
        expect(page.get_by_role("checkbox", name=name, exact=True)).to_be_checked()
    expect(page.locator("#results li.listing h3")).to_have_text(["Harlem Methadone Clinic"])
    problems += serious_problems(page)
    assert problems == []
    assert watched.problems() == []
