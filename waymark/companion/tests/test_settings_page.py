"""Settings (/companion/settings/): recovery start date (not in the future; changing it is allowed, audited, and
explained as never needed after a lapse), time zone (validated), language (English / Español)."""

import datetime as dt

import pytest
from django.test import Client

from waymark.companion import services
from waymark.companion.models import CompanionProfile
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/settings/"


def form(profile: CompanionProfile, **changes: str) -> dict[str, str]:
    return {
        "recovery_started_on": profile.recovery_started_on.isoformat(),
        "time_zone": profile.time_zone,
        "language": profile.language,
        **changes,
    }


class TestSettings:
    def test_it_shows_the_settings_and_explains_a_lapse_needs_no_new_start(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        html = person_client.get(URL).content.decode()
        assert f'value="{self_guided_profile.recovery_started_on.isoformat()}"' in html
        assert '<option value="America/New_York" selected>' in html
        assert "A lapse does not mean you need to change this" in html
        assert "/companion/settings/sharing/" in html and "/companion/settings/reminders/" in html
        assert AuditEvent.objects.filter(action="companion_read", object_type="companionprofile").exists()

    def test_changing_the_start_date_is_allowed_and_audited(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        new_start = services.today_for(self_guided_profile) - dt.timedelta(days=3)
        response = person_client.post(URL, form(self_guided_profile, recovery_started_on=new_start.isoformat()))
        assert response.status_code == 302 and response["Location"] == URL
        self_guided_profile.refresh_from_db()
        assert self_guided_profile.recovery_started_on == new_start
        event = AuditEvent.objects.get(action="companion_settings")
        assert event.actor == self_guided_profile.user and event.reason == "changed: recovery_started_on"
        assert "Your settings are saved." in person_client.get(URL).content.decode()

    def test_nothing_changed_writes_nothing(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        person_client.post(URL, form(self_guided_profile))
        assert not AuditEvent.objects.filter(action="companion_settings").exists()

    @pytest.mark.parametrize(
        ("change", "field", "words"),
        [
            ({"recovery_started_on": "2999-01-01"}, "recovery_started_on", "cannot be in the future"),
            ({"recovery_started_on": "1901-01-01"}, "recovery_started_on", "Check the year"),
            ({"recovery_started_on": "01/02/2025"}, "recovery_started_on", ""),
            ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", ""),
            ({"language": "fr"}, "language", ""),
        ],
    )
    def test_bad_input_is_refused_and_nothing_saved(
        self,
        person_client: Client,
        self_guided_profile: CompanionProfile,
        change: dict[str, str],
        field: str,
        words: str,
    ) -> None:
        before = CompanionProfile.objects.get(pk=self_guided_profile.pk)
        response = person_client.post(URL, form(self_guided_profile, **change))
        html = response.content.decode()
        assert response.status_code == 422 and f'id="id_{field}_error"' in html and words in html
        after = CompanionProfile.objects.get(pk=self_guided_profile.pk)
        assert (after.recovery_started_on, after.time_zone, after.language) == (
            before.recovery_started_on,
            before.time_zone,
            before.language,
        )
        assert not AuditEvent.objects.filter(action="companion_settings").exists()

    def test_the_time_zone_changes(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        person_client.post(URL, form(self_guided_profile, time_zone="America/Los_Angeles"))
        self_guided_profile.refresh_from_db()
        assert self_guided_profile.time_zone == "America/Los_Angeles"


class TestLanguage:
    def test_choosing_spanish_renders_the_companion_in_spanish(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        assert '<html lang="en">' in person_client.get(URL).content.decode()
        response = person_client.post(URL, form(self_guided_profile, language="es"), follow=True)
        assert '<html lang="es">' in response.content.decode()
        for page in ("/companion/plan/", "/companion/insights/", "/companion/people/"):
            assert '<html lang="es">' in person_client.get(page).content.decode()
        assert AuditEvent.objects.get(action="companion_settings").reason == "changed: language"
        person_client.post(URL, form(self_guided_profile, language="en"))
        assert '<html lang="en">' in person_client.get(URL).content.decode()


class TestAccess:
    def test_staff_and_anonymous_visitors(self, client: Client, world: World) -> None:
        response = client.get(URL)
        assert response.status_code == 302 and "login" in response["Location"]
        assert sign_in(client, world.user(Role.PROGRAM_ADMIN)).post(URL, {}).status_code == 403
