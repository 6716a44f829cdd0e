"""GET orders, take-home limit, and the patient list filtered by medication."""

import datetime as dt
from decimal import Decimal

import pytest

from waymark.chart.models import Episode
from waymark.chart.tests.api_helpers import token_api
from waymark.conftest import World
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import MedicationOrder
from waymark.meds.tests.conftest import order_methadone, past_doses, today

pytestmark = pytest.mark.django_db


def _admit(world: World, admitted_on: dt.date) -> None:
    Episode.objects.filter(patient=world.patient).update(admitted_on=admitted_on)


class TestTakeHomeLimit:
    @pytest.mark.parametrize(("days", "supply"), [(0, 7), (14, 7), (15, 14), (30, 14), (31, 28), (400, 28)])
    def test_federal_2024_schedule_by_days_in_treatment(self, world: World, days: int, supply: int) -> None:
        on = dt.date(2026, 6, 1)
        _admit(world, on - dt.timedelta(days=days))
        body = (
            token_api(world.user(Role.NURSE))
            .get(f"/patients/{world.patient.pk}/take-home-limit?on={on.isoformat()}")
            .json()
        )
        assert body == {
            "days_in_treatment": days,
            "max_supply_days": supply,
            "schedule": "federal-2024",
            "rule_id": "meds.take_home.limit",
        }

    def test_program_schedule_and_pre_2024(self, world: World) -> None:
        world.program.rule_settings = {"meds.take_home.limit": "pre-2024"}
        world.program.save()
        _admit(world, dt.date(2026, 1, 1))
        api = token_api(world.user(Role.NURSE))
        body = api.get(f"/patients/{world.patient.pk}/take-home-limit?on=2026-04-01").json()  # day 90
        assert (body["max_supply_days"], body["schedule"]) == (1, "pre-2024")
        assert api.get(f"/patients/{world.patient.pk}/take-home-limit?on=2026-04-02").json()["max_supply_days"] == 2

    def test_not_in_treatment_and_bad_dates_are_422(self, world: World) -> None:
        api = token_api(world.user(Role.NURSE))
        before = api.get(f"/patients/{world.patient.pk}/take-home-limit?on=2025-12-31")
        assert before.status_code == 422
        assert "not in treatment" in before.json()["errors"][0]["message"]
        assert api.get(f"/patients/{world.patient.pk}/take-home-limit?on=2026-02-30").status_code == 422
        assert api.get(f"/patients/{world.outsider_patient.pk}/take-home-limit").status_code == 404


class TestOrdersApi:
    def test_active_first_with_hold(self, world: World) -> None:
        first = order_methadone(world, world.patient, "80")
        second, _ = services.prescribe(
            world.user(Role.PRESCRIBER),
            world.patient,
            services.OrderInput(
                medication=Medication.METHADONE,
                slot_doses_mg=(Decimal(90),),
                concentration_mg_per_ml=Decimal(10),
                start_on=today(world.patient),
                change_reason="Still craving in the afternoon",
            ),
        )
        services.place_hold(world.user(Role.PRESCRIBER), world.patient, reason="prescriber", note="QTc review")
        rows = token_api(world.user(Role.NURSE)).get(f"/patients/{world.patient.pk}/orders").json()
        assert [r["id"] for r in rows] == [second.pk, first.pk]
        assert rows[0]["active"] is True and rows[1]["active"] is False
        assert Decimal(rows[0]["dose_mg"]) == 90
        assert Decimal(rows[0]["concentration_mg_per_ml"]) == 10
        assert rows[0]["hold"]["note"] == "QTc review"
        assert rows[1]["hold"] is None
        assert MedicationOrder.objects.get(pk=first.pk).series == second.series

    def test_patients_filtered_by_medication(self, world: World) -> None:
        order = order_methadone(world, world.patient)
        past_doses(order, [today(world.patient)], world.user(Role.NURSE))
        api = token_api(world.user(Role.NURSE))
        on_methadone = api.get("/patients?medication=methadone").json()
        assert [p["id"] for p in on_methadone["results"]] == [world.patient.pk]
        assert api.get("/patients?medication=buprenorphine").json()["count"] == 0
        assert api.get("/patients").json()["count"] == 2
        assert api.get("/patients?medication=heroin").status_code == 422
