"""/assess/patients/<id>/instruments/<code>/record/: the form is generated from
the instrument's definition (one group of radio buttons per item, each an
allowed score with its wording); a nurse records a COWS and the assessments
page shows it; a double click records once; a missing or tampered answer, a
time in the future or too long ago is refused next to its field with nothing
saved; who may record."""

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from waymark.assess import instruments
from waymark.assess.models import InstrumentRecord
from waymark.assess.tests.instrument_helpers import (
    COWS_IDS,
    ago,
    audit_actions,
    criteria,
    local,
    page_url,
    record_url,
    shown,
    totalling,
)
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.labs.tests.helpers import assert_references_resolve

pytestmark = pytest.mark.django_db


def form_data(patient: Any, code: str, answers: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The record form filled in: given 10 minutes ago, the answers as the radio buttons send them."""
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "administered_at": local(patient, ago(minutes=10)),
        "context": "screening",
        "language": "en",
        "notes": "",
        **{f"item_{k}": ("yes" if v else "no") if isinstance(v, bool) else str(v) for k, v in answers.items()},
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def item_errors(html: str, item_id: str) -> str:
    """The errors shown in the item's group, which the group's fieldset must point to."""
    found = re.search(rf'<fieldset class="instrument-item"[^>]*aria-describedby="id_item_{item_id}_error"', html)
    assert found, f"the fieldset of {item_id} does not point to its errors"
    errors = re.search(rf'<ul class="errorlist" id="id_item_{item_id}_error">(.*?)</ul>', html, re.S)
    assert errors is not None, f"no errors shown for {item_id}"
    return errors.group(1)


class TestTheForm:
    def test_each_cows_item_is_a_group_of_its_allowed_scores_with_their_wording(self, world: World, as_role) -> None:
        response = as_role(Role.NURSE).get(record_url(world.patient, "cows"))
        assert response.status_code == 200
        html = response.content.decode()
        legends = re.findall(r'<fieldset class="instrument-item"[^>]*>\s*<legend>(.*?)</legend>', html)
        assert len(legends) == 11 and legends[0].startswith("1. Resting pulse rate")
        for item in instruments.COWS.items:
            values = re.findall(rf'name="item_{item.id}" value="(\d+)"', html)
            assert values == [str(v) for v in item.allowed()], item.id
        assert re.search(r'value="4"[^>]*id="id_item_pulse_3">\s*4 — Above 120</label>', html)
        assert "5 — Prominent piloerection" in html
        # The COWS timing note of REFERENCE.md §1, and the last-use time the chart counts from.
        assert "baseline, then after dosing" in html
        assert 'name="last_use_at"' in html
        assert_references_resolve(html)

    def test_the_dsm5_checklist_is_yes_or_no_with_its_options(self, world: World, as_role) -> None:
        html = as_role(Role.COUNSELLOR).get(record_url(world.patient, "dsm5-oud")).content.decode()
        assert re.findall(r'name="item_craving" value="(\w+)"', html) == ["yes", "no"]
        assert 'name="under_medical_supervision"' in html and 'name="remission"' in html
        assert 'value="on_maintenance_therapy"' in html
        assert "not a diagnosis" in html
        assert 'name="last_use_at"' not in html

    def test_the_dsm5_checklist_can_be_worded_in_spanish(self, world: World, as_role) -> None:
        html = as_role(Role.COUNSELLOR).get(record_url(world.patient, "dsm5-oud") + "?lang=es").content.decode()
        assert "En los últimos 12 meses" in html
        assert re.search(r'<option value="es" selected>', html)

    def test_an_unknown_instrument_is_404(self, world: World, as_role) -> None:
        assert as_role(Role.NURSE).get(record_url(world.patient, "ciwa")).status_code == 404


class TestRecording:
    def test_a_nurse_records_a_cows_and_sees_it_on_the_assessments_page(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        patient = world.patient
        given = local(patient, ago(minutes=30))
        data = form_data(
            patient,
            "cows",
            totalling("cows", 13),
            administered_at=given,
            context="induction",
            last_use_at=local(patient, ago(hours=16)),
            notes="Baseline before the first dose.",
        )
        response = client.post(record_url(patient, "cows"), data, follow=True)
        assert response.redirect_chain == [(page_url(patient) + "#instrument-cows", 302)]
        record = InstrumentRecord.objects.get()
        assert (record.instrument, record.total, record.band, record.context) == ("cows", 13, "moderate", "induction")
        assert record.answers == totalling("cows", 13)
        assert local(patient, record.administered_at) == given  # typed in the program's wall-clock time
        assert record.recorded_by == world.user(Role.NURSE) and record.notes == "Baseline before the first dose."
        html = response.content.decode()
        assert "COWS recorded: 13 (Moderate (13–24))." in html
        assert f'<tr id="record-{record.pk}">' in html
        assert shown(patient, record.administered_at) in html
        assert audit_actions(patient, "write", "instrument_recorded") == [
            ("write", "instrumentrecord", "nurse"),
            ("instrument_recorded", "instrumentrecord", "nurse"),
        ]

    def test_a_double_click_records_once(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        data = form_data(world.patient, "gad7", totalling("gad7", 8))
        client.post(record_url(world.patient, "gad7"), data)
        second = client.post(record_url(world.patient, "gad7"), data, follow=True)
        assert "already recorded; nothing was saved twice" in second.content.decode()
        assert InstrumentRecord.objects.count() == 1

    def test_a_phq9_with_item_9_says_so_at_once(self, world: World, as_role) -> None:
        answers = {**totalling("phq9", 0), "self_harm": 2}
        response = as_role(Role.COUNSELLOR).post(
            record_url(world.patient, "phq9"), form_data(world.patient, "phq9", answers), follow=True
        )
        html = response.content.decode()
        assert "PHQ-9 recorded: 2 (Minimal (0–4))." in html
        assert '<li class="error">Item 9' in html and "988" in html
        assert InstrumentRecord.objects.get().flags == ["self_harm"]

    def test_the_dsm5_checklist_with_supervision_and_remission(self, world: World, as_role) -> None:
        answers = criteria(1, include=("craving", "tolerance", "withdrawal"))
        data = form_data(
            world.patient,
            "dsm5-oud",
            answers,
            under_medical_supervision="on",
            remission="sustained",
            specifiers=["on_maintenance_therapy", "in_controlled_environment"],
            language="es",
        )
        response = as_role(Role.PRESCRIBER).post(record_url(world.patient, "dsm5-oud"), data, follow=True)
        record = InstrumentRecord.objects.get()
        assert (record.total, record.band, record.under_medical_supervision) == (2, "mild", True)
        assert record.remission == "sustained" and record.language == "es"
        assert record.specifiers == ["on_maintenance_therapy", "in_controlled_environment"]
        html = response.content.decode()
        assert "Sustained remission, on maintenance therapy, in a controlled environment" in html
        assert "Tolerance and withdrawal not counted" in html


class TestRefused:
    def test_a_missing_answer_is_named_next_to_its_item_and_nothing_is_saved(self, world: World, as_role) -> None:
        data = form_data(world.patient, "cows", totalling("cows", 10))
        del data["item_tremor"]
        response = as_role(Role.NURSE).post(record_url(world.patient, "cows"), data)
        assert response.status_code == 422
        html = response.content.decode()
        assert "Choose an answer for this item." in item_errors(html, "tremor")
        assert "Nothing was saved" in html
        assert_references_resolve(html)
        # What was chosen stays chosen.
        assert re.search(r'name="item_pulse" value="4" required id="id_item_pulse_3" checked', html)
        assert not InstrumentRecord.objects.exists()

    def test_a_score_outside_the_items_set_is_refused(self, world: World, as_role) -> None:
        data = form_data(world.patient, "cows", {**totalling("cows", 0), "gooseflesh": "1", "pulse": "3"})
        response = as_role(Role.NURSE).post(record_url(world.patient, "cows"), data)
        assert response.status_code == 422
        html = response.content.decode()
        assert "1 is not an allowed answer for this item; allowed: 0, 3, 5." in item_errors(html, "gooseflesh")
        assert "3 is not an allowed answer" in item_errors(html, "pulse")
        assert not InstrumentRecord.objects.exists()

    @pytest.mark.parametrize(
        ("when", "words"),
        [("future", "in the future"), ("long_ago", "more than 30 days ago")],
    )
    def test_a_time_in_the_future_or_too_long_ago_is_refused(
        self, world: World, as_role, when: str, words: str
    ) -> None:
        at = timezone.now() + dt.timedelta(hours=2) if when == "future" else ago(days=31)
        data = form_data(world.patient, "gad7", totalling("gad7", 3), administered_at=local(world.patient, at))
        response = as_role(Role.NURSE).post(record_url(world.patient, "gad7"), data)
        assert response.status_code == 422
        errors = re.search(
            r'<ul class="errorlist" id="id_administered_at_error">(.*?)</ul>', response.content.decode(), re.S
        )
        assert errors is not None and words in errors.group(1)
        assert not InstrumentRecord.objects.exists()

    def test_last_use_after_the_assessment_is_refused(self, world: World, as_role) -> None:
        data = form_data(
            world.patient,
            "cows",
            totalling("cows", 3),
            administered_at=local(world.patient, ago(hours=2)),
            last_use_at=local(world.patient, ago(hours=1)),
        )
        response = as_role(Role.NURSE).post(record_url(world.patient, "cows"), data)
        assert response.status_code == 422
        assert 'id="id_last_use_at_error"' in response.content.decode()


class TestAccess:
    @pytest.mark.parametrize("role", [Role.PATIENT, Role.PEER_MODERATOR, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER])
    def test_others_cannot_record(self, world: World, role: Role) -> None:
        client = sign_in(Client(), world.user(role))
        assert client.get(record_url(world.patient, "cows")).status_code == 403
        posted = client.post(record_url(world.patient, "cows"), form_data(world.patient, "cows", totalling("cows", 5)))
        assert posted.status_code == 403
        assert not InstrumentRecord.objects.exists()

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PRESCRIBER])
    def test_off_the_care_team_the_form_sends_to_break_glass(self, world: World, role: Role) -> None:
        client = sign_in(Client(), world.user(role))
        break_glass = f"/patients/{world.other_patient.pk}/break-glass/"
        for response in (
            client.get(record_url(world.other_patient, "cows")),
            client.post(
                record_url(world.other_patient, "cows"), form_data(world.other_patient, "cows", totalling("cows", 5))
            ),
        ):
            assert response.status_code == 302 and response["Location"] == break_glass
        assert not InstrumentRecord.objects.exists()

    def test_after_breaking_the_glass_the_prescriber_records_flagged(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.PRESCRIBER))
        reason = "Covering the induction clinic today."
        assert client.post(f"/patients/{world.other_patient.pk}/break-glass/", {"reason": reason}).status_code == 302
        data = form_data(world.other_patient, "cows", totalling("cows", 9))
        assert client.post(record_url(world.other_patient, "cows"), data).status_code == 302
        assert InstrumentRecord.objects.get().patient == world.other_patient
        access = AuditEvent.objects.get(patient_id=world.other_patient.pk, action="write")
        assert access.break_glass and access.reason == reason

    def test_the_nurse_records_for_anyone_in_the_program(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.NURSE))
        data = form_data(world.other_patient, "cows", totalling("cows", 9))
        assert client.post(record_url(world.other_patient, "cows"), data).status_code == 302

    def test_another_programs_patient_is_not_found(self, world: World, as_role) -> None:
        client = as_role(Role.NURSE)
        assert client.get(record_url(world.outsider_patient, "cows")).status_code == 404
        assert not InstrumentRecord.objects.exists()


def test_the_cows_item_ids_are_the_reference_order() -> None:
    assert [item.id for item in instruments.COWS.items] == COWS_IDS
