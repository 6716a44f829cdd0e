"""The preparing-for-treatment checklist: the six sections of the public checklist (public/checklist.py)
tracked per episode. "Does not apply" counts as complete, a section never touched is to do; an unknown
section or status is refused by name with nothing saved; the page has one Save for all six, the person
reads their own, a nurse reads without the form."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.html import escape

from waymark.care import services_aftercare as services
from waymark.care.models import PreparationStep
from waymark.chart.models import Episode
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.public.checklist import CHECKLIST

pytestmark = pytest.mark.django_db

IDS = [s.id for s in CHECKLIST]


def episode(world: World) -> Episode:
    return world.patient.episodes.get()


def set_step(world: World, section: str, status: str, note: str = "") -> bool:
    return services.set_preparation_step(
        world.user(Role.COUNSELLOR), world.patient, episode(world), section, status, note
    )


def url(world: World) -> str:
    return f"/care/patients/{world.patient.pk}/preparation/"


def form(**changes: str) -> dict[str, str]:
    data = {f"{sid}_status": "to_do" for sid in IDS} | {f"{sid}_note": "" for sid in IDS}
    return data | changes


class TestProgress:
    def test_untouched_sections_are_to_do_in_checklist_order(self, world: World) -> None:
        progress = services.preparation_progress(episode(world))
        assert (
            [r.section.id for r in progress.sections]
            == IDS
            == ["admissions", "bills", "children", "pets", "work", "bring"]
        )
        assert (progress.done, progress.not_needed, progress.complete, progress.total) == (0, 0, 0, 6)
        assert progress.label == "0 of 6 done"

    def test_does_not_apply_counts_as_complete(self, world: World) -> None:
        set_step(world, "admissions", "done")
        set_step(world, "work", "done", "Leave agreed with HR")
        set_step(world, "pets", "not_needed")
        set_step(world, "bills", "to_do", "Rent due on the 1st")
        progress = services.preparation_progress(episode(world))
        assert (progress.done, progress.not_needed, progress.complete) == (2, 1, 3)
        assert progress.label == "3 of 6 done (1 does not apply)"
        assert [r.status for r in progress.sections] == ["done", "to_do", "to_do", "not_needed", "done", "to_do"]

    def test_changes_are_audited_by_section_and_field_never_the_note(self, world: World) -> None:
        assert set_step(world, "bills", "done", "Rent set to autopay")
        assert not set_step(world, "bills", "done", "Rent set to autopay")  # nothing changed
        assert set_step(world, "bills", "done", "Rent and phone on autopay")
        reasons = list(AuditEvent.objects.filter(action="preparation_step").values_list("reason", flat=True))
        assert reasons == ["bills: changed status, note", "bills: changed note"]

    @pytest.mark.parametrize(
        ("section", "status", "note", "field"),
        [("garden", "done", "", "section"), ("pets", "finished", "", "status"), ("pets", "done", "x" * 301, "note")],
    )
    def test_bad_input_is_named_and_nothing_is_saved(
        self, world: World, section: str, status: str, note: str, field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            set_step(world, section, status, note)
        assert list(caught.value.message_dict) == [field]
        assert PreparationStep.objects.count() == 0

    def test_one_bad_section_saves_none_of_the_others(self, world: World) -> None:
        steps = {"admissions": services.StepInput("done"), "pets": services.StepInput("finished")}
        with pytest.raises(ValidationError) as caught:
            services.set_preparation_steps(world.user(Role.COUNSELLOR), world.patient, episode(world), steps)
        assert list(caught.value.message_dict) == ["pets.status"] and PreparationStep.objects.count() == 0

    def test_a_discharged_episode_is_not_changed(self, world: World) -> None:
        Episode.objects.filter(patient=world.patient).update(discharged_on=dt.date(2026, 3, 1))
        with pytest.raises(ValidationError, match="ended on 2026-03-01"):
            set_step(world, "bills", "done")


class TestPage:
    def test_the_counsellor_saves_all_six_at_once(self, world: World, django_assert_max_num_queries: Any) -> None:
        client = sign_in(Client(), world.user(Role.COUNSELLOR))
        with django_assert_max_num_queries(14):
            html = client.get(url(world)).content.decode()
        assert "0 of 6 done" in html and escape(str(CHECKLIST[3].items[1])) in html  # the items are listed
        changes = {"admissions_status": "done", "children_status": "not_needed", "work_status": "done"}
        response = client.post(url(world), form(**changes, pets_note="Neighbour feeds the cat"))
        assert response.status_code == 302
        html = client.get(url(world)).content.decode()
        assert "3 of 6 done (1 does not apply)" in html and "Checklist saved (4 sections)." in html

    def test_a_bad_status_is_shown_next_to_its_section(self, world: World) -> None:
        client = sign_in(Client(), world.user(Role.COUNSELLOR))
        response = client.post(url(world), form(pets_status="finished"))
        assert response.status_code == 422 and 'id="id_pets_status_error"' in response.content.decode()
        assert PreparationStep.objects.count() == 0

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.NURSE])
    def test_readers_see_the_progress_without_a_form_and_cannot_post(self, world: World, role: Role) -> None:
        set_step(world, "bring", "done")
        client = sign_in(Client(), world.user(role))
        html = client.get(url(world)).content.decode()
        assert "1 of 6 done" in html and "Save the checklist" not in html and "Photo ID" in html
        assert client.post(url(world), form(bills_status="done")).status_code == 403
        assert PreparationStep.objects.count() == 1
