"""Sharing the plan with the care team: program patients only; off by default; audited; can be turned off."""

import pytest
from django.test import Client

from waymark.companion.models import CompanionProfile, RelapsePlan
from waymark.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db

URL = "/companion/plan/share/"


def test_a_program_patient_shares_and_unshares_the_plan(
    patient_client: Client, patient_profile: CompanionProfile
) -> None:
    user = patient_profile.user
    assert patient_client.post(URL, {"shared": "on"}).status_code == 302
    assert RelapsePlan.objects.get(user=user).shared_with_care_team is True
    html = patient_client.get("/companion/plan/").content.decode()
    assert "Your care team can now see your plan." in html and "Your care team can see this plan." in html
    patient_client.post(URL, {})
    assert RelapsePlan.objects.get(user=user).shared_with_care_team is False
    actions = list(
        AuditEvent.objects.filter(actor=user, action__startswith="companion_plan_").values_list("action", flat=True)
    )
    assert actions == ["companion_plan_share", "companion_plan_unshare"]
    event = AuditEvent.objects.get(action="companion_plan_share")
    assert event.patient_id == user.patient.pk


def test_a_self_guided_person_cannot_share(person_client: Client, self_guided: User) -> None:
    response = person_client.post(URL, {"shared": "on"}, follow=True)
    assert "no care team to share with" in response.content.decode()
    assert not RelapsePlan.objects.filter(user=self_guided, shared_with_care_team=True).exists()
    assert not AuditEvent.objects.filter(action="companion_plan_share").exists()


def test_it_is_post_only(patient_client: Client) -> None:
    assert patient_client.get(URL).status_code == 405
