"""/meds/naloxone/ and /meds/patients/<id>/naloxone/: kits given to a patient or
their network, once per rendered form; the monthly count for the program."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import stock
from waymark.meds.models import NaloxoneKit
from waymark.meds.tests.conftest import today

pytestmark = pytest.mark.django_db


def kit_data(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "patient": world.patient.pk,
        "given_on": today(world.patient).isoformat(),
        "count": "2",
        "recipient": "family",
        "recipient_name": "Jo Whitlock",
        "training_done": "on",
        "lot_number": "NX-55",
        "idempotency_key": str(uuid.uuid4()),
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def patient_url(patient_id: int) -> str:
    return reverse("meds:naloxone_patient", args=[patient_id])


class TestRecordKits:
    def test_a_nurse_records_kits_once_per_form(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = kit_data(world)
        first = client.post(reverse("meds:naloxone"), data, follow=True)
        assert first.status_code == 200
        assert "Recorded 2 naloxone kits for Dana Whitlock." in first.content.decode()
        kit = NaloxoneKit.objects.get()
        assert (kit.patient, kit.count, kit.recipient, kit.recipient_name) == (
            world.patient,
            2,
            "family",
            "Jo Whitlock",
        )
        assert kit.training_done and kit.lot_number == "NX-55" and kit.given_by == world.user(Role.NURSE)
        assert kit.site == world.site
        # The same rendered form again (a double click, a retry): nothing twice.
        again = client.post(reverse("meds:naloxone"), data, follow=True)
        assert "Already recorded: 2 naloxone kits. Nothing was recorded twice." in again.content.decode()
        assert NaloxoneKit.objects.count() == 1
        assert AuditEvent.objects.filter(action="naloxone_kit", object_type="naloxone_kit").count() == 1
        row = AuditEvent.objects.get(action="naloxone_kit")
        assert row.patient_id == world.patient.pk and row.object_id == str(kit.pk)

    def test_each_rendered_form_carries_a_fresh_key(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        keys = {client.get(reverse("meds:naloxone")).context["form"]["idempotency_key"].value() for _ in range(2)}
        assert len(keys) == 2
        for key in keys:
            client.post(reverse("meds:naloxone"), kit_data(world, idempotency_key=key))
        assert NaloxoneKit.objects.count() == 2

    def test_a_key_used_for_another_patient_is_refused(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = kit_data(world)
        client.post(reverse("meds:naloxone"), data)
        other = client.post(reverse("meds:naloxone"), {**data, "patient": world.other_patient.pk})
        assert other.status_code == 400
        assert "already used for another patient" in other.content.decode()
        assert NaloxoneKit.objects.count() == 1

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"recipient_name": ""}, "Name the person who received the kits."),
            ({"count": "0"}, "Ensure this value is greater than or equal to 1."),
            ({"recipient": "stranger"}, "Select a valid choice"),
            ({"given_on": "2099-01-01"}, "2099-01-01 is in the future"),
            ({"patient": None}, "Choose the patient: search by name or MRN, then pick one."),
        ],
    )
    def test_bad_input_is_refused_with_a_message(
        self, changes: dict[str, object], message: str, world: World, as_role
    ) -> None:
        response = as_role(Role.NURSE).post(reverse("meds:naloxone"), kit_data(world, **changes))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not NaloxoneKit.objects.exists()

    def test_the_patient_themself_needs_no_name(self, world: World) -> None:
        kit, created = stock.give_naloxone_kit(
            world.user(Role.PRESCRIBER),
            world.patient,
            idempotency_key=str(uuid.uuid4()),
            count=1,
            recipient="patient",
            recipient_name="ignored",
            training_done=False,
        )
        assert created and kit.recipient_name == "" and kit.given_on == today(world.patient)


class TestFindThePatient:
    def test_a_posted_search_offers_patients_without_names_in_the_url(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        response = client.post(reverse("meds:naloxone"), {"q": "Whit", "find": "1"})
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<input type="radio" name="patient" value="{world.patient.pk}">' in html
        assert "Whitlock, Dana" in html and "Marsh" not in html
        partial = client.post(reverse("meds:naloxone"), {"q": "HR-2"}, HTTP_HX_REQUEST="true")
        assert partial.status_code == 200
        assert "<h1>" not in partial.content.decode()
        assert f'value="{world.other_patient.pk}"' in partial.content.decode()
        assert not NaloxoneKit.objects.exists()

    def test_another_programs_patient_cannot_be_picked(self, world: World, as_role) -> None:
        response = as_role(Role.NURSE).post(
            reverse("meds:naloxone"), kit_data(world, patient=world.outsider_patient.pk)
        )
        assert response.status_code == 400
        assert "Choose the patient" in response.content.decode()
        assert not NaloxoneKit.objects.exists()


class TestWhoMay:
    def test_a_counsellor_gives_kits_to_a_care_team_patient_from_the_chart(self, world: World, as_role) -> None:
        client = as_role(Role.COUNSELLOR)
        page = client.get(patient_url(world.patient.pk))
        assert page.status_code == 200 and page.context["form"] is not None
        response = client.post(patient_url(world.patient.pk), kit_data(world, recipient="friend", recipient_name="Ari"))
        assert response.status_code == 302 and response["Location"] == patient_url(world.patient.pk)
        listing = client.get(patient_url(world.patient.pk)).content.decode()
        assert "Friend or partner: Ari" in listing

    def test_off_the_care_team_the_counsellor_is_sent_to_break_glass(self, world: World, as_role) -> None:
        client = as_role(Role.COUNSELLOR)
        response = client.get(patient_url(world.other_patient.pk))
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[world.other_patient.pk])
        posted = client.post(reverse("meds:naloxone"), kit_data(world, patient=world.other_patient.pk))
        assert posted.status_code == 400 and "not on your care team" in posted.content.decode()
        assert not NaloxoneKit.objects.exists()

    def test_the_program_admin_reads_the_kits_but_does_not_give_them(self, world: World, as_role) -> None:
        client = as_role(Role.PROGRAM_ADMIN)
        page = client.get(patient_url(world.patient.pk))
        assert page.status_code == 200 and page.context["form"] is None
        assert client.post(patient_url(world.patient.pk), kit_data(world)).status_code == 403
        assert client.get(reverse("meds:naloxone")).status_code == 403
        with pytest.raises(PermissionDenied):
            stock.give_naloxone_kit(
                world.user(Role.PROGRAM_ADMIN),
                world.patient,
                idempotency_key=str(uuid.uuid4()),
                count=1,
                recipient="patient",
                training_done=True,
            )
        assert not NaloxoneKit.objects.exists()

    @pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.PEER_MODERATOR, Role.PATIENT])
    def test_others_are_refused(self, role: Role, world: World, as_role) -> None:
        client = as_role(role)
        assert client.get(reverse("meds:naloxone")).status_code == 403
        assert client.get(patient_url(world.patient.pk)).status_code == 403
        assert client.get(reverse("meds:naloxone_report")).status_code == 403

    def test_another_programs_patient_is_not_found(self, world: World) -> None:
        client = sign_in(Client(), world.outsider_staff[Role.NURSE])
        assert client.get(patient_url(world.patient.pk)).status_code == 404


class TestMonthlyReport:
    def test_it_counts_kits_recipients_and_training_for_the_program(self, world: World, as_role) -> None:
        nurse = world.user(Role.NURSE)
        day = today(world.patient)
        last_month = (day.replace(day=1) - dt.timedelta(days=1)).replace(day=5)

        def give(patient, count: int, recipient: str, trained: bool, on: dt.date) -> None:
            stock.give_naloxone_kit(
                nurse,
                patient,
                idempotency_key=str(uuid.uuid4()),
                count=count,
                recipient=recipient,
                recipient_name="" if recipient == "patient" else "Someone",
                training_done=trained,
                given_on=on,
            )

        give(world.patient, 2, "patient", True, day)
        give(world.patient, 1, "family", False, day)
        give(world.other_patient, 3, "friend", True, day)
        give(world.other_patient, 1, "patient", True, last_month)
        outsider = world.outsider_staff[Role.NURSE]
        stock.give_naloxone_kit(
            outsider,
            world.outsider_patient,
            idempotency_key=str(uuid.uuid4()),
            count=9,
            recipient="patient",
            training_done=True,
        )
        response = as_role(Role.PROGRAM_ADMIN).get(reverse("meds:naloxone_report"))
        assert response.status_code == 200
        month = response.context["month"]
        assert month.month == day.replace(day=1)
        assert (month.kits, month.handovers, month.patients, month.trained) == (6, 3, 2, 2)
        assert month.trained_percent == 67
        assert dict(month.kits_by_recipient) == {
            "The patient": 2,
            "Family member": 1,
            "Friend or partner": 3,
            "Someone else in their support network": 0,
        }
        previous = response.context["report"][1]
        assert (previous.month, previous.kits, previous.trained_percent) == (last_month.replace(day=1), 1, 100)
        html = response.content.decode()
        assert "67% (2 of 3 handovers)" in html
        assert "Whitlock" not in html and "Marsh" not in html  # counts only

        chosen = as_role(Role.COUNSELLOR).get(f"{reverse('meds:naloxone_report')}?month={last_month:%Y-%m}")
        assert chosen.status_code == 200 and chosen.context["month"].kits == 1

    def test_a_future_or_malformed_month_is_a_clear_error(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        future = client.get(f"{reverse('meds:naloxone_report')}?month=2099-01")
        assert future.status_code == 400 and "2099-01 has not started yet." in future.content.decode()
        bad = client.get(f"{reverse('meds:naloxone_report')}?month=January")
        assert bad.status_code == 400 and "Enter a month as YYYY-MM." in bad.content.decode()
