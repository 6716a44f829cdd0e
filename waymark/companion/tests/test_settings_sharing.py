"""Sharing with the care team (/companion/settings/sharing/): for program patients, two switches that say exactly
what is shared, off until turned on, audited; a self-guided person reads why there is nothing to share."""

import pytest
from django.test import Client

from waymark.companion.models import CompanionProfile
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/settings/sharing/"


def test_a_program_patient_reads_what_is_shared_and_turns_both_on_then_off(
    patient_client: Client, patient_profile: CompanionProfile
) -> None:
    html = patient_client.get(URL).content.decode()
    assert "Share my check-in trends with my care team" in html
    assert "Alert my care team if my check-ins show an early-warning pattern or words about suicide or overdose" in html
    assert "Never your own words." in html and "turn either off at any time" in html and "Harbor Recovery" in html
    assert 'name="share_trends"' in html and "checked" not in html.split('name="share_trends"', 1)[1].split(">", 1)[0]

    response = patient_client.post(URL, {"share_trends": "on", "alert_care_team": "on"})
    assert response.status_code == 302 and response["Location"] == URL
    patient_profile.refresh_from_db()
    assert patient_profile.share_trends and patient_profile.alert_care_team and patient_profile.sharing_changed_at
    patient_client.post(URL, {"alert_care_team": "on"})
    patient_profile.refresh_from_db()
    assert (patient_profile.share_trends, patient_profile.alert_care_team) == (False, True)
    reasons = list(
        AuditEvent.objects.filter(action="companion_sharing").order_by("seq").values_list("reason", flat=True)
    )
    assert reasons == ["trends on, alerts on", "trends off, alerts on"]
    assert "Your sharing choices are saved." in patient_client.get(URL).content.decode()


def test_a_self_guided_person_sees_an_explanation_and_cannot_post(
    person_client: Client, self_guided_profile: CompanionProfile
) -> None:
    html = person_client.get(URL).content.decode()
    assert "there is no care team to share with" in html and 'name="share_trends"' not in html
    assert person_client.post(URL, {"share_trends": "on"}).status_code == 403
    self_guided_profile.refresh_from_db()
    assert not self_guided_profile.share_trends and not AuditEvent.objects.filter(action="companion_sharing").exists()


def test_staff_and_anonymous_visitors(client: Client, world: World) -> None:
    assert client.get(URL).status_code == 302
    assert sign_in(client, world.user(Role.COUNSELLOR)).post(URL, {"share_trends": "on"}).status_code == 403


def test_spanish(patient_client: Client, patient_profile: CompanionProfile) -> None:
    patient_profile.language = "es"
    patient_profile.save()
    assert '<html lang="es">' in patient_client.get(URL).content.decode()
