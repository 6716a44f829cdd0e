"""GET /meds/patients/<id>/: the medication section of the chart. The care team
reads it; only prescribers see the forms that write orders."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import CoUse, DoseAdministration, Ecg, MedicationOrder
from waymark.meds.tests.conftest import order_methadone, today


def page(patient_id: int) -> str:
    return reverse("meds:medication", args=[patient_id])


class TestWhatTheCareTeamSees:
    def test_it_shows_the_active_order_with_dose_concentration_and_version(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").get(page(world.patient.pk))
        assert response.status_code == 200
        body = response.content.decode()
        active = body.split('id="orders"')[1].split("</section>")[0]
        assert "Methadone oral solution" in active
        assert "80 mg" in active
        assert "10 mg/mL" in active
        assert "v1" in active
        assert "Maintenance" in active

    def test_a_split_dose_shows_the_daily_total_and_each_dose(self, world: World, as_role) -> None:
        order_methadone(world, world.patient, slots=("60", "40"))
        body = as_role("nurse").get(page(world.patient.pk)).content.decode()
        assert "100 mg a day (60, 40)" in body.split('id="orders"')[1].split("</section>")[0]

    def test_it_lists_active_orders_before_the_history_of_versions(self, world: World, as_role) -> None:
        first = order_methadone(world, world.patient, "80")
        services.prescribe(
            world.user(Role.PRESCRIBER),
            world.patient,
            services.OrderInput(
                medication=Medication.METHADONE,
                slot_doses_mg=(Decimal(85),),
                concentration_mg_per_ml=Decimal(10),
                start_on=today(world.patient),
                change_reason="Cravings in the evening",
            ),
        )
        body = as_role("counsellor").get(page(world.patient.pk)).content.decode()
        active = body.split('id="orders"')[1].split("</section>")[0]
        assert "85 mg" in active and "80 mg" not in active
        history = body.split('id="history"')[1]
        assert "Cravings in the evening" in history
        assert "Superseded by a newer version" in history
        assert "Transferred from another program at this dose." in history  # v1's override reason
        assert history.index("v2") < history.index("v1")
        assert first.pk  # v1 stays in the history

    def test_it_writes_one_audit_row_for_the_read(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        as_role("nurse").get(page(world.patient.pk))
        row = AuditEvent.objects.filter(patient_id=world.patient.pk).order_by("seq").last()
        assert row is not None
        assert (row.action, row.object_type, row.actor_username) == ("read", "medication", "nurse")

    def test_it_shows_doses_of_the_last_14_days_only(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        old = today(world.patient) - dt.timedelta(days=20)
        DoseAdministration.objects.create(
            patient=world.patient,
            order=on_methadone,
            clinic_day=old,
            slot=1,
            outcome="observed",
            amount_mg=Decimal(80),
            idempotency_key=f"old-{uuid.uuid4()}",
        )
        body = as_role("nurse").get(page(world.patient.pk)).content.decode()
        doses = body.split('id="administrations"')[1].split("</section>")[0]
        yesterday = today(world.patient) - dt.timedelta(days=1)
        assert yesterday.strftime("%Y-%m-%d") in doses
        assert old.strftime("%Y-%m-%d") not in doses

    def test_it_shows_the_take_home_limit_for_today(self, world: World, as_role) -> None:
        days = (today(world.patient) - dt.date(2026, 1, 5)).days
        body = as_role("prescriber").get(page(world.patient.pk)).content.decode()
        assert f"Day {days} in treatment" in body
        expected = 28 if days >= 31 else 14 if days >= 15 else 7
        assert f"up to <strong>{expected} days</strong>" in body

    def test_it_says_when_the_person_is_not_in_treatment(self, world: World, as_role) -> None:
        response = as_role("nurse").get(page(world.other_patient.pk))  # no episode
        assert response.status_code == 200
        assert "is not in treatment on" in response.content.decode()

    def test_it_links_from_the_chart(self, world: World, as_role) -> None:
        body = as_role("counsellor").get(reverse("chart", args=[world.patient.pk])).content.decode()
        assert page(world.patient.pk) in body


class TestWhoSeesWhat:
    def test_the_prescriber_sees_the_write_forms(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        body = as_role("prescriber").get(page(world.patient.pk)).content.decode()
        assert reverse("meds:order_new", args=[world.patient.pk]) in body
        assert reverse("meds:order_change", args=[world.patient.pk, on_methadone.pk]) in body
        assert reverse("meds:take_home_eligibility", args=[world.patient.pk]) in body

    def test_the_nurse_reads_the_page_but_sees_no_order_form(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("nurse").get(page(world.patient.pk))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Methadone oral solution" in body
        assert reverse("meds:order_new", args=[world.patient.pk]) not in body
        assert reverse("meds:order_change", args=[world.patient.pk, on_methadone.pk]) not in body
        assert "New order" not in body
        assert reverse("meds:ecg_new", args=[world.patient.pk]) in body  # nurses record ECGs

    def test_the_counsellor_on_the_care_team_reads_without_forms(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("counsellor").get(page(world.patient.pk))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Methadone oral solution" in body
        assert "New order" not in body
        assert reverse("meds:ecg_new", args=[world.patient.pk]) not in body

    def test_staff_of_another_program_get_404(self, world: World, client: Client) -> None:
        for role in (Role.PRESCRIBER, Role.NURSE):
            sign_in(client, world.outsider_staff[role])
            assert client.get(page(world.patient.pk)).status_code == 404

    def test_a_counsellor_off_the_care_team_is_asked_for_a_break_glass_reason(self, world: World, as_role) -> None:
        client = as_role("counsellor")
        response = client.get(page(world.other_patient.pk))
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[world.other_patient.pk])
        assert not AuditEvent.objects.filter(patient_id=world.other_patient.pk).exists()
        client.post(reverse("break_glass", args=[world.other_patient.pk]), {"reason": "Covering for a colleague today"})
        opened = client.get(page(world.other_patient.pk))
        assert opened.status_code == 200
        assert "Emergency access" in opened.content.decode()
        row = AuditEvent.objects.filter(patient_id=world.other_patient.pk).order_by("seq").last()
        assert row is not None and row.break_glass and row.object_type == "medication"

    def test_the_peer_moderator_is_refused(self, world: World, as_role) -> None:
        assert as_role("peer_moderator").get(page(world.patient.pk)).status_code == 403


def _add_history(world: World, n: int, start: int) -> None:
    """n more order versions, doses, ECGs and co-use notes on world.patient."""
    prescriber, nurse = world.user(Role.PRESCRIBER), world.user(Role.NURSE)
    day = today(world.patient)
    for i in range(start, start + n):
        order, _ = services.prescribe(
            prescriber,
            world.patient,
            services.OrderInput(
                medication=Medication.METHADONE,
                slot_doses_mg=(Decimal(80 + i % 2 * 5),),
                concentration_mg_per_ml=Decimal(10),
                start_on=day - dt.timedelta(days=60),
                change_reason=f"Review {i}",
            ),
            override_reason="Transferred at this dose",
        )
        DoseAdministration.objects.create(
            patient=world.patient,
            order=order,
            clinic_day=day - dt.timedelta(days=1 + i // 2),
            slot=1 + i % 2,
            outcome="observed",
            amount_mg=order.dose_mg,
            concentration_mg_per_ml=Decimal(10),
            idempotency_key=f"bulk-{uuid.uuid4()}",
            recorded_by=nurse,
        )
        Ecg.objects.create(patient=world.patient, taken_on=day - dt.timedelta(days=i), qtc_ms=440, recorded_by=nurse)
        CoUse.objects.create(
            patient=world.patient, substance="alcohol", noted_on=day, note=f"Note {i}", recorded_by=prescriber
        )


# Measured (32 for a prescriber): session, user and OTP device, patient_for's reads and
# audit append, one query per section, and the window's rule inputs for today's dose.
# A page that grows past this has gained a query; look before raising it.
PAGE_MAX = 34


class TestQueryCount:
    def test_the_page_costs_the_same_with_2_or_20_orders(self, world: World, as_role) -> None:
        client = as_role("prescriber")
        _add_history(world, 2, 0)
        client.get(page(world.patient.pk))  # warm-up: the session's first write
        with CaptureQueriesContext(connection) as two:
            assert client.get(page(world.patient.pk)).status_code == 200
        _add_history(world, 18, 2)
        with CaptureQueriesContext(connection) as twenty:
            response = client.get(page(world.patient.pk))
        assert response.status_code == 200
        assert response.content.decode().count("Review ") >= 20
        assert len(twenty) == len(two), [q["sql"] for q in twenty.captured_queries]

    @pytest.mark.parametrize("role", ["prescriber", "nurse"])
    def test_the_page_stays_under_a_fixed_budget(self, role: str, world: World, as_role) -> None:
        _add_history(world, 5, 0)
        client = as_role(role)
        client.get(page(world.patient.pk))
        with CaptureQueriesContext(connection) as queries:
            client.get(page(world.patient.pk))
        assert len(queries) <= PAGE_MAX, [q["sql"] for q in queries.captured_queries]
