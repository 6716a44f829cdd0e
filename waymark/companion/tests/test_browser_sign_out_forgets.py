"""In a real browser on a phone: what the installed app keeps on the phone does not outlive the person's
session. Signing out removes the service worker's kept pages (they carry the person's name); items not sent
yet are never dropped silently (the person is asked, and they stay to be sent after the next sign-in); a
deleted account leaves nothing behind. Offline, "Help now" still shows the overdose steps (a copy kept as
anyone signed out sees it, without the person's contacts)."""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.companion import services_network
from waymark.companion.models import CheckIn, CompanionProfile
from waymark.companion.tests.conftest import start
from waymark.companion.tests.test_browser_offline_checkin import OUTBOX_COUNT, PUT_REFUSED, Phone, sign_in
from waymark.conftest import PASSWORD, make_user
from waymark.core.models import User
from waymark.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANION_CACHES = """() => caches.keys().then((names) => names.filter((n) => n.startsWith("waymark-companion-")))"""
SHELL_KEPT = """() => caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n).then((c) =>
    c.match("/companion/check-in/?shell=1"))))).then((found) => found.some(Boolean))"""
HELP_KEPT = """() => caches.keys().then((names) => Promise.all(names.map((n) => caches.open(n).then((c) =>
    c.match("/companion/help-now/"))))).then((found) => found.some(Boolean))"""


@pytest.fixture
def person(db: None) -> CompanionProfile:
    profile = start(make_user(None, Role.PATIENT, "robin"))
    services_network.add_contact(profile.user, name="Maria Lopez", role="sponsor", phone="207 555 0199", on_plan=True)
    return profile


def answer_next_dialog(page: Page, *, accept: bool) -> list[str]:
    """Answers the page's next confirm() as it opens, and returns the list its message is put in.

    A handler registered before the click, rather than ``expect_event``: the confirm opens a moment after
    the click (once the outbox is read), and a dialog left open while Playwright still waits on the click
    stalls both until the click's timeout."""
    messages: list[str] = []

    def answer(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return messages


def open_companion(page: Page, base: str) -> None:
    page.goto(base + "/companion/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(SHELL_KEPT)


def test_signing_out_forgets_the_kept_pages_but_never_unsent_words_silently(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    person: CompanionProfile,
) -> None:
    phone = Phone(chromium)
    page = phone.page
    base = live_server.url
    sign_in(page, base, "robin")
    open_companion(page, base)
    page.wait_for_function(HELP_KEPT)

    # Offline, help now still has the overdose steps, and the kept copy names none of the person's contacts.
    phone.context.set_offline(True)
    page.goto(base + "/companion/help-now/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Help now")
    expect(page.locator("main")).to_contain_text(re.compile("overdos", re.I))
    expect(page.locator("main")).not_to_contain_text("Maria Lopez")
    phone.context.set_offline(False)

    # Nothing queued: signing out removes the kept pages.
    page.goto(base + "/companion/")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.evaluate(COMPANION_CACHES) == []

    # Something not sent yet: the person is asked first. Saying no keeps them signed in.
    sign_in(page, base, "robin")
    open_companion(page, base)
    page.evaluate(PUT_REFUSED, {"user": str(person.user.pk), "day": "2000-01-01"})
    asked = answer_next_dialog(page, accept=False)
    page.get_by_role("button", name="Sign out").click()
    for _ in range(100):  # the confirm opens once the outbox has been read
        if asked:
            break
        page.wait_for_timeout(100)
    assert len(asked) == 1 and "not been sent yet (1)" in asked[0]
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"/companion/$"))
    assert page.evaluate(COMPANION_CACHES) != []

    # Saying yes signs out; the unsent item stays on the phone for the next sign-in, the kept pages go.
    asked = answer_next_dialog(page, accept=True)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert len(asked) == 1
    assert page.evaluate(COMPANION_CACHES) == []
    assert page.evaluate(OUTBOX_COUNT) == 1
    assert CheckIn.objects.count() == 0
    assert phone.problems == []
    phone.context.close()


def test_a_deleted_account_leaves_nothing_on_the_phone(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    person: CompanionProfile,
) -> None:
    phone = Phone(chromium)
    page = phone.page
    base = live_server.url
    sign_in(page, base, "robin")
    open_companion(page, base)
    page.evaluate(PUT_REFUSED, {"user": str(person.user.pk), "day": "2000-01-01"})
    page.evaluate(PUT_REFUSED, {"user": "someone-else", "day": "2000-01-01"})
    page.goto(base + "/companion/my-data/delete/")
    page.get_by_label("Type your username").fill("robin")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and all my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    page.wait_for_function(f"() => ({COMPANION_CACHES})().then((names) => names.length === 0)")
    page.wait_for_function(f"() => ({OUTBOX_COUNT})().then((count) => count === 1)")  # another account's item
    assert not User.objects.get(pk=person.user.pk).is_active
    assert phone.problems == []
    phone.context.close()
