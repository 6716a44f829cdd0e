"""Browser-test fixtures: Debian's Chromium driven by Playwright.

Chromium missing is a failure under CI=true (the browser tests are part of the
suite there) and a visible skip elsewhere. Playwright's own browser downloads
are never used.
"""

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of Debian's Chromium; fail under CI=true when it is missing, else skip."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"Debian's Chromium is not installed at {CHROMIUM} (install it with `make services` or apt-get install chromium)"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}; browser tests are required when CI=true", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def chromium(chromium_executable: str, monkeypatch: pytest.MonkeyPatch) -> Iterator["Browser"]:
    """A launched Chromium, closed after the test.

    Playwright's sync API keeps an event loop running in this thread, so the
    ORM's async-safety check is relaxed for the test's duration.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
