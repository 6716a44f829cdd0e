"""In a real browser: two members of a group, each in their own browser context (one on a phone), have the board
open. One posts; the other sees the message appear without reloading. The group's peer moderator (a third
context, signed in with password and authenticator code) hides it, and it disappears for both members without
their pages reloading.

axe-core checks the board on a phone (no violations at all); no page raises a script error or breaks the
Content-Security-Policy. Reuses the chart's Chromium fixtures and CSP listener; screenshots go to
test-output/screenshots/.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import current_code
from waymark.community import services
from waymark.community.models import Message
from waymark.community.tests.conftest import Cohort
from waymark.companion.tests.test_browser_offline_checkin import Phone
from waymark.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LIVE = 10_000  # ms: a poll every 3 s, with room to spare


class Person(Phone):
    """One browser context (the companion's test phone, any size), recording every script error and CSP
    violation."""

    def __init__(self, browser: Browser, device: dict[str, Any]) -> None:
        super().__init__(browser, device, ignore=None)

    def sign_in(self, base: str, username: str, code: str = "") -> None:
        page = self.page
        page.goto(base + "/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if code:
            expect(page).to_have_url(re.compile(r"/login/verify/"))
            page.get_by_label("6-digit code from your authenticator app").fill(code)
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_attached()

    def open_board(self, base: str, cohort: Cohort) -> None:
        self.page.goto(f"{base}/community/{cohort.group.pk}/")
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Tuesday evening group")
        # A mark that a reload would wipe: the page must stay the same document throughout.
        self.page.evaluate("window.__sameDocument = true")

    def same_document(self) -> bool:
        return bool(self.page.evaluate("window.__sameDocument === true"))

    def messages(self) -> Any:
        return self.page.locator("#board-live")


def violations(page: Page) -> list[str]:
    response = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in response["violations"]
    ]


def test_a_post_appears_live_for_another_member_and_a_hide_removes_it_for_both(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    cohort: Cohort,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    services.update_profile(cohort.dana, display_name="Dee", avatar_colour="purple", show_days=False)
    services.update_profile(cohort.elliot, display_name="Eli", avatar_colour="green", show_days=False)
    dana, elliot, moderator = Person(chromium, PHONE), Person(chromium, DESKTOP), Person(chromium, DESKTOP)
    dana.sign_in(base, cohort.dana.user.username)
    elliot.sign_in(base, cohort.elliot.user.username)
    moderator.sign_in(base, cohort.moderator.user.username, current_code(cohort.moderator.user))
    polls: list[tuple[int, str, str]] = []  # Eli's polls: status, If-None-Match, X-Waymark-Poll
    elliot.page.on(
        "response",
        lambda r: (
            polls.append(
                (r.status, r.request.headers.get("if-none-match", ""), r.request.headers.get("x-waymark-poll", ""))
            )
            if r.url.endswith(f"/community/{cohort.group.pk}/messages/")
            else None
        ),
    )
    for person in (dana, elliot, moderator):
        person.open_board(base, cohort)
        expect(person.messages()).to_contain_text("No messages yet")

    # The board on a phone passes axe with no violations at all.
    assert violations(dana.page) == []
    dana.page.screenshot(path=str(SCREENSHOTS / "community-board-phone-empty.png"), full_page=True, caret="initial")

    # Eli's browser polls with the ETag of the list it shows, and the unchanged board answers "nothing new".
    for _ in range(40):
        if 304 in [status for status, *_ in polls]:
            break
        elliot.page.wait_for_timeout(250)
    assert 304 in [status for status, *_ in polls], polls

    # Dee posts from her phone; the box empties and her message shows at once.
    words = "Made it to my first meeting tonight."
    dana.page.get_by_label("Your message").fill(words)
    dana.page.get_by_role("button", name="Post", exact=True).tap()
    expect(dana.messages()).to_contain_text(words)
    expect(dana.page.get_by_label("Your message")).to_have_value("")
    expect(dana.page.get_by_role("status").filter(has_text="Your message is posted.")).to_be_visible()

    # Eli and the moderator see it appear without reloading.
    for person in (elliot, moderator):
        expect(person.messages().get_by_text(words)).to_be_visible(timeout=LIVE)
        assert person.same_document()
    # Every poll carried the ETag of the list shown, and the one that brought the post was a 200.
    statuses = [status for status, *_ in polls]
    assert all(etag and poll == "1" for _status, etag, poll in polls) and 200 in statuses[statuses.index(304) :]
    message = Message.objects.get()
    eli_item = elliot.page.locator(f"#message-{message.pk}")
    expect(eli_item).to_contain_text("Dee")
    # Eli sends some love: the button shows it pressed, with a count of 1.
    heart = eli_item.get_by_role("button", name=re.compile("Sending love"))
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_contain_text("1")
    expect(
        dana.page.locator(f"#message-{message.pk}").get_by_role("button", name=re.compile("Sending love"))
    ).to_contain_text("1", timeout=LIVE)
    assert violations(dana.page) == []
    dana.page.screenshot(path=str(SCREENSHOTS / "community-board-phone.png"), full_page=True, caret="initial")

    # The moderator hides it from the board, with a reason.
    item = moderator.page.locator(f"#message-{message.pk}")
    item.get_by_text("Moderate").click()
    item.get_by_label("Why hide it? (the log keeps this)").fill("Testing the hide")
    item.get_by_role("button", name="Hide", exact=True).click()
    expect(moderator.page.get_by_text("Message hidden. Members no longer see it.")).to_be_visible()
    hidden = moderator.page.locator(f"#message-{message.pk}")
    expect(hidden).to_contain_text("Hidden")
    expect(hidden.get_by_role("button", name="Unhide", include_hidden=True)).to_be_attached()
    moderator.page.screenshot(path=str(SCREENSHOTS / "community-board-moderator.png"), full_page=True, caret="initial")

    # It disappears for both members, without their pages reloading.
    for person in (dana, elliot):
        expect(person.messages().get_by_text(words)).to_have_count(0, timeout=LIVE)
        expect(person.messages()).to_contain_text("No messages yet")
        assert person.same_document()
    assert Message.objects.get().hidden_at is not None

    for person in (dana, elliot, moderator):
        assert person.problems == [], person.problems
        person.context.close()


def test_a_member_removed_while_reading_is_told_at_the_next_poll(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    cohort: Cohort,
) -> None:
    base = live_server.url
    elliot = Person(chromium, PHONE)
    elliot.sign_in(base, cohort.elliot.user.username)
    elliot.open_board(base, cohort)
    services.remove_member(cohort.moderator, cohort.elliot.pk, "Testing removal")
    notice = elliot.page.get_by_role("alert").filter(has_text="You are no longer in this group")
    expect(notice).to_be_visible(timeout=LIVE)
    expect(elliot.page.get_by_label("Your message")).to_have_count(0)
    assert elliot.same_document()
    assert violations(elliot.page) == []
    # 404 on the poll is expected; nothing else went wrong.
    assert [p for p in elliot.problems if "404" not in p] == []
    elliot.context.close()
