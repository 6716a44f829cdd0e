"""Emergency access to a chart outside one's care team: a reason, a log, a review."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from waymark.chart.models import BreakGlassAccess, Patient
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

REASON = "Covering the dosing window; patient reports chest pain"


@pytest.fixture
def other(world: World) -> Patient:
    return world.other_patient  # same program, on nobody's care team


def break_glass(client: Client, patient: Patient, reason: str) -> Any:
    return client.post(reverse("break_glass", args=[patient.pk]), {"reason": reason})


class TestBreakGlass:
    def test_it_sends_the_counsellor_to_the_form(self, other: Patient, as_role) -> None:
        response = as_role("counsellor").get(reverse("chart", args=[other.pk]), follow=True)
        assert response.redirect_chain == [(reverse("break_glass", args=[other.pk]), 302)]
        body = response.content.decode()
        assert "Elliot Marsh is not on your care team." in body
        assert "1 Harbor St" not in body  # the form shows the name only, not the chart
        assert not BreakGlassAccess.objects.exists()

    def test_it_writes_no_chart_read_before_the_glass_is_broken(self, other: Patient, as_role) -> None:
        client: Client = as_role("counsellor")
        client.get(reverse("chart", args=[other.pk]))
        assert not AuditEvent.objects.filter(patient_id=other.pk).exists()

    @pytest.mark.parametrize("reason", ["", "emergency", "   short   "])
    def test_it_refuses_a_too_short_reason(self, reason: str, other: Patient, as_role) -> None:
        client: Client = as_role("counsellor")
        response = break_glass(client, other, reason)
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert not BreakGlassAccess.objects.exists()
        assert client.get(reverse("chart", args=[other.pk]))["Location"] == reverse("break_glass", args=[other.pk])

    def test_it_opens_the_chart_with_a_reason(self, world: World, other: Patient, as_role) -> None:
        client: Client = as_role("counsellor")
        response = break_glass(client, other, REASON)
        assert response.status_code == 302
        assert response["Location"] == reverse("chart", args=[other.pk])
        chart = client.get(response["Location"])
        assert chart.status_code == 200
        body = chart.content.decode()
        assert "Elliot Marsh" in body
        assert "Emergency access" in body
        assert "Emergency access granted for 4 hours." in body
        access = BreakGlassAccess.objects.get()
        assert (access.user, access.patient_id, access.reason) == (world.user("counsellor"), other.pk, REASON)
        assert access.reviewed_at is None

    def test_it_flags_every_audit_row_with_the_reason(self, other: Patient, as_role) -> None:
        client: Client = as_role("prescriber")
        break_glass(client, other, REASON)
        client.get(reverse("chart", args=[other.pk]))
        client.get(reverse("disclosures", args=[other.pk]))
        client.get(reverse("patient_edit", args=[other.pk]))
        rows = list(AuditEvent.objects.filter(patient_id=other.pk).order_by("seq"))
        assert [r.action for r in rows] == ["break_glass", "read", "read", "open_edit"]
        for row in rows:
            assert row.break_glass is True
            assert row.reason == REASON
            assert row.actor_username == "prescriber"

    def test_it_lets_a_break_glass_write_through(self, other: Patient, as_role) -> None:
        client: Client = as_role("counsellor")
        break_glass(client, other, REASON)
        response = client.post(
            reverse("episode_create", args=[other.pk]),
            {"admitted_on": "2026-02-01", "level_of_care": "otp", "primary_substance": "heroin"},
        )
        assert response.status_code == 302
        assert other.episodes.count() == 1
        assert AuditEvent.objects.filter(patient_id=other.pk, action="write", break_glass=True).exists()

    def test_it_does_not_open_the_chart_for_another_counsellor(self, world: World, other: Patient, as_role) -> None:
        break_glass(as_role("counsellor"), other, REASON)
        prescriber = sign_in(Client(), world.user("prescriber"))
        assert prescriber.get(reverse("chart", args=[other.pk]))["Location"] == reverse("break_glass", args=[other.pk])

    def test_it_lists_the_access_for_review_until_reviewed(self, world: World, other: Patient, as_role) -> None:
        break_glass(as_role("counsellor"), other, REASON)
        officer = sign_in(Client(), world.user("privacy_officer"))
        review = officer.get(reverse("audit_review"))
        assert review.status_code == 200
        body = review.content.decode()
        assert REASON in body
        assert other.mrn in body
        access = BreakGlassAccess.objects.get()
        assert list(review.context["pending"]) == [access]
        home = officer.get(reverse("home"))
        assert home.context["unreviewed_break_glass"] == 1

        done = officer.post(reverse("review_break_glass", args=[access.pk]), {"note": "Confirmed with the shift lead"})
        assert done.status_code == 302
        access.refresh_from_db()
        assert access.reviewed_by == world.user("privacy_officer")
        assert access.review_note == "Confirmed with the shift lead"
        after = officer.get(reverse("audit_review"))
        assert list(after.context["pending"]) == []
        assert REASON not in after.content.decode()
        assert AuditEvent.objects.filter(
            action="review", object_id=str(access.pk), actor_role="privacy_officer"
        ).exists()

    def test_it_shows_the_access_in_the_patients_access_log(self, world: World, other: Patient, as_role) -> None:
        break_glass(as_role("counsellor"), other, REASON)
        officer = sign_in(Client(), world.user("privacy_officer"))
        response = officer.get(reverse("audit_patient", args=[other.pk]))
        assert response.status_code == 200
        assert any(e.break_glass and e.reason == REASON for e in response.context["page"].object_list)

    def test_the_nurse_does_not_need_it(self, other: Patient, as_role) -> None:
        client: Client = as_role("nurse")
        response = client.get(reverse("chart", args=[other.pk]))
        assert response.status_code == 200
        assert "Emergency access" not in response.content.decode()
        row = AuditEvent.objects.get(patient_id=other.pk)
        assert (row.action, row.break_glass, row.reason) == ("read", False, "")
        assert client.get(reverse("break_glass", args=[other.pk])).status_code == 403
        assert not BreakGlassAccess.objects.exists()

    def test_the_peer_moderator_cannot_break_glass(self, other: Patient, as_role) -> None:
        client: Client = as_role("peer_moderator")
        assert client.get(reverse("chart", args=[other.pk])).status_code == 403
        assert client.get(reverse("break_glass", args=[other.pk])).status_code == 403
        assert break_glass(client, other, REASON).status_code == 403
        assert client.get(reverse("chart", args=[other.pk])).status_code == 403
        assert not BreakGlassAccess.objects.exists()
        assert not AuditEvent.objects.filter(patient_id=other.pk).exists()

    def test_it_cannot_reach_another_programs_patient(self, world: World, as_role) -> None:
        response = break_glass(as_role("counsellor"), world.outsider_patient, REASON)
        assert response.status_code == 404
        assert not BreakGlassAccess.objects.exists()

    def test_it_asks_again_once_the_access_has_expired(self, world: World, other: Patient, as_role) -> None:
        granted = timezone.now() - dt.timedelta(hours=5)
        BreakGlassAccess.objects.create(
            user=world.user("counsellor"),
            patient=other,
            reason=REASON,
            granted_at=granted,
            expires_at=granted + dt.timedelta(hours=4),
        )
        response = as_role("counsellor").get(reverse("chart", args=[other.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[other.pk])
        assert not AuditEvent.objects.filter(patient_id=other.pk).exists()

    def test_another_programs_privacy_officer_cannot_review_it(self, world: World, other: Patient, as_role) -> None:
        break_glass(as_role("counsellor"), other, REASON)
        access = BreakGlassAccess.objects.get()
        outsider = sign_in(Client(), world.outsider_staff[Role.PRIVACY_OFFICER])
        assert outsider.post(reverse("review_break_glass", args=[access.pk]), {"note": "ok"}).status_code == 404
        assert REASON not in outsider.get(reverse("audit_review")).content.decode()
        access.refresh_from_db()
        assert access.reviewed_at is None


class TestNoGlassToBreak:
    def test_it_sends_the_care_team_straight_to_the_chart(self, world: World, as_role) -> None:
        client: Client = as_role("counsellor")
        response = client.post(reverse("break_glass", args=[world.patient.pk]), {"reason": "Covering for a colleague"})
        assert response.status_code == 302
        assert response["Location"] == reverse("chart", args=[world.patient.pk])
        assert not BreakGlassAccess.objects.exists()
