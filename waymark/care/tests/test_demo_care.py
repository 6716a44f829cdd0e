"""The care demo (care/demo.py) on a small demo program: the demo counsellor's two groups with rosters,
six weeks of attendance and two weeks ahead, DAP notes, signed treatment plans (one overdue for review,
one brought forward by a lapse), continuing-care plans and a checklist three-sixths done; the aftercare
and preparation pages open for the demo counsellor in a bounded number of queries; loading again adds
nothing."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from waymark.care import demo as care_demo
from waymark.care import reviews
from waymark.care import services_aftercare as aftercare
from waymark.care.models import (
    Attendance,
    CareGroup,
    ContinuingCarePlan,
    CounsellingNote,
    CounsellingSession,
    PreparationStep,
    TreatmentPlan,
)
from waymark.chart import demo as chart_demo
from waymark.chart.models import Patient
from waymark.conftest import make_user, sign_in
from waymark.core.models import Program, Site, User

pytestmark = pytest.mark.django_db

SEED = 20240402


@dataclass
class Demo:
    program: Program
    accounts: dict[str, User]
    patients: list[Patient]


@pytest.fixture
def demo(db: None) -> Demo:
    """The demo's program, accounts and first 60 patients (chart/demo.py's own builders, without the
    medication, drug-test and assessment history, which take seconds and play no part here)."""
    program = Program.objects.create(name=chart_demo.PROGRAM_NAME, time_zone="America/New_York")
    Site.objects.create(program=program, name="Harbor Street Clinic", phone="207-555-0140")
    accounts = {name: make_user(program, role, name) for name, role, *_ in chart_demo.DEMO_ACCOUNTS}
    patients = chart_demo._add_patients(program, accounts, start=0, count=60, seed=SEED)
    care_demo.load_care_demo(program, accounts, patients, SEED)
    return Demo(program, accounts, patients)


def counts() -> tuple[int, ...]:
    models: list[Any] = [CareGroup, CounsellingSession, Attendance, CounsellingNote, TreatmentPlan, ContinuingCarePlan]
    return tuple(m.objects.count() for m in models)


def test_the_demo_counsellor_has_groups_sessions_plans_and_notes(demo: Demo) -> None:
    counsellor = demo.accounts["counsellor"]
    groups = {g.name: g for g in CareGroup.objects.annotate(members=Count("memberships"))}
    relapse, early = groups["Relapse prevention"], groups["Early recovery"]
    assert (relapse.weekdays, relapse.starts_at_time, relapse.minutes, relapse.capacity) == (
        [1, 3],
        dt.time(10),
        60,
        10,
    )
    assert (early.weekdays, early.starts_at_time, early.minutes, early.capacity) == ([0], dt.time(14), 90, 8)
    assert (relapse.members, early.members) == (8, 6)
    assert {relapse.facilitator, early.facilitator} == {counsellor}

    now = timezone.now()
    past = Attendance.objects.filter(starts_at__lt=now - dt.timedelta(hours=2))
    statuses = dict(past.values_list("status").annotate(n=Count("id")))
    assert statuses.get("expected", 0) == 0  # every past session has its attendance taken
    assert statuses["attended"] > 4 * statuses["no_show"] > 0
    upcoming = CounsellingSession.objects.filter(starts_at__gt=now)
    assert upcoming.filter(kind="group").count() >= 6 and upcoming.filter(kind="individual").exists()
    assert not upcoming.filter(starts_at__gt=now + dt.timedelta(days=15)).exists()
    assert CounsellingNote.objects.filter(author=counsellor).count() >= 3

    plans = TreatmentPlan.objects.filter(status="active", patient__program=demo.program)
    assert 3 <= plans.count() <= 4 and not plans.filter(patient_signed_at__isnull=True).exists()
    states = reviews.review_statuses(plans.values_list("patient_id", flat=True), demo.program.clinic_day())
    assert any(s.state == "overdue" and not s.prompted_by_lapse for s in states.values())
    assert any(s.prompted_by_lapse for s in states.values())

    assert ContinuingCarePlan.objects.exists()
    episode = PreparationStep.objects.select_related("episode").first().episode  # type: ignore[union-attr]
    assert aftercare.preparation_progress(episode).label == "3 of 6 done (1 does not apply)"

    before = counts()
    care_demo.load_care_demo(demo.program, demo.accounts, demo.patients, SEED + 1)
    assert counts() == before  # once per program: `waymark demo` run again adds nothing


def test_the_pages_open_for_the_demo_counsellor(demo: Demo, django_assert_max_num_queries: Any) -> None:
    client = sign_in(Client(), demo.accounts["counsellor"])
    people = {*ContinuingCarePlan.objects.values_list("patient_id", flat=True)}
    people |= {*PreparationStep.objects.values_list("patient_id", flat=True)}
    for pid in people:
        for page in ("aftercare/", "aftercare/print/", "preparation/"):
            with django_assert_max_num_queries(15):
                response = client.get(f"/care/patients/{pid}/{page}")
            assert response.status_code == 200, (pid, page)
