"""Recording a check during a stay: the COWS items as radio groups from the
instrument definition, plus vitals. The COWS is scored by the engine and stored
as an instrument record (context: withdrawal-management check) in the person's
history; an invalid answer is refused naming the item and nothing is saved.
The time may not be in the future or before the stay started. Audited; the
same key twice records once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from waymark.assess import instruments, services_detox
from waymark.assess import services as instrument_services
from waymark.assess.models import InstrumentRecord, WithdrawalCheck
from waymark.assess.tests.detox_helpers import (
    ago,
    check,
    check_form,
    check_input,
    check_url,
    checks_of,
    cows_answers,
    discharge_form,
    discharge_url,
    key,
    local,
    start,
    stay_url,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def nurse(world: World) -> Client:
    return sign_in(Client(), world.user(Role.NURSE))


class TestForm:
    def test_the_cows_items_are_radio_groups_from_the_definition(self, world: World) -> None:
        stay = start(world)
        html = nurse(world).get(stay_url(stay)).content.decode()
        for item in instruments.COWS.items:
            assert f"<legend>{item.text}</legend>" in html
            for choice in item.choices:
                assert f'name="cows_{item.id}" value="{choice.value}"' in html
        assert "4 — Above 120" in html
        assert html.count('type="radio" name="cows_') == sum(len(i.choices) for i in instruments.COWS.items)
        for name in ("pulse_bpm", "systolic_mmhg", "diastolic_mmhg", "temperature", "respiratory_rate", "spo2_percent"):
            assert f'name="{name}"' in html


class TestRecordCheck:
    def test_a_check_is_recorded_with_its_cows_in_the_instrument_history(self, world: World) -> None:
        stay = start(world)
        client = nurse(world)
        response = client.post(check_url(stay), check_form(world.patient, 14, symptom_medication="lofexidine 0.54 mg"))
        assert response.status_code == 302
        saved = WithdrawalCheck.objects.select_related("cows").get()
        assert (saved.pulse_bpm, saved.systolic_mmhg, saved.diastolic_mmhg) == (72, 128, 82)
        assert saved.symptom_medication == "lofexidine 0.54 mg" and saved.recorded_by == world.user(Role.NURSE)
        record = saved.cows
        assert (record.instrument, record.total, record.band, record.context) == ("cows", 14, "moderate", "detox_check")
        assert record.episode == stay.episode and record.last_use_at == stay.last_use_at
        assert record.answers == cows_answers(14)
        page = client.get(response["Location"]).content.decode()
        assert "Check recorded: COWS 14 (moderate)." in page
        row = page[page.index(f'<tr id="check-{saved.pk}">') :]
        assert "<strong>14</strong> Moderate (13–24)" in row and "lofexidine 0.54 mg" in row and "128/82" in row

    def test_it_is_audited(self, world: World) -> None:
        stay = start(world)
        saved = check(world, stay, 6, ago(hours=1)).check
        event = AuditEvent.objects.get(action="detox_check")
        assert (event.patient_id, event.object_type, event.object_id) == (
            world.patient.pk,
            "withdrawalcheck",
            str(saved.pk),
        )
        assert AuditEvent.objects.filter(action="instrument_recorded", object_id=str(saved.cows_id)).exists()

    def test_the_same_key_records_once(self, world: World) -> None:
        stay = start(world)
        data = check_input(9, ago(hours=1))
        nurse_user = world.user(Role.NURSE)
        first = services_detox.record_check(nurse_user, world.patient, stay, data)
        again = services_detox.record_check(nurse_user, world.patient, stay, data)
        assert first.created and not again.created and again.check == first.check
        assert checks_of(stay) == 1 and InstrumentRecord.objects.count() == 1
        assert AuditEvent.objects.filter(action="detox_check").count() == 1

    def test_a_double_click_records_once(self, world: World) -> None:
        stay = start(world)
        client = nurse(world)
        form = check_form(world.patient, 9)
        assert client.post(check_url(stay), form).status_code == 302
        again = client.post(check_url(stay), form, follow=True).content.decode()
        assert "This check was already recorded; nothing was saved twice." in again
        assert checks_of(stay) == 1

    def test_a_key_used_for_another_record_is_refused(self, world: World) -> None:
        stay = start(world)
        used = key()
        instrument_services.record_instrument(
            world.user(Role.NURSE),
            world.patient,
            instrument_services.InstrumentInput("gad7", [0] * 7, ago(hours=2), used),
        )
        with pytest.raises(ValidationError, match="already used for another record"):
            services_detox.record_check(
                world.user(Role.NURSE), world.patient, stay, check_input(9, ago(hours=1), idempotency_key=used)
            )
        assert checks_of(stay) == 0


class TestRefusals:
    def test_an_answer_outside_an_items_scores_is_named_and_nothing_saved(self, world: World) -> None:
        stay = start(world)
        response = nurse(world).post(check_url(stay), check_form(world.patient, 8, cows_pulse=3, cows_gooseflesh=None))
        assert response.status_code == 422
        html = response.content.decode()
        assert (
            '<ul class="errorlist" id="id_cows_pulse_error"><li>Item pulse: 3 is not an allowed score for this item; '
            "allowed: 0, 1, 2, 4.</li></ul>" in html
        )
        assert '<ul class="errorlist" id="id_cows_gooseflesh_error"><li>Item gooseflesh: missing answer.' in html
        assert WithdrawalCheck.objects.count() == 0 and InstrumentRecord.objects.count() == 0

    def test_answers_and_vitals_are_named_together(self, world: World) -> None:
        stay = start(world)
        answers = {**cows_answers(8), "yawning": 3}
        with pytest.raises(ValidationError) as caught:
            services_detox.record_check(
                world.user(Role.NURSE),
                world.patient,
                stay,
                check_input(8, ago(hours=1), answers=answers, spo2_percent=20),
            )
        assert set(caught.value.message_dict) == {"answers.yawning", "spo2_percent"}

    @pytest.mark.parametrize(
        ("when", "words"),
        [
            (dt.timedelta(hours=-1), "That time is in the future"),
            (dt.timedelta(days=2), "A check cannot be before the stay started"),
        ],
    )
    def test_the_time_must_be_during_the_stay(self, world: World, when: dt.timedelta, words: str) -> None:
        stay = start(world)  # started a day ago
        response = nurse(world).post(
            check_url(stay), check_form(world.patient, 8, checked_at=local(world.patient, ago() - when))
        )
        assert response.status_code == 422
        assert f'<ul class="errorlist" id="id_checked_at_error"><li>{words}' in response.content.decode()
        assert checks_of(stay) == 0

    def test_a_discharged_stay_takes_no_checks(self, world: World) -> None:
        stay = start(world)
        client = nurse(world)
        assert client.post(discharge_url(stay), discharge_form(world.patient)).status_code == 302
        stay.refresh_from_db()
        with pytest.raises(ValidationError, match="checks are recorded during a stay"):
            check(world, stay, 8, ago(minutes=30))
        page = client.get(stay_url(stay)).content.decode()
        assert "Record a check" not in page


class TestNotes:
    def test_a_pulse_item_that_does_not_match_the_pulse_is_noted(self, world: World) -> None:
        stay = start(world)
        checked = check(world, stay, 8, ago(hours=1), answers={**cows_answers(8), "pulse": 0}, pulse_bpm=110)
        assert checked.notes == [
            "The COWS pulse item was scored 0, but a resting pulse of 110 bpm scores 2 (REFERENCE.md §1). If the pulse "
            "changed between readings, nothing needs doing; otherwise record a new check."
        ]
        assert checked.created

    @pytest.mark.parametrize(
        ("text", "warned"), [("lofexidine 0.54 mg", False), ("Lofexidine 0.72 mg", False), ("lofexidine 0.9 mg", True)]
    )
    def test_a_lofexidine_dose_above_072_mg_is_noted(self, world: World, text: str, warned: bool) -> None:
        stay = start(world)
        notes = check(world, stay, 8, ago(hours=1), symptom_medication=text).notes
        assert any("above the 0.72 mg maximum per dose" in n for n in notes) is warned
