"""In a real browser, on a phone: a person in recovery signs in, opens the companion (its manifest, icons and
service worker: what installing it needs), loses the connection, checks in anyway ("Saved on this phone"),
comes back online and sees it synced, once. A reload and a second sync change nothing.

axe-core checks the check-in page (no violations at all); the pages raise no script errors and break no
Content-Security-Policy rule. Reuses the chart's Chromium fixtures and CSP listener; screenshots go to
test-output/screenshots/.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import CSP_LISTENER
from waymark.companion.models import CheckIn, CheckInSubmission, CompanionProfile, JournalEntry
from waymark.companion.tests.conftest import start
from waymark.conftest import PASSWORD, make_user
from waymark.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
# Failed loads while the phone is offline, and the refused (422) item, are expected; any other console error is not.
OFFLINE_NOISE = re.compile(r"ERR_INTERNET_DISCONNECTED|the server responded with a status of 422")


@pytest.fixture
def person(db: None) -> CompanionProfile:
    return start(make_user(None, Role.PATIENT, "robin"))


class Phone:
    """A browser context (phone-sized unless told) that records script errors and CSP violations; console
    errors matching `ignore` (by default what going offline on purpose prints) are not problems."""

    def __init__(
        self, browser: Browser, device: dict[str, Any] | None = None, ignore: re.Pattern[str] | None = OFFLINE_NOISE
    ) -> None:
        self.ignore = ignore
        self.context = browser.new_context(locale="en-US", **(device or PHONE))
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.expose_binding("__waymarkCspViolation", lambda _source, v: self.problems.append(f"CSP: {v}"))
        self.page.add_init_script(CSP_LISTENER)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not (self.ignore and self.ignore.search(message.text)):
            self.problems.append(f"console: {message.text} ({message.location.get('url', '')})")


def all_violations(page: Page) -> list[str]:
    response = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in response["violations"]
    ]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def fill_check_in(page: Page) -> None:
    form = page.locator("form.check-in-form")
    form.get_by_role("group", name=re.compile("How is your mood")).get_by_text("Good", exact=True).tap()
    form.get_by_role("group", name=re.compile("How strong is your craving")).get_by_text("4", exact=True).tap()
    form.get_by_label("Stress").check()
    form.get_by_label("Hours of sleep last night").fill("6.5")
    form.get_by_role("group", name="Did you use today?").get_by_label("No", exact=True).check()
    form.get_by_label("Exercise or a walk").check()
    form.get_by_label("Anything else about today? (optional)").fill("Quiet evening at home.")


def test_a_person_checks_in_offline_on_a_phone_and_it_syncs_once(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    person: CompanionProfile,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone = Phone(chromium)
    page = phone.page
    base = live_server.url
    sign_in(page, base, "robin")

    # The companion's home: the manifest is linked, the service worker takes charge, the icons load.
    page.goto(base + "/companion/")
    manifest_href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert manifest_href == "/companion/manifest.webmanifest"
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == base + "/companion/"
    manifest = page.evaluate("(href) => fetch(href).then((r) => r.json())", manifest_href)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/companion/"
    sizes = page.evaluate(
        """(icons) => Promise.all(icons.map((icon) => new Promise((resolve) => {
            const image = new Image();
            image.onload = () => resolve(`${image.naturalWidth}x${image.naturalHeight}`);
            image.onerror = () => resolve("failed " + icon.src);
            image.src = icon.src;
        })))""",
        manifest["icons"],
    )
    assert sizes == [icon["sizes"] for icon in manifest["icons"]]
    # The worker has kept the blank check-in form for offline use.
    page.wait_for_function(
        """() => caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n).then((c) =>
            c.match("/companion/check-in/?shell=1"))))).then((found) => found.some(Boolean))"""
    )
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    # The check-in page passes axe with no violations at all.
    page.goto(base + "/companion/check-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily check-in")
    assert all_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "companion-check-in-phone.png"), full_page=True)

    # Offline: the page comes from the worker's blank copy, and the check-in stays on the phone.
    phone.context.set_offline(True)
    page.goto(base + "/companion/check-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily check-in")
    assert page.evaluate("navigator.onLine") is False
    expect(page.locator('form[data-shell="1"]')).to_have_count(1)  # the worker's blank copy
    assert page.locator('input[name="client_id"]').input_value()  # given a fresh id on the phone
    fill_check_in(page)
    page.get_by_role("button", name="Save check-in").tap()
    status = page.locator("#sync-status")
    expect(status).to_contain_text("Saved on this phone — it will be sent when you're back online.")
    expect(status).to_contain_text("Waiting to be sent: Check-in")
    page.screenshot(path=str(SCREENSHOTS / "companion-check-in-offline.png"), full_page=True)
    assert CheckIn.objects.count() == 0
    # A second tap while still offline keeps one item (same client id), not two.
    page.get_by_role("button", name="Save check-in").tap()
    expect(status).to_contain_text("Saved on this phone")
    assert page.evaluate(OUTBOX_COUNT) == 1

    # Back online: the outbox is sent, once, however many times "online" fires at the same moment.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/v1/" in r.url else None)
    phone.context.set_offline(False)
    page.evaluate("for (let i = 0; i < 3; i++) window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Synced")
    page.wait_for_timeout(300)
    assert posts == [base + "/api/v1/companion/check-ins"]
    assert page.evaluate(OUTBOX_COUNT) == 0
    assert CheckIn.objects.count() == 1
    assert CheckInSubmission.objects.count() == 1
    saved = CheckIn.objects.get()
    assert saved.user == person.user
    assert (saved.mood, saved.craving, saved.triggers) == (4, 4, ["stress"])
    assert str(saved.sleep_hours) == "6.5"
    assert saved.used_today is False and saved.exercised
    assert saved.note == "Quiet evening at home."
    page.screenshot(path=str(SCREENSHOTS / "companion-check-in-synced.png"), full_page=True)

    # A reload and another sync: still one.
    page.reload()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    assert CheckIn.objects.count() == 1
    assert CheckInSubmission.objects.count() == 1

    # A journal entry written offline travels the same way.
    phone.context.set_offline(True)
    page.goto(base + "/companion/journal/new/")
    expect(page.locator('form[data-shell="1"]')).to_have_count(1)
    page.get_by_label("Something I'm grateful for").check()
    page.get_by_label("Your entry").fill("The walk by the water this morning.")
    page.get_by_role("button", name="Save entry").tap()
    expect(status).to_contain_text("Saved on this phone")
    expect(page.get_by_label("Your entry")).to_have_value("")
    assert JournalEntry.objects.count() == 0
    phone.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_contain_text("Synced")
    entry = JournalEntry.objects.get()
    assert (entry.user, entry.prompt, entry.text) == (person.user, "gratitude", "The walk by the water this morning.")

    # Online, the same page saves straight away and shows what follows.
    page.goto(base + "/companion/check-in/")
    expect(page.get_by_text("You can change today's check-in until midnight.")).to_be_visible()
    page.get_by_label("Anything else about today? (optional)").fill("Changed my mind: a good evening.")
    page.get_by_role("button", name="Save check-in").tap()
    expect(page.locator("#check-in-result")).to_contain_text("Your check-in is saved.")
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().note == "Changed my mind: a good evening."

    # Something the server refuses (422) stays on the phone with its reason, is not retried, and can be removed.
    page.evaluate(PUT_REFUSED, {"user": str(person.user.pk), "day": str(saved.day)})
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = status.locator(".sync-failed")
    expect(refused).to_contain_text("Could not be sent: Check-in")
    expect(refused).to_contain_text("craving")
    assert page.evaluate(OUTBOX_COUNT) == 1
    refused.get_by_role("button", name="Remove from this phone").tap()
    expect(refused).to_have_count(0)
    assert page.evaluate(OUTBOX_COUNT) == 0
    assert CheckIn.objects.get().craving == 4
    assert phone.problems == []
    phone.context.close()


OUTBOX_COUNT = """() => new Promise((resolve, reject) => {
    const opening = indexedDB.open("waymark-companion", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", { keyPath: "client_id" });
    opening.onsuccess = () => {
        const request = opening.result.transaction("outbox").objectStore("outbox").count();
        request.onsuccess = () => { opening.result.close(); resolve(request.result); };
        request.onerror = () => reject(request.error);
    };
    opening.onerror = () => reject(opening.error);
})"""

PUT_REFUSED = """({ user, day }) => new Promise((resolve, reject) => {
    const opening = indexedDB.open("waymark-companion", 1);
    opening.onsuccess = () => {
        const transaction = opening.result.transaction("outbox", "readwrite");
        transaction.objectStore("outbox").put({
            client_id: crypto.randomUUID(), kind: "check_in", url: "/api/v1/companion/check-ins", user: user,
            body: { client_id: crypto.randomUUID(), day: day, mood: 3, craving: 11 }, kept_at: "", error: "",
        });
        transaction.oncomplete = () => { opening.result.close(); resolve(true); };
        transaction.onerror = () => reject(transaction.error);
    };
    opening.onerror = () => reject(opening.error);
})"""
