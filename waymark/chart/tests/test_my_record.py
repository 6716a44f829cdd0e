import datetime as dt

from django.urls import reverse

from waymark.chart.models import Disclosure
from waymark.conftest import World
from waymark.core.models import AuditEvent


class TestMyRecord:
    def test_a_patient_sees_their_consents_and_who_received_their_records(self, world: World, as_role) -> None:
        Disclosure.objects.create(
            patient=world.patient,
            consent=world.patient.consents.first(),
            disclosed_on=dt.date(2026, 3, 2),
            recipient="Primary care clinic",
            description="Current medication and dose",
            purpose="Coordination of care",
            recorded_by=world.user("program_admin"),
        )
        body = as_role("patient").get(reverse("home")).content.decode()
        assert "Who received your records" in body
        assert "Current medication and dose" in body
        assert "Primary care clinic" in body
        assert "You can take any of them back in writing" in body

    def test_it_shows_nothing_of_other_patients(self, world: World, as_role) -> None:
        Disclosure.objects.create(
            patient=world.other_patient,
            disclosed_on=dt.date(2026, 3, 2),
            recipient="Court",
            description="Attendance letter",
            purpose="Court order",
            recorded_by=world.user("program_admin"),
        )
        body = as_role("patient").get(reverse("home")).content.decode()
        assert "Attendance letter" not in body
        assert "Elliot" not in body

    def test_reading_it_is_audited(self, world: World, as_role) -> None:
        as_role("patient").get(reverse("home"))
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        assert (last.action, last.patient_id, last.actor_username) == ("read", world.patient.pk, "patient")
