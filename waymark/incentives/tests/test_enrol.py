"""Enrolling a person in a CM programme from their incentives page: the
enrolment runs for the programme's weeks; one open enrolment per programme."""

import pytest

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.incentives.models import Enrollment
from waymark.incentives.tests.helpers import days_ago, field_error, programme, today

pytestmark = pytest.mark.django_db


def url(world: World) -> str:
    return f"/incentives/patients/{world.patient.pk}/enroll/"


def test_enrolling_on_the_page_runs_for_the_programmes_weeks(world: World, as_role) -> None:
    vouchers = programme(world, duration_weeks=12)
    response = as_role("counsellor").post(url(world), {"programme": vouchers.pk, "started_on": days_ago(world, 7)})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    # 12 weeks from the start day, the last day included: 84 days, start + 83.
    assert (enrollment.patient, enrollment.started_on, enrollment.ends_on) == (
        world.patient,
        days_ago(world, 7),
        days_ago(world, 7 - 83),
    )
    assert AuditEvent.objects.filter(action="cm_enroll", patient_id=world.patient.pk).exists()
    html = as_role("counsellor").get(response["Location"]).content.decode()
    assert f"Enrolled in Opioid-negative vouchers until {days_ago(world, -76):%Y-%m-%d}." in html


def test_a_second_open_enrolment_in_the_same_programme_is_refused(world: World, as_role) -> None:
    vouchers = programme(world)
    client = as_role("counsellor")
    assert client.post(url(world), {"programme": vouchers.pk, "started_on": today(world)}).status_code == 302
    response = client.post(url(world), {"programme": vouchers.pk, "started_on": today(world)})
    assert response.status_code == 422
    assert "Already enrolled in Opioid-negative vouchers." in field_error(response.content.decode(), "programme")
    assert Enrollment.objects.count() == 1


def test_a_start_in_the_future_is_refused(world: World, as_role) -> None:
    vouchers = programme(world)
    response = as_role("counsellor").post(url(world), {"programme": vouchers.pk, "started_on": days_ago(world, -1)})
    assert response.status_code == 422
    assert "in the future" in field_error(response.content.decode(), "started_on")
    assert not Enrollment.objects.exists()


def test_a_prescriber_cannot_enrol(world: World, as_role) -> None:
    vouchers = programme(world)
    response = as_role("prescriber").post(url(world), {"programme": vouchers.pk, "started_on": today(world)})
    assert response.status_code == 403
    assert not Enrollment.objects.exists()
