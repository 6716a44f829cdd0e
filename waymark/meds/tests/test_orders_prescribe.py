"""The prescriber's order form: a new order, a changed order (a new version), and
the rules' findings shown before anything is saved."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds.models import MedicationOrder, RuleOverride
from waymark.meds.tests.conftest import today


def new_url(world: World) -> str:
    return reverse("meds:order_new", args=[world.patient.pk])


def change_url(order: MedicationOrder) -> str:
    return reverse("meds:order_change", args=[order.patient_id, order.pk])


def order_data(world: World, **changes: str) -> dict[str, str]:
    data = {
        "action": "save",
        "medication": "methadone",
        "kind": "maintenance",
        "slot_doses_mg": "30",
        "concentration_mg_per_ml": "10",
        "frequency": "daily",
        "start_on": today(world.patient).isoformat(),
        "stop_on": "",
        "instructions": "",
        "change_reason": "",
        **changes,
    }
    return data


def errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


class TestNewOrder:
    def test_methadone_80_mg_start_asks_for_a_reason_then_saves_version_1(self, world: World, as_role) -> None:
        client: Client = as_role("prescriber")
        first = client.post(new_url(world), order_data(world, slot_doses_mg="80"))
        assert first.status_code == 200
        body = first.content.decode()
        assert "meds.methadone.first_day_limit" in body
        assert "A first-day methadone total of 80 mg is above 40 mg." in body
        assert 'name="override_reason"' in body
        assert not MedicationOrder.objects.exists()

        saved = client.post(
            new_url(world),
            order_data(world, slot_doses_mg="80", override_reason="Transferred from Elm Street OTP on 80 mg"),
        )
        assert saved.status_code == 302
        assert saved["Location"].startswith(reverse("meds:medication", args=[world.patient.pk]))
        order = MedicationOrder.objects.get()
        assert (order.version, order.status, order.dose_mg, order.slot_doses()) == (1, "active", 80, [80])
        assert order.concentration_mg_per_ml == 10
        assert order.override_reason == "Transferred from Elm Street OTP on 80 mg"
        row = AuditEvent.objects.get(action="prescribe")
        assert (row.object_type, row.object_id, row.actor_username) == ("medicationorder", str(order.pk), "prescriber")
        assert RuleOverride.objects.filter(rule_id="meds.methadone.first_day_limit", object_id=str(order.pk)).exists()

    def test_the_override_field_is_not_offered_before_the_rules_ask_for_it(self, world: World, as_role) -> None:
        body = as_role("prescriber").get(new_url(world)).content.decode()
        assert 'name="override_reason"' not in body
        assert 'name="slot_doses_mg"' in body

    @pytest.mark.parametrize(
        ("doses", "needs_override"),
        [("30, 10", False), ("30, 11", True), ("31", True), ("30", False)],
    )
    def test_the_first_day_limit_is_40_mg_and_the_first_dose_30_mg(
        self, doses: str, needs_override: bool, world: World, as_role
    ) -> None:
        response = as_role("prescriber").post(new_url(world), order_data(world, slot_doses_mg=doses))
        if needs_override:
            assert response.status_code == 200
            assert "meds.methadone.first_day_limit" in response.content.decode()
            assert not MedicationOrder.objects.exists()
        else:
            assert response.status_code == 302
            assert [str(d) for d in MedicationOrder.objects.get().slot_doses()] == [d.strip() for d in doses.split(",")]

    def test_a_split_dose_is_saved_as_slots(self, world: World, as_role) -> None:
        as_role("prescriber").post(new_url(world), order_data(world, slot_doses_mg="20 mg, 10 mg"))
        order = MedicationOrder.objects.get()
        assert order.slot_doses() == [20, 10]
        assert order.dose_mg == 30

    def test_warnings_are_shown_after_saving(self, world: World, as_role) -> None:
        start = today(world.patient)
        response = as_role("prescriber").post(
            new_url(world),
            order_data(
                world,
                medication="lofexidine",
                slot_doses_mg="0.54, 0.54, 0.54, 0.54",
                concentration_mg_per_ml="",
                stop_on=(start + dt.timedelta(days=19)).isoformat(),
            ),
            follow=True,
        )
        body = response.content.decode()
        assert "Order saved: Lofexidine tablet 2.16 mg a day (version 1)." in body
        assert "A 20-day course is longer than the labelled 14 days" in body
        assert MedicationOrder.objects.get().stop_on == start + dt.timedelta(days=19)

    def test_a_stop_date_before_the_start_is_refused(self, world: World, as_role) -> None:
        stop = today(world.patient) - dt.timedelta(days=1)
        response = as_role("prescriber").post(new_url(world), order_data(world, stop_on=stop.isoformat()))
        assert errors(response, "stop_on") == ["The stop date is before the start date."]
        assert not MedicationOrder.objects.exists()


class TestBadInput:
    @pytest.mark.parametrize(
        ("doses", "message"),
        [
            ("0", "A dose must be more than 0 mg (got 0)."),
            ("1000", "1000 mg is outside 0.5–400 mg for Methadone oral solution; check the number."),
            ("1,000", "“1,000”: commas separate doses; write numbers without a thousands separator."),
            ("sixty", "“sixty” is not a number of mg."),
            ("60,,20", "Separate the doses with commas, with a number between each: “60, 40”."),
            ("", "Enter the dose in mg: “80”, or “60, 40” for a split dose."),
            ("5,5,5,5,5,5,5", "At most 6 doses a day (got 7)."),
            ("-5", "A dose must be more than 0 mg (got -5)."),
            ("0.0001", "0.0001 mg has more than three decimal places."),
        ],
    )
    def test_a_bad_dose_says_what_is_wrong_and_saves_nothing(
        self, doses: str, message: str, world: World, as_role
    ) -> None:
        response = as_role("prescriber").post(new_url(world), order_data(world, slot_doses_mg=doses))
        assert response.status_code == 200
        assert errors(response, "slot_doses_mg") == [message]
        assert not MedicationOrder.objects.exists()

    def test_a_liquid_needs_its_concentration(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(new_url(world), order_data(world, concentration_mg_per_ml=""))
        assert errors(response, "concentration_mg_per_ml") == [
            "Methadone oral solution is a liquid: enter its concentration in mg/mL."
        ]
        assert not MedicationOrder.objects.exists()

    def test_a_tablet_has_no_concentration(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            new_url(world), order_data(world, medication="buprenorphine", slot_doses_mg="4")
        )
        assert errors(response, "concentration_mg_per_ml") == [
            "Buprenorphine sublingual tablet is not a liquid; leave the concentration empty."
        ]
        assert not MedicationOrder.objects.exists()

    def test_an_injection_must_be_every_28_days(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            new_url(world),
            order_data(world, medication="naltrexone_xr", slot_doses_mg="380", concentration_mg_per_ml=""),
        )
        assert errors(response, "frequency") == ["Naltrexone extended-release injection is given every 28 days."]
        assert not MedicationOrder.objects.exists()

    def test_a_start_date_years_away_is_questioned(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(new_url(world), order_data(world, start_on="2062-01-05"))
        assert errors(response, "start_on") == ["2062-01-05 is more than a year from today; check the year."]
        assert not MedicationOrder.objects.exists()


class TestChangeOrder:
    def test_a_change_to_90_mg_makes_version_2_in_the_same_series(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(
            change_url(on_methadone),
            order_data(world, slot_doses_mg="90", change_reason="Withdrawal symptoms by evening"),
        )
        assert response.status_code == 302
        v1 = MedicationOrder.objects.get(pk=on_methadone.pk)
        v2 = MedicationOrder.objects.get(status="active")
        assert v1.status == "superseded" and v1.ended_at is not None
        assert (v2.version, v2.series, v2.dose_mg) == (2, v1.series, 90)
        assert v2.change_reason == "Withdrawal symptoms by evening"
        actions = list(AuditEvent.objects.filter(object_type="medicationorder").values_list("action", "object_id"))
        assert ("supersede", str(v1.pk)) in actions and ("prescribe", str(v2.pk)) in actions

    def test_the_change_form_starts_from_the_active_order(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        form = as_role("prescriber").get(change_url(on_methadone)).context["form"]
        assert form["slot_doses_mg"].value() == "80"
        assert form["medication"].value() == "methadone"
        assert form.fields["medication"].disabled

    def test_a_change_needs_a_reason(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        response = as_role("prescriber").post(change_url(on_methadone), order_data(world, slot_doses_mg="90"))
        assert errors(response, "change_reason") == [
            "Say why the order changes: it replaces the active Methadone oral solution order (80 mg, version 1)."
        ]
        assert MedicationOrder.objects.get().version == 1

    def test_a_new_order_for_a_medication_already_active_also_needs_a_reason(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(new_url(world), order_data(world, slot_doses_mg="85"))
        assert errors(response, "change_reason")
        assert MedicationOrder.objects.count() == 1

    def test_an_increase_of_20_mg_shows_the_finding_and_saves_nothing(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(
            change_url(on_methadone), order_data(world, slot_doses_mg="100", change_reason="Ongoing cravings")
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "meds.methadone.dose_increase_step" in body
        assert "An increase of 20 mg in one step" in body
        assert 'name="override_reason"' in body
        assert MedicationOrder.objects.get().dose_mg == 80
        assert not RuleOverride.objects.filter(rule_id="meds.methadone.dose_increase_step").exists()
        assert not AuditEvent.objects.filter(action="override", object_type="meds.methadone.dose_increase_step")

    def test_with_a_reason_the_increase_is_saved_with_an_override_and_its_audit_row(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        reason = "Seen in clinic: sweating, yawning at 80 mg; observed for 2 h after"
        response = as_role("prescriber").post(
            change_url(on_methadone),
            order_data(world, slot_doses_mg="100", change_reason="Ongoing cravings", override_reason=reason),
        )
        assert response.status_code == 302
        v2 = MedicationOrder.objects.get(status="active")
        assert (v2.version, v2.dose_mg, v2.override_reason) == (2, 100, reason)
        assert v2.overridden[0]["rule_id"] == "meds.methadone.dose_increase_step"
        override = RuleOverride.objects.get(rule_id="meds.methadone.dose_increase_step")
        assert (override.reason, override.object_id, override.prescriber) == (
            reason,
            str(v2.pk),
            world.user("prescriber"),
        )
        audit = AuditEvent.objects.get(action="override", object_type="meds.methadone.dose_increase_step")
        assert audit.reason == reason

    def test_a_double_click_writes_one_version(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        client = as_role("prescriber")
        seen = client.get(new_url(world)).context["form"]["seen_orders"].value()
        assert seen == str(on_methadone.pk)
        data = order_data(world, slot_doses_mg="85", change_reason="Evening cravings", seen_orders=seen)
        assert client.post(new_url(world), data).status_code == 302
        second = client.post(new_url(world), data)
        assert second.status_code == 200
        assert second.context["form"].non_field_errors() == [
            "The Methadone oral solution order changed while you were writing this one (now version 2, 85 mg a day). "
            "Open the medication page again and review it first."
        ]
        again = client.post(change_url(on_methadone), data, follow=True)
        assert "is no longer active" in again.content.decode()
        assert MedicationOrder.objects.count() == 2

    def test_a_stopped_or_superseded_version_cannot_be_changed(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        client = as_role("prescriber")
        client.post(change_url(on_methadone), order_data(world, slot_doses_mg="85", change_reason="Evening cravings"))
        response = client.get(change_url(on_methadone), follow=True)
        assert "is no longer active; change the active version." in response.content.decode()


class TestWhoMayPrescribe:
    @pytest.mark.parametrize("role", ["counsellor", "nurse", "program_admin", "patient"])
    def test_other_roles_are_refused(self, role: str, world: World, on_methadone: MedicationOrder, as_role) -> None:
        client = as_role(role)
        assert client.get(new_url(world)).status_code == 403
        assert client.post(new_url(world), order_data(world)).status_code == 403
        assert client.post(change_url(on_methadone), order_data(world, change_reason="x")).status_code == 403
        assert MedicationOrder.objects.count() == 1

    def test_a_prescriber_off_the_care_team_is_asked_to_break_the_glass(self, world: World, as_role) -> None:
        response = as_role("prescriber").get(reverse("meds:order_new", args=[world.other_patient.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[world.other_patient.pk])

    def test_a_prescriber_of_another_program_gets_404(self, world: World, client: Client) -> None:
        sign_in(client, world.outsider_staff[Role.PRESCRIBER])
        assert client.get(new_url(world)).status_code == 404
