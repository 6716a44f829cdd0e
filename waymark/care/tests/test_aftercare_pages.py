"""The continuing-care pages: the plan with its form (care:aftercare) and the print-friendly page for the
person (care:aftercare_print). Counsellors and prescribers edit; a nurse reads without a form; the person
reads their own plan and prints it but cannot change it; another program's patient does not exist."""

from typing import Any

import pytest
from django.test import Client

from waymark.care import services_aftercare as services
from waymark.care.models import ContinuingCarePlan
from waymark.conftest import World, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

FORM: dict[str, Any] = {
    "first_appointment": "Harbor Street Clinic, Monday 9:00",
    "medication": "methadone",
    "medication_where": "Harbor Recovery OTP dosing window",
    "ongoing_therapy": "Weekly counselling with Casey",
    "support_groups": ["na", "smart"],
    "support_groups_notes": "NA at St. Luke's, Tuesdays 7 pm",
    "medical_follow_up": ["hep_c_test"],
    "medical_follow_up_notes": "",
    "naloxone": "kit_given",
    "housing": "sober_living",
    "housing_notes": "Cedar House, moving in on the 3rd",
    "work_needs": "",
    "legal_needs": "",
    "emergency_contacts": "Sam (sister) 207-555-0199",
}


def url(world: World, patient: Any = None, page: str = "") -> str:
    return f"/care/patients/{(patient or world.patient).pk}/aftercare/{page}"


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


def make_plan(world: World) -> ContinuingCarePlan:
    return services.save_continuing_care_plan(
        world.user(Role.COUNSELLOR), world.patient, world.patient.episodes.get(), **FORM
    ).plan


class TestEdit:
    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_the_care_team_makes_the_plan(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        assert "Make the plan" in client.get(url(world)).content.decode()
        response = client.post(url(world), FORM)
        assert response.status_code == 302 and response["Location"] == url(world)
        plan = ContinuingCarePlan.objects.get()
        assert plan.support_groups == ["na", "smart"] and plan.housing == "sober_living"
        html = client.get(url(world)).content.decode()
        assert "Continuing-care plan saved." in html and "Cedar House, moving in on the 3rd" in html

    def test_a_medication_without_where_is_refused_next_to_the_field(self, world: World) -> None:
        response = client_for(world, Role.COUNSELLOR).post(url(world), {**FORM, "medication_where": ""})
        assert response.status_code == 422
        assert 'id="id_medication_where_error"' in response.content.decode()
        assert ContinuingCarePlan.objects.count() == 0

    def test_an_unknown_code_is_refused(self, world: World) -> None:
        response = client_for(world, Role.COUNSELLOR).post(url(world), {**FORM, "support_groups": ["na", "church"]})
        assert response.status_code == 422 and ContinuingCarePlan.objects.count() == 0

    def test_the_page_reads_in_few_queries(self, world: World, django_assert_max_num_queries: Any) -> None:
        make_plan(world)
        client = client_for(world, Role.COUNSELLOR)
        with django_assert_max_num_queries(14):
            assert client.get(url(world)).status_code == 200


class TestReaders:
    def test_a_nurse_reads_without_a_form_and_cannot_post(self, world: World) -> None:
        make_plan(world)
        client = client_for(world, Role.NURSE)
        html = client.get(url(world)).content.decode()
        assert "Harbor Recovery OTP dosing window" in html and '<form method="post" action="/care' not in html
        assert client.post(url(world), {**FORM, "naloxone": "declined"}).status_code == 403
        assert ContinuingCarePlan.objects.get().naloxone == "kit_given"

    def test_the_person_reads_and_prints_their_own_plan_but_cannot_change_it(self, world: World) -> None:
        make_plan(world)
        client = client_for(world, Role.PATIENT)
        html = client.get(url(world)).content.decode()
        assert "Cedar House" in html and "Print my plan" in html and "Save the plan" not in html
        assert client.get(url(world, page="print/")).status_code == 200
        assert client.post(url(world), {**FORM, "naloxone": "declined"}).status_code == 403
        assert ContinuingCarePlan.objects.get().naloxone == "kit_given"
        assert client.get(url(world, world.other_patient)).status_code == 404

    def test_another_programs_patient_does_not_exist(self, world: World) -> None:
        client = client_for(world, Role.COUNSELLOR)
        for page in ("", "print/"):
            assert client.get(url(world, world.outsider_patient, page)).status_code == 404
        assert client.post(url(world, world.outsider_patient), FORM).status_code == 404

    def test_a_counsellor_off_the_care_team_is_sent_to_break_glass(self, world: World) -> None:
        response = client_for(world, Role.COUNSELLOR).get(url(world, world.other_patient))
        assert response.status_code == 302 and "break-glass" in response["Location"]


class TestPrint:
    def test_it_has_the_plan_the_help_lines_and_what_to_do_in_an_overdose(self, world: World) -> None:
        make_plan(world)
        html = client_for(world, Role.COUNSELLOR).get(url(world, page="print/")).content.decode()
        main = html.split('<article class="care-print">')[1].split("</article>")[0]  # not the site footer
        for text in (
            "Your plan for after treatment",
            "Continue methadone",
            "Harbor Recovery OTP dosing window",
            "Narcotics Anonymous (NA)",
            "Hepatitis C test",
            "You were given a naloxone kit",
            "Sam (sister) 207-555-0199",
            "Call 911.",
            "<strong>988</strong>",
            "1-800-662-4357",
            "tolerance falls fast",
        ):
            assert text in main, text
        assert "data-print hidden" in main and "public/print.js" in html and "care/print.css" in html
        assert "onclick" not in html

    def test_without_a_plan_it_still_gives_the_help_lines(self, world: World) -> None:
        html = client_for(world, Role.PATIENT).get(url(world, page="print/")).content.decode()
        assert "There is no continuing-care plan yet" in html and "<strong>988</strong>" in html
