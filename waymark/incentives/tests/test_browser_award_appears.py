"""In a real browser: a nurse records a negative urine specimen for a person in an
escalating-voucher programme, is told what it earned, and finds the award on the
person's incentive page; then the person signs in and sees it on their own page.

Reuses the chart's Chromium fixtures and page watcher (console errors, CSP
violations); saves screenshots to test-output/screenshots/.
"""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import watch
from waymark.conftest import PASSWORD, World
from waymark.core.roles import Role
from waymark.incentives import services as cm
from waymark.incentives.models import LedgerEntry
from waymark.meds.tests.test_browser_dosing_window import section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"


def test_a_negative_specimen_earns_its_voucher_and_the_person_sees_it(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    world: World,
) -> None:
    programme = cm.create_programme(
        world.user(Role.PROGRAM_ADMIN),
        name="Opioid-negative vouchers",
        target="specimen_negative",
        schedule="escalating",
        parameters={},
        duration_weeks=12,
        target_analytes=["opiates", "fentanyl"],
    )
    cm.enroll(world.user(Role.NURSE), world.patient, programme, world.program.clinic_day() - dt.timedelta(days=3))

    watched = watch(chromium)
    page = watched.page
    sign_in(page, live_server.url, world)
    page.goto(f"{live_server.url}/labs/patients/{world.patient.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Drug tests")
    record = section(page, "Record a specimen")
    record.get_by_label("Specimen").select_option("urine")
    record.get_by_label("Why this test").select_option("random")
    record.get_by_label("Urine temperature strip").select_option("yes")
    record.get_by_label("Collection observed").check()
    record.get_by_label("Opiates (screen)").select_option("negative")
    record.get_by_label("Fentanyl").select_option("negative")
    record.get_by_role("button", name="Record specimen").click()

    expect(page.get_by_text("Opioid-negative vouchers: earned $2.50, 1 in a row.")).to_be_visible()
    expect(section(page, "Tests")).to_contain_text("Negative")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "drug-tests.png"), full_page=True)

    page.get_by_role("link", name="Incentives").first.click()
    expect(page).to_have_url(re.compile(rf"/incentives/patients/{world.patient.pk}/$"))
    expect(page.locator("#balance")).to_have_text("$2.50")
    expect(section(page, "Programmes").locator(".streak")).to_have_text("1")
    expect(section(page, "Programmes")).to_contain_text(re.compile(r"Next success earns\s*\$3\.75"))
    expect(page.locator("#ledger")).to_contain_text("Earned · Opioid-negative vouchers")
    page.screenshot(path=str(SCREENSHOTS / "incentives.png"), full_page=True)
    assert LedgerEntry.objects.filter(patient=world.patient, kind="earned").count() == 1
    assert watched.problems() == []

    # The person, on their own account, sees the same earnings and streak.
    person = watch(chromium)
    mine = person.page
    mine.goto(live_server.url + "/")
    mine.get_by_label("Username").fill(world.user(Role.PATIENT).username)
    mine.get_by_label("Password").fill(PASSWORD)
    mine.get_by_role("button", name="Sign in").click()
    mine.get_by_role("navigation", name="Main").get_by_role("link", name="My incentives").click()
    expect(mine.locator("#balance")).to_have_text("$2.50")
    expect(mine.get_by_text("What you earn stays yours")).to_be_visible()
    assert person.problems() == []
