"""Stopping an order (reason required), and a prescriber's override of a window
finding for one clinic day (rule from the findings shown, reason required)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import MedicationOrder, RuleOverride
from waymark.meds.tests.conftest import today

COWS_RULE = "meds.buprenorphine.induction_readiness"


def stop_url(order: MedicationOrder) -> str:
    return reverse("meds:order_stop", args=[order.patient_id, order.pk])


class TestStopOrder:
    def test_it_needs_a_reason_and_saves_nothing_without_one(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(stop_url(on_methadone), {"reason": "   "})
        assert response.context["form"].errors["reason"] == ["Say why the order stops."]
        assert MedicationOrder.objects.get().status == "active"

    def test_it_stops_the_order_and_audits_the_reason(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(
            stop_url(on_methadone), {"reason": "Transferred to Bayside OTP"}, follow=True
        )
        assert "Stopped: Methadone oral solution 80 mg a day (version 1)." in response.content.decode()
        order = MedicationOrder.objects.get()
        assert (order.status, order.change_reason) == ("stopped", "Transferred to Bayside OTP")
        row = AuditEvent.objects.get(action="stop")
        assert (row.object_id, row.reason) == (str(order.pk), "Transferred to Bayside OTP")
        assert services.window_order(world.patient, today(world.patient)) is None

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_other_roles_cannot_stop_an_order(
        self, role: str, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        assert as_role(role).post(stop_url(on_methadone), {"reason": "No"}).status_code == 403
        assert MedicationOrder.objects.get().status == "active"


@pytest.fixture
def cows_below_threshold(world: World) -> MedicationOrder:
    """A first buprenorphine dose due today after a readiness check with COWS 5 (< 8)."""
    order, _ = services.prescribe(
        world.user(Role.PRESCRIBER),
        world.patient,
        services.OrderInput(
            medication=Medication.BUPRENORPHINE, slot_doses_mg=(Decimal(4),), start_on=today(world.patient)
        ),
    )
    now = timezone.now()
    services.record_readiness(
        world.user(Role.NURSE),
        world.patient,
        check_for="buprenorphine",
        assessed_at=now - dt.timedelta(minutes=10),
        last_use_at=now - dt.timedelta(hours=20),
        opioid_type="short_acting",
        cows_total=5,
    )
    return order


class TestDayOverride:
    def url(self, world: World) -> str:
        return reverse("meds:day_override", args=[world.patient.pk])

    def test_the_medication_page_shows_the_finding_and_offers_the_override(
        self, world: World, cows_below_threshold: MedicationOrder, as_role
    ) -> None:
        body = as_role("prescriber").get(reverse("meds:medication", args=[world.patient.pk])).content.decode()
        window = body.split('id="window"')[1].split("</section>")[0]
        assert "COWS 5 is below 8" in window
        assert self.url(world) in window

    def test_a_reason_is_required(self, world: World, cows_below_threshold: MedicationOrder, as_role) -> None:
        response = as_role("prescriber").post(self.url(world), {"rule_id": COWS_RULE, "reason": ""})
        assert response.context["form"].errors["reason"] == ["An override needs a written reason."]
        assert not RuleOverride.objects.exists()

    def test_only_a_rule_from_the_findings_shown_can_be_chosen(
        self, world: World, cows_below_threshold: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(
            self.url(world), {"rule_id": "meds.methadone.qtc", "reason": "Because I say so"}
        )
        assert response.context["form"].errors["rule_id"] == ["Choose one of the findings shown."]
        assert not RuleOverride.objects.exists()

    def test_the_override_holds_for_today_and_is_audited(
        self, world: World, cows_below_threshold: MedicationOrder, as_role
    ) -> None:
        reason = "COWS 5 but objective signs: dilated pupils, piloerection; start 2 mg and reassess"
        client = as_role("prescriber")
        assert client.post(self.url(world), {"rule_id": COWS_RULE, "reason": reason}).status_code == 302
        override = RuleOverride.objects.get()
        assert (override.rule_id, override.clinic_day, override.reason) == (COWS_RULE, today(world.patient), reason)
        assert AuditEvent.objects.filter(action="override", object_type=COWS_RULE, reason=reason).exists()
        again = client.get(self.url(world))
        assert "Nothing at the window needs an override today." in again.content.decode()

    def test_without_findings_there_is_nothing_to_override(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").get(self.url(world))
        assert response.status_code == 200
        assert "Nothing at the window needs an override today." in response.content.decode()
        assert response.context["form"] is None

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_only_prescribers_override(
        self, role: str, world: World, cows_below_threshold: MedicationOrder, as_role
    ) -> None:
        response = as_role(role).post(self.url(world), {"rule_id": COWS_RULE, "reason": "Looks fine to me"})
        assert response.status_code == 403
        assert not RuleOverride.objects.exists()
