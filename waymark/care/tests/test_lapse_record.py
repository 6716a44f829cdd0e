"""Recording a lapse or relapse: a clinical event in the open episode that brings
the plan review forward, never a failure flag. Not in the future, not before the
episode began; the notes are encrypted at rest and the audit names fields only;
the wording is respectful; a double submit records once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from waymark.care import services_plans as services
from waymark.care.models import RecoveryEvent
from waymark.care.tests.plan_helpers import counsellor, days, episode, lapse_url, plan_url, signed, today
from waymark.chart.models import Episode
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NOTES = "Argument with partner; used once, called sponsor after"


def form(world: World, **changes: str) -> dict[str, str]:
    data = {
        "kind": "lapse",
        "occurred_on": f"{today(world.patient) - days(1):%Y-%m-%d}",
        "substances": "fentanyl",
        "notes": NOTES,
    }
    return {**data, **changes}


class TestRecording:
    def test_it_records_a_lapse_in_the_open_episode(self, world: World) -> None:
        client = sign_in(Client(), counsellor(world))
        response = client.post(lapse_url(world.patient), form(world), follow=True)
        event = RecoveryEvent.objects.get()
        assert event.episode == episode(world.patient) and event.kind == "lapse"
        assert event.recorded_by == counsellor(world) and event.notes == NOTES
        html = response.content.decode()
        assert f"Lapse on {event.occurred_on} recorded. It brings the plan review forward" in html

    def test_the_notes_are_encrypted_and_the_audit_names_fields_only(self, world: World) -> None:
        done = services.record_recovery_event(
            counsellor(world), world.patient, "relapse", today(world.patient), "alcohol", NOTES
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM care_recoveryevent WHERE id = %s", [done.event.pk])
            raw = str(cursor.fetchone()[0])
        assert "sponsor" not in raw and raw
        audit = AuditEvent.objects.get(action="recovery_event")
        assert audit.reason == "fields: kind, occurred_on, substances, notes" and audit.object_id == str(done.event.pk)

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"occurred_on": "tomorrow"}, "occurred_on", "That day is in the future: give the day it happened."),
            ({"occurred_on": "2026-01-04"}, "occurred_on", "That is before this episode began (2026-01-05)"),
            ({"occurred_on": ""}, "occurred_on", "Give the day it happened"),
            ({"kind": ""}, "kind", "Choose lapse (a single use) or relapse (a return to regular use)."),
        ],
    )
    def test_bad_input_is_named_and_nothing_is_saved(
        self, world: World, changes: dict[str, str], field: str, message: str
    ) -> None:
        if changes.get("occurred_on") == "tomorrow":
            changes["occurred_on"] = f"{today(world.patient) + days(1):%Y-%m-%d}"
        response = sign_in(Client(), counsellor(world)).post(lapse_url(world.patient), form(world, **changes))
        html = response.content.decode()
        assert response.status_code == 422
        assert f'id="lapse_{field}_error"><li>{message}' in html.replace("&#x27;", "'")
        assert RecoveryEvent.objects.count() == 0

    def test_without_an_open_episode_nothing_is_recorded(self, world: World) -> None:
        with pytest.raises(ValidationError, match="Elliot Marsh has no open episode of care"):
            services.record_recovery_event(counsellor(world), world.other_patient, "lapse", today(world.patient))
        Episode.objects.filter(patient=world.patient).update(
            discharged_on=today(world.patient), discharge_reason="other"
        )
        response = sign_in(Client(), counsellor(world)).post(lapse_url(world.patient), form(world))
        assert response.status_code == 422
        assert "Dana Whitlock has no open episode of care" in response.content.decode()
        assert RecoveryEvent.objects.count() == 0

    def test_a_double_submit_records_once(self, world: World) -> None:
        client = sign_in(Client(), counsellor(world))
        client.post(lapse_url(world.patient), form(world))
        response = client.post(lapse_url(world.patient), form(world), follow=True)
        assert "already recorded; nothing was saved twice" in response.content.decode()
        assert RecoveryEvent.objects.count() == 1
        # A different event the same day is its own record.
        client.post(lapse_url(world.patient), form(world, kind="relapse"))
        assert RecoveryEvent.objects.count() == 2


class TestOnThePlan:
    def test_it_brings_the_review_forward_and_the_words_are_respectful(self, world: World) -> None:
        signed(world, effective_on=today(world.patient) - days(10))
        client = sign_in(Client(), counsellor(world))
        client.post(lapse_url(world.patient), form(world))
        html = client.get(plan_url(world.patient)).content.decode()
        yesterday = today(world.patient) - days(1)
        assert f"Review overdue by 1 day</strong> (due {yesterday:%Y-%m-%d}), prompted by a lapse on" in html
        assert "Record a lapse or relapse" in html
        for word in ("failure", "failed", "dirty", "clean", "addict", "abuser"):
            assert word not in html.lower()

    def test_other_staff_see_the_event_but_not_its_notes(self, world: World) -> None:
        services.record_recovery_event(counsellor(world), world.patient, "lapse", today(world.patient), "", NOTES)
        nurse = sign_in(Client(), world.user(Role.NURSE)).get(plan_url(world.patient)).content.decode()
        assert "Lapse (a single use)" in nurse and "sponsor" not in nurse
        mine = sign_in(Client(), world.user(Role.PATIENT)).get(plan_url(world.patient)).content.decode()
        assert "sponsor" in mine
