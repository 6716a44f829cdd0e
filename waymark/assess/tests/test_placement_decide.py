"""Deciding a placement (services_placement.decide_placement): accepting the
recommendation, or choosing another level of the same edition with a reason,
sets the episode's level of care and adds the step to its history; once per
assessment; audited; only counsellors and prescribers decide."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.assess import placement as rules
from waymark.assess import services_placement as services
from waymark.assess.models import PlacementAssessment
from waymark.assess.tests.placement_helpers import record
from waymark.chart.models import Episode, LevelOfCareChange
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def episode(world: World) -> Episode:
    return world.patient.episodes.get()


def decide(
    world: World, placement: PlacementAssessment, level: str, reason: str = "", role: Role = Role.COUNSELLOR
) -> services.Decided:
    return services.decide_placement(world.user(role), world.patient, placement, level=level, reason=reason)


class TestAccepting:
    def test_accepting_sets_the_episode_level_and_adds_the_step_to_its_history(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        assert placement.recommended_level == "3.1"
        decided = decide(world, placement, "3.1")
        assert decided.level_changed and decided.created
        placement.refresh_from_db()
        assert placement.decided_level == "3.1" and placement.decision_reason == ""
        assert placement.decided_by == world.user(Role.COUNSELLOR) and placement.decided_at is not None
        assert episode(world).level_of_care == "residential_long"
        step = LevelOfCareChange.objects.get()
        assert step.level_of_care == "residential_long"
        assert step.started_on == world.program.clinic_day()
        assert step.recorded_by == world.user(Role.COUNSELLOR)
        assert step.reason.startswith(f"Placement assessment #{placement.pk} of ")
        assert "accepted the recommended ASAM (edition 3) level 3.1" in step.reason

    def test_accepting_the_withdrawal_level_first_needs_no_reason(self, world: World) -> None:
        placement = record(
            world.user(Role.PRESCRIBER), world.patient, (3, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True
        )
        assert (placement.recommended_level, placement.recommended_withdrawal_level) == ("3.7", "3.7-WM")
        decide(world, placement, "3.7-WM", role=Role.PRESCRIBER)
        assert episode(world).level_of_care == "withdrawal_management"
        assert LevelOfCareChange.objects.get().level_of_care == "withdrawal_management"

    def test_already_at_that_level_records_the_decision_without_a_history_row(self, world: World) -> None:
        assert episode(world).level_of_care == "otp"
        placement = record(world.user(Role.COUNSELLOR), world.patient, wants_methadone=True)
        assert placement.recommended_level == "OTP"
        decided = decide(world, placement, "OTP")
        assert not decided.level_changed
        placement.refresh_from_db()
        assert placement.decided_level == "OTP"
        assert not LevelOfCareChange.objects.exists()
        assert AuditEvent.objects.filter(object_type="placementassessment", action="decide").count() == 1
        assert not AuditEvent.objects.filter(object_type="episode").exists()

    def test_4th_edition_methadone_at_an_outpatient_level_is_the_otp(self, world: World) -> None:
        Episode.objects.update(level_of_care="intensive_outpatient")
        world.program.rule_settings = {rules.EDITION: "4"}
        world.program.save()
        placement = record(world.user(Role.COUNSELLOR), world.patient, wants_methadone=True)
        assert placement.recommended_level == "1.5"
        decide(world, placement, "1.5")
        assert episode(world).level_of_care == "otp"

    def test_the_decision_and_the_episode_change_are_audited(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        decide(world, placement, "3.1")
        decision = AuditEvent.objects.get(object_type="placementassessment", action="decide")
        assert decision.object_id == str(placement.pk) and decision.reason == "accepted"
        change = AuditEvent.objects.get(object_type="episode", action="update")
        assert change.reason == "changed: level_of_care"


class TestAnotherLevel:
    def test_another_level_needs_a_reason(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        with pytest.raises(ValidationError) as caught:
            decide(world, placement, "2.1", reason="   ")
        assert caught.value.message_dict["reason"] == ["Say why you chose level 2.1 instead of the recommended 1."]
        placement.refresh_from_db()
        assert placement.decided_level == "" and episode(world).level_of_care == "otp"
        assert not LevelOfCareChange.objects.exists()
        assert not AuditEvent.objects.filter(action="decide").exists()

    def test_with_a_reason_it_is_recorded(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        decide(world, placement, "2.1", reason="  Works nights; evening group fits.  ")
        placement.refresh_from_db()
        assert (placement.decided_level, placement.decision_reason) == ("2.1", "Works nights; evening group fits.")
        step = LevelOfCareChange.objects.get()
        assert step.level_of_care == "intensive_outpatient" and "chose ASAM (edition 3) level 2.1" in step.reason
        entry = AuditEvent.objects.get(action="decide")
        assert entry.reason == "another level with a reason" and "nights" not in entry.reason

    @pytest.mark.parametrize(("edition", "level"), [("3", "1.7"), ("3", "sober living"), ("4", "3.2-WM"), ("4", "OTP")])
    def test_only_levels_of_the_edition_used(self, world: World, edition: str, level: str) -> None:
        world.program.rule_settings = {rules.EDITION: edition}
        world.program.save()
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        with pytest.raises(ValidationError) as caught:
            decide(world, placement, level, reason="Because.")
        assert caught.value.message_dict["level"][0].startswith(f"Choose a level of the ASAM edition {edition} used")
        assert not LevelOfCareChange.objects.exists()

    def test_a_reason_over_2000_characters_is_refused(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        with pytest.raises(ValidationError, match="At most 2000 characters"):
            decide(world, placement, "2.1", reason="x" * 2001)


class TestOnce:
    def test_a_second_different_decision_is_refused(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        decide(world, placement, "3.1")
        with pytest.raises(ValidationError, match="already decided"):
            decide(world, placement, "3.5", reason="Changed my mind.", role=Role.PRESCRIBER)
        placement.refresh_from_db()
        assert placement.decided_level == "3.1"
        assert LevelOfCareChange.objects.count() == 1

    def test_the_same_decision_sent_again_is_recorded_once(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        decide(world, placement, "3.1")
        again = decide(world, placement, "3.1")
        assert not again.created and not again.level_changed
        assert LevelOfCareChange.objects.count() == 1
        assert AuditEvent.objects.filter(action="decide").count() == 1

    def test_a_discharged_episode_is_not_changed(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        Episode.objects.update(discharged_on=dt.date(2026, 2, 1), discharge_reason="completed")
        with pytest.raises(ValidationError, match="discharged"):
            decide(world, placement, "3.1")
        assert not LevelOfCareChange.objects.exists()


class TestRoles:
    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
    def test_roles_without_placement_cannot_decide(self, world: World, role: Role) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient, (0, 0, 0, 0, 0, 3))
        with pytest.raises(PermissionDenied, match="cannot decide a level of care"):
            decide(world, placement, "3.1", role=role)
        placement.refresh_from_db()
        assert placement.decided_level == "" and not LevelOfCareChange.objects.exists()

    def test_a_placement_of_another_patient_is_refused(self, world: World) -> None:
        placement = record(world.user(Role.COUNSELLOR), world.patient)
        with pytest.raises(PermissionDenied, match="another patient"):
            services.decide_placement(world.user(Role.COUNSELLOR), world.other_patient, placement, level="1")
