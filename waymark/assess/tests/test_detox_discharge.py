"""Discharge from withdrawal management needs a continuing-care plan (detox
alone is not treatment): the next level of care, who with, a first appointment
or the reason there is none, whether naloxone was given, whether the overdose
risk after detox was explained (REFERENCE.md §6: tolerance falls fast after
detox, so overdose risk is highest then), and the outcome. Without it the
discharge is refused, naming each missing field."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.assess import services_detox
from waymark.assess.models import DetoxStay
from waymark.assess.tests.detox_helpers import (
    ago,
    check,
    discharge_form,
    discharge_url,
    local,
    start,
    stay_input,
    stay_url,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

PLAN_FIELDS = [
    "outcome",
    "next_level_of_care",
    "continuing_care_with",
    "first_appointment_at",
    "naloxone_given",
    "overdose_risk_explained",
]


def nurse(world: World) -> Client:
    return sign_in(Client(), world.user(Role.NURSE))


def plan(**changes: object) -> services_detox.DischargeInput:
    fields: dict[str, object] = {
        "discharged_at": ago(minutes=5),
        "outcome": "completed",
        "next_level_of_care": "intensive_outpatient",
        "continuing_care_with": "Bayside IOP",
        "first_appointment_at": ago(days=-2),
        "no_appointment_reason": "",
        "naloxone_given": True,
        "overdose_risk_explained": True,
    }
    fields.update(changes)
    return services_detox.DischargeInput(**fields)  # type: ignore[arg-type]


class TestRefused:
    def test_without_a_plan_each_missing_field_is_named(self, world: World) -> None:
        stay = start(world)
        empty = {f: "" for f in [*PLAN_FIELDS, "no_appointment_reason"]}
        response = nurse(world).post(discharge_url(stay), discharge_form(world.patient, **empty))
        assert response.status_code == 422
        html = response.content.decode()
        for field in PLAN_FIELDS:
            assert f'id="id_discharge_{field}_error"' in html, field
        assert "Next level of care: where the person continues treatment (detox alone is not treatment)." in html
        assert "Naloxone given: answer yes or no (overdose risk is highest after detox)." in html
        assert "First appointment: give its date and time, or the reason there is none." in html
        stay.refresh_from_db()
        assert stay.status == DetoxStay.Status.ACTIVE and stay.discharged_at is None
        assert not AuditEvent.objects.filter(action="detox_discharge").exists()

    @pytest.mark.parametrize("missing", PLAN_FIELDS)
    def test_one_missing_part_is_named(self, world: World, missing: str) -> None:
        stay = start(world)
        value: object = None if missing in ("first_appointment_at", "naloxone_given", "overdose_risk_explained") else ""
        with pytest.raises(ValidationError) as caught:
            services_detox.discharge_stay(world.user(Role.NURSE), world.patient, stay, plan(**{missing: value}))
        assert list(caught.value.message_dict) == [missing]

    def test_detox_is_not_a_next_level(self, world: World) -> None:
        stay = start(world)
        with pytest.raises(ValidationError) as caught:
            services_detox.discharge_stay(
                world.user(Role.NURSE), world.patient, stay, plan(next_level_of_care="withdrawal_management")
            )
        assert list(caught.value.message_dict) == ["next_level_of_care"]

    def test_not_before_the_last_check_nor_with_an_appointment_before_it(self, world: World) -> None:
        stay = start(world)
        check(world, stay, 5, ago(hours=2))
        with pytest.raises(ValidationError, match="Discharge cannot be before the last check"):
            services_detox.discharge_stay(world.user(Role.NURSE), world.patient, stay, plan(discharged_at=ago(hours=3)))
        with pytest.raises(ValidationError, match="The first appointment must be after the discharge"):
            services_detox.discharge_stay(
                world.user(Role.NURSE), world.patient, stay, plan(first_appointment_at=ago(hours=1))
            )


class TestDischarged:
    def test_a_discharge_with_its_plan_is_recorded_and_shown(self, world: World) -> None:
        stay = start(world)
        client = nurse(world)
        response = client.post(discharge_url(stay), discharge_form(world.patient), follow=True)
        assert response.status_code == 200
        stay.refresh_from_db()
        assert stay.status == DetoxStay.Status.DISCHARGED and stay.outcome == "completed"
        assert (stay.next_level_of_care, stay.naloxone_given, stay.overdose_risk_explained) == ("otp", True, True)
        assert stay.discharged_by == world.user(Role.NURSE)
        html = response.content.decode()
        assert "Discharged from withdrawal management, with the continuing-care plan." in html
        assert "Harbor Recovery OTP, Dr. Osei" in html and "Opioid treatment program (OTP)" in html
        assert "Discharge with a continuing-care plan" not in html  # the form is gone
        event = AuditEvent.objects.get(action="detox_discharge")
        assert (event.patient_id, event.object_type, event.object_id) == (world.patient.pk, "detoxstay", str(stay.pk))

    def test_a_reason_instead_of_an_appointment(self, world: World) -> None:
        stay = start(world)
        reason = "Walk-in intake at the OTP; no appointments"
        form = discharge_form(world.patient, first_appointment_at="", no_appointment_reason=reason)
        assert nurse(world).post(discharge_url(stay), form).status_code == 302
        stay.refresh_from_db()
        assert stay.first_appointment_at is None and stay.no_appointment_reason == reason

    def test_no_naloxone_is_recorded_with_the_overdose_warning(self, world: World) -> None:
        stay = start(world)
        form = discharge_form(world.patient, outcome="left", naloxone_given="no", overdose_risk_explained="no")
        html = nurse(world).post(discharge_url(stay), form, follow=True).content.decode()
        assert "Naloxone was not given. Tolerance falls fast after detox: the risk of overdose is highest now" in html
        assert "The overdose risk after detox was not explained." in html
        stay.refresh_from_db()
        assert (stay.naloxone_given, stay.overdose_risk_explained, stay.outcome) == (False, False, "left")

    def test_a_resubmitted_discharge_changes_nothing(self, world: World) -> None:
        stay = start(world)
        client = nurse(world)
        assert client.post(discharge_url(stay), discharge_form(world.patient)).status_code == 302
        again = client.post(
            discharge_url(stay), discharge_form(world.patient, continuing_care_with="Someone else"), follow=True
        )
        assert "This stay was already discharged; nothing was changed." in again.content.decode()
        stay.refresh_from_db()
        assert stay.continuing_care_with == "Harbor Recovery OTP, Dr. Osei"
        assert AuditEvent.objects.filter(action="detox_discharge").count() == 1

    def test_after_discharge_a_new_stay_may_start(self, world: World) -> None:
        stay = start(world, started_at=ago(days=5).replace(second=0, microsecond=0), last_use_at=None)
        services_detox.discharge_stay(world.user(Role.NURSE), world.patient, stay, plan(discharged_at=ago(days=1)))
        again = services_detox.start_stay(world.user(Role.NURSE), world.patient, stay_input())
        assert again.created and DetoxStay.objects.filter(status="active").get() == again.stay

    def test_the_times_are_shown_in_the_programs_zone(self, world: World) -> None:
        stay = start(world)
        at = ago(minutes=7).replace(second=0, microsecond=0)
        nurse(world).post(discharge_url(stay), discharge_form(world.patient, discharged_at=local(world.patient, at)))
        stay.refresh_from_db()
        assert stay.discharged_at == at
        html = nurse(world).get(stay_url(stay)).content.decode()
        assert local(world.patient, at).replace("T", " ") in html
