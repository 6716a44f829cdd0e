"""Saving a continuing-care plan (services_aftercare.save_continuing_care_plan): one plan per episode,
created then updated; every problem named by field with nothing saved; a medication that continues needs
"where"; naloxone not yet discussed after discharge is a warning, not a refusal; the audit names the
fields that changed, never what they say."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.care import services_aftercare as services
from waymark.care.models import ContinuingCarePlan
from waymark.chart.models import Episode
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

FIELDS: dict[str, Any] = {
    "support_groups": ["smart", "na"],
    "medication": "buprenorphine",
    "medication_where": "Harbor Street Clinic, Dr. Shah, 207-555-0140",
    "medical_follow_up": ["hep_c_test", "hiv_test"],
    "naloxone": "kit_given",
    "first_appointment": "Harbor Street Clinic, Monday 9:00",
}


def episode(world: World) -> Episode:
    return world.patient.episodes.get()


def save(world: World, role: Role = Role.COUNSELLOR, **fields: Any) -> services.SavedPlan:
    return services.save_continuing_care_plan(world.user(role), world.patient, episode(world), **fields)


def audits() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="continuingcareplan").order_by("seq"))


class TestSave:
    def test_it_creates_then_updates_the_one_plan_auditing_field_names_only(self, world: World) -> None:
        first = save(world, **FIELDS)
        assert first.created and first.warnings == []
        plan = ContinuingCarePlan.objects.get()
        # Codes are kept in the list's order, whatever order they came in.
        assert plan.support_groups == ["na", "smart"] and plan.medical_follow_up == ["hiv_test", "hep_c_test"]
        assert plan.updated_by == world.user(Role.COUNSELLOR)

        second = save(world, Role.PRESCRIBER, **{**FIELDS, "naloxone": "has_kit", "legal_needs": "Court 3 March"})
        assert not second.created and second.changed == ["naloxone", "legal_needs"]
        assert ContinuingCarePlan.objects.count() == 1

        again = save(world, **{**FIELDS, "naloxone": "has_kit", "legal_needs": "Court 3 March"})
        assert again.changed == []
        rows = audits()
        assert [(r.action, r.reason) for r in rows] == [
            (
                "continuing_care_create",
                "changed: support_groups, medication, medication_where, medical_follow_up, naloxone, first_appointment",
            ),
            ("continuing_care_update", "changed: naloxone, legal_needs"),
        ]
        assert all("Court" not in r.reason and "Shah" not in r.reason for r in rows)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("support_groups", ["na", "church"]),
            ("support_groups", "na"),
            ("medical_follow_up", ["hiv_test", "flu_shot"]),
            ("medication", "heroin"),
            ("housing", "castle"),
            ("medication_where", "x" * 301),
            ("work_needs", "x" * 2001),
        ],
    )
    def test_a_bad_value_is_named_and_nothing_is_saved(self, world: World, name: str, value: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            save(world, **{**FIELDS, name: value})
        assert list(caught.value.message_dict) == [name]
        assert ContinuingCarePlan.objects.count() == 0 and audits() == []

    def test_the_unknown_codes_are_listed(self, world: World) -> None:
        with pytest.raises(ValidationError, match="unknown codes church, gym"):
            save(world, support_groups=["na", "church", "gym"])

    @pytest.mark.parametrize("medication", ["methadone", "buprenorphine", "naltrexone"])
    def test_a_medication_that_continues_needs_where(self, world: World, medication: str) -> None:
        with pytest.raises(ValidationError) as caught:
            save(world, **{**FIELDS, "medication": medication, "medication_where": "  "})
        assert "program, clinic or prescriber" in caught.value.message_dict["medication_where"][0]
        assert ContinuingCarePlan.objects.count() == 0

    @pytest.mark.parametrize("medication", ["none", "undecided"])
    def test_no_medication_or_undecided_needs_no_where(self, world: World, medication: str) -> None:
        assert save(world, medication=medication).plan.medication == medication

    def test_where_is_checked_against_the_saved_plan(self, world: World) -> None:
        save(world, **FIELDS)
        with pytest.raises(ValidationError, match="program, clinic or prescriber"):
            save(world, medication_where="")

    def test_nurses_and_patients_cannot_write_plans(self, world: World) -> None:
        for role in (Role.NURSE, Role.PATIENT):
            with pytest.raises(PermissionDenied, match="cannot write continuing-care plans"):
                save(world, role, **FIELDS)
        assert ContinuingCarePlan.objects.count() == 0

    def test_another_patients_episode_is_refused(self, world: World) -> None:
        other = Episode.objects.create(
            patient=world.other_patient, admitted_on=dt.date(2026, 2, 1), level_of_care="otp"
        )
        with pytest.raises(PermissionDenied):
            services.save_continuing_care_plan(world.user(Role.COUNSELLOR), world.patient, other, **FIELDS)


class TestNaloxoneAfterDischarge:
    """REFERENCE.md §6: tolerance falls fast after detox or abstinence; overdose risk is highest then."""

    @pytest.mark.parametrize(
        ("discharged", "naloxone", "warned"),
        [(True, "not_yet", True), (False, "not_yet", False), (True, "declined", False), (True, "kit_given", False)],
    )
    def test_not_yet_discussed_after_discharge_is_a_warning(
        self, world: World, discharged: bool, naloxone: str, warned: bool
    ) -> None:
        if discharged:
            Episode.objects.filter(patient=world.patient).update(discharged_on=dt.date(2026, 3, 1))
        saved = save(world, **{**FIELDS, "naloxone": naloxone})
        assert saved.plan.pk is not None  # saved either way
        assert bool(saved.warnings) is warned
        if warned:
            assert "REFERENCE.md §6" in saved.warnings[0] and "overdose is highest" in saved.warnings[0]


class TestContinuingCareFor:
    def test_it_is_the_plan_of_the_newest_episode_or_none(self, world: World) -> None:
        assert services.continuing_care_for(world.patient) is None
        plan = save(world, **FIELDS).plan
        assert services.continuing_care_for(world.patient) == plan
        Episode.objects.filter(patient=world.patient).update(discharged_on=dt.date(2026, 3, 1))
        Episode.objects.create(patient=world.patient, admitted_on=dt.date(2026, 6, 1), level_of_care="outpatient")
        assert services.continuing_care_for(world.patient) is None  # readmitted: the old plan is out of date
