"""In a real browser: a nurse signs in and works the queue for three patients —
methadone (confirming mg and concentration), buprenorphine, and one on hold for
missed doses whom the window will not dose. The queue ends with 2 dosed and 1
on hold.

Reuses the chart's Chromium fixtures and page watcher (console errors, CSP
violations); saves screenshots to test-output/screenshots/.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from waymark.chart.models import Patient
from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import current_code, watch
from waymark.conftest import PASSWORD, World
from waymark.core.roles import Role
from waymark.meds.models import DoseAdministration
from waymark.meds.tests.conftest import today
from waymark.meds.tests.window_helpers import add_patient, buprenorphine, hold_after_missed_days, methadone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"


@pytest.fixture
def three(world: World) -> tuple[Patient, Patient, Patient]:
    """Due on methadone 80 mg at 10 mg/mL; due on buprenorphine 16 mg; on hold after 3 missed days."""
    first = world.patient
    methadone(world, first)
    second = add_patient(world, "HR-12", "Tovah", "Dosewell")
    buprenorphine(world, second)
    third = add_patient(world, "HR-11", "Sam", "Holden")
    hold_after_missed_days(world, third)
    return first, second, third


def sign_in(page: Page, base: str, world: World) -> None:
    page.goto(base + "/")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(world.user(Role.NURSE)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def section(page: Page, name: str) -> Any:
    return page.get_by_role("region", name=re.compile(rf"^{name}"))


def test_a_nurse_works_the_queue_for_three_patients(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    world: World,
    three: tuple[Patient, Patient, Patient],
) -> None:
    first, second, third = three
    watched = watch(chromium)
    page = watched.page
    sign_in(page, live_server.url, world)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dosing window").click()
    expect(page).to_have_url(re.compile(r"/meds/window/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dosing window")
    expect(section(page, "Due")).to_contain_text("Whitlock, Dana")
    expect(section(page, "Due")).to_contain_text("Dosewell, Tovah")
    expect(section(page, "On hold")).to_contain_text("Missed 3 days in a row.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nurse-dosing-queue.png"), full_page=True)

    # 1. Methadone: the nurse confirms 80 mg and the 10 mg/mL bottle; the window answers in mL.
    section(page, "Due").get_by_role("link", name="Whitlock, Dana").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Whitlock")
    expect(page.get_by_role("region", name="Today's ordered dose")).to_contain_text("8.00 mL")
    page.get_by_label("Amount given (mg)").fill("80")
    page.get_by_label("Concentration of the solution (mg/mL)").fill("10")
    page.get_by_label("Identity checked").check()
    page.screenshot(path=str(SCREENSHOTS / "nurse-dosing-card.png"), full_page=True)
    page.get_by_role("button", name="Record dose").click()
    confirmation = page.get_by_role("status").filter(has_text="Recorded: slot 1")
    expect(confirmation).to_contain_text("8.00 mL of 10 mg/mL")
    expect(page.get_by_role("region", name="Today's ordered dose")).to_contain_text("Observed dose 80 mg")
    page.screenshot(path=str(SCREENSHOTS / "nurse-dosing-recorded.png"), full_page=True)
    # Keyboard: the confirmation's way back has the focus.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/meds/window/\?site=\d+$"))

    # 2. Buprenorphine: tablets, so no concentration to confirm.
    section(page, "Due").get_by_role("link", name="Dosewell, Tovah").click()
    expect(page.get_by_label("Concentration of the solution (mg/mL)")).to_have_count(0)
    page.get_by_label("Amount given (mg)").fill("16")
    page.get_by_label("Identity checked").check()
    page.get_by_role("button", name="Record dose").click()
    expect(page.get_by_role("status").filter(has_text="Recorded: slot 1, observed dose 16 mg.")).to_be_visible()
    page.get_by_role("link", name="Back to the queue").last.click()

    # 3. On hold: the card says so and offers no dose.
    section(page, "On hold").get_by_role("link", name="Holden, Sam").click()
    hold = page.get_by_role("alert").filter(has_text="On hold: do not dose")
    expect(hold).to_contain_text("A prescriber must review and release the hold before the next dose.")
    expect(page.get_by_label("Amount given (mg)")).to_have_count(0)
    expect(page.get_by_role("button", name="Record dose")).to_have_count(0)
    page.get_by_role("link", name="Back to the queue").first.click()

    counts = page.get_by_role("navigation", name="Queue sections")
    expect(counts).to_contain_text("0 due")
    expect(counts).to_contain_text("2 dosed")
    expect(counts).to_contain_text("1 on hold")
    expect(section(page, "Dosed")).to_contain_text("Whitlock, Dana")
    expect(section(page, "Dosed")).to_contain_text("Dosewell, Tovah")
    expect(section(page, "On hold")).to_contain_text("Holden, Sam")
    page.screenshot(path=str(SCREENSHOTS / "nurse-dosing-queue-done.png"), full_page=True)

    observed = DoseAdministration.objects.filter(clinic_day=today(first), outcome="observed")
    assert sorted((r.patient_id, r.amount_mg, r.volume_ml) for r in observed) == sorted(
        [(first.pk, 80, 8), (second.pk, 16, None)]
    )
    assert not DoseAdministration.objects.filter(patient=third, clinic_day=today(third)).exists()
    assert watched.problems() == []
    page.context.close()
