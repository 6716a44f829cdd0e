"""POST /meds/window/patients/<id>/dose/: the nurse confirms the amount and the
concentration and records one slot — exactly once, whatever is clicked twice."""

import html as html_lib
import re
from collections.abc import Callable

import pytest
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds.models import DoseAdministration, Hold, MedicationOrder
from waymark.meds.tests.conftest import today
from waymark.meds.tests.window_helpers import (
    add_patient,
    buprenorphine,
    card_url,
    dose_data,
    dose_url,
    hold_after_missed_days,
    methadone,
    nurse_client,
    second_site_nurse,
)

pytestmark = pytest.mark.django_db

AsRole = Callable[[Role | str], Client]


def text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def field_errors(html: str, field: str) -> str:
    """The error list shown next to a field of the dose form."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return text(match.group(1)) if match else ""


def doses_today(world: World) -> list[DoseAdministration]:
    return list(DoseAdministration.objects.filter(patient=world.patient, clinic_day=today(world.patient)))


class TestRecordDose:
    def test_it_records_one_dose_and_confirms_the_volume(self, world: World, on_methadone: MedicationOrder) -> None:
        client = nurse_client(world)
        response = client.post(dose_url(world.patient), dose_data())
        assert response.status_code == 200
        [record] = doses_today(world)
        assert (record.outcome, record.amount_mg, record.volume_ml, record.identity_checked) == (
            "observed",
            80,
            8,
            True,
        )
        assert record.recorded_by == world.user(Role.NURSE)
        assert record.guest is False
        words = text(response.content.decode())
        assert "Recorded: slot 1, observed dose 80 mg." in words
        assert "8.00 mL of 10 mg/mL" in words
        assert 'href="/meds/window/?site=' in response.content.decode()
        assert AuditEvent.objects.filter(action="dose_observed", patient_id=world.patient.pk).count() == 1
        # The card now shows the slot as given.
        words = text(client.get(card_url(world.patient)).content.decode())
        assert "8.00 mL Observed dose 80 mg at" in words

    def test_the_key_is_made_when_the_form_is_rendered(self, world: World, on_methadone: MedicationOrder) -> None:
        client = nurse_client(world)
        keys = [
            re.search(
                r'name="idempotency_key" value="([0-9a-f-]{36})"', client.get(card_url(world.patient)).content.decode()
            )
            for _ in range(2)
        ]
        assert keys[0] and keys[1] and keys[0].group(1) != keys[1].group(1)

    def test_a_double_post_with_the_same_key_records_once(self, world: World, on_methadone: MedicationOrder) -> None:
        client = nurse_client(world)
        data = dose_data()
        first = client.post(dose_url(world.patient), data)
        second = client.post(dose_url(world.patient), data)
        assert len(doses_today(world)) == 1
        assert "Recorded: slot 1" in text(first.content.decode())
        words = text(second.content.decode())
        assert "Already recorded: nothing was recorded twice." in words
        assert re.search(r"observed dose 80 mg \(8\.00 mL\), by Nurse at \d\d:\d\d", words)
        assert AuditEvent.objects.filter(action="dose_observed", patient_id=world.patient.pk).count() == 1

    def test_a_second_station_with_another_key_sees_what_happened(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        client = nurse_client(world)
        client.post(dose_url(world.patient), dose_data())
        other = client.post(dose_url(world.patient), dose_data())  # a new key: another form, same slot
        assert len(doses_today(world)) == 1
        assert "Already recorded: nothing was recorded twice." in text(other.content.decode())

    def test_a_mismatch_or_tenfold_error_is_shown_and_nothing_saved(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        client = nurse_client(world)
        html = client.post(dose_url(world.patient), dose_data(amount_mg="70")).content.decode()
        assert "70 mg does not match the ordered 80 mg" in field_errors(html, "amount_mg")
        html = client.post(dose_url(world.patient), dose_data(amount_mg="8")).content.decode()
        assert "8 mg is a 10-fold difference from the ordered 80 mg" in field_errors(html, "amount_mg")
        html = client.post(dose_url(world.patient), dose_data(concentration_mg_per_ml="1")).content.decode()
        assert "10-fold difference" in field_errors(html, "concentration_mg_per_ml")
        html = client.post(dose_url(world.patient), dose_data(concentration_mg_per_ml="")).content.decode()
        assert "Confirm the concentration" in field_errors(html, "concentration_mg_per_ml")
        # The typed amount stays in the form to correct.
        assert re.search(r'name="amount_mg" value="80"', html)
        assert doses_today(world) == []

    def test_refused_needs_notes(self, world: World, on_methadone: MedicationOrder) -> None:
        client = nurse_client(world)
        html = client.post(dose_url(world.patient), dose_data(outcome="refused", amount_mg="")).content.decode()
        assert "Say why the dose was refused." in field_errors(html, "notes")
        assert doses_today(world) == []
        response = client.post(
            dose_url(world.patient), dose_data(outcome="refused", amount_mg="", notes="Felt unwell; will return.")
        )
        assert "Recorded: slot 1, refused." in text(response.content.decode())
        [record] = doses_today(world)
        assert (record.outcome, record.amount_mg, record.notes) == ("refused", None, "Felt unwell; will return.")

    def test_identity_must_be_checked_before_an_observed_dose(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        html = nurse_client(world).post(dose_url(world.patient), dose_data(identity_checked=None)).content.decode()
        assert "Check the person's identity" in field_errors(html, "identity_checked")
        assert doses_today(world) == []

    def test_a_counsellor_cannot_record(self, world: World, as_role: AsRole, on_methadone: MedicationOrder) -> None:
        assert as_role(Role.COUNSELLOR).post(dose_url(world.patient), dose_data()).status_code == 403
        assert doses_today(world) == []


class TestHoldsAndOverrides:
    def test_a_patient_on_hold_is_not_dosed(self, world: World) -> None:
        patient = add_patient(world, "HR-11", "Sam", "Holden")
        hold_after_missed_days(world, patient)
        client = nurse_client(world)
        html = client.post(dose_url(patient), dose_data()).content.decode()
        words = text(html)
        assert "Not recorded: the person is on hold." in words
        assert "A prescriber must review and release the hold" in words
        assert not DoseAdministration.objects.filter(patient=patient, clinic_day=today(patient)).exists()
        # Recording that the dose was held is allowed.
        response = client.post(
            dose_url(patient), dose_data(outcome="held", amount_mg="", notes="On hold; prescriber paged.")
        )
        assert "Recorded: slot 1, held." in text(response.content.decode())

    def test_missed_days_place_the_hold_and_need_a_prescriber(self, world: World) -> None:
        patient = add_patient(world, "HR-14", "Noor", "Gapwell")
        methadone(world, patient, last_days_ago=4)
        html = nurse_client(world).post(dose_url(patient), dose_data()).content.decode()
        words = text(html)
        assert "Not recorded: needs a prescriber's override." in words
        assert "Needs a prescriber's override: Missed 3 days in a row." in words
        assert Hold.objects.filter(patient=patient, released_at__isnull=True).exists()
        assert "On hold: do not dose" in words
        assert not DoseAdministration.objects.filter(patient=patient, clinic_day=today(patient)).exists()


class TestWindowVariants:
    def test_htmx_swaps_only_the_dose_area_and_todays_table(self, world: World, on_methadone: MedicationOrder) -> None:
        response = nurse_client(world).post(dose_url(world.patient), dose_data(), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="dose-area"')
        assert '<section id="today" class="panel" aria-labelledby="today-h" hx-swap-oob="true">' in html
        assert "<html" not in html
        assert "Recorded: slot 1" in text(html)

    def test_guest_dosing_at_another_site_is_marked(self, world: World, on_methadone: MedicationOrder) -> None:
        west, west_nurse = second_site_nurse(world)
        response = nurse_client(world, west_nurse).post(dose_url(world.patient), dose_data(site=str(west.pk)))
        [record] = doses_today(world)
        assert record.guest is True
        assert record.site == west
        assert f"guest dosing at {west.name}" in text(response.content.decode())

    def test_buprenorphine_has_no_concentration(self, world: World) -> None:
        patient = add_patient(world, "HR-12", "Tovah", "Dosewell")
        buprenorphine(world, patient)
        client = nurse_client(world)
        assert 'name="concentration_mg_per_ml"' not in client.get(card_url(patient)).content.decode()
        response = client.post(dose_url(patient), dose_data(amount_mg="16", concentration_mg_per_ml=None))
        assert "Recorded: slot 1, observed dose 16 mg." in text(response.content.decode())
        record = DoseAdministration.objects.get(patient=patient, clinic_day=today(patient))
        assert (record.amount_mg, record.concentration_mg_per_ml, record.volume_ml) == (16, None, None)

    def test_split_doses_are_recorded_slot_by_slot(self, world: World) -> None:
        patient = add_patient(world, "HR-20", "Vic", "Splitter")
        methadone(world, patient, slots=("60", "40"))
        client = nurse_client(world)
        html = client.get(card_url(patient)).content.decode()
        assert '<option value="1" selected>Slot 1 of 2: 60 mg</option>' in html
        first = client.post(dose_url(patient), dose_data(amount_mg="60"))
        assert "Slot 2 is still due today." in text(first.content.decode())
        html = client.get(card_url(patient)).content.decode()
        assert '<option value="2" selected>Slot 2 of 2: 40 mg</option>' in html
        wrong = client.post(dose_url(patient), dose_data(slot="2", amount_mg="60")).content.decode()
        assert "60 mg does not match the ordered 40 mg" in field_errors(wrong, "amount_mg")
        client.post(dose_url(patient), dose_data(slot="2", amount_mg="40"))
        slots = DoseAdministration.objects.filter(patient=patient, clinic_day=today(patient)).order_by("slot")
        assert [(r.slot, r.amount_mg, r.volume_ml) for r in slots] == [(1, 60, 6), (2, 40, 4)]
