"""Day-by-day plans: a taper or a low-dose buprenorphine induction is generated,
shown as an editable table, and saved as the order's plan days. Editing a plan
writes a new order version."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from waymark.conftest import World
from waymark.meds.models import MedicationOrder
from waymark.meds.tests.conftest import today

# REFERENCE.md §6: day 1 0.5 mg; 2: 0.5 mg ×2; 3: 1 mg ×2; 4: 2 mg ×2; 5: 2 mg ×3; 6: 4 mg ×3.
LOW_DOSE_INDUCTION = [["0.5"], ["0.5", "0.5"], ["1", "1"], ["2", "2"], ["2", "2", "2"], ["4", "4", "4"]]


def new_url(world: World) -> str:
    return reverse("meds:order_new", args=[world.patient.pk])


def form_data(world: World, action: str, **changes: str) -> dict[str, str]:
    return {
        "action": action,
        "medication": "buprenorphine",
        "kind": "low_dose_induction",
        "slot_doses_mg": "",
        "concentration_mg_per_ml": "",
        "frequency": "daily",
        "start_on": today(world.patient).isoformat(),
        "taper_interval_days": "7",
        "taper_floor_mg": "0",
        **changes,
    }


def with_rows(data: dict[str, str], rows: list[str]) -> dict[str, str]:
    """The posted plan table, as the browser sends it."""
    plan = {
        "plan-TOTAL_FORMS": str(len(rows)),
        "plan-INITIAL_FORMS": "0",
        "plan-MIN_NUM_FORMS": "1",
        "plan-MAX_NUM_FORMS": "731",
    }
    plan.update({f"plan-{n}-doses": doses for n, doses in enumerate(rows)})
    return {**data, **plan}


def shown_rows(response: Any) -> list[str]:
    formset = response.context["formset"]
    assert formset is not None, "no plan table on the page"
    return [row["doses"].value() for row in formset.forms]


def saved_plan(order: MedicationOrder) -> list[list[str]]:
    return [[format(Decimal(d).normalize(), "f") for d in p.slot_doses_mg] for p in order.plan_days.order_by("on")]


class TestLowDoseInduction:
    def test_the_generated_plan_is_exactly_the_reference_protocol(self, world: World, as_role) -> None:
        client: Client = as_role("prescriber")
        generated = client.post(new_url(world), form_data(world, "generate"))
        assert generated.status_code == 200
        assert shown_rows(generated) == [", ".join(day) for day in LOW_DOSE_INDUCTION]
        assert not MedicationOrder.objects.exists()  # generating saves nothing

        saved = client.post(new_url(world), with_rows(form_data(world, "save"), shown_rows(generated)))
        assert saved.status_code == 302, saved.context["form"].errors
        order = MedicationOrder.objects.get()
        assert order.kind == "low_dose_induction"
        assert saved_plan(order) == LOW_DOSE_INDUCTION
        start = today(world.patient)
        assert [p.on for p in order.plan_days.order_by("on")] == [start + dt.timedelta(days=n) for n in range(6)]
        assert [p.day for p in order.plan_days.order_by("on")] == [1, 2, 3, 4, 5, 6]
        assert order.slot_doses() == [Decimal("0.5")]  # the first day's dose
        assert order.stop_on == start + dt.timedelta(days=5)  # clinician's discretion after day 6

    def test_the_table_shows_each_day_with_its_date(self, world: World, as_role) -> None:
        body = as_role("prescriber").post(new_url(world), form_data(world, "generate")).content.decode()
        day6 = today(world.patient) + dt.timedelta(days=5)
        assert "Day 6</label>" in body
        assert day6.strftime("%Y-%m-%d") in body
        assert 'value="4, 4, 4"' in body

    def test_it_is_for_buprenorphine_only(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            new_url(world), form_data(world, "generate", medication="methadone", concentration_mg_per_ml="10")
        )
        assert response.context["form"].errors["medication"] == [
            "A low-dose induction is for sublingual buprenorphine."
        ]
        assert response.context["formset"] is None

    def test_a_plan_needs_a_plan_kind(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(new_url(world), form_data(world, "generate", kind="maintenance"))
        assert response.context["form"].errors["kind"] == [
            "A day-by-day plan belongs to a taper or a low-dose induction; choose one."
        ]

    def test_a_bad_day_is_marked_on_its_row_and_nothing_is_saved(self, world: World, as_role) -> None:
        rows = [", ".join(day) for day in LOW_DOSE_INDUCTION]
        rows[1] = "0.5,,0.5"
        rows[3] = "100"
        response = as_role("prescriber").post(new_url(world), with_rows(form_data(world, "save"), rows))
        assert response.status_code == 200
        formset = response.context["formset"]
        assert formset.forms[1].errors["doses"] == [
            "Separate the doses with commas, with a number between each: “60, 40”."
        ]
        assert not MedicationOrder.objects.exists()
        rows[1] = ""
        response = as_role("prescriber").post(new_url(world), with_rows(form_data(world, "save"), rows))
        assert response.context["formset"].forms[1].errors["doses"] == [
            "Enter this day's doses in mg, e.g. “0.5, 0.5”."
        ]
        assert not MedicationOrder.objects.exists()
        rows[1] = "0.5, 0.5"
        response = as_role("prescriber").post(new_url(world), with_rows(form_data(world, "save"), rows))
        assert response.context["formset"].forms[3].errors["doses"] == [
            "100 mg is outside 0.5–48 mg for Buprenorphine sublingual tablet; check the number."
        ]
        assert not MedicationOrder.objects.exists()

    def test_discarding_the_plan_removes_the_table(self, world: World, as_role) -> None:
        rows = [", ".join(day) for day in LOW_DOSE_INDUCTION]
        response = as_role("prescriber").post(new_url(world), with_rows(form_data(world, "discard_plan"), rows))
        assert response.context["formset"] is None
        assert 'name="slot_doses_mg"' in response.content.decode()
        assert not MedicationOrder.objects.exists()


class TestTaper:
    def taper(self, world: World, order: MedicationOrder, client: Client, action: str, **changes: str) -> Any:
        taper = {
            "medication": "methadone",
            "kind": "taper",
            "concentration_mg_per_ml": "10",
            "taper_start_mg": "80",
            "taper_step_mg": "10",
            "taper_interval_days": "7",
            "change_reason": "The person asked to taper off over two months",
        }
        data = form_data(world, action, **{**taper, **changes})
        return client.post(reverse("meds:order_change", args=[world.patient.pk, order.pk]), data)

    def test_a_taper_is_generated_edited_and_saved_as_a_new_version(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        client = as_role("prescriber")
        generated = self.taper(world, on_methadone, client, "generate")
        rows = shown_rows(generated)
        assert rows == [str(mg) for mg in (80, 70, 60, 50, 40, 30, 20, 10) for _ in range(7)]
        rows[9] = "65"  # day 10: a gentler step, chosen by the prescriber
        saved = client.post(
            reverse("meds:order_change", args=[world.patient.pk, on_methadone.pk]),
            with_rows(
                form_data(
                    world,
                    "save",
                    medication="methadone",
                    kind="taper",
                    concentration_mg_per_ml="10",
                    change_reason="The person asked to taper off over two months",
                ),
                rows,
            ),
        )
        assert saved.status_code == 302, saved.context["form"].errors
        v2 = MedicationOrder.objects.get(status="active")
        assert (v2.version, v2.kind, v2.series) == (2, "taper", on_methadone.series)
        plan = saved_plan(v2)
        assert len(plan) == 56
        assert plan[8] == ["70"] and plan[9] == ["65"] and plan[10] == ["70"]
        assert plan[-1] == ["10"]
        assert v2.stop_on == today(world.patient) + dt.timedelta(days=55)
        assert MedicationOrder.objects.get(pk=on_methadone.pk).status == "superseded"

    def test_missing_taper_parameters_are_named(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        response = self.taper(world, on_methadone, as_role("prescriber"), "generate", taper_step_mg="")
        assert response.context["form"].errors["taper_step_mg"] == ["Needed to generate a taper."]
        assert response.context["formset"] is None

    def test_a_floor_above_the_start_is_refused(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        response = self.taper(world, on_methadone, as_role("prescriber"), "generate", taper_floor_mg="90")
        assert response.context["form"].non_field_errors() == ["The taper's floor must be below its starting dose."]
        assert response.context["formset"] is None

    def test_a_taper_start_of_1000_mg_is_refused(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        response = self.taper(world, on_methadone, as_role("prescriber"), "generate", taper_start_mg="1000")
        assert response.context["form"].errors["taper_start_mg"] == [
            "1000 mg is outside 0.5–400 mg for Methadone oral solution; check the number."
        ]


class TestEditingAPlan:
    def test_the_change_form_shows_the_plan_and_saving_an_edit_writes_version_2(self, world: World, as_role) -> None:
        client = as_role("prescriber")
        rows = [", ".join(day) for day in LOW_DOSE_INDUCTION]
        client.post(new_url(world), with_rows(form_data(world, "save"), rows))
        v1 = MedicationOrder.objects.get()
        change = reverse("meds:order_change", args=[world.patient.pk, v1.pk])

        shown = client.get(change)
        assert shown_rows(shown) == rows
        assert shown.context["form"]["start_on"].value() == v1.start_on

        rows[5] = "4, 4"
        no_reason = client.post(change, with_rows(form_data(world, "save"), rows))
        assert no_reason.context["form"].errors["change_reason"]
        assert MedicationOrder.objects.count() == 1

        saved = client.post(
            change, with_rows(form_data(world, "save", change_reason="Sedated after day 5; hold at 8 mg"), rows)
        )
        assert saved.status_code == 302
        v2 = MedicationOrder.objects.get(status="active")
        assert v2.version == 2 and v2.series == v1.series
        assert saved_plan(v2)[5] == ["4", "4"]
        assert saved_plan(MedicationOrder.objects.get(pk=v1.pk)) == LOW_DOSE_INDUCTION  # history kept
