"""/labs/patients/<id>/specimens/: a nurse records a urine specimen with its
point-of-care results; the drug-tests page shows the results and what they
mean; a double click records once; bad input is refused next to its field."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.labs.tests.helpers import (
    ago,
    assert_references_resolve,
    audit_actions,
    field_errors,
    local,
    minute,
    page_url,
    shown,
    specimen_form,
    specimen_url,
)
from waymark.meds.tests.conftest import today

pytestmark = pytest.mark.django_db


def result_row(label: str, result: str, method: str = "Point-of-care test") -> str:
    return f'<th scope="row">{label}</th><td><span class="badge {result.lower()}">{result}</span></td><td>{method}</td>'


class TestRecordSpecimen:
    def test_a_nurse_records_a_urine_cup_and_the_page_shows_its_results(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        patient = world.patient
        collected_at = local(patient, ago(minutes=40))
        data = specimen_form(
            patient,
            {"opiates": "negative", "fentanyl": "negative", "buprenorphine": "positive"},
            collected_at=collected_at,
            observed="on",
            reason="random",
            notes="Collected at the front desk.",
        )
        response = client.post(specimen_url(patient), data, follow=True)
        assert response.redirect_chain == [(page_url(patient), 302)]
        html = response.content.decode()

        specimen = Specimen.objects.get()
        assert specimen.patient == patient
        assert specimen.status == "collected" and specimen.kind == "urine"
        assert specimen.observed is True and specimen.temperature_in_range is True
        assert specimen.reason == "random" and specimen.notes == "Collected at the front desk."
        # Typed in the program's wall-clock time (America/New_York), stored as that instant.
        assert specimen.collected_at == minute(patient, collected_at)
        assert specimen.clinic_day == minute(patient, collected_at).date()
        assert specimen.collected_by == world.user(Role.NURSE) and specimen.site == world.site
        results = {r.analyte: (r.result, r.method) for r in specimen.results.all()}
        assert results == {
            "opiates": ("negative", "point_of_care"),
            "fentanyl": ("negative", "point_of_care"),
            "buprenorphine": ("positive", "point_of_care"),
        }

        assert f"Urine {specimen.clinic_day:%Y-%m-%d} recorded." in html
        assert f"{shown(patient, specimen.collected_at)} · Urine, observed · random" in html
        assert "temperature in range" in html
        assert "Collected at the front desk." in html
        for label, result in (
            ("Opiates (screen)", "Negative"),
            ("Fentanyl", "Negative"),
            ("Buprenorphine", "Positive"),
        ):
            assert result_row(label, result) in html
        # Only what was tested is listed: no row for an analyte left "Not tested".
        assert result_row("Methadone", "Negative") not in html and '<th scope="row">Cocaine</th>' not in html
        # The trend: one column (the clinic day), one row per tested analyte.
        trend = html[html.index('<table class="trend">') : html.index("</table>", html.index('<table class="trend">'))]
        assert re.findall(r'<th scope="row">([^<]+)</th>', trend) == ["Opiates (screen)", "Fentanyl", "Buprenorphine"]
        assert f"{specimen.clinic_day:%m-%d}" in trend
        # Nothing to worry about: no alert, and no naloxone offer.
        assert "Alert:" not in html and "Record a naloxone kit" not in html

    def test_a_fentanyl_positive_specimen_offers_naloxone(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        patient = world.patient
        data = specimen_form(patient, {"fentanyl": "positive", "opiates": "negative"})
        response = client.post(specimen_url(patient), data, follow=True)
        html = response.content.decode()
        message = "Fentanyl positive: high overdose risk. Offer naloxone and talk about overdose safety."
        # Said once when it is recorded, once under "Latest test", once on the specimen itself.
        assert html.count(message) == 3
        assert '<h2 id="latest-h">Latest test: what it means</h2>' in html
        naloxone = reverse("meds:naloxone_patient", args=[patient.pk])
        assert html.count(f'<a href="{naloxone}">Record a naloxone kit</a>') == 2
        # The next visit still shows it (the flash message is gone).
        again = client.get(page_url(patient)).content.decode()
        assert again.count(message) == 2

    def test_a_temperature_out_of_range_asks_for_a_new_observed_specimen(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        response = client.post(
            specimen_url(world.patient), specimen_form(world.patient, {"fentanyl": "negative"}, temperature="no")
        )
        assert response.status_code == 302
        assert Specimen.objects.get().temperature_in_range is False
        html = client.get(page_url(world.patient)).content.decode()
        assert "<strong>temperature out of range</strong>" in html
        assert "Specimen temperature out of range: collect a new specimen, observed." in html

    def test_a_cup_without_results_yet_is_awaiting_results(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        client.post(specimen_url(world.patient), specimen_form(world.patient, kind="oral_fluid", temperature=""))
        specimen = Specimen.objects.get()
        assert specimen.kind == "oral_fluid" and specimen.temperature_in_range is None
        assert not specimen.results.exists()
        html = client.get(page_url(world.patient)).content.decode()
        assert "Awaiting results." in html and "No results yet." in html


class TestOnce:
    def test_the_same_form_sent_twice_records_one_specimen(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = specimen_form(world.patient, {"fentanyl": "negative", "opiates": "negative"})
        client.post(specimen_url(world.patient), data)
        again = client.post(specimen_url(world.patient), data, follow=True)
        assert again.status_code == 200
        assert "This test was already recorded; nothing was saved twice." in again.content.decode()
        assert Specimen.objects.count() == 1
        assert AnalyteResult.objects.count() == 2
        assert AuditEvent.objects.filter(action="specimen_collected").count() == 1

    def test_each_rendered_form_carries_a_fresh_key(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        keys = {
            client.get(page_url(world.patient)).context["specimen_form"]["idempotency_key"].value() for _ in range(2)
        }
        assert len(keys) == 2
        for key in keys:
            client.post(specimen_url(world.patient), specimen_form(world.patient, idempotency_key=key))
        assert Specimen.objects.count() == 2

    def test_a_key_reused_for_a_different_specimen_is_refused_with_a_message(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = specimen_form(world.patient, collected_at=local(world.patient, ago(hours=3)))
        client.post(specimen_url(world.patient), data)
        changed = client.post(specimen_url(world.patient), {**data, "collected_at": local(world.patient, ago(hours=1))})
        assert changed.status_code == 422
        assert "This key was already used for a different specimen" in changed.content.decode()
        assert Specimen.objects.count() == 1


class TestRefused:
    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"collected_at": "FUTURE"}, "collected_at", "That time is in the future."),
            ({"kind": "oral_fluid", "temperature": "yes"}, "temperature", "Temperature is read on urine cups only."),
            ({"kind": None}, "kind", "This field is required."),
            ({"kind": "blood"}, "kind", "Select a valid choice. blood is not one of the available choices."),
            ({"collected_at": "yesterday"}, "collected_at", "Enter a valid date/time."),
            ({"result_fentanyl": "maybe"}, "result_fentanyl", "Select a valid choice."),
        ],
    )
    def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
        self, world: World, as_role, changes: dict[str, str | None], field: str, message: str
    ) -> None:
        client = as_role(Role.NURSE)
        patient = world.patient
        if changes.get("collected_at") == "FUTURE":
            changes = {"collected_at": local(patient, timezone.now() + dt.timedelta(hours=2))}
        data = specimen_form(patient, {"opiates": "negative"}, notes="Kept when the form comes back.", **changes)
        response = client.post(specimen_url(patient), data)
        assert response.status_code == 422
        html = response.content.decode()
        assert message in field_errors(html, field)
        assert_references_resolve(html)
        assert "Kept when the form comes back." in html
        assert Specimen.objects.count() == 0 and AnalyteResult.objects.count() == 0
        assert not AuditEvent.objects.filter(action__startswith="specimen_").exists()


class TestAudit:
    def test_recording_and_reading_are_audited(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        patient = world.patient
        client.post(specimen_url(patient), specimen_form(patient, {"fentanyl": "negative"}))
        specimen = Specimen.objects.get()
        client.get(page_url(patient))
        assert audit_actions(patient, "write", "specimen_collected", "specimen_results", "read") == [
            ("write", "drug_tests", "nurse"),
            ("specimen_collected", "specimen", "nurse"),
            ("specimen_results", "specimen", "nurse"),
            ("read", "drug_tests", "nurse"),
        ]
        collected = AuditEvent.objects.get(action="specimen_collected")
        assert collected.object_id == str(specimen.pk) and collected.program_id == world.program.pk


class TestPage:
    def test_every_label_names_its_own_field(self, world: World, as_role) -> None:
        # Both forms (specimen, missed test) are on the page: no element id may repeat.
        assert_references_resolve(as_role(Role.NURSE).get(page_url(world.patient)).content.decode())

    def test_the_page_is_in_the_programs_clinic_day(self, world: World, as_role) -> None:
        # Set-up sanity for the other tests: the form's default time is now, in the program's zone.
        client = as_role(Role.NURSE)
        form = client.get(page_url(world.patient)).context["specimen_form"]
        assert form.initial["collected_at"][:10] == today(world.patient).isoformat()
