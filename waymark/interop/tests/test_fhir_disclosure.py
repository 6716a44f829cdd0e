"""Exporting a chart's FHIR record to a recipient: only under a consent in force that names the recipient and
covers the purpose; then recorded as a disclosure with the Part 2 notice, and audited. A refusal says exactly
why and records nothing but its audit entry."""

import datetime as dt
import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Consent, Disclosure
from waymark.conftest import World, make_consent
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.interop.fhir import codes, export, validate
from waymark.interop.tests.fhir_helpers import rich_chart


def url(world: World) -> str:
    return reverse("interop:fhir_export", args=[world.patient.pk])


def consent(world: World) -> Consent:
    """The TPO consent `world` gives (the first one signed, when a test adds others)."""
    first = world.patient.consents.order_by("pk").first()
    assert first is not None
    return first


def post(client: Client, world: World, **changes: Any) -> Any:
    data = {
        "recipient": "Primary care clinic",
        "purpose": "Treatment",
        "consent": consent(world).pk,
        "information_confirmed": "on",
        **changes,
    }
    return client.post(url(world), {k: v for k, v in data.items() if v is not None})


@pytest.fixture
def admin(world: World, as_role: Callable[[str], Client]) -> Client:
    rich_chart(world)
    return as_role("program_admin")


def refusals(world: World) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="fhir_export_refused", patient_id=world.patient.pk))


class TestExportUnderConsent:
    def test_it_downloads_the_bundle_and_records_the_disclosure(self, world: World, admin: Client) -> None:
        response = post(admin, world, recipient="primary care CLINIC.")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/fhir+json")
        assert response["Content-Disposition"].startswith('attachment; filename="waymark-record-HR-1-')
        bundle = json.loads(response.content)
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
        assert validate.resource_errors(bundle) == []
        notice = bundle["entry"][0]["resource"]
        assert notice["resourceType"] == "Basic"
        assert "may not be used against the person they describe in any legal proceedings" in notice["text"]["div"]
        assert bundle["meta"]["security"][0]["code"] == codes.PART2_SECURITY_CODE

        (disclosure,) = Disclosure.objects.filter(patient=world.patient)
        assert disclosure.consent == consent(world)
        assert disclosure.notice_included is True
        assert disclosure.recipient == "primary care CLINIC."
        assert disclosure.purpose == "Treatment"
        assert disclosure.disclosed_on == world.program.clinic_day()
        assert disclosure.description.startswith("FHIR R4 record export (Bundle of ")
        assert "no counselling notes" in disclosure.description
        assert AuditEvent.objects.filter(action="fhir_export", object_id=str(disclosure.pk)).count() == 1
        assert refusals(world) == []

    def test_the_page_offers_the_form_and_the_notice(self, world: World, admin: Client) -> None:
        page = admin.get(url(world)).content.decode()
        assert "Export and record the disclosure" in page
        assert html.escape(export.PART2_NOTICE) in page
        assert AuditEvent.objects.filter(action="open_form", object_type="fhir_export").exists()

    def test_the_page_shows_each_consents_description_of_the_information(self, world: World, admin: Client) -> None:
        make_consent(
            world.patient,
            world.user(Role.PROGRAM_ADMIN),
            kind="specific",
            information_description="Dose and attendance only",
            recipients="Cumberland County Drug Court",
            purpose="Compliance monitoring",
            expiry_kind="date",
            expires_on=dt.date(2026, 12, 31),
        )
        page = admin.get(url(world)).content.decode()
        assert "<dt>Information to be disclosed</dt><dd>Medication and attendance</dd>" in page
        assert "<dt>Information to be disclosed</dt><dd>Dose and attendance only</dd>" in page
        assert html.escape("What will be sent is covered by this consent's description of the information") in page
        assert 'type="checkbox" name="information_confirmed"' in page

    def test_the_bundle_carries_only_the_consent_relied_on(self, world: World, admin: Client) -> None:
        relied_on = consent(world)
        make_consent(
            world.patient,
            world.user(Role.PROGRAM_ADMIN),
            kind="specific",
            information_description="Dose and attendance",
            recipients="Cumberland County Drug Court",
            purpose="Compliance monitoring",
            expiry_kind="date",
            expires_on=dt.date(2026, 12, 31),
        )
        response = post(admin, world, consent=relied_on.pk)
        assert response.status_code == 200
        bundle = json.loads(response.content)
        consents = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent"]
        assert [c["id"] for c in consents] == [export.ids_for(world.program.pk).id("consent", relied_on.pk)]
        assert "Drug Court" not in response.content.decode()
        (disclosure,) = Disclosure.objects.filter(patient=world.patient)
        assert "1 Consent" in disclosure.description

    def test_the_chart_links_to_it_for_the_program_admin_only(self, world: World, client: Client) -> None:
        from waymark.conftest import sign_in

        link = url(world)
        assert (
            link
            in sign_in(client, world.user(Role.PROGRAM_ADMIN))
            .get(reverse("chart", args=[world.patient.pk]))
            .content.decode()
        )
        assert (
            link
            not in sign_in(client, world.user(Role.NURSE))
            .get(reverse("chart", args=[world.patient.pk]))
            .content.decode()
        )


class TestRefusals:
    def assert_refused(self, response: Any, world: World, reason: str) -> None:
        assert response.status_code == 422
        page = response.content.decode()
        assert "Not exported." in page
        assert reason in page
        assert not Disclosure.objects.filter(patient=world.patient).exists()
        assert len(refusals(world)) == 1
        assert not AuditEvent.objects.filter(action="fhir_export").exists()

    def test_without_confirming_the_description_nothing_is_sent(self, world: World, admin: Client) -> None:
        response = post(admin, world, information_confirmed=None)
        self.assert_refused(
            response,
            world,
            html.escape(
                "Confirm that what will be sent is covered by this consent's description of the information "
                "('Medication and attendance')"
            ),
        )
        assert "description of the information" in refusals(world)[0].reason

    def test_no_consent_chosen(self, world: World, admin: Client) -> None:
        response = post(admin, world, consent="")
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()
        assert not Disclosure.objects.exists()

    def test_another_recipient(self, world: World, admin: Client) -> None:
        response = post(admin, world, recipient="Cumberland County Drug Court")
        self.assert_refused(
            response, world, "The consent does not name &#x27;Cumberland County Drug Court&#x27; as a recipient"
        )

    def test_another_purpose(self, world: World, admin: Client) -> None:
        response = post(admin, world, purpose="Research")
        self.assert_refused(response, world, "The consent does not cover the purpose &#x27;Research&#x27;")

    def test_a_revoked_consent(self, world: World, admin: Client) -> None:
        Consent.objects.filter(pk=consent(world).pk).update(
            revoked_on=world.program.clinic_day() - dt.timedelta(days=1)
        )
        self.assert_refused(post(admin, world), world, "The consent is revoked")

    def test_an_expired_consent(self, world: World, admin: Client) -> None:
        Consent.objects.filter(pk=consent(world).pk).update(expiry_kind="date", expires_on=dt.date(2026, 1, 31))
        self.assert_refused(post(admin, world), world, "The consent is expired")

    def test_a_consent_ending_with_treatment_after_discharge(self, world: World, admin: Client) -> None:
        world.patient.episodes.filter(discharged_on__isnull=True).update(discharged_on=dt.date(2026, 2, 1))
        self.assert_refused(post(admin, world), world, "The consent is expired")

    def test_a_counselling_notes_consent(self, world: World, admin: Client) -> None:
        Consent.objects.filter(pk=consent(world).pk).update(kind="counselling_notes")
        self.assert_refused(post(admin, world), world, "covers counselling notes only")

    def test_another_persons_consent_is_not_offered(self, world: World, admin: Client) -> None:
        theirs = make_consent(world.other_patient, world.user(Role.PROGRAM_ADMIN))
        response = post(admin, world, consent=theirs.pk)
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()
        assert not Disclosure.objects.exists()


class TestWhoMayExport:
    @pytest.mark.parametrize("role", ["counsellor", "nurse", "prescriber", "privacy_officer", "peer_moderator"])
    def test_other_roles_are_refused(self, role: str, world: World, as_role: Callable[[str], Client]) -> None:
        response = post(as_role(role), world)
        assert response.status_code == 403
        assert not Disclosure.objects.exists()

    def test_another_programs_patient_is_not_found(self, world: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("program_admin").get(reverse("interop:fhir_export", args=[world.outsider_patient.pk]))
        assert response.status_code == 404
