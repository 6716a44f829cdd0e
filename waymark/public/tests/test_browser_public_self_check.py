"""In a real browser on a phone-sized screen, in Spanish: a visitor opens the help
pages, answers the self-check (the first question by keyboard, the rest by tapping),
reads the result and follows the link to the treatment finder. axe-core checks
every public page (both languages, plus the result and the error state) for
serious or critical accessibility problems.

Reuses the chart's Chromium fixtures and page watcher (console errors, CSP
violations); saves screenshots to test-output/screenshots/.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, ViewportSize, expect

from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import Watched, watch
from waymark.public.tests.helpers import ITEM_IDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
PAGES = ["", "self-check/", "someone-i-love/", "overdose/", "preparing-for-treatment/", "find-treatment/"]


def on_a_phone(browser: Browser) -> Watched:
    watched = watch(browser)
    watched.page.set_viewport_size(PHONE)
    return watched


def serious_problems(page: Page) -> list[str]:
    """axe-core violations of impact serious or critical, one line each."""
    response = Axe().run(page).response
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_visitor_checks_themselves_in_spanish_and_reaches_the_treatment_finder(
    chromium: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    page.goto(f"{live_server.url}/es/help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ayuda con la heroína y otros opioides")
    assert fits_the_screen(page)
    page.get_by_role("link", name=re.compile("¿Tengo una adicción?")).click()
    expect(page).to_have_url(re.compile(r"/es/help/self-check/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Tengo una adicción? Una autoevaluación")
    assert fits_the_screen(page)

    # Question 1 by keyboard: focus its "Sí" choice and select it with the space bar.
    first = page.get_by_role("group", name=re.compile(r"^1\. ")).get_by_role("radio", name="Sí")
    first.focus()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    # Questions 2–4 "Sí", 5–11 "No", by tapping the labels.
    for number in range(2, 12):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_text("Sí" if number <= 4 else "No", exact=True).click()
    page.get_by_role("button", name="Ver mi resultado").click()

    result = page.locator("#result")
    expect(result.get_by_role("heading", name="Su resultado")).to_be_visible()
    expect(result).to_contain_text("Moderado (4–5 criterios)")
    expect(result).to_contain_text("Criterios cumplidos: 4 de 11.")
    expect(result).to_contain_text("Apoyo para decidir, no un diagnóstico.")
    expect(result.get_by_role("link", name="1-800-662-4357")).to_have_attribute("href", "tel:18006624357")
    assert fits_the_screen(page)
    # The answers are still on the form, to change; nothing went into the address.
    expect(page.locator('input[name="craving"][value="yes"]')).to_be_checked()
    assert page.url.endswith("/es/help/self-check/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "public-self-check-es.png"), full_page=True)

    result.get_by_role("link", name="Encuentre tratamiento cerca de usted").click()
    expect(page).to_have_url(re.compile(r"/es/help/find-treatment/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Encontrar tratamiento")
    expect(page.get_by_role("link", name="Buscar en FindTreatment.gov")).to_have_attribute(
        "href", "https://findtreatment.gov/"
    )
    assert watched.problems() == []
    assert all("unsafe-inline" not in policy for policy in watched.csp_headers)


def test_a_missing_answer_is_shown_by_name_on_the_phone(
    chromium: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    page.goto(f"{live_server.url}/es/help/self-check/")
    for item_id in ITEM_IDS:
        if item_id != "craving":
            page.locator(f'input[name="{item_id}"][value="no"]').check()
    page.get_by_role("button", name="Ver mi resultado").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("La pregunta 4 no tiene respuesta: elija Sí o No.")
    alert.get_by_role("link", name=re.compile("La pregunta 4")).click()
    expect(page).to_have_url(re.compile(r"#q-craving$"))
    expect(page.locator('input[name="cut_down"][value="no"]')).to_be_checked()
    assert serious_problems(page) == []
    # The form comes back with status 422 (the browser logs that); nothing else may go wrong.
    assert [p for p in watched.problems() if "status of 422" not in p] == []


def test_every_public_page_passes_axe(
    chromium: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    watched = on_a_phone(chromium)
    page = watched.page
    problems: list[str] = []
    for prefix in ("/es", ""):
        for path in PAGES:
            page.goto(f"{live_server.url}{prefix}/help/{path}")
            assert fits_the_screen(page), page.url
            problems += serious_problems(page)
    # The result state of the self-check.
    page.goto(f"{live_server.url}/help/self-check/")
    for item_id in ITEM_IDS:
        page.locator(f'input[name="{item_id}"][value="yes"]').check()
    page.get_by_role("button", name="See my result").click()
    expect(page.locator("#result")).to_contain_text("Severe (6 or more criteria)")
    problems += serious_problems(page)
    # The print button of the checklist appears once its script has run.
    page.goto(f"{live_server.url}/es/help/preparing-for-treatment/")
    expect(page.get_by_role("button", name="Imprimir esta lista")).to_be_visible()
    assert problems == []
    assert watched.problems() == []
