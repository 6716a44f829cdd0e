"""Take-home eligibility: the practitioner documents each of the six
considerations of 42 CFR 8.12(i) (REFERENCE.md §5) and decides."""

import datetime as dt

import pytest
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds.models import TakeHomeEligibility
from waymark.meds.tests.conftest import today

NOTES = [
    "no_active_use_or_risk_note",
    "regular_attendance_note",
    "no_serious_behaviour_note",
    "no_recent_diversion_note",
    "safe_storage_note",
    "other_considerations",
]


def url(world: World) -> str:
    return reverse("meds:take_home_eligibility", args=[world.patient.pk])


def assessment(world: World, **changes: str | None) -> dict[str, str]:
    data: dict[str, str | None] = {
        "assessed_on": today(world.patient).isoformat(),
        "no_active_use_or_risk": "on",
        "no_active_use_or_risk_note": "Negative tests for 3 months",
        "regular_attendance": "on",
        "regular_attendance_note": "Attended 88 of 90 days",
        "no_serious_behaviour": "on",
        "no_serious_behaviour_note": "No incidents",
        "no_recent_diversion": "on",
        "no_recent_diversion_note": "Bottle returns all checked",
        "safe_storage": "on",
        "safe_storage_note": "Lock box at home, shown to staff",
        "other_considerations": "Works early shifts; take-homes support employment",
        "eligible": "on",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


class TestEligibility:
    def test_it_records_the_six_considerations_and_the_decision(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(url(world), assessment(world), follow=True)
        assert "Eligibility recorded: eligible for take-homes." in response.content.decode()
        record = TakeHomeEligibility.objects.get()
        assert record.eligible and record.regular_attendance and record.practitioner == world.user(Role.PRESCRIBER)
        assert record.safe_storage_note == "Lock box at home, shown to staff"
        assert AuditEvent.objects.filter(action="take_home_eligibility", object_id=str(record.pk)).exists()
        take_homes = response.content.decode().split('id="take-homes"')[1].split("</section>")[0]
        assert "<strong>eligible</strong>" in take_homes
        assert "Attended 88 of 90 days" in take_homes

    def test_a_no_is_recorded_as_a_no(self, world: World, as_role) -> None:
        as_role("prescriber").post(url(world), assessment(world, no_recent_diversion=None, eligible=None))
        record = TakeHomeEligibility.objects.get()
        assert not record.no_recent_diversion and not record.eligible

    @pytest.mark.parametrize("note", NOTES)
    def test_every_consideration_must_be_documented(self, note: str, world: World, as_role) -> None:
        response = as_role("prescriber").post(url(world), assessment(world, **{note: "  "}))
        assert response.status_code == 200
        assert response.context["form"].errors[note] == ["Document this consideration."]
        assert not TakeHomeEligibility.objects.exists()

    def test_the_assessment_date_cannot_be_in_the_future(self, world: World, as_role) -> None:
        tomorrow = today(world.patient) + dt.timedelta(days=1)
        response = as_role("prescriber").post(url(world), assessment(world, assessed_on=tomorrow.isoformat()))
        assert response.context["form"].errors["assessed_on"] == [
            f"{tomorrow:%Y-%m-%d} is in the future; enter the date it happened."
        ]
        assert not TakeHomeEligibility.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_only_prescribers_record_eligibility(self, role: str, world: World, as_role) -> None:
        assert as_role(role).post(url(world), assessment(world)).status_code == 403
        assert not TakeHomeEligibility.objects.exists()
