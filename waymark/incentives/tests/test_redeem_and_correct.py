"""Redeeming a catalogue reward on the patient's incentives page, and ledger
corrections by the program admin. Entries are never changed: the balance is
the sum of the entries, a correction is a new entry with its reason."""

import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.incentives import services
from waymark.incentives.models import CmProgramme, LedgerEntry, Reward
from waymark.incentives.tests.helpers import D, days_ago, enrol, field_error, ledger_rows, programme

pytestmark = pytest.mark.django_db


def earn_20(world: World) -> None:
    """$20 on the ledger: two adherence days met under a fixed $10 reward."""
    enrollment = enrol(
        world,
        programme(
            world,
            "Doses as planned",
            target=CmProgramme.Target.ADHERENCE,
            schedule=CmProgramme.Schedule.FIXED,
            parameters={"amount": "10"},
        ),
    )
    for n in (2, 1):
        services.record_check(world.user(Role.COUNSELLOR), world.patient, enrollment, day=days_ago(world, n), met=True)


def reward(world: World, name: str, value: str, kind: str = "gift_card") -> Reward:
    return services.add_reward(world.user(Role.PROGRAM_ADMIN), name=name, kind=kind, value=D(value))


def page(world: World, action: str = "") -> str:
    return f"/incentives/patients/{world.patient.pk}/{action + '/' if action else ''}"


def redeem(client: Client, world: World, item: Reward, key: str | None = None) -> Any:
    return client.post(page(world, "redeem"), {"idempotency_key": key or str(uuid.uuid4()), "reward": item.pk})


def correct(client: Client, world: World, amount: str, note: str, key: str | None = None) -> Any:
    return client.post(
        page(world, "correct"), {"idempotency_key": key or str(uuid.uuid4()), "amount": amount, "note": note}
    )


class TestRedeem:
    def test_redeeming_on_the_page_takes_the_value_off_the_balance(self, world: World, as_role) -> None:
        earn_20(world)
        bus_pass = reward(world, "Bus pass (10 rides)", "7.50", "bus_pass")
        client = as_role("counsellor")
        response = redeem(client, world, bus_pass)
        assert response.status_code == 302
        entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REDEEMED)
        assert (entry.amount, entry.reward, entry.created_by) == (D("-7.50"), bus_pass, world.user(Role.COUNSELLOR))
        assert services.balance(world.patient) == D("12.50")
        assert AuditEvent.objects.filter(action="cm_redeem", patient_id=world.patient.pk).exists()
        html = client.get(response["Location"]).content.decode()
        assert "Redeemed: Bus pass (10 rides) ($7.50)." in html
        assert '<p class="balance" id="balance">$12.50</p>' in html
        ledger = html.split('id="ledger"')[1]
        assert "−$7.50" in ledger  # the redemption's amount, to the cent

    def test_a_reward_worth_more_than_the_balance_is_refused_naming_the_balance(self, world: World, as_role) -> None:
        earn_20(world)
        card = reward(world, "Grocery gift card", "25")
        before = ledger_rows(world.patient)
        response = redeem(as_role("counsellor"), world, card)
        assert response.status_code == 422
        assert "Grocery gift card costs $25.00; the balance is $20.00." in field_error(
            response.content.decode(), "reward"
        )
        assert ledger_rows(world.patient) == before

    def test_the_same_key_twice_redeems_once(self, world: World, as_role) -> None:
        earn_20(world)
        card = reward(world, "Pharmacy gift card", "5")
        client = as_role("nurse")
        key = str(uuid.uuid4())
        assert redeem(client, world, card, key).status_code == 302
        assert redeem(client, world, card, key).status_code == 302
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEMED).count() == 1
        assert services.balance(world.patient) == D(15)

    def test_a_reward_named_cash_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError) as caught:
            reward(world, "Cash", "10", "other")
        assert "never cash" in caught.value.message_dict["name"][0]
        assert not Reward.objects.exists()

    def test_another_programs_reward_cannot_be_redeemed(self, world: World, as_role) -> None:
        earn_20(world)
        elsewhere = services.add_reward(
            world.outsider_staff[Role.PROGRAM_ADMIN], name="Bus pass", kind="bus_pass", value=D(5)
        )
        response = redeem(as_role("counsellor"), world, elsewhere)
        assert response.status_code == 422
        assert field_error(response.content.decode(), "reward")
        with pytest.raises(ValidationError):
            services.redeem(world.user(Role.COUNSELLOR), world.patient, elsewhere, idempotency_key=str(uuid.uuid4()))
        assert services.balance(world.patient) == D(20)


class TestCorrect:
    def test_the_program_admin_corrects_with_a_reason_as_a_new_entry(self, world: World, as_role) -> None:
        earn_20(world)
        before = ledger_rows(world.patient)
        response = correct(as_role("program_admin"), world, "-4.50", "Entered twice on paper; see note 12.")
        assert response.status_code == 302
        after = ledger_rows(world.patient)
        assert after[: len(before)] == before  # nothing earlier was changed
        assert len(after) == len(before) + 1
        entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CORRECTION)
        assert (entry.amount, entry.note) == (D("-4.50"), "Entered twice on paper; see note 12.")
        assert services.balance(world.patient) == D("15.50")
        assert services.balance(world.patient) == LedgerEntry.objects.aggregate(s=Sum("amount"))["s"]
        event = AuditEvent.objects.get(action="cm_correction")
        assert event.reason == "Entered twice on paper; see note 12."

    def test_a_correction_needs_a_reason(self, world: World, as_role) -> None:
        earn_20(world)
        response = correct(as_role("program_admin"), world, "5", "")
        assert response.status_code == 422
        assert field_error(response.content.decode(), "note")
        with pytest.raises(ValidationError) as caught:
            services.correct(
                world.user(Role.PROGRAM_ADMIN), world.patient, amount=D(5), note="   ", idempotency_key="k-12345678"
            )
        assert "Say why" in caught.value.message_dict["note"][0]
        assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION).exists()

    def test_a_correction_may_not_take_the_balance_below_zero(self, world: World, as_role) -> None:
        earn_20(world)
        response = correct(as_role("program_admin"), world, "-20.01", "Reversing both awards.")
        assert response.status_code == 422
        assert "below $0" in field_error(response.content.decode(), "amount")
        assert services.balance(world.patient) == D(20)
        assert correct(as_role("program_admin"), world, "-20", "Reversing both awards.").status_code == 302
        assert services.balance(world.patient) == 0

    def test_only_the_program_admin_corrects(self, world: World, as_role) -> None:
        earn_20(world)
        assert correct(as_role("nurse"), world, "5", "Missed award.").status_code == 403
        assert correct(as_role("counsellor"), world, "5", "Missed award.").status_code == 403
        with pytest.raises(PermissionDenied):
            services.correct(
                world.user(Role.NURSE), world.patient, amount=D(5), note="Missed award.", idempotency_key="k-12345678"
            )
        assert services.balance(world.patient) == D(20)

    def test_the_correction_form_is_shown_to_the_program_admin_only(self, world: World, as_role) -> None:
        assert 'id="correct"' not in as_role("nurse").get(page(world)).content.decode()
        assert 'id="correct"' in as_role("program_admin").get(page(world)).content.decode()
