"""A person's attendance statistics (rule care.attendance.rate), as the
sessions page shows them: "Attended 80% (8 of 10) · 12.5 h". Late counts as
attended, a cancelled session is left out of the rate (and of the hours), a
no-show counts against it, sessions not recorded yet do not count, and with no
counted session the rate is "—"."""

import pytest
from django.test import Client

from waymark.care import services_sessions
from waymark.care.tests.session_helpers import ago, counsellor, individual, sessions_url
from waymark.conftest import World, sign_in

pytestmark = pytest.mark.django_db


def history(world: World, marks: list[tuple[str, int | None]]) -> None:
    """Individual sessions a day apart, recorded with `marks` (status, minutes)."""
    for n, (status, minutes) in enumerate(marks, start=1):
        row = individual(world, starts_at=ago(days=n))
        services_sessions.record_attendance(counsellor(world), row.session, {row.patient_id: (status, minutes)})


@pytest.mark.parametrize(
    ("marks", "line"),
    [
        # 6 on time and 2 late of 10 that went ahead (2 no-shows); 2 cancelled are left out: 6 × 90 + 90 + 120 min.
        (
            [("attended", 90)] * 6
            + [("late", 90), ("late", 120)]
            + [("no_show", None)] * 2
            + [("cancelled", None)] * 2,
            "Attended 80% (8 of 10) · 12.5 h",
        ),
        ([("late", 60)], "Attended 100% (1 of 1) · 1 h"),
        ([("no_show", None), ("attended", 45)], "Attended 50% (1 of 2) · 0.8 h"),
        ([("cancelled", None), ("cancelled", None)], "Attended — · 0 h"),
        ([], "Attended — · 0 h"),
    ],
)
def test_the_line_on_the_sessions_page(world: World, marks: list[tuple[str, int | None]], line: str) -> None:
    history(world, marks)
    individual(world, starts_at=ago(hours=1))  # not recorded yet: not counted
    html = sign_in(Client(), counsellor(world)).get(sessions_url(world.patient)).content.decode()
    assert f'<p class="stat" id="attendance-stats"><strong>{line}</strong></p>' in html


def test_the_numbers_behind_the_line(world: World) -> None:
    history(world, [("attended", 50), ("late", 20), ("no_show", None), ("cancelled", None)])
    stats = services_sessions.stats_for(world.patient)
    assert (stats.attended, stats.late, stats.no_show, stats.cancelled, stats.minutes) == (1, 1, 1, 1, 70)
    assert stats.counted == 3 and stats.rate == pytest.approx(2 / 3)
