"""Recording a placement assessment (services_placement.record_placement): the
ratings, facts and the recommendation with its reasons are stored as the rules
gave them; bad input names the field (a dimension by number and name) and saves
nothing; a retried request records once; every write is audited."""

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.assess import placement as rules
from waymark.assess import services_placement as services
from waymark.assess.models import PlacementAssessment
from waymark.assess.tests.placement_helpers import placement_input, record
from waymark.chart.models import Episode
from waymark.conftest import World
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def counsellor(world: World) -> User:
    return world.user(Role.COUNSELLOR)


def assert_nothing_saved() -> None:
    assert PlacementAssessment.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="placementassessment").exists()


class TestRecording:
    def test_it_stores_the_ratings_facts_and_the_recommendation_with_its_reasons(self, world: World) -> None:
        data = placement_input(
            (1, 2, 0, 1, 1, 1),
            home_safe=False,
            support="none",
            prior_treatment_attempts=1,
            prior_relapses=2,
            needs_supervised_withdrawal=True,
            notes={2: "  Hepatitis C, untreated.  ", 3: "   "},
            co_occurring=True,
            co_occurring_notes=" Depression ",
        )
        recorded = services.record_placement(counsellor(world), world.patient, data)
        assert recorded.created
        placement = PlacementAssessment.objects.get()
        assert placement.episode == world.patient.episodes.get()
        assert placement.edition == "3"
        assert placement.ratings == {"1": 1, "2": 2, "3": 0, "4": 1, "5": 1, "6": 1}
        assert placement.notes == {"2": "Hepatitis C, untreated."}
        assert placement.co_occurring_notes == "Depression"
        assert (placement.home_safe, placement.support, placement.prior_relapses) == (False, "none", 2)
        assert placement.recommended_level == "3.1"
        assert placement.recommended_withdrawal_level == "3.2-WM"
        expected = rules.recommend(services.facts_of(data, "3"))
        assert placement.reasons == expected.reason_texts
        assert placement.reasons[0].startswith("The home is not safe")
        assert placement.decided_level == "" and placement.recorded_by == counsellor(world)

    def test_the_programs_edition_names_the_dimensions_and_levels(self, world: World) -> None:
        world.program.rule_settings = {rules.EDITION: "4"}
        world.program.save()
        placement = record(counsellor(world), world.patient, (0, 0, 0, 0, 0, 0))
        assert (placement.edition, placement.recommended_level) == ("4", "1.0")

    def test_the_stored_reasons_stay_when_the_program_changes_its_rules(self, world: World) -> None:
        placement = record(counsellor(world), world.patient, prior_treatment_attempts=3, prior_relapses=3)
        assert placement.recommended_level == "3.7"
        world.program.rule_settings = {rules.MANY_PRIOR_ATTEMPTS: {"attempts": 10, "relapses": 10}}
        world.program.save()
        placement.refresh_from_db()
        assert placement.recommended_level == "3.7" and "start inpatient" in placement.reasons[0]

    def test_it_is_audited_without_clinical_values(self, world: World) -> None:
        placement = record(counsellor(world), world.patient)
        entry = AuditEvent.objects.get(object_type="placementassessment")
        assert (entry.action, entry.patient_id, entry.object_id) == ("create", world.patient.pk, str(placement.pk))
        assert entry.actor_id == counsellor(world).pk and entry.reason == ""

    def test_the_same_key_records_once(self, world: World) -> None:
        data = placement_input()
        first = services.record_placement(counsellor(world), world.patient, data)
        again = services.record_placement(counsellor(world), world.patient, data)
        assert first.created and not again.created
        assert again.placement.pk == first.placement.pk
        assert PlacementAssessment.objects.count() == 1
        assert AuditEvent.objects.filter(object_type="placementassessment").count() == 1

    def test_a_key_reused_for_another_assessment_is_refused(self, world: World) -> None:
        data = placement_input()
        services.record_placement(counsellor(world), world.patient, data)
        other = placement_input((4, 4, 4, 4, 4, 4), idempotency_key=data.idempotency_key)
        with pytest.raises(services.KeyReused, match="different assessment"):
            services.record_placement(counsellor(world), world.patient, other)
        assert PlacementAssessment.objects.count() == 1

    def test_string_dimension_numbers_work(self, world: World) -> None:
        data = replace(placement_input(), ratings={"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 2})
        placement = services.record_placement(counsellor(world), world.patient, data).placement
        assert placement.recommended_level == "2.1"

    def test_notes_of_2000_characters_are_kept(self, world: World) -> None:
        placement = record(counsellor(world), world.patient, notes={1: "x" * 2000})
        assert len(placement.notes["1"]) == 2000


class TestBadInputSavesNothing:
    @pytest.mark.parametrize("bad", [5, -1, "2", None, True])
    def test_a_bad_rating_names_the_dimension(self, world: World, bad: object) -> None:
        with pytest.raises(ValidationError) as caught:
            record(counsellor(world), world.patient, (0, 0, bad, 0, 0, 0))
        errors = caught.value.message_dict
        assert list(errors) == ["rating_3"]
        assert errors["rating_3"][0].startswith(
            "Dimension 3 (emotional, behavioural or cognitive conditions): choose a rating from 0 to 4"
        )
        assert_nothing_saved()

    def test_a_missing_dimension_is_named(self, world: World) -> None:
        data = replace(placement_input(), ratings={1: 0, 2: 0, 3: 0, 4: 0, 5: 0})
        with pytest.raises(ValidationError) as caught:
            services.record_placement(counsellor(world), world.patient, data)
        assert caught.value.message_dict["rating_6"] == [
            "Dimension 6 (recovery/living environment): choose a rating from 0 to 4."
        ]
        assert_nothing_saved()

    def test_4th_edition_errors_use_its_names(self, world: World) -> None:
        world.program.rule_settings = {rules.EDITION: "4"}
        world.program.save()
        with pytest.raises(ValidationError, match=r"Dimension 6 \(person-centered considerations\)"):
            record(counsellor(world), world.patient, (0, 0, 0, 0, 0, 9))
        assert_nothing_saved()

    @pytest.mark.parametrize(("field", "bad"), [("prior_treatment_attempts", 51), ("prior_relapses", -1)])
    def test_counts_are_0_to_50(self, world: World, field: str, bad: int) -> None:
        with pytest.raises(ValidationError) as caught:
            changes: dict[str, Any] = {field: bad}
            record(counsellor(world), world.patient, **changes)
        assert "from 0 to 50" in caught.value.message_dict[field][0]
        assert_nothing_saved()

    def test_notes_over_2000_characters_name_the_dimension(self, world: World) -> None:
        with pytest.raises(ValidationError) as caught:
            record(counsellor(world), world.patient, notes={2: "x" * 2001})
        assert caught.value.message_dict["note_2"] == [
            "Dimension 2 (biomedical conditions) notes: at most 2000 characters (these have 2001)."
        ]
        assert_nothing_saved()

    def test_notes_for_an_unknown_dimension(self, world: World) -> None:
        with pytest.raises(ValidationError, match="per dimension 1–6"):
            record(counsellor(world), world.patient, notes={7: "?"})
        assert_nothing_saved()

    def test_an_assessment_in_the_future_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError) as caught:
            record(counsellor(world), world.patient, assessed_at=timezone.now() + dt.timedelta(hours=1))
        assert caught.value.message_dict["assessed_at"] == ["The assessment time is in the future."]
        assert_nothing_saved()

    def test_every_problem_is_reported_at_once(self, world: World) -> None:
        with pytest.raises(ValidationError) as caught:
            record(counsellor(world), world.patient, (9, 0, 0, 0, 0, 0), support="plenty", prior_relapses=99)
        assert set(caught.value.message_dict) == {"rating_1", "support", "prior_relapses"}
        assert_nothing_saved()

    def test_it_needs_an_open_episode(self, world: World) -> None:
        Episode.objects.update(discharged_on=dt.date(2026, 2, 1), discharge_reason="completed")
        with pytest.raises(ValidationError, match="Open an episode of care first"):
            record(counsellor(world), world.patient)
        assert_nothing_saved()

    def test_bad_program_settings_are_named(self, world: World) -> None:
        world.program.rule_settings = {rules.EDITION: "5"}
        world.program.save()
        with pytest.raises(ValidationError, match=r"assess\.placement\.edition"):
            record(counsellor(world), world.patient)
        assert_nothing_saved()

    def test_a_short_key_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError, match="idempotency key"):
            record(counsellor(world), world.patient, idempotency_key="abc")
        assert_nothing_saved()


class TestRoles:
    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.PRIVACY_OFFICER])
    def test_roles_without_placement_cannot_record(self, world: World, role: Role) -> None:
        with pytest.raises(PermissionDenied, match="cannot record placement assessments"):
            record(world.user(role), world.patient)
        assert_nothing_saved()

    def test_a_prescriber_records(self, world: World) -> None:
        assert record(world.user(Role.PRESCRIBER), world.patient).recorded_by == world.user(Role.PRESCRIBER)
