"""First-time set-up of the companion: the day recovery began (not in the future; today by default), the
language, and the time zone the browser reports (an unknown one falls back to the default). Bad input is
shown next to its field and nothing is saved; a person who already has the companion is sent home."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from waymark.companion import progress
from waymark.companion.models import CompanionProfile
from waymark.companion.tests.conftest import start
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

D = dt.timedelta(days=1)


def today_in(zone: str) -> dt.date:
    from django.utils import timezone

    return progress.local_day(timezone.now(), zone)


def field_error(html: str, field: str) -> str:
    marker = f'id="id_{field}_error">'
    return html.split(marker, 1)[1].split("</ul>", 1)[0] if marker in html else ""


class TestStartPage:
    def test_it_offers_today_english_and_the_default_zone(self, self_guided: User, client: Client) -> None:
        html = sign_in(client, self_guided).get(reverse("companion:start")).content.decode()
        assert "When did this recovery begin?" in html
        assert f'value="{today_in("America/New_York"):%Y-%m-%d}"' in html
        assert 'name="time_zone" value="America/New_York"' in html and "data-browser-zone" in html
        assert 'value="en" id="id_language_0" required checked' in html

    def test_a_program_patient_defaults_to_the_programs_zone(self, world: World, as_role) -> None:
        world.program.time_zone = "America/Chicago"
        world.program.save()
        html = as_role(Role.PATIENT).get(reverse("companion:start")).content.decode()
        assert 'name="time_zone" value="America/Chicago"' in html
        assert "Your care team sees nothing here unless you choose to share it" in html

    def test_it_can_be_read_in_spanish_first(self, self_guided: User, client: Client) -> None:
        html = sign_in(client, self_guided).get(reverse("companion:start") + "?lang=es").content.decode()
        assert '<html lang="es">' in html
        assert 'href="?lang=en"' in html
        assert 'value="es" id="id_language_1" required checked' in html


class TestStart:
    def test_it_saves_the_day_language_and_browser_zone(self, self_guided: User, client: Client) -> None:
        day = today_in("America/Los_Angeles") - 12 * D
        response = sign_in(client, self_guided).post(
            reverse("companion:start"),
            {"recovery_started_on": day.isoformat(), "language": "es", "time_zone": "America/Los_Angeles"},
        )
        assert response["Location"] == reverse("companion:home")
        profile = CompanionProfile.objects.get(user=self_guided)
        assert (profile.recovery_started_on, profile.language, profile.time_zone) == (
            day,
            "es",
            "America/Los_Angeles",
        )
        assert AuditEvent.objects.filter(action="companion_start", actor_username="river").exists()
        # The companion now speaks Spanish.
        assert '<html lang="es">' in client.get(reverse("companion:home")).content.decode()

    def test_today_is_a_fine_first_day(self, self_guided: User, client: Client) -> None:
        day = today_in("America/New_York")
        sign_in(client, self_guided).post(
            reverse("companion:start"), {"recovery_started_on": day.isoformat(), "language": "en", "time_zone": ""}
        )
        profile = CompanionProfile.objects.get(user=self_guided)
        assert (profile.recovery_started_on, profile.time_zone) == (day, "America/New_York")

    def test_an_unknown_zone_falls_back_to_the_default(self, self_guided: User, client: Client) -> None:
        day = today_in("America/New_York") - D
        sign_in(client, self_guided).post(
            reverse("companion:start"),
            {"recovery_started_on": day.isoformat(), "language": "en", "time_zone": "Mars/Olympus_Mons"},
        )
        assert CompanionProfile.objects.get(user=self_guided).time_zone == "America/New_York"

    def test_a_day_in_the_future_is_refused_next_to_the_field(self, self_guided: User, client: Client) -> None:
        day = today_in("Pacific/Kiritimati") + D  # tomorrow even in the earliest zone
        response = sign_in(client, self_guided).post(
            reverse("companion:start"),
            {"recovery_started_on": day.isoformat(), "language": "en", "time_zone": "Pacific/Kiritimati"},
        )
        assert response.status_code == 422
        assert "cannot be in the future" in field_error(response.content.decode(), "recovery_started_on")
        assert not CompanionProfile.objects.filter(user=self_guided).exists()

    def test_a_missing_or_malformed_day_is_refused(self, self_guided: User, client: Client) -> None:
        client = sign_in(client, self_guided)
        for raw, words in (("", "Enter the day your recovery began."), ("21/11/2026", "Enter a date as YYYY-MM-DD.")):
            response = client.post(reverse("companion:start"), {"recovery_started_on": raw, "language": "en"})
            assert response.status_code == 422
            assert words in field_error(response.content.decode(), "recovery_started_on")
        assert not CompanionProfile.objects.filter(user=self_guided).exists()

    def test_an_unknown_language_is_refused(self, self_guided: User, client: Client) -> None:
        response = sign_in(client, self_guided).post(
            reverse("companion:start"),
            {"recovery_started_on": (today_in("America/New_York") - D).isoformat(), "language": "fr"},
        )
        assert response.status_code == 422
        assert "Choose English or Español." in field_error(response.content.decode(), "language")
        assert not CompanionProfile.objects.filter(user=self_guided).exists()

    def test_someone_who_has_it_is_sent_home(self, self_guided: User, client: Client) -> None:
        profile = start(self_guided)
        client = sign_in(client, self_guided)
        assert client.get(reverse("companion:start"))["Location"] == reverse("companion:home")
        response = client.post(
            reverse("companion:start"),
            {"recovery_started_on": dt.date(2020, 1, 1).isoformat(), "language": "es"},
        )
        assert response["Location"] == reverse("companion:home")
        assert CompanionProfile.objects.get(user=self_guided).recovery_started_on == profile.recovery_started_on
