"""In a real browser: a program admin signs in, opens "Outcomes" from the menu, sees the cohort table
and the three charts drawn as inline SVG (retention curves, negativity, census), opens a chart's numbers,
filters by admission date, and gets a clear error for a backwards range.

axe-core checks the page (no serious or critical problems); the pages raise no console errors and break
no Content-Security-Policy rule. Reuses the chart's Chromium fixtures and page watcher; saves screenshots
(screen and print media) to test-output/screenshots/.
"""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from waymark.care.tests.test_browser_group_attendance import serious_problems
from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import current_code, watch
from waymark.conftest import PASSWORD, World, make_patient
from waymark.core.roles import Role
from waymark.outcomes.tests.dashboard_data import episode, hand_made_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"


def sign_in(page: Page, base: str, world: World) -> None:
    page.goto(base + "/")
    page.get_by_label("Username").fill("program_admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(world.user(Role.PROGRAM_ADMIN)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_program_admin_reads_the_outcomes_dashboard(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    hand_made_program(world)
    # One more person, at another level of care, so the census stacks two levels (one of them hatched).
    newcomer = make_patient(world.program, "HR-4", "Sasha", "Ng", site=world.site)
    episode(newcomer, dt.date(2026, 2, 20), "Naltrexone", discharged=dt.date(2026, 4, 10), level="intensive_outpatient")
    watched = watch(chromium)
    page = watched.page
    sign_in(page, live_server.url, world)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page).to_have_url(re.compile(r"/outcomes/$"))
    page.wait_for_load_state("load")  # the stylesheet too: the dash patterns below come from it
    expect(page.get_by_role("heading", level=1)).to_contain_text("Program outcomes")
    outcomes = page.get_by_role("table", name=re.compile("^Outcomes of Harbor Recovery by cohort"))
    expect(outcomes.get_by_role("row", name=re.compile("^Methadone"))).to_contain_text("1 of 2 (50%)")
    expect(outcomes.get_by_role("row", name=re.compile("^Buprenorphine"))).to_contain_text("0 of 14 (0%)")

    # The charts are images with names, drawn (they have a size and their lines/bars are there).
    for name in ("Retention in treatment by group", "Specimens negative for opioids, by month"):
        chart = page.get_by_role("img", name=re.compile(f"^{re.escape(name)}"))
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    retention = page.get_by_role("img", name=re.compile("^Retention in treatment"))
    expect(retention.locator("polyline")).to_have_count(3)
    # The second group's line is dashed by the stylesheet (not only a different colour).
    dashes = retention.locator("polyline").nth(1).evaluate("el => getComputedStyle(el).strokeDasharray")
    assert dashes not in ("", "none")
    census = page.get_by_role("img", name=re.compile("^Census by level of care"))
    # Levels in label order: intensive outpatient (1 March, 1 April) first, then OTP (February to May), hatched.
    expect(census.locator("rect.stack-0")).to_have_count(2)
    expect(census.locator("rect.stack-1")).to_have_count(4)
    fill = census.locator("rect.stack-1").first.evaluate("el => getComputedStyle(el).fill")
    assert "wm-hatch-1" in fill
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "outcomes-dashboard.png"), full_page=True)

    # The numbers behind a chart, for people who cannot see it.
    page.get_by_text("The numbers behind “Retention in treatment by group”").click()
    numbers = page.get_by_role("table", name="Retention in treatment by group")
    expect(numbers).to_be_visible()
    expect(numbers.get_by_role("row", name=re.compile("^Buprenorphine"))).to_contain_text("100%")
    assert serious_problems(page) == []

    # Print: no menus and no form; the table and charts stay.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Show outcomes")).to_be_hidden()
    expect(outcomes).to_be_visible()
    expect(retention).to_be_visible()
    # It prints landscape; Letter landscape less 10 mm margins is 259 mm ≈ 979 CSS px (A4 is wider).
    page.set_viewport_size({"width": 979, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 979
    page.screenshot(path=str(SCREENSHOTS / "outcomes-dashboard-print.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="screen")

    # A date filter changes the figures.
    page.get_by_label("Admitted from").fill("2026-02-01")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page).to_have_url(re.compile(r"admitted_from=2026-02-01"))
    expect(outcomes.get_by_role("row", name=re.compile("^Buprenorphine"))).to_be_visible()
    expect(outcomes.get_by_role("row", name=re.compile("^Methadone"))).to_have_count(0)

    assert watched.problems() == []

    # A backwards range: the error next to the field, no table (answered 422, as other forms here).
    page.get_by_label("Admitted to").fill("2026-01-01")
    page.get_by_role("button", name="Show outcomes").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was computed")
    expect(page.locator("#id_admitted_to_error")).to_contain_text("is before")
    expect(page.get_by_role("table")).to_have_count(0)
    assert serious_problems(page) == []
    page.screenshot(path=str(SCREENSHOTS / "outcomes-dashboard-error.png"), full_page=True)

    assert [p for p in watched.problems() if "status of 422" not in p] == []
    assert all("script-src" in header for header in watched.csp_headers)
    page.context.close()
