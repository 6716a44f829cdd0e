"""Holds from the medication page: a prescriber places one with a note and
releases one only with a review note; nurses and counsellors cannot do either."""

import pytest
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.models import Hold, MedicationOrder


@pytest.fixture
def missed_hold(world: World, on_methadone: MedicationOrder) -> Hold:
    """The hold the clinic-day close places after three missed days."""
    return services.place_hold(
        None, world.patient, reason=Hold.Reason.MISSED_DOSES, note="Missed 3 days in a row.", missed_days=3
    )


def page(world: World) -> str:
    return reverse("meds:medication", args=[world.patient.pk])


def release_url(hold: Hold) -> str:
    return reverse("meds:hold_release", args=[hold.patient_id, hold.pk])


class TestPlaceHold:
    def test_a_prescriber_places_a_hold_with_a_note(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        client = as_role("prescriber")
        url = reverse("meds:hold_place", args=[world.patient.pk])
        empty = client.post(url, {"note": ""})
        assert empty.context["form"].errors["note"] == ["Say why dosing stops (nurses see this at the window)."]
        assert not Hold.objects.exists()
        response = client.post(url, {"note": "Sedated at yesterday's dose; see me first"}, follow=True)
        hold = Hold.objects.get()
        assert (hold.reason, hold.placed_by, hold.released_at) == ("prescriber", world.user(Role.PRESCRIBER), None)
        body = response.content.decode()
        assert "On hold: no dose at the window" in body
        assert "Sedated at yesterday&#x27;s dose; see me first" in body
        assert AuditEvent.objects.filter(action="hold", object_id=str(hold.pk)).exists()

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_other_roles_cannot_place_a_hold(
        self, role: str, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role(role).post(reverse("meds:hold_place", args=[world.patient.pk]), {"note": "Worried"})
        assert response.status_code == 403
        assert not Hold.objects.exists()


class TestReleaseHold:
    def test_the_page_shows_the_hold_with_a_release_form_for_the_prescriber(
        self, world: World, missed_hold: Hold, as_role
    ) -> None:
        body = as_role("prescriber").get(page(world)).content.decode()
        assert "Missed doses (3 days missed)" in body
        assert release_url(missed_hold) in body

    def test_the_nurse_sees_the_hold_but_no_release_form(self, world: World, missed_hold: Hold, as_role) -> None:
        body = as_role("nurse").get(page(world)).content.decode()
        assert "On hold: no dose at the window" in body
        assert release_url(missed_hold) not in body
        assert "A prescriber must review and release the hold." in body

    def test_a_release_needs_a_review_note(self, world: World, missed_hold: Hold, as_role) -> None:
        response = as_role("prescriber").post(release_url(missed_hold), {"note": "  "})
        assert response.status_code == 200
        assert response.context["form"].errors["note"] == [
            "Record the review: what you assessed and the dose to restart at."
        ]
        assert Hold.objects.get().released_at is None

    def test_the_prescriber_releases_the_hold(self, world: World, missed_hold: Hold, as_role) -> None:
        note = "Seen today, not intoxicated; restart at 40 mg (half dose) per missed-dose rule"
        response = as_role("prescriber").post(release_url(missed_hold), {"note": note}, follow=True)
        assert "Hold released; dosing can resume." in response.content.decode()
        hold = Hold.objects.get()
        assert (hold.released_by, hold.release_note) == (world.user(Role.PRESCRIBER), note)
        assert hold.released_at is not None
        assert AuditEvent.objects.get(action="release_hold").reason == note
        assert services.active_hold(world.patient) is None

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_other_roles_cannot_release(self, role: str, world: World, missed_hold: Hold, as_role) -> None:
        response = as_role(role).post(release_url(missed_hold), {"note": "Looks fine, dosing"})
        assert response.status_code == 403
        assert Hold.objects.get().released_at is None

    def test_a_hold_released_twice_is_released_once(self, world: World, missed_hold: Hold, as_role) -> None:
        client = as_role("prescriber")
        client.post(release_url(missed_hold), {"note": "Reviewed, restart at 40 mg"})
        again = client.post(release_url(missed_hold), {"note": "Reviewed again"}, follow=True)
        assert "That hold was already released." in again.content.decode()
        assert Hold.objects.get().release_note == "Reviewed, restart at 40 mg"
        assert AuditEvent.objects.filter(action="release_hold").count() == 1
