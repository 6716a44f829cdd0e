"""The person downloads their own record (right of access): no consent needed, not a disclosure, audited; only
their own."""

import json
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from waymark.chart.models import Consent, Disclosure
from waymark.conftest import World, make_consent
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.interop.fhir import validate
from waymark.interop.tests.fhir_helpers import rich_chart

URL = "/interop/me/record/fhir/"


class TestOwnRecord:
    def test_it_downloads_without_any_consent(self, world: World, as_role: Callable[[str], Client]) -> None:
        rich_chart(world)
        Consent.objects.filter(patient=world.patient).update(revoked_on=world.program.clinic_day())
        response = as_role("patient").get(reverse("interop:my_record_fhir"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/fhir+json")
        assert "attachment" in response["Content-Disposition"]
        bundle = json.loads(response.content)
        assert validate.resource_errors(bundle) == []
        patient = bundle["entry"][0]["resource"]
        assert patient["resourceType"] == "Patient" and patient["identifier"][0]["value"] == "HR-1"
        assert "meta" not in bundle  # not a disclosure: no Part 2 label or notice entry
        assert not Disclosure.objects.exists()
        assert AuditEvent.objects.filter(action="fhir_export_own", patient_id=world.patient.pk).count() == 1

    def test_it_keeps_every_consent_the_person_signed(self, world: World, as_role: Callable[[str], Client]) -> None:
        make_consent(world.patient, world.user(Role.COUNSELLOR), recipients="Cumberland County Drug Court")
        bundle = json.loads(as_role("patient").get(reverse("interop:my_record_fhir")).content)
        assert [e["resource"]["resourceType"] for e in bundle["entry"]].count("Consent") == 2

    def test_the_url_is_the_documented_one(self) -> None:
        assert reverse("interop:my_record_fhir") == URL

    def test_their_record_page_links_to_it(self, world: World, as_role: Callable[[str], Client]) -> None:
        assert URL in as_role("patient").get(reverse("my_record")).content.decode()

    def test_another_persons_chart_id_is_not_found(self, world: World, as_role: Callable[[str], Client]) -> None:
        client = as_role("patient")
        for other in (world.other_patient, world.outsider_patient):
            response = client.get(reverse("interop:fhir_export", args=[other.pk]))
            assert response.status_code == 404
        assert not AuditEvent.objects.filter(action__startswith="fhir_export").exists()

    def test_their_own_chart_id_leads_to_their_download(self, world: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("patient").get(reverse("interop:fhir_export", args=[world.patient.pk]))
        assert response.status_code == 302
        assert response["Location"] == URL

    def test_staff_have_no_own_record_here(self, world: World, as_role: Callable[[str], Client]) -> None:
        assert as_role("program_admin").get(URL).status_code == 403

    def test_an_account_without_a_chart_gets_a_clear_404(self, world: World, as_role: Callable[[str], Client]) -> None:
        world.patient.user = None
        world.patient.save(update_fields=["user"])
        assert as_role("patient").get(URL).status_code == 404
