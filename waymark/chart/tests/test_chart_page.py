from django.test import Client
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent


class TestChartPage:
    def test_it_shows_the_chart_to_the_care_team(self, world: World, as_role) -> None:
        response = as_role("counsellor").get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 200
        assert "Dana Whitlock" in response.content.decode()
        assert "1 Harbor St, Portland, ME" in response.content.decode()

    def test_it_writes_one_audit_row_per_read(self, world: World, as_role) -> None:
        client: Client = as_role("nurse")
        before = AuditEvent.objects.filter(patient_id=world.patient.pk).count()
        client.get(reverse("chart", args=[world.patient.pk]))
        rows = AuditEvent.objects.filter(patient_id=world.patient.pk).order_by("seq")
        assert rows.count() == before + 1
        last = rows.last()
        assert last is not None
        assert (last.action, last.actor_username, last.actor_role) == ("read", "nurse", "nurse")
