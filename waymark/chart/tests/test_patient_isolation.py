"""One patient never sees another's record; one program never sees another's patients."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Disclosure, Patient
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def with_photo(patient: Patient) -> Patient:
    patient.photo = PNG
    patient.photo_content_type = "image/png"
    patient.save(update_fields=["photo", "photo_content_type"])
    return patient


def leaks(response: Any, patient: Patient) -> list[str]:
    """The identifying details of `patient` that appear in a response."""
    body = response.content.decode(errors="replace")
    details = [
        patient.given_name,
        patient.family_name,
        patient.mrn,
        f"{patient.date_of_birth:%Y-%m-%d}",
        patient.address,
    ]
    return [d for d in details if d and d in body]


def results_table(response: Any) -> str:
    body = response.content.decode()
    return body.split('id="results"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]


class TestPatientReadsAnotherPatient:
    @pytest.fixture
    def other(self, world: World) -> Patient:
        """A second patient of the same program, with an account, a photo and a disclosure."""
        other = with_photo(world.other_patient)
        other.user = make_user(world.program, Role.PATIENT, "elliot")
        other.save(update_fields=["user"])
        Disclosure.objects.create(
            patient=other,
            disclosed_on=other.program.clinic_day(),
            recipient="County court",
            description="Attendance dates",
            purpose="Court order",
            recorded_by=world.user("program_admin"),
        )
        return other

    @pytest.mark.parametrize("url_name", ["chart", "patient_photo", "disclosures"])
    def test_it_hides_another_patients_record(self, url_name: str, world: World, other: Patient, as_role) -> None:
        response = as_role("patient").get(reverse(url_name, args=[other.pk]))
        assert response.status_code in (403, 404)
        assert leaks(response, other) == []
        assert b"County court" not in response.content
        assert PNG not in response.content

    def test_it_still_shows_the_patient_their_own_record(self, world: World, other: Patient, as_role) -> None:
        client = as_role("patient")
        assert client.get(reverse("chart", args=[world.patient.pk])).status_code == 200
        own_home = client.get(reverse("home"))
        assert own_home.status_code == 200
        assert "Dana" in own_home.content.decode()
        assert leaks(own_home, other) == []
        assert b"County court" not in own_home.content

    def test_it_writes_no_audit_row_for_a_refused_read(self, world: World, other: Patient, as_role) -> None:
        as_role("patient").get(reverse("chart", args=[other.pk]))
        assert not AuditEvent.objects.filter(patient_id=other.pk).exists()

    def test_it_hides_the_record_from_a_self_guided_patient(self, world: World, other: Patient) -> None:
        loner = make_user(None, Role.PATIENT, "self-guided")
        client = sign_in(Client(), loner)
        assert client.get(reverse("chart", args=[other.pk])).status_code == 404
        assert client.get(reverse("chart", args=[world.patient.pk])).status_code == 404


# Every page that takes a patient id, and what outsider staff would need to open it.
PATIENT_PAGES = [
    "chart",
    "patient_edit",
    "patient_photo",
    "break_glass",
    "episode_create",
    "care_team",
    "consent_create",
    "disclosures",
    "audit_patient",
]


class TestStaffReadsAnotherProgram:
    @pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.PATIENT])
    @pytest.mark.parametrize("url_name", PATIENT_PAGES)
    def test_it_answers_404_and_reveals_nothing(self, role: str, url_name: str, world: World) -> None:
        target = with_photo(world.patient)
        client = sign_in(Client(), world.outsider_staff[Role(role)])
        response = client.get(reverse(url_name, args=[target.pk]))
        # A role that may not open charts at all is refused before the lookup;
        # every role that could open a chart of its own program gets a 404.
        assert response.status_code in (403, 404)
        if role in ("counsellor", "nurse", "prescriber", "program_admin") and url_name in (
            "chart",
            "patient_photo",
            "disclosures",
        ):
            assert response.status_code == 404
        assert leaks(response, target) == []
        assert PNG not in response.content

    @pytest.mark.parametrize("role", ["counsellor", "nurse", "prescriber", "program_admin", "privacy_officer"])
    def test_it_answers_404_for_a_chart_that_exists_as_for_one_that_does_not(self, role: str, world: World) -> None:
        client = sign_in(Client(), world.outsider_staff[Role(role)])
        page = "audit_patient" if role == "privacy_officer" else "chart"
        existing = client.get(reverse(page, args=[world.patient.pk]))
        missing = client.get(reverse(page, args=[999_999]))
        assert existing.status_code == missing.status_code == 404
        assert existing.content == missing.content

    def test_it_writes_no_audit_row_about_the_patient(self, world: World) -> None:
        client = sign_in(Client(), world.outsider_staff[Role.NURSE])
        client.get(reverse("chart", args=[world.patient.pk]))
        assert not AuditEvent.objects.filter(patient_id=world.patient.pk).exists()

    def test_it_refuses_writes_to_another_programs_patient(self, world: World) -> None:
        admin = sign_in(Client(), world.outsider_staff[Role.PROGRAM_ADMIN])
        before = Patient.objects.get(pk=world.patient.pk)
        response = admin.post(
            reverse("patient_edit", args=[world.patient.pk]),
            {"mrn": "HR-1", "given_name": "Hacked", "family_name": "Name", "date_of_birth": "1988-05-17"},
        )
        assert response.status_code == 404
        after = Patient.objects.get(pk=world.patient.pk)
        assert (after.given_name, after.family_name) == (before.given_name, before.family_name)

    def test_it_refuses_another_programs_staff_accounts_and_audit(self, world: World) -> None:
        admin = sign_in(Client(), world.outsider_staff[Role.PROGRAM_ADMIN])
        nurse = world.user("nurse")
        response = admin.post(reverse("staff_set_active", args=[nurse.pk]), {"active": "0"})
        assert response.status_code == 404
        nurse.refresh_from_db()
        assert nurse.is_active
        officer = sign_in(Client(), world.outsider_staff[Role.PRIVACY_OFFICER])
        assert officer.get(reverse("audit_user", args=[nurse.pk])).status_code == 404

    def test_it_does_not_find_our_mrn_in_the_outsider_access_review(self, world: World) -> None:
        officer = sign_in(Client(), world.outsider_staff[Role.PRIVACY_OFFICER])
        response = officer.post(reverse("audit_review"), {"mrn": world.patient.mrn}, follow=True)
        assert response.redirect_chain == []
        assert "No patient with MRN HR-1 in this program." in response.content.decode()
        assert "Dana" not in response.content.decode()


class TestOutsiderSearch:
    @pytest.mark.parametrize("query", ["", "Whitlock", "Dana", "HR-1", "1988-05-17", "Marsh"])
    def test_it_does_not_list_our_patients(self, query: str, world: World) -> None:
        client = sign_in(Client(), world.outsider_staff[Role.COUNSELLOR])
        response = client.post(reverse("patient_list"), {"q": query})
        assert response.status_code == 200
        # The page repeats the query; the result rows are what must not show our patients.
        body = results_table(response)
        for patient in (world.patient, world.other_patient):
            assert patient.family_name not in body
            assert patient.mrn not in body
        assert list(response.context["page"].object_list) == (
            [world.outsider_patient] if query in ("", "1988-05-17") else []
        )

    def test_it_lists_their_own_patient(self, world: World) -> None:
        client = sign_in(Client(), world.outsider_staff[Role.COUNSELLOR])
        response = client.post(reverse("patient_list"), {"q": "Stone"})
        assert "Stone, Frankie" in response.content.decode()

    def test_our_search_does_not_list_their_patient(self, world: World, as_role) -> None:
        response = as_role("counsellor").post(reverse("patient_list"), {"q": "Stone"})
        assert "Frankie" not in results_table(response)
        assert list(response.context["page"].object_list) == []
