"""Planned level-of-care steps: planning one (another level, today or later, with
what should be true first), carrying it out (the episode's level changes and the
chart's level history gets the step, in one go), cancelling one. A date in the
past is refused with a named error and nothing is saved; only counsellors and
prescribers (Cap.CARE_PLAN) may do any of it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from waymark.care import services_levels
from waymark.care.models import PlannedTransition
from waymark.care.tests.caseload_helpers import on_caseload, today
from waymark.chart.models import Episode, LevelOfCareChange, Patient
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

D = dt.timedelta(days=1)


def plan_url(patient: Patient) -> str:
    episode = patient.episodes.get(discharged_on__isnull=True)
    return f"/care/patients/{patient.pk}/levels/{episode.pk}/steps/"


def step_url(step: PlannedTransition, action: str) -> str:
    return f"/care/patients/{step.episode.patient_id}/levels/steps/{step.pk}/{action}/"


def planned(world: World, patient: Patient, to_level: str = "outpatient", days: int = 7) -> PlannedTransition:
    return services_levels.plan_step(
        world.user(Role.COUNSELLOR),
        patient,
        patient.episodes.get(discharged_on__isnull=True),
        services_levels.StepInput(to_level, today(world) + days * D, "Four weeks without use"),
    ).transition


class TestPlan:
    def test_it_plans_a_step_with_its_criteria(self, world: World) -> None:
        person = on_caseload(world, 1)
        client = sign_in(Client(), world.user(Role.COUNSELLOR))
        day = today(world) + 14 * D
        response = client.post(
            plan_url(person), {"to_level": "outpatient", "planned_on": f"{day:%Y-%m-%d}", "criteria": "Stable housing"}
        )
        assert response.status_code == 302
        step = PlannedTransition.objects.get()
        assert (step.to_level, step.planned_on, step.criteria, step.status) == (
            "outpatient",
            day,
            "Stable housing",
            "planned",
        )
        html = client.get(response["Location"]).content.decode()
        assert f"Step to Standard outpatient planned for {day:%Y-%m-%d}." in html
        assert AuditEvent.objects.filter(
            action="create", object_type="plannedtransition", patient_id=person.pk
        ).exists()

    def test_today_is_allowed_and_a_double_click_saves_once(self, world: World) -> None:
        person = on_caseload(world, 1, counsellor=world.user(Role.PRESCRIBER))
        client = sign_in(Client(), world.user(Role.PRESCRIBER))
        data = {"to_level": "outpatient", "planned_on": f"{today(world):%Y-%m-%d}"}
        assert client.post(plan_url(person), data).status_code == 302
        assert client.post(plan_url(person), data).status_code == 302
        assert PlannedTransition.objects.count() == 1

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"planned_on": -1}, "planned_on", "is in the past: plan the step for today"),
            ({"planned_on": "2026-13-01"}, "planned_on", "Enter a date as YYYY-MM-DD."),
            ({"to_level": ""}, "to_level", "Choose the level of care to step to."),
            ({"to_level": "intensive_outpatient"}, "to_level", "Choose the level of care to step to."),  # current
        ],
    )
    def test_bad_input_is_refused_next_to_the_field_and_nothing_saved(
        self, world: World, data: dict[str, str | int], field: str, message: str
    ) -> None:
        person = on_caseload(world, 1)
        form = {"to_level": "outpatient", "planned_on": 1, **data}
        if isinstance(form["planned_on"], int):  # days from today
            form["planned_on"] = f"{today(world) + form['planned_on'] * D:%Y-%m-%d}"
        response = sign_in(Client(), world.user(Role.COUNSELLOR)).post(plan_url(person), form)
        assert response.status_code == 422
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html and message in html
        assert not PlannedTransition.objects.exists()

    def test_the_service_names_the_field_for_a_past_date_and_the_current_level(self, world: World) -> None:
        person = on_caseload(world, 1)
        episode = person.episodes.get()
        with pytest.raises(ValidationError) as caught:
            services_levels.plan_step(
                world.user(Role.COUNSELLOR),
                person,
                episode,
                services_levels.StepInput("intensive_outpatient", today(world) - D),
            )
        assert set(caught.value.message_dict) == {"to_level", "planned_on"}
        assert "already at Intensive outpatient" in caught.value.message_dict["to_level"][0]
        assert not PlannedTransition.objects.exists()

    def test_a_discharged_episode_takes_no_steps(self, world: World) -> None:
        person = on_caseload(world, 1)
        episode = person.episodes.get()
        Episode.objects.filter(pk=episode.pk).update(discharged_on=today(world), discharge_reason="completed")
        episode.refresh_from_db()
        with pytest.raises(ValidationError, match="steps are planned in an open episode"):
            services_levels.plan_step(
                world.user(Role.COUNSELLOR), person, episode, services_levels.StepInput("outpatient", today(world))
            )


class TestCarryOut:
    def test_it_changes_the_episodes_level_and_history_and_marks_the_step_done(self, world: World) -> None:
        person = on_caseload(world, 1)
        step = planned(world, person)
        yesterday = today(world) - D
        response = sign_in(Client(), world.user(Role.COUNSELLOR)).post(
            step_url(step, "carry-out"),
            {f"step{step.pk}-changed_on": f"{yesterday:%Y-%m-%d}", f"step{step.pk}-reason": ""},
        )
        assert response.status_code == 302
        episode = person.episodes.get()
        assert episode.level_of_care == "outpatient"
        change = episode.level_history.order_by("-pk").first()
        assert change is not None
        assert (change.level_of_care, change.started_on) == ("outpatient", yesterday)
        assert change.reason == f"Planned step (planned for {step.planned_on:%Y-%m-%d})"
        step.refresh_from_db()
        assert step.status == "done" and step.level_change == change
        html = sign_in(Client(), world.user(Role.COUNSELLOR)).get(response["Location"]).content.decode()
        assert f"Standard outpatient · {yesterday:%Y-%m-%d} – now" in html
        assert (
            f'<span class="badge active">Done</span> <span class="muted nowrap">from {yesterday:%Y-%m-%d}</span>'
            in html
        )

    @pytest.mark.parametrize(
        ("days", "message"),
        [(1, "is in the future"), (-61, "cannot be before the episode")],
    )
    def test_a_date_outside_the_episode_is_refused_and_nothing_changes(
        self, world: World, days: int, message: str
    ) -> None:
        person = on_caseload(world, 1)  # admitted 60 days ago
        step = planned(world, person)
        day = today(world) + days * D
        response = sign_in(Client(), world.user(Role.COUNSELLOR)).post(
            step_url(step, "carry-out"), {f"step{step.pk}-changed_on": f"{day:%Y-%m-%d}"}
        )
        assert response.status_code == 422 and message in response.content.decode()
        assert person.episodes.get().level_of_care == "intensive_outpatient"
        assert LevelOfCareChange.objects.filter(episode__patient=person).count() == 1
        step.refresh_from_db()
        assert step.status == "planned"

    def test_a_step_is_carried_out_once(self, world: World) -> None:
        person = on_caseload(world, 1)
        step = planned(world, person)
        services_levels.carry_out_step(world.user(Role.COUNSELLOR), person, step)
        with pytest.raises(ValidationError, match="This step is already done"):
            services_levels.carry_out_step(world.user(Role.COUNSELLOR), person, step)
        assert LevelOfCareChange.objects.filter(episode__patient=person).count() == 2


class TestCancel:
    def test_it_cancels_and_the_step_stays_listed(self, world: World) -> None:
        person = on_caseload(world, 1)
        step = planned(world, person)
        client = sign_in(Client(), world.user(Role.COUNSELLOR))
        assert client.post(step_url(step, "cancel")).status_code == 302
        step.refresh_from_db()
        assert step.status == "cancelled"
        assert person.episodes.get().level_of_care == "intensive_outpatient"
        html = client.get(f"/care/patients/{person.pk}/levels/").content.decode()
        assert '<span class="muted">Cancelled</span>' in html
        assert client.post(step_url(step, "cancel")).status_code == 422


class TestAccess:
    @pytest.mark.parametrize("action", ["plan", "carry-out", "cancel"])
    def test_a_nurse_cannot_change_steps(self, world: World, action: str) -> None:
        step = planned(world, world.patient, days=3)
        client = sign_in(Client(), world.user(Role.NURSE))
        url = plan_url(world.patient) if action == "plan" else step_url(step, action)
        response = client.post(url, {"to_level": "outpatient", "planned_on": f"{today(world) + D:%Y-%m-%d}"})
        assert response.status_code == 403
        step.refresh_from_db()
        assert step.status == "planned" and PlannedTransition.objects.count() == 1

    def test_the_service_refuses_a_role_without_care_plan(self, world: World) -> None:
        step = planned(world, world.patient)
        with pytest.raises(PermissionDenied, match="cannot carry out a level-of-care step"):
            services_levels.carry_out_step(world.user(Role.NURSE), world.patient, step)

    def test_a_step_of_someone_else_is_not_found(self, world: World) -> None:
        other = on_caseload(world, 1)
        step = planned(world, other)
        url = f"/care/patients/{world.patient.pk}/levels/steps/{step.pk}/cancel/"
        assert sign_in(Client(), world.user(Role.COUNSELLOR)).post(url).status_code == 404
        step.refresh_from_db()
        assert step.status == "planned"
