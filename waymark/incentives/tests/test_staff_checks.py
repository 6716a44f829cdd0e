"""Staff confirm a medication-adherence or treatment-plan target for a day (met
or not met), from the service or the patient's incentives page."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, Enrollment, TargetCheck
from waymark.incentives.tests.helpers import D, awards, days_ago, enrol, field_error, programme, today

pytestmark = pytest.mark.django_db


def adherence(world: World) -> Enrollment:
    return enrol(
        world,
        programme(
            world,
            "Doses as planned",
            target=CmProgramme.Target.ADHERENCE,
            schedule=CmProgramme.Schedule.FIXED,
            parameters={"amount": "5"},
        ),
    )


def plan_tasks(world: World) -> Enrollment:
    return enrol(world, programme(world, "Plan tasks", target=CmProgramme.Target.PLAN_TASKS))


class TestRecordCheck:
    def test_met_earns_and_not_met_resets(self, world: World) -> None:
        enrollment = plan_tasks(world)
        counsellor = world.user(Role.COUNSELLOR)
        for n, met in ((4, True), (3, True), (2, False), (1, True)):
            check, _ = services.record_check(counsellor, world.patient, enrollment, day=days_ago(world, n), met=met)
            assert check.met is met
        # Escalating defaults: 2.50, 3.75, not met (0), then from the start again.
        assert [(e.outcome, e.amount) for e in awards(enrollment)] == [
            ("N", D("2.50")),
            ("N", D("3.75")),
            ("P", D(0)),
            ("N", D("2.50")),
        ]
        assert AuditEvent.objects.filter(action="cm_target_check", patient_id=world.patient.pk).count() == 4

    def test_a_fixed_reward_pays_the_same_each_day_met(self, world: World) -> None:
        enrollment = adherence(world)
        nurse = world.user(Role.NURSE)
        _, message = services.record_check(nurse, world.patient, enrollment, day=days_ago(world, 1), met=True)
        services.record_check(nurse, world.patient, enrollment, day=today(world), met=True)
        assert "earned $5.00" in message
        assert [e.amount for e in awards(enrollment)] == [D(5), D(5)]

    def test_a_day_in_the_future_is_refused(self, world: World) -> None:
        enrollment = adherence(world)
        with pytest.raises(ValidationError) as caught:
            services.record_check(
                world.user(Role.COUNSELLOR), world.patient, enrollment, day=days_ago(world, -1), met=True
            )
        assert "future" in caught.value.message_dict["day"][0]
        assert not TargetCheck.objects.exists()

    def test_a_day_before_the_enrolment_is_refused(self, world: World) -> None:
        enrollment = adherence(world)
        with pytest.raises(ValidationError) as caught:
            services.record_check(
                world.user(Role.COUNSELLOR), world.patient, enrollment, day=days_ago(world, 31), met=True
            )
        assert "outside the enrolment" in caught.value.message_dict["day"][0]

    def test_the_same_day_again_pays_once_and_a_different_answer_is_refused(self, world: World) -> None:
        enrollment = adherence(world)
        counsellor = world.user(Role.COUNSELLOR)
        day = days_ago(world, 1)
        services.record_check(counsellor, world.patient, enrollment, day=day, met=True)
        _, message = services.record_check(counsellor, world.patient, enrollment, day=day, met=True)
        assert message == ""
        with pytest.raises(ValidationError) as caught:
            services.record_check(counsellor, world.patient, enrollment, day=day, met=False)
        assert f"{day:%Y-%m-%d} is already recorded as met" in caught.value.message_dict["met"][0]
        assert TargetCheck.objects.get().met is True
        assert [e.amount for e in awards(enrollment)] == [D(5)]

    def test_a_specimen_programme_is_not_confirmed_by_staff(self, world: World) -> None:
        enrollment = enrol(world, programme(world))
        with pytest.raises(ValidationError, match="recorded by the system"):
            services.record_check(world.user(Role.COUNSELLOR), world.patient, enrollment, day=today(world), met=True)

    def test_a_prescriber_cannot_record_targets(self, world: World) -> None:
        enrollment = adherence(world)
        with pytest.raises(PermissionDenied):
            services.record_check(world.user(Role.PRESCRIBER), world.patient, enrollment, day=today(world), met=True)


def post_check(client: Client, world: World, enrollment: Enrollment, day: dt.date, met: str = "yes") -> Any:
    return client.post(
        f"/incentives/patients/{world.patient.pk}/check/",
        {"enrollment": enrollment.pk, "day": day.isoformat(), "met": met, "note": "Attended group."},
    )


class TestTheCheckForm:
    def test_the_page_offers_the_form_only_for_a_staff_confirmed_programme(self, world: World, as_role) -> None:
        client = as_role("counsellor")
        enrol(world, programme(world))
        assert 'id="check"' not in client.get(f"/incentives/patients/{world.patient.pk}/").content.decode()
        adherence(world)
        assert 'id="check"' in client.get(f"/incentives/patients/{world.patient.pk}/").content.decode()

    def test_recording_a_met_target_on_the_page(self, world: World, as_role) -> None:
        enrollment = adherence(world)
        response = post_check(as_role("counsellor"), world, enrollment, days_ago(world, 1))
        assert response.status_code == 302
        check = TargetCheck.objects.get()
        assert (check.day, check.met, check.note) == (days_ago(world, 1), True, "Attended group.")
        assert [e.amount for e in awards(enrollment)] == [D(5)]
        page = as_role("counsellor").get(response["Location"]).content.decode()
        assert "Doses as planned: earned $5.00, 1 in a row." in page
        assert '<p class="balance" id="balance">$5.00</p>' in page

    def test_a_future_day_on_the_page_is_shown_next_to_the_day(self, world: World, as_role) -> None:
        enrollment = adherence(world)
        response = post_check(as_role("counsellor"), world, enrollment, days_ago(world, -1))
        assert response.status_code == 422
        assert "That date is in the future." in field_error(response.content.decode(), "day")
        assert not TargetCheck.objects.exists()

    def test_a_different_answer_for_the_same_day_on_the_page_is_refused(self, world: World, as_role) -> None:
        enrollment = adherence(world)
        client = as_role("counsellor")
        assert post_check(client, world, enrollment, days_ago(world, 1)).status_code == 302
        response = post_check(client, world, enrollment, days_ago(world, 1), met="no")
        assert response.status_code == 422
        assert "already recorded as met" in field_error(response.content.decode(), "met")
        assert [e.amount for e in awards(enrollment)] == [D(5)]

    def test_a_prescriber_gets_403(self, world: World, as_role) -> None:
        enrollment = adherence(world)
        assert post_check(as_role("prescriber"), world, enrollment, days_ago(world, 1)).status_code == 403
        assert not TargetCheck.objects.exists()
