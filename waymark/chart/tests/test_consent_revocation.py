"""Revoking a 42 CFR Part 2 consent on its page, and the consent rules at recording."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Consent, Disclosure, Episode, Patient
from waymark.conftest import World
from waymark.conftest import consent_form_data as consent_data


@pytest.fixture
def patient(world: World) -> Patient:
    return world.patient


@pytest.fixture
def consent(patient: Patient) -> Consent:
    return patient.consents.get()  # TPO, signed 2026-01-05, until the end of treatment


@pytest.fixture
def today(patient: Patient) -> dt.date:
    return patient.program.clinic_day()


def revoke(client: Client, consent: Consent, **data: str) -> Any:
    return client.post(reverse("consent_revoke", args=[consent.patient_id, consent.pk]), data)


def disclose(client: Client, consent: Consent, disclosed_on: dt.date) -> Any:
    return client.post(
        reverse("disclosures", args=[consent.patient_id]),
        {
            "consent": str(consent.pk),
            "disclosed_on": f"{disclosed_on:%Y-%m-%d}",
            "recipient": "Primary care clinic",
            "description": "Current dose",
            "purpose": "Treatment",
            "notice_included": "on",
        },
    )


def errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


class TestRevokeConsent:
    def test_it_shows_the_consent_being_revoked(self, consent: Consent, as_role) -> None:
        response = as_role("counsellor").get(reverse("consent_revoke", args=[consent.patient_id, consent.pk]))
        assert response.status_code == 200
        assert "Primary care clinic" in response.content.decode()

    def test_it_revokes_the_consent(self, patient: Patient, consent: Consent, today: dt.date, as_role) -> None:
        client: Client = as_role("counsellor")
        response = revoke(client, consent, revoked_on=f"{today:%Y-%m-%d}", note="Signed revocation form")
        assert response.status_code == 302
        assert response["Location"] == reverse("chart", args=[patient.pk]) + "#consents"
        consent.refresh_from_db()
        assert consent.revoked_on == today
        assert consent.revocation_note == "Signed revocation form"
        assert consent.status_on(today) == "revoked"
        chart = client.get(response["Location"]).content.decode()
        assert "No further disclosures may be made under it." in chart
        assert '<span class="badge revoked">revoked</span>' in chart

    def test_it_refuses_a_disclosure_after_revocation(
        self, patient: Patient, consent: Consent, today: dt.date, as_role
    ) -> None:
        revoke(as_role("counsellor"), consent, revoked_on=f"{today - dt.timedelta(days=3):%Y-%m-%d}", note="Letter")
        response = disclose(as_role("privacy_officer"), consent, today - dt.timedelta(days=1))
        assert response.status_code == 200
        message = " ".join(errors(response, "consent"))
        assert "The consent was revoked on" in message
        assert "a disclosure needs a consent in force" in message
        assert not Disclosure.objects.filter(patient=patient).exists()

    def test_it_refuses_a_disclosure_on_the_day_of_revocation(
        self, patient: Patient, consent: Consent, today: dt.date, as_role
    ) -> None:
        revoke(as_role("counsellor"), consent, revoked_on=f"{today:%Y-%m-%d}", note="Told us at the window")
        response = disclose(as_role("program_admin"), consent, today)
        assert "The consent was revoked on" in " ".join(errors(response, "consent"))
        assert not Disclosure.objects.exists()

    def test_it_still_records_a_disclosure_made_before_revocation(
        self, patient: Patient, consent: Consent, today: dt.date, as_role
    ) -> None:
        revoke(as_role("counsellor"), consent, revoked_on=f"{today:%Y-%m-%d}", note="Letter")
        response = disclose(as_role("privacy_officer"), consent, today - dt.timedelta(days=2))
        assert response.status_code == 302
        assert Disclosure.objects.filter(patient=patient, consent=consent).count() == 1

    def test_it_refuses_a_revocation_date_in_the_future(self, consent: Consent, today: dt.date, as_role) -> None:
        tomorrow = today + dt.timedelta(days=1)
        response = revoke(as_role("counsellor"), consent, revoked_on=f"{tomorrow:%Y-%m-%d}", note="Letter")
        assert response.status_code == 200
        assert errors(response, "revoked_on") == [f"Revocation date {tomorrow:%Y-%m-%d} is in the future."]
        consent.refresh_from_db()
        assert consent.revoked_on is None

    @pytest.mark.parametrize("note", ["", "   "])
    def test_it_refuses_a_revocation_without_a_note(self, note: str, consent: Consent, today: dt.date, as_role) -> None:
        response = revoke(as_role("counsellor"), consent, revoked_on=f"{today:%Y-%m-%d}", note=note)
        assert response.status_code == 200
        assert errors(response, "note") == ["Say how the patient revoked (e.g. 'signed revocation form')."]
        consent.refresh_from_db()
        assert (consent.revoked_on, consent.revocation_note) == (None, "")

    def test_it_refuses_a_revocation_before_signing(self, consent: Consent, as_role) -> None:
        response = revoke(as_role("counsellor"), consent, revoked_on="2026-01-01", note="Letter")
        assert errors(response, "revoked_on") == ["Revocation date is before the consent was signed."]
        consent.refresh_from_db()
        assert consent.revoked_on is None

    def test_it_refuses_to_revoke_twice(self, consent: Consent, today: dt.date, as_role) -> None:
        client: Client = as_role("counsellor")
        revoke(client, consent, revoked_on=f"{today:%Y-%m-%d}", note="Letter")
        response = revoke(client, consent, revoked_on="2026-02-01", note="Second letter")
        assert f"This consent was already revoked on {today:%Y-%m-%d}." in response.content.decode()
        consent.refresh_from_db()
        assert (consent.revoked_on, consent.revocation_note) == (today, "Letter")

    def test_it_denies_the_nurse(self, consent: Consent, today: dt.date, as_role) -> None:
        response = revoke(as_role("nurse"), consent, revoked_on=f"{today:%Y-%m-%d}", note="Letter")
        assert response.status_code == 403
        consent.refresh_from_db()
        assert consent.revoked_on is None

    def test_it_does_not_revoke_another_patients_consent(self, world: World, consent: Consent, as_role) -> None:
        url = reverse("consent_revoke", args=[world.other_patient.pk, consent.pk])
        response = as_role("program_admin").post(url, {"revoked_on": "2026-02-01", "note": "Letter"})
        assert response.status_code == 404
        consent.refresh_from_db()
        assert consent.revoked_on is None


class TestRecordConsent:
    def post(self, client: Client, patient: Patient, data: dict[str, str]) -> Any:
        return client.post(reverse("consent_create", args=[patient.pk]), data)

    def test_it_records_a_complete_consent(self, patient: Patient, as_role) -> None:
        response = self.post(as_role("counsellor"), patient, consent_data())
        assert response.status_code == 302
        assert patient.consents.filter(kind="specific").count() == 1

    def test_it_refuses_a_consent_without_the_right_to_revoke_explained(self, patient: Patient, as_role) -> None:
        data = consent_data()
        del data["right_to_revoke_explained"]
        response = self.post(as_role("counsellor"), patient, data)
        assert response.status_code == 200
        assert "42 CFR 2.31 requires the consent to state the right to revoke" in " ".join(
            errors(response, "right_to_revoke_explained")
        )
        assert patient.consents.count() == 1

    def test_it_refuses_an_expiry_before_signing(self, patient: Patient, as_role) -> None:
        response = self.post(as_role("counsellor"), patient, consent_data(expires_on="2026-01-31"))
        assert errors(response, "expires_on") == ["The expiry date is before the date signed."]
        assert patient.consents.count() == 1

    def test_it_refuses_counselling_notes_without_expiry(self, patient: Patient, as_role) -> None:
        response = self.post(
            as_role("counsellor"), patient, consent_data(kind="counselling_notes", expiry_kind="none", expires_on="")
        )
        assert errors(response, "expiry_kind") == [
            "Only a consent for treatment, payment and health-care operations may have no expiry."
        ]
        assert patient.consents.count() == 1

    def test_it_refuses_a_signing_date_in_the_future(self, patient: Patient, as_role) -> None:
        tomorrow = patient.program.clinic_day() + dt.timedelta(days=1)
        response = self.post(as_role("counsellor"), patient, consent_data(signed_on=f"{tomorrow:%Y-%m-%d}"))
        assert errors(response, "signed_on") == [f"Date signed {tomorrow:%Y-%m-%d} is in the future."]
        assert patient.consents.count() == 1

    def test_it_expires_an_end_of_treatment_consent_after_discharge(
        self, patient: Patient, consent: Consent, today: dt.date, as_role
    ) -> None:
        yesterday = today - dt.timedelta(days=1)
        Episode.objects.filter(patient=patient).update(discharged_on=yesterday, discharge_reason="completed")
        response = disclose(as_role("privacy_officer"), consent, today)
        assert "The consent was expired on" in " ".join(errors(response, "consent"))
        assert not Disclosure.objects.exists()

    def test_a_disclosure_made_during_treatment_can_be_recorded_after_discharge(
        self, patient: Patient, consent: Consent, today: dt.date, as_role
    ) -> None:
        # Judged on the disclosure's own date: the episode was still open then.
        yesterday = today - dt.timedelta(days=1)
        Episode.objects.filter(patient=patient).update(discharged_on=yesterday, discharge_reason="completed")
        response = disclose(as_role("privacy_officer"), consent, yesterday - dt.timedelta(days=3))
        assert response.status_code == 302
        assert Disclosure.objects.filter(patient=patient).count() == 1
