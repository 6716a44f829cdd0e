"""A programme's report for the program admin: cost per person, the share of
targets met (a missed test counts as not met), longest runs and the awards the
annual cap reduced, hand-worked on a small data set."""

import pytest

from waymark.conftest import World, make_patient, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme
from waymark.incentives.tests.helpers import POSITIVE, D, days_ago, enrol, programme, specimen
from waymark.labs.models import Specimen

pytestmark = pytest.mark.django_db


def small_programme(world: World) -> CmProgramme:
    """Escalating vouchers (REFERENCE.md §7 defaults) with a $20 cap:

    - Dana: N N N P → 2.50, 3.75, 15.00 cut to 13.75 by the cap, 0 = 20.00; runs 1, 2, 3, 0.
    - Elliot: N M N → 2.50, 0, 2.50 = 5.00; runs 1, 0, 1. Also $5 in another programme (not counted).
    - Kim: enrolled, nothing yet.

    3 people, $25.00 → $8.33 each; 5 of 7 targets met (71%); 1 award capped.
    """
    vouchers = programme(world, annual_cap=D(20))
    kim = make_patient(world.program, "HR-3", "Kim", "Osei", site=world.site)
    for patient in (world.patient, world.other_patient, kim):
        enrol(world, vouchers, patient=patient)
    for n, outcomes in zip((5, 4, 3, 2), (None, None, None, POSITIVE), strict=True):
        specimen(world, days_ago(world, n), outcomes)
    specimen(world, days_ago(world, 5), patient=world.other_patient)
    specimen(world, days_ago(world, 4), patient=world.other_patient, status=Specimen.Status.MISSED)
    specimen(world, days_ago(world, 3), patient=world.other_patient)
    other = programme(
        world,
        "Plan tasks",
        target=CmProgramme.Target.PLAN_TASKS,
        schedule=CmProgramme.Schedule.FIXED,
        parameters={"amount": "5"},
    )
    services.record_check(
        world.user(Role.COUNSELLOR),
        world.other_patient,
        enrol(world, other, patient=world.other_patient),
        day=days_ago(world, 1),
        met=True,
    )
    return vouchers


def test_the_numbers(world: World) -> None:
    report = services.programme_report(small_programme(world))
    assert (report.patients, report.events, report.successes) == (3, 7, 5)
    assert report.earned == D("25.00")
    assert report.cost_per_patient == D("8.33")
    assert report.negative_share == 5 / 7
    assert report.capped == 1
    assert [(row.patient, row.longest, row.current) for row in report.streaks] == [
        (world.patient, 3, 0),
        (world.other_patient, 1, 1),
    ]


def test_a_programme_with_nobody_in_it(world: World) -> None:
    report = services.programme_report(programme(world))
    assert (report.patients, report.events, report.earned, report.capped) == (0, 0, 0, 0)
    assert report.cost_per_patient == 0
    assert report.negative_share is None
    assert report.streaks == []


def test_the_report_page(world: World, as_role) -> None:
    vouchers = small_programme(world)
    response = as_role("program_admin").get(f"/incentives/programmes/{vouchers.pk}/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="patients">3</dd>' in html
    assert '<dd id="cost">$8.33</dd>' in html
    assert '<dd id="share">71% (5 of 7; missed counts as not met)</dd>' in html
    assert "<dt>Awards reduced by the annual cap</dt><dd>1</dd>" in html
    assert "<dt>Earned in all</dt><dd>$25.00</dd>" in html
    rows = html.split('aria-labelledby="streaks-h"')[1]
    assert rows.index(world.patient.display_name) < rows.index(world.other_patient.display_name)
    assert "Kim" not in rows
    assert AuditEvent.objects.filter(action="cm_report", object_id=str(vouchers.pk)).count() == 1


def test_only_the_program_admin_of_the_program_reads_the_report(world: World, as_role, client) -> None:
    vouchers = programme(world)
    url = f"/incentives/programmes/{vouchers.pk}/report/"
    for role in ("counsellor", "nurse", "prescriber", "patient"):
        assert as_role(role).get(url).status_code == 403
    sign_in(client, world.outsider_staff[Role.PROGRAM_ADMIN])
    assert client.get(url).status_code == 404
