"""Reminders (/companion/settings/reminders/): channel, address or number it needs, check-in and dose times as
HH:MM, appointment reminders for program patients; errors next to the field and nothing saved."""

import datetime as dt

import pytest
from django.test import Client

from waymark.companion.models import CompanionProfile
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/settings/reminders/"
EMAIL = {"channel": "email", "email": "river@example.org", "phone": "", "check_in_at": "20:00", "dose_at": "08:30"}


def test_it_saves_email_reminders(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    html = person_client.get(URL).content.decode()
    assert 'type="time"' in html and 'name="appointments"' not in html and "an appointment" not in html
    response = person_client.post(URL, EMAIL)
    assert response.status_code == 302 and response["Location"] == URL
    profile = CompanionProfile.objects.get(pk=self_guided_profile.pk)
    assert (profile.reminder_channel, profile.reminder_email) == ("email", "river@example.org")
    assert (profile.check_in_reminder_at, profile.dose_reminder_at) == (dt.time(20, 0), dt.time(8, 30))
    event = AuditEvent.objects.get(action="companion_reminders")
    assert "reminder_email" in event.reason and "example.org" not in event.reason
    html = person_client.get(URL).content.decode()
    assert 'value="20:00"' in html and "Your reminders are saved." in html


def test_text_reminders_need_a_phone_number(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    response = person_client.post(URL, {**EMAIL, "channel": "sms"})
    html = response.content.decode()
    assert response.status_code == 422 and 'id="id_phone_error"' in html and "need a mobile phone number" in html
    assert person_client.post(URL, {**EMAIL, "channel": "sms", "phone": "207 555 0142"}).status_code == 302
    assert CompanionProfile.objects.get(pk=self_guided_profile.pk).reminder_phone == "207 555 0142"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"check_in_at": "8pm"}, "check_in_at"),
        ({"dose_at": "25:00"}, "dose_at"),
        ({"check_in_at": "20:00:30"}, "check_in_at"),
        ({"channel": "pigeon"}, "channel"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    person_client: Client, self_guided_profile: CompanionProfile, change: dict[str, str], field: str
) -> None:
    response = person_client.post(URL, {**EMAIL, **change})
    assert response.status_code == 422 and f'id="id_{field}_error"' in response.content.decode()
    profile = CompanionProfile.objects.get(pk=self_guided_profile.pk)
    assert (profile.reminder_channel, profile.check_in_reminder_at) == ("none", None)
    assert not AuditEvent.objects.filter(action="companion_reminders").exists()


def test_a_program_patient_can_turn_on_appointment_reminders(
    patient_client: Client, patient_profile: CompanionProfile
) -> None:
    assert "2 hours before an appointment" in patient_client.get(URL).content.decode()
    patient_client.post(URL, {**EMAIL, "appointments": "on"})
    assert CompanionProfile.objects.get(pk=patient_profile.pk).appointment_reminders is True


def test_a_self_guided_person_cannot_sneak_in_appointment_reminders(
    person_client: Client, self_guided_profile: CompanionProfile
) -> None:
    person_client.post(URL, {**EMAIL, "appointments": "on"})
    assert CompanionProfile.objects.get(pk=self_guided_profile.pk).appointment_reminders is False


def test_no_reminders_needs_nothing_else(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    assert person_client.post(URL, {"channel": "none"}).status_code == 302


def test_staff_anonymous_and_spanish(
    client: Client, world: World, person_client: Client, self_guided_profile: CompanionProfile
) -> None:
    self_guided_profile.language = "es"
    self_guided_profile.save()
    assert '<html lang="es">' in person_client.get(URL).content.decode()
    assert Client().get(URL).status_code == 302
    assert sign_in(Client(), world.user(Role.NURSE)).get(URL).status_code == 403
