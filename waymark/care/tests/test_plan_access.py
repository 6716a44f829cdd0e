"""Who may do what with a treatment plan. Counsellors and prescribers on the care
team write (Cap.CARE_PLAN); other staff who read the chart (a nurse, the program
admin) read the plan without forms and are refused writes; off the care team, a
counsellor is sent to break-glass; the person reads their own plan (not drafts)
and cannot post; another program's patient does not exist. Reads are audited."""

import pytest
from django.test import Client

from waymark.care.models import RecoveryEvent, TreatmentPlan
from waymark.care.tests.plan_helpers import (
    days,
    draft,
    edit_url,
    fill,
    lapse_url,
    patient_sign_url,
    plan_url,
    review_url,
    sign_url,
    signed,
    start_url,
    today,
    version_url,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

FORMS = ("Record a lapse or relapse", "Record a review", "Revise the plan (new version)")


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


def posts(world: World, plan: TreatmentPlan) -> list[tuple[str, dict[str, str]]]:
    day = f"{today(world.patient):%Y-%m-%d}"
    return [
        (start_url(world.patient), {}),
        (sign_url(plan), {}),
        (patient_sign_url(plan), {"typed_name": "Dana Whitlock"}),
        (review_url(plan), {"reviewed_on": day, "outcome": "revise"}),
        (lapse_url(world.patient), {"kind": "lapse", "occurred_on": day}),
        (edit_url(plan), {"op": "add_problem", "item": str(plan.pk), "area": "legal", "description": "Court"}),
    ]


class TestWriters:
    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_the_care_team_writes(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        html = client.get(plan_url(world.patient)).content.decode()
        assert "Write the treatment plan" in html and "Record a lapse or relapse" in html
        assert client.post(start_url(world.patient)).status_code == 302
        plan = TreatmentPlan.objects.get()
        assert client.get(edit_url(plan)).status_code == 200
        assert AuditEvent.objects.filter(action="open_form", object_type="treatmentplan").exists()


class TestReaders:
    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN])
    def test_other_staff_read_without_forms_and_cannot_write(self, world: World, role: Role) -> None:
        plan = signed(world)
        client = client_for(world, role)
        response = client.get(plan_url(world.patient))
        html = response.content.decode()
        assert response.status_code == 200 and "I want to be there for my kids" in html
        assert "<form" not in html.split("<main", 1)[1]
        assert not any(text in html for text in FORMS)
        assert client.get(version_url(plan)).status_code == 200
        for url, data in posts(world, plan):
            assert client.post(url, data).status_code == 403, url
        assert client.get(edit_url(plan)).status_code == 403
        assert TreatmentPlan.objects.count() == 1 and RecoveryEvent.objects.count() == 0
        assert AuditEvent.objects.filter(actor=world.user(role), action="read", object_type="treatmentplan").exists()

    def test_the_privacy_officer_does_not_read_plans(self, world: World) -> None:
        signed(world)
        assert client_for(world, Role.PRIVACY_OFFICER).get(plan_url(world.patient)).status_code == 403


class TestThePerson:
    def test_they_read_their_own_plan_without_forms_or_drafts(self, world: World) -> None:
        plan = signed(world)
        revision = draft(world)
        client = client_for(world, Role.PATIENT)
        response = client.get(plan_url(world.patient))
        html = response.content.decode()
        assert response.status_code == 200 and "My treatment plan" in html and "I want to be there" in html
        assert "<form" not in html.split("<main", 1)[1] and "Draft" not in html
        assert f"Next review of your plan with your care team: {today(world.patient) + days(30):%Y-%m-%d}." in html
        assert client.get(version_url(plan)).status_code == 200
        assert client.get(version_url(revision)).status_code == 404
        for url, data in posts(world, plan):
            assert client.post(url, data).status_code == 403, url
        assert TreatmentPlan.objects.count() == 2 and RecoveryEvent.objects.count() == 0

    def test_they_cannot_read_someone_elses(self, world: World) -> None:
        assert client_for(world, Role.PATIENT).get(plan_url(world.other_patient)).status_code == 404


class TestBoundaries:
    def test_a_counsellor_off_the_care_team_is_sent_to_break_glass(self, world: World) -> None:
        client = client_for(world, Role.COUNSELLOR)
        glass = f"/patients/{world.other_patient.pk}/break-glass/"
        response = client.get(plan_url(world.other_patient))
        assert response.status_code == 302 and response["Location"] == glass
        response = client.post(lapse_url(world.other_patient), {"kind": "lapse"})
        assert response.status_code == 302 and response["Location"] == glass
        assert RecoveryEvent.objects.count() == 0

    def test_another_programs_patient_does_not_exist(self, world: World) -> None:
        client = client_for(world, Role.COUNSELLOR)
        assert client.get(plan_url(world.outsider_patient)).status_code == 404
        assert client.post(start_url(world.outsider_patient)).status_code == 404
        assert TreatmentPlan.objects.count() == 0

    def test_a_version_is_reached_only_through_its_own_patient(self, world: World) -> None:
        plan = draft(world)
        fill(world, plan)
        client = client_for(world, Role.NURSE)
        assert client.get(f"/care/patients/{world.other_patient.pk}/plan/{plan.pk}/").status_code == 404
