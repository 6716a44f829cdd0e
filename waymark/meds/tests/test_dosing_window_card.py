"""GET /meds/window/patients/<id>/: the patient's card at the window — identity,
today's ordered dose, last doses, hold, alerts, take-homes due back."""

import datetime as dt
import html as html_lib
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import Injection, MedicationOrder, TakeHomeDispense
from waymark.meds.tests.conftest import today
from waymark.meds.tests.window_helpers import (
    add_patient,
    card_url,
    hold_after_missed_days,
    methadone,
    nurse_client,
    second_site_nurse,
)

pytestmark = pytest.mark.django_db

AsRole = Callable[[Role | str], Client]


def text(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


class TestCard:
    def test_it_shows_identity_and_todays_ordered_dose(self, world: World, on_methadone: MedicationOrder) -> None:
        patient = world.patient
        patient.preferred_name = "Dee"
        patient.photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
        patient.photo_content_type = "image/png"
        patient.save(update_fields=["preferred_name", "photo", "photo_content_type"])
        response = nurse_client(world).get(card_url(patient))
        assert response.status_code == 200
        html = response.content.decode()
        words = text(html)
        assert "Dana Whitlock" in words
        assert "Preferred name Dee" in words
        assert "Date of birth 1988-05-17" in words
        assert "MRN HR-1" in words
        assert f'src="/patients/{patient.pk}/photo/"' in html
        assert "Identity checked" in html
        # 80 mg of 10 mg/mL is 8 mL.
        assert "Methadone oral solution" in words
        assert "1 of 1 80 mg 10 mg/mL 8.00 mL not yet given" in words
        # The last seven doses.
        recent = re.search(r'aria-labelledby="recent-h".*?</section>', html, re.S)
        assert recent and recent.group(0).count("<tr>") == 1 + 7

    def test_it_shows_the_hold_and_offers_no_dose(self, world: World) -> None:
        patient = add_patient(world, "HR-11", "Sam", "Holden")
        hold_after_missed_days(world, patient)
        html = nurse_client(world).get(card_url(patient)).content.decode()
        words = text(html)
        assert "On hold: do not dose" in words
        assert "Missed 3 days in a row. Prescriber review; half dose (40 mg)." in words
        assert "A prescriber must review and release the hold before the next dose." in words
        assert 'name="amount_mg"' not in html
        assert "Record held dose" in words

    def test_every_card_view_writes_an_audit_row(self, world: World, on_methadone: MedicationOrder) -> None:
        client = nurse_client(world)
        before = AuditEvent.objects.filter(object_type="dosing_card").count()
        client.get(card_url(world.patient))
        client.get(card_url(world.patient))
        rows = AuditEvent.objects.filter(object_type="dosing_card").order_by("seq")[before:]
        assert [(r.action, r.patient_id, r.actor_username) for r in rows] == [
            ("read", world.patient.pk, "nurse"),
            ("read", world.patient.pk, "nurse"),
        ]

    def test_counsellor_is_refused_and_another_program_sees_nothing(
        self, world: World, as_role: AsRole, on_methadone: MedicationOrder
    ) -> None:
        assert as_role(Role.COUNSELLOR).get(card_url(world.patient)).status_code == 403
        outsider = nurse_client(world, world.outsider_staff[Role.NURSE])
        assert outsider.get(card_url(world.patient)).status_code == 404

    def test_a_patient_of_another_site_gets_a_guest_badge(self, world: World, on_methadone: MedicationOrder) -> None:
        west, west_nurse = second_site_nurse(world)
        words = text(nurse_client(world, west_nurse).get(card_url(world.patient)).content.decode())
        assert "Guest" in words and f"guest dosing at {west.name}" in words
        own = text(nurse_client(world).get(card_url(world.patient)).content.decode())
        assert "guest dosing at" not in own


class TestAlerts:
    def test_co_use_and_qtc_are_warnings_for_the_next_dose(self, world: World, on_methadone: MedicationOrder) -> None:
        nurse = world.user(Role.NURSE)
        day = today(world.patient)
        prescriber = world.user(Role.PRESCRIBER)
        services.record_co_use(
            prescriber, world.patient, substance="benzodiazepine", noted_on=day, note="Reported use."
        )
        services.record_ecg(nurse, world.patient, taken_on=day, qtc_ms=470)
        words = text(nurse_client(world).get(card_url(world.patient)).content.decode())
        assert "Documented co-use: benzodiazepines" in words
        assert "do not withhold" in words
        assert "Last QTc 470 ms" in words

    def test_missed_days_not_yet_held_show_as_needing_an_override(self, world: World) -> None:
        patient = add_patient(world, "HR-14", "Noor", "Gapwell")
        methadone(world, patient, last_days_ago=4)  # no close of the day has run
        words = text(nurse_client(world).get(card_url(patient)).content.decode())
        assert "Needs a prescriber's override: Missed 3 days in a row." in words

    def test_broken_rule_settings_are_named_not_a_crash(self, world: World, on_methadone: MedicationOrder) -> None:
        world.program.rule_settings = {"meds.methadone.missed_doses": "three"}
        world.program.save(update_fields=["rule_settings"])
        response = nurse_client(world).get(card_url(world.patient))
        assert response.status_code == 200
        assert "medication rule settings are invalid" in text(response.content.decode())

    def test_take_homes_due_back_are_listed_with_a_return_check(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        day = today(world.patient)
        TakeHomeDispense.objects.create(
            patient=world.patient,
            order=on_methadone,
            site=world.site,
            dispensed_on=day - dt.timedelta(days=4),
            first_day=day - dt.timedelta(days=3),
            last_day=day - dt.timedelta(days=2),
            bottles=2,
            dose_mg_per_bottle=Decimal(80),
            concentration_mg_per_ml=Decimal(10),
            lot_number="LOT-77",
            idempotency_key=str(uuid.uuid4()),
            dispensed_by=world.user(Role.NURSE),
        )
        html = nurse_client(world).get(card_url(world.patient)).content.decode()
        words = text(html)
        assert "Take-home bottles due back: 2 for" in words
        assert "(lot LOT-77)" in words
        assert "Record return check" in words

    def test_an_injection_due_is_shown_with_its_form(self, world: World) -> None:
        patient = add_patient(world, "HR-15", "Ira", "Jabson")
        order, _ = services.prescribe(
            world.user(Role.PRESCRIBER),
            patient,
            services.OrderInput(
                medication=Medication.BUPRENORPHINE_XR,
                slot_doses_mg=(Decimal(300),),
                start_on=today(patient) - dt.timedelta(days=40),
                frequency=MedicationOrder.Frequency.EVERY_28_DAYS,
            ),
        )
        Injection.objects.create(
            patient=patient,
            order=order,
            medication=order.medication,
            clinic_day=today(patient) - dt.timedelta(days=30),
            dose_mg=order.dose_mg,
            body_site="abdomen_left",
            lot_number="XR-1",
            idempotency_key=str(uuid.uuid4()),
            given_by=world.user(Role.NURSE),
        )
        html = nurse_client(world).get(card_url(patient)).content.decode()
        words = text(html)
        assert "overdue by 2 day(s)" in words
        assert "Record injection given" in words
        assert "No window medication is ordered for today." in words
        assert "Record dose" not in words
