"""In a real browser: a counsellor signs in (password, then authenticator code),
opens their group of 8 and yesterday's session, marks attendance for all 8 on
one screen (five on time — the first by keyboard — two late with fewer
minutes, one no-show), saves once and sees every saved status; then opens
"Write note" for one member, writes the DAP note, saves it and reads it back.

axe-core checks the attendance screen (no serious or critical problems);
the pages raise no console errors and break no Content-Security-Policy rule.
Reuses the chart's Chromium fixtures and page watcher; saves screenshots to
test-output/screenshots/.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from waymark.care.models import Attendance, CareGroup, CounsellingNote, CounsellingSession
from waymark.care.tests.session_helpers import counsellor, group_with, past_session
from waymark.chart.models import Patient
from waymark.chart.tests.conftest import chromium, chromium_executable  # noqa: F401 (fixtures)
from waymark.chart.tests.test_browser_nurse_opens_chart import current_code, watch
from waymark.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"


@pytest.fixture
def group_of_8(world: World) -> tuple[CareGroup, list[Patient], CounsellingSession]:
    group, members = group_with(world, 8, name="Early recovery, mornings", topic="early_recovery", minutes=60)
    return group, members, past_session(world, group)


def serious_problems(page: Page, exclude: tuple[str, ...] = ()) -> list[str]:
    """axe-core violations of impact serious or critical, one line each; `exclude`: CSS selectors left out."""
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    response = Axe().run(page, context=context).response
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Page, base: str, world: World) -> None:
    page.goto(base + "/")
    page.get_by_label("Username").fill("counsellor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(counsellor(world)))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_counsellor_takes_attendance_for_a_group_of_8_and_writes_a_note(
    chromium: Browser,  # noqa: F811
    live_server: Any,
    world: World,
    group_of_8: tuple[CareGroup, list[Patient], CounsellingSession],
) -> None:
    _, members, session = group_of_8
    watched = watch(chromium)
    page = watched.page
    sign_in(page, live_server.url, world)

    page.goto(f"{live_server.url}/care/groups/")
    expect(page.get_by_role("row", name=re.compile("Early recovery, mornings"))).to_contain_text("8 of 8")
    page.get_by_role("link", name="Early recovery, mornings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Early recovery, mornings")
    held = session.starts_at.astimezone(world.program.zone).strftime("%a %Y-%m-%d %H:%M")
    page.get_by_role("region", name="Sessions").get_by_role("link", name=held).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Early recovery, mornings ·")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def row(p: Patient) -> Any:
        return page.get_by_role("group", name=p.display_name, exact=True)

    # Every member has a row; the minutes start at the planned 60.
    for p in members:
        expect(row(p).get_by_label("Minutes attended")).to_have_value("60")
    assert serious_problems(page) == []

    # The first by keyboard: focus its "Attended" radio and press Space.
    row(members[0]).get_by_role("radio", name="Attended", exact=True).focus()
    page.keyboard.press("Space")
    expect(row(members[0]).get_by_role("radio", name="Attended", exact=True)).to_be_checked()
    for p in members[1:5]:
        row(p).get_by_role("radio", name="Attended", exact=True).check()
    for p, minutes in ((members[5], "45"), (members[6], "50")):
        row(p).get_by_role("radio", name="Late", exact=True).check()
        row(p).get_by_label("Minutes attended").fill(minutes)
    row(members[7]).get_by_role("radio", name="No-show", exact=True).check()
    page.screenshot(path=str(SCREENSHOTS / "counsellor-group-attendance.png"), full_page=True)
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_role("status").filter(has_text="Attendance saved for 8 people.")).to_be_visible()
    for p in members[:5]:
        expect(row(p)).to_contain_text("Saved: Attended, 60 min.")
    expect(row(members[5])).to_contain_text("Saved: Late, 45 min.")
    expect(row(members[6])).to_contain_text("Saved: Late, 50 min.")
    expect(row(members[7])).to_contain_text("Saved: No-show.")
    expect(row(members[7]).get_by_role("link", name=re.compile("Write note"))).to_have_count(0)
    expect(row(members[5]).get_by_role("radio", name="Late", exact=True)).to_be_checked()
    assert serious_problems(page) == []
    page.screenshot(path=str(SCREENSHOTS / "counsellor-group-attendance-saved.png"), full_page=True)

    # A note for the member who came late with 45 minutes.
    row(members[5]).get_by_role("link", name=re.compile("Write note")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Counselling note · {members[5].display_name}")
    page.get_by_label("Data:", exact=True).fill("Arrived 15 minutes late after a long shift; shared a craving at work.")
    page.get_by_label("Assessment:", exact=True).fill("Engaged; used the urge-surfing skill without prompting.")
    page.get_by_label("Plan:", exact=True).fill("Practise the skill daily; check in about sleep next week.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status").filter(has_text="Note saved.")).to_be_visible()
    note = page.get_by_role("article", name="DAP note")
    expect(note).to_contain_text("shared a craving at work")
    expect(note).to_contain_text("used the urge-surfing skill")
    expect(note).to_contain_text("check in about sleep next week")
    assert serious_problems(page) == []
    page.screenshot(path=str(SCREENSHOTS / "counsellor-dap-note.png"), full_page=True)

    saved = dict(Attendance.objects.filter(session=session).values_list("patient_id", "status"))
    assert sorted(saved.values()) == ["attended"] * 5 + ["late", "late", "no_show"]
    assert CounsellingNote.objects.get().attendance.patient == members[5]
    assert watched.problems() == []
    page.context.close()
