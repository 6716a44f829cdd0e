"""Bad input on the patient and episode pages gets a specific error and saves nothing."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from waymark.chart.forms import MAX_PHOTO_BYTES
from waymark.chart.models import Episode, Patient
from waymark.conftest import World
from waymark.core.models import AuditEvent

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def new_patient(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "mrn": "HR-77",
        "given_name": "Robin",
        "family_name": "Ayers",
        "date_of_birth": "1990-03-14",
        "sex_at_birth": "unknown",
        "preferred_language": "English",
    }
    data.update(changes)
    return data


def field_errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


@pytest.fixture
def today(world: World) -> dt.date:
    return world.program.clinic_day()


class TestCreatePatient:
    def post(self, client: Client, data: dict[str, object]) -> Any:
        return client.post(reverse("patient_create"), data)

    def test_it_adds_a_patient_and_joins_their_care_team(self, world: World, as_role) -> None:
        response = self.post(as_role("counsellor"), new_patient())
        patient = Patient.objects.get(mrn="HR-77")
        assert response["Location"] == reverse("chart", args=[patient.pk])
        assert patient.program == world.program
        assert patient.care_team.filter(user=world.user("counsellor")).exists()

    def test_it_refuses_a_birth_date_in_the_future(self, world: World, today: dt.date, as_role) -> None:
        tomorrow = today + dt.timedelta(days=1)
        response = self.post(as_role("counsellor"), new_patient(date_of_birth=f"{tomorrow:%Y-%m-%d}"))
        assert response.status_code == 200
        assert field_errors(response, "date_of_birth") == [f"Date of birth {tomorrow:%Y-%m-%d} is in the future."]
        assert not Patient.objects.filter(mrn="HR-77").exists()

    def test_it_refuses_a_duplicate_mrn_in_the_program(self, world: World, as_role) -> None:
        before = AuditEvent.objects.count()
        response = self.post(as_role("counsellor"), new_patient(mrn="HR-2"))
        assert response.status_code == 200
        assert field_errors(response, "mrn") == ["Medical record number HR-2 is already in use."]
        assert Patient.objects.filter(program=world.program, mrn="HR-2").count() == 1
        assert not Patient.objects.filter(family_name="Ayers").exists()
        assert not AuditEvent.objects.filter(seq__gt=before, action="create").exists()

    def test_it_allows_an_mrn_used_by_another_program(self, world: World, as_role) -> None:
        response = self.post(as_role("counsellor"), new_patient(mrn=world.outsider_patient.mrn))
        assert response.status_code == 302
        assert Patient.objects.filter(mrn=world.outsider_patient.mrn).count() == 2
        assert Patient.objects.get(program=world.program, mrn=world.outsider_patient.mrn).family_name == "Ayers"

    def test_it_refuses_a_photo_that_is_not_an_image(self, as_role) -> None:
        fake = SimpleUploadedFile("photo.png", b"%PDF-1.7 not a picture", content_type="image/png")
        response = self.post(as_role("counsellor"), new_patient(photo_upload=fake))
        assert response.status_code == 200
        assert field_errors(response, "photo_upload") == ["That file is not a JPEG, PNG or WebP image."]
        assert not Patient.objects.filter(mrn="HR-77").exists()

    def test_it_refuses_a_file_type_that_is_not_a_photo(self, as_role) -> None:
        doc = SimpleUploadedFile("notes.html", b"<script>alert(1)</script>", content_type="text/html")
        response = self.post(as_role("counsellor"), new_patient(photo_upload=doc))
        assert field_errors(response, "photo_upload") == ["Upload a JPEG, PNG or WebP image."]
        assert not Patient.objects.filter(mrn="HR-77").exists()

    def test_it_refuses_a_photo_that_is_too_big(self, as_role) -> None:
        big = SimpleUploadedFile("big.png", PNG_HEADER + b"\x00" * MAX_PHOTO_BYTES, content_type="image/png")
        response = self.post(as_role("counsellor"), new_patient(photo_upload=big))
        assert field_errors(response, "photo_upload") == [
            f"The photo is {(MAX_PHOTO_BYTES + len(PNG_HEADER)) // 1024} KB; the limit is 2 MB."
        ]
        assert not Patient.objects.filter(mrn="HR-77").exists()

    def test_it_keeps_a_real_photo(self, as_role) -> None:
        client: Client = as_role("counsellor")
        photo = SimpleUploadedFile("ok.png", PNG_HEADER + b"\x00" * 64, content_type="image/png")
        self.post(client, new_patient(photo_upload=photo))
        patient = Patient.objects.get(mrn="HR-77")
        served = client.get(reverse("patient_photo", args=[patient.pk]))
        assert served.status_code == 200
        assert served["Content-Type"] == "image/png"
        assert served["Cache-Control"] == "private, no-store"
        assert served.content == PNG_HEADER + b"\x00" * 64


class TestEditPatient:
    def post(self, client: Client, patient: Patient, **changes: object) -> Any:
        data = new_patient(
            mrn=patient.mrn,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=f"{patient.date_of_birth:%Y-%m-%d}",
        )
        data.update(changes)
        return client.post(reverse("patient_edit", args=[patient.pk]), data)

    def test_it_refuses_a_birth_date_in_the_future(self, world: World, today: dt.date, as_role) -> None:
        future = today + dt.timedelta(days=30)
        response = self.post(as_role("counsellor"), world.patient, date_of_birth=f"{future:%Y-%m-%d}")
        assert field_errors(response, "date_of_birth") == [f"Date of birth {future:%Y-%m-%d} is in the future."]
        world.patient.refresh_from_db()
        assert world.patient.date_of_birth == dt.date(1988, 5, 17)

    def test_it_refuses_taking_another_patients_mrn(self, world: World, as_role) -> None:
        response = self.post(as_role("counsellor"), world.patient, mrn="HR-2", given_name="Changed")
        assert field_errors(response, "mrn") == ["Medical record number HR-2 is already in use."]
        world.patient.refresh_from_db()
        assert (world.patient.mrn, world.patient.given_name) == ("HR-1", "Dana")

    def test_it_refuses_a_photo_that_is_not_an_image(self, world: World, as_role) -> None:
        fake = SimpleUploadedFile("photo.jpg", b"GIF89a....", content_type="image/jpeg")
        response = self.post(as_role("counsellor"), world.patient, photo_upload=fake, given_name="Changed")
        assert field_errors(response, "photo_upload") == ["That file is not a JPEG, PNG or WebP image."]
        world.patient.refresh_from_db()
        assert (world.patient.photo_content_type, world.patient.given_name) == ("", "Dana")


class TestOpenEpisode:
    def post(self, client: Client, patient: Patient, admitted_on: dt.date) -> Any:
        return client.post(
            reverse("episode_create", args=[patient.pk]),
            {"admitted_on": f"{admitted_on:%Y-%m-%d}", "level_of_care": "otp", "primary_substance": "heroin"},
        )

    def test_it_opens_an_episode(self, world: World, today: dt.date, as_role) -> None:
        response = self.post(as_role("program_admin"), world.other_patient, today)
        assert response.status_code == 302
        assert world.other_patient.episodes.get().admitted_on == today

    def test_not_recorded_is_only_for_imported_histories(self, world: World, today: dt.date, as_role) -> None:
        client = as_role("program_admin")
        response = client.post(
            reverse("episode_create", args=[world.other_patient.pk]),
            {"admitted_on": f"{today:%Y-%m-%d}", "level_of_care": "otp", "primary_substance": "not_recorded"},
        )
        assert response.status_code == 200 and field_errors(response, "primary_substance")
        assert not world.other_patient.episodes.exists()

    def test_it_refuses_an_admission_in_the_future(self, world: World, today: dt.date, as_role) -> None:
        tomorrow = today + dt.timedelta(days=1)
        response = self.post(as_role("program_admin"), world.other_patient, tomorrow)
        assert response.status_code == 200
        assert field_errors(response, "admitted_on") == [f"Admission date {tomorrow:%Y-%m-%d} is in the future."]
        assert not world.other_patient.episodes.exists()

    def test_it_refuses_a_second_open_episode(self, world: World, today: dt.date, as_role) -> None:
        response = self.post(as_role("counsellor"), world.patient, today)
        assert "This patient already has an open episode; discharge it first." in response.content.decode()
        assert world.patient.episodes.count() == 1


class TestEditEpisode:
    @pytest.fixture
    def episode(self, world: World) -> Episode:
        return world.patient.episodes.get()  # admitted 2026-01-05, open

    def post(self, client: Client, episode: Episode, **changes: str) -> Any:
        data = {
            "admitted_on": f"{episode.admitted_on:%Y-%m-%d}",
            "level_of_care": episode.level_of_care,
            "primary_substance": episode.primary_substance,
            "severity": episode.severity,
        }
        data.update(changes)
        return client.post(reverse("episode_edit", args=[episode.patient_id, episode.pk]), data)

    def test_it_discharges_an_episode(self, episode: Episode, today: dt.date, as_role) -> None:
        response = self.post(
            as_role("counsellor"), episode, discharged_on=f"{today:%Y-%m-%d}", discharge_reason="completed"
        )
        assert response.status_code == 302
        episode.refresh_from_db()
        assert episode.discharged_on == today

    def test_it_refuses_a_discharge_before_admission(self, episode: Episode, as_role) -> None:
        response = self.post(as_role("counsellor"), episode, discharged_on="2026-01-04", discharge_reason="left")
        assert response.status_code == 200
        assert field_errors(response, "discharged_on") == ["Discharge date is before the admission date."]
        assert response.context["form"].non_field_errors() == []
        episode.refresh_from_db()
        assert (episode.discharged_on, episode.discharge_reason) == (None, "")

    def test_it_refuses_a_discharge_in_the_future(self, episode: Episode, today: dt.date, as_role) -> None:
        later = today + dt.timedelta(days=2)
        response = self.post(as_role("counsellor"), episode, discharged_on=f"{later:%Y-%m-%d}", discharge_reason="left")
        assert field_errors(response, "discharged_on") == [f"Discharge date {later:%Y-%m-%d} is in the future."]
        episode.refresh_from_db()
        assert episode.discharged_on is None

    def test_it_refuses_a_discharge_without_a_reason(self, episode: Episode, today: dt.date, as_role) -> None:
        response = self.post(as_role("counsellor"), episode, discharged_on=f"{today:%Y-%m-%d}")
        assert field_errors(response, "discharge_reason") == ["Give a discharge reason with the discharge date."]
        episode.refresh_from_db()
        assert episode.discharged_on is None
