"""On the card: handing over take-home doses, checking returned bottles, and
giving an extended-release injection."""

import datetime as dt
import html as html_lib
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import Injection, MedicationOrder, TakeHomeDispense
from waymark.meds.tests.conftest import today
from waymark.meds.tests.window_helpers import add_patient, nurse_client

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def take_home_url(patient: Patient) -> str:
    return reverse("meds:window_take_home", args=[patient.pk])


def record_eligibility(world: World) -> None:
    notes = {f"{name}_note": "Assessed at review." for name in ("no_active_use_or_risk", "regular_attendance")}
    notes |= {f"{name}_note": "Assessed at review." for name in ("no_serious_behaviour", "no_recent_diversion")}
    services.record_eligibility(
        world.user(Role.PRESCRIBER),
        world.patient,
        assessed_on=today(world.patient),
        no_active_use_or_risk=True,
        regular_attendance=True,
        no_serious_behaviour=True,
        no_recent_diversion=True,
        safe_storage=True,
        safe_storage_note="Lockbox at home.",
        other_considerations="None.",
        eligible=True,
        **notes,
    )


def three_days(world: World, **changes: str) -> dict[str, str]:
    day = today(world.patient)
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "first_day": f"{day + dt.timedelta(days=1):%Y-%m-%d}",
        "last_day": f"{day + dt.timedelta(days=3):%Y-%m-%d}",
        "lot_number": "MTH-2211",
    }
    return data | changes


class TestTakeHomeHandover:
    def test_without_documented_eligibility_it_needs_a_prescriber(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        response = nurse_client(world).post(take_home_url(world.patient), three_days(world))
        words = text(response.content.decode())
        assert "Not handed over: needs a prescriber's override." in words
        assert "six take-home eligibility considerations" in words
        assert not TakeHomeDispense.objects.exists()

    def test_it_hands_over_once_and_says_so(self, world: World, on_methadone: MedicationOrder) -> None:
        record_eligibility(world)
        client = nurse_client(world)
        data = three_days(world)
        response = client.post(take_home_url(world.patient), data, follow=True)
        words = text(response.content.decode())
        assert "Take-home handed over: 3 bottle(s) of 80 mg" in words
        assert "lot MTH-2211" in words
        again = client.post(take_home_url(world.patient), data, follow=True)
        assert "Already recorded; nothing was handed over twice" in text(again.content.decode())
        [take_home] = TakeHomeDispense.objects.all()
        assert (take_home.bottles, take_home.lot_number, take_home.dispensed_by) == (
            3,
            "MTH-2211",
            world.user(Role.NURSE),
        )

    def test_bad_days_are_shown_next_to_the_field(self, world: World, on_methadone: MedicationOrder) -> None:
        day = today(world.patient)
        html = (
            nurse_client(world)
            .post(take_home_url(world.patient), three_days(world, first_day=f"{day:%Y-%m-%d}"))
            .content.decode()
        )
        match = re.search(r'id="id_first_day_error">(.*?)</ul>', html, re.S)
        assert match and "Take-home days start after today's observed dose." in text(match.group(1))
        assert not TakeHomeDispense.objects.exists()


class TestReturnCheck:
    @pytest.fixture
    def due_back(self, world: World, on_methadone: MedicationOrder) -> TakeHomeDispense:
        day = today(world.patient)
        return TakeHomeDispense.objects.create(
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

    def test_missing_bottles_need_a_note_then_the_check_is_recorded(
        self, world: World, due_back: TakeHomeDispense
    ) -> None:
        url = reverse("meds:window_take_home_return", args=[world.patient.pk, due_back.pk])
        prefix = f"return-{due_back.pk}"
        client = nurse_client(world)
        html = client.post(url, {f"{prefix}-bottles_returned": "1"}).content.decode()
        assert "Some bottles did not come back" in text(html)
        due_back.refresh_from_db()
        assert due_back.returned_on is None
        response = client.post(
            url, {f"{prefix}-bottles_returned": "1", f"{prefix}-return_note": "Says one broke."}, follow=True
        )
        assert "Return checked: 1 of 2 bottle(s) back." in text(response.content.decode())
        due_back.refresh_from_db()
        assert (due_back.returned_on, due_back.bottles_returned, due_back.return_note) == (
            today(world.patient),
            1,
            "Says one broke.",
        )
        # No longer due back.
        assert "Record return check" not in response.content.decode()


class TestInjection:
    def order(self, world: World, patient: Patient, medication: Medication, mg: str) -> MedicationOrder:
        order, _ = services.prescribe(
            world.user(Role.PRESCRIBER),
            patient,
            services.OrderInput(
                medication=medication,
                slot_doses_mg=(Decimal(mg),),
                start_on=today(patient) - dt.timedelta(days=40),
                frequency=MedicationOrder.Frequency.EVERY_28_DAYS,
            ),
        )
        return order

    def test_a_due_injection_is_recorded(self, world: World) -> None:
        patient = add_patient(world, "HR-15", "Ira", "Jabson")
        order = self.order(world, patient, Medication.BUPRENORPHINE_XR, "300")
        Injection.objects.create(
            patient=patient,
            order=order,
            medication=order.medication,
            clinic_day=today(patient) - dt.timedelta(days=28),
            dose_mg=order.dose_mg,
            body_site="abdomen_left",
            lot_number="XR-1",
            idempotency_key=str(uuid.uuid4()),
            given_by=world.user(Role.NURSE),
        )
        url = reverse("meds:window_injection", args=[patient.pk])
        data = {"idempotency_key": str(uuid.uuid4()), "body_site": "abdomen_right", "lot_number": "XR-2"}
        response = nurse_client(world).post(url, data, follow=True)
        words = text(response.content.decode())
        assert "Injection recorded: Buprenorphine extended-release injection 300 mg, abdomen, right, lot XR-2." in words
        assert Injection.objects.filter(patient=patient, clinic_day=today(patient), lot_number="XR-2").count() == 1

    def test_a_first_naltrexone_injection_without_readiness_needs_a_prescriber(self, world: World) -> None:
        patient = add_patient(world, "HR-16", "Jo", "Kessel")
        self.order(world, patient, Medication.NALTREXONE_XR, "380")
        url = reverse("meds:window_injection", args=[patient.pk])
        data = {"idempotency_key": str(uuid.uuid4()), "body_site": "left_gluteal", "lot_number": "NTX-1"}
        words = text(nurse_client(world).post(url, data).content.decode())
        assert "Not given: needs a prescriber's override." in words
        assert "Record the readiness check" in words
        assert not Injection.objects.exists()
