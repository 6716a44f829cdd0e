"""POST/GET /api/v1/patients/{id}/administrations: idempotent, checked against the order."""

import uuid
from collections.abc import Mapping

import pytest

from waymark.chart.tests.api_helpers import Response, token_api
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds.models import DoseAdministration, MedicationOrder

pytestmark = pytest.mark.django_db


def _post(world: World, body: Mapping[str, object], key: str | None = None, role: Role = Role.NURSE) -> Response:
    api = token_api(world.user(role))
    return api.post(
        f"/patients/{world.patient.pk}/administrations", body, HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4())
    )


class TestRecordAdministration:
    def test_created_then_same_key_returns_the_same_record(self, world: World, on_methadone: MedicationOrder) -> None:
        key = str(uuid.uuid4())
        body = {"amount_mg": "80", "concentration_mg_per_ml": "10", "slot": 1}
        first = _post(world, body, key)
        assert first.status_code == 201, first.content
        again = _post(world, body, key)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert first.json()["volume_ml"] == "8.00"
        assert DoseAdministration.objects.filter(patient=world.patient, outcome="observed").count() == 8
        assert AuditEvent.objects.filter(action="dose_observed", patient_id=world.patient.pk).count() == 1

    def test_another_key_for_the_same_slot_is_a_conflict_naming_the_record(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        body = {"amount_mg": "80", "concentration_mg_per_ml": "10", "slot": 1}
        first = _post(world, body)
        second = _post(world, body)
        assert second.status_code == 409
        assert second.json()["existing"]["id"] == first.json()["id"]
        assert "already recorded" in second.json()["detail"]

    def test_tenfold_error_is_blocked_and_nothing_saved(self, world: World, on_methadone: MedicationOrder) -> None:
        before = DoseAdministration.objects.count()
        response = _post(world, {"amount_mg": "8", "concentration_mg_per_ml": "10"})
        assert response.status_code == 422
        assert "10-fold" in response.json()["errors"][0]["message"]
        wrong_bottle = _post(world, {"amount_mg": "80", "concentration_mg_per_ml": "1"})
        assert wrong_bottle.status_code == 422
        assert "10-fold" in wrong_bottle.json()["errors"][0]["message"]
        assert DoseAdministration.objects.count() == before

    def test_missing_key_or_bad_amount_is_422(self, world: World, on_methadone: MedicationOrder) -> None:
        api = token_api(world.user(Role.NURSE))
        no_key = api.post(f"/patients/{world.patient.pk}/administrations", {"amount_mg": "80"})
        assert no_key.status_code == 422
        for amount in ("0", "1000.5", "-5", "eighty"):
            response = _post(world, {"amount_mg": amount, "concentration_mg_per_ml": "10"})
            assert response.status_code == 422, amount

    def test_prescriber_cannot_dose_and_outsider_sees_nothing(
        self, world: World, on_methadone: MedicationOrder
    ) -> None:
        body = {"amount_mg": "80", "concentration_mg_per_ml": "10"}
        assert _post(world, body, role=Role.PRESCRIBER).status_code == 403
        outsider = token_api(world.outsider_staff[Role.NURSE])
        response = outsider.post(
            f"/patients/{world.patient.pk}/administrations", body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        assert response.status_code == 404

    def test_history_lists_newest_first(self, world: World, on_methadone: MedicationOrder) -> None:
        _post(world, {"amount_mg": "80", "concentration_mg_per_ml": "10"})
        history = token_api(world.user(Role.NURSE)).get(f"/patients/{world.patient.pk}/administrations").json()
        assert len(history) == 8
        days = [row["clinic_day"] for row in history]
        assert days == sorted(days, reverse=True)
        assert history[0]["medication"] == "methadone"
