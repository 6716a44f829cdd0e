"""In a real browser: a nurse signs in (password, then authenticator code),
finds a patient with the live search and opens the chart.

Drives Debian's Chromium against pytest-django's live server. Also checks
that the pages raise no console errors and break no Content-Security-Policy
rule, and saves a full-page screenshot to test-output/screenshots/.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from waymark.chart import services
from waymark.chart.demo import demo_password, load_demo
from waymark.chart.models import Patient
from waymark.core.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
SCREENSHOT = SCREENSHOTS / "nurse-chart.png"
SEARCH_SCREENSHOT = SCREENSHOTS / "nurse-search.png"

# Reports CSP violations from inside the page; Playwright injects this script
# through the DevTools protocol, so the page's own policy does not block it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__waymarkCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`);
});
"""


@dataclass
class Watched:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    csp_headers: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.console_errors + self.page_errors + self.csp_violations


def watch(browser: Browser) -> Watched:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and (
            message.type == "error" or "Content Security Policy" in message.text
        ):
            where = message.location.get("url", "")
            watched.console_errors.append(f"{message.type}: {message.text} ({where})")

    def on_csp(_source: Any, violation: str) -> None:
        watched.csp_violations.append(violation)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            watched.csp_headers.append(response.headers.get("content-security-policy", ""))
            if response.request.resource_type == "document" and response.status == 200
            else None
        ),
    )
    page.expose_binding("__waymarkCspViolation", on_csp)
    page.add_init_script(CSP_LISTENER)
    return watched


@pytest.fixture
def clinic() -> tuple[User, Patient, dt.date]:
    """The demo program (its nurse has a confirmed authenticator) plus one patient to find."""
    result = load_demo(patients=40)
    nurse = User.objects.get(username="nurse")
    assert TOTPDevice.objects.filter(user=nurse, confirmed=True).exists()
    admin, counsellor = User.objects.get(username="admin"), User.objects.get(username="counsellor")
    admitted = result.program.clinic_day() - dt.timedelta(days=30)
    patient = services.create_patient(
        admin,
        result.program,
        site=result.program.sites.order_by("id").first(),
        mrn="HR-900001",
        given_name="Wilhelmina",
        family_name="Quartermaine",
        preferred_name="Billie",
        date_of_birth=dt.date(1987, 3, 14),
        pronouns="she/her",
        phone="207-555-0142",
        address="14 Fore St, Portland, ME",
    )
    services.add_to_care_team(admin, patient, counsellor)
    services.open_episode(
        counsellor,
        patient,
        site=patient.site,
        admitted_on=admitted,
        level_of_care="otp",
        primary_substance="fentanyl",
        severity="severe",
        diagnosis="Opioid use disorder, severe (F11.20)",
    )
    services.record_consent(
        counsellor,
        patient,
        kind="tpo",
        disclosing_party=result.program.name,
        information_description="Medication and dosing, attendance",
        recipients="Primary care clinic",
        purpose="Treatment",
        expiry_kind="end_of_treatment",
        right_to_revoke_explained=True,
        signed_by="Wilhelmina Quartermaine",
        signed_on=admitted,
    )
    return nurse, patient, admitted


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def test_a_nurse_signs_in_finds_a_patient_and_opens_the_chart(
    chromium: Browser, live_server: Any, clinic: tuple[User, Patient, dt.date]
) -> None:
    nurse, patient, admitted = clinic
    watched = watch(chromium)
    page = watched.page

    # Password first, through the real sign-in form.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(demo_password("nurse"))
    page.get_by_role("button", name="Sign in").click()

    # Then the authenticator code.
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(nurse))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
    expect(page.get_by_text("Nadia Okafor · Nurse (dispensing)")).to_be_visible()

    # Patients, from the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page).to_have_url(re.compile(r"/patients/$"))
    results = page.locator("#results")
    expect(results).to_contain_text("41 patients.")

    # Live search: the results swap in place; the document is never reloaded.
    page.evaluate("window.__sameDocument = true")
    main_frame_navigations: list[str] = []
    page.on(
        "framenavigated", lambda frame: main_frame_navigations.append(frame.url) if frame == page.main_frame else None
    )
    with page.expect_response(
        lambda r: (
            r.url.endswith("/patients/")
            and r.request.method == "POST"
            and r.request.headers.get("hx-request") == "true"
        )
    ) as search_response:
        page.get_by_label("Find a patient").press_sequentially("Quarterm", delay=40)
    assert search_response.value.status == 200
    expect(results).to_contain_text("1 patient matches “Quarterm”.")
    expect(results.get_by_role("row")).to_have_count(2)  # header and one patient
    assert page.evaluate("window.__sameDocument") is True
    assert main_frame_navigations == []
    expect(page).to_have_url(re.compile(r"/patients/$"))
    SEARCH_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SEARCH_SCREENSHOT), full_page=True)

    # Open the chart.
    results.get_by_role("link", name="Quartermaine, Wilhelmina (Billie)").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Wilhelmina (Billie) Quartermaine")
    expect(page.get_by_text("MRN HR-900001")).to_be_visible()
    episodes = page.get_by_role("region", name="Episodes of care")
    expect(episodes).to_contain_text(f"{admitted:%Y-%m-%d}")
    expect(episodes).to_contain_text("Opioid treatment program (OTP)")
    expect(episodes.get_by_text("open", exact=True)).to_be_visible()
    expect(episodes.get_by_text("Level-of-care history (1)")).to_be_visible()
    consents = page.get_by_role("region", name="Consents (42 CFR Part 2)")
    expect(consents.get_by_role("row")).to_have_count(2)
    expect(consents).to_contain_text("Primary care clinic")
    expect(consents.get_by_text("active", exact=True)).to_be_visible()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Every document came with a nonce-based policy, and nothing broke it.
    assert watched.csp_headers, "no document responses were seen"
    for header in watched.csp_headers:
        assert "script-src 'self' 'nonce-" in header, header
        assert "unsafe-inline" not in header, header
    assert watched.problems() == []
    page.context.close()
