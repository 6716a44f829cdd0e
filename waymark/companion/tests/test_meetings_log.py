"""The meetings log (/companion/meetings/): add (today back to a year ago, never the future, on the person's own
calendar), list, remove; the weekly streak shown as encouragement, never as a failure."""

import datetime as dt
import re

import pytest
from django.test import Client

from waymark.companion import services, services_network
from waymark.companion.models import CompanionProfile, MeetingLog
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

URL = "/companion/meetings/"


def today(profile: CompanionProfile) -> dt.date:
    return services.today_for(profile)


def log(user: User, profile: CompanionProfile, day: dt.date, kind: str = "na") -> MeetingLog:
    return services_network.log_meeting(user, profile, day=day, kind=kind, name="")


class TestAdd:
    def test_it_adds_a_meeting(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        day = today(self_guided_profile)
        html = person_client.get(URL).content.decode()
        assert f'value="{day.isoformat()}"' in html and "SMART Recovery" in html
        response = person_client.post(URL, {"day": day.isoformat(), "kind": "smart", "name": "Library group"})
        assert response.status_code == 302 and response["Location"] == URL
        meeting = MeetingLog.objects.get()
        assert (meeting.user, meeting.day, meeting.kind, meeting.name) == (
            self_guided_profile.user,
            day,
            "smart",
            "Library group",
        )
        html = person_client.get(URL).content.decode()
        assert "Meeting added. Every meeting counts." in html and "Library group" in html
        assert "1 week in a row" in html and "This week: 1 meeting." in html
        assert AuditEvent.objects.filter(action="companion_meeting_add", object_id=str(meeting.pk)).exists()

    @pytest.mark.parametrize(("days", "words"), [(-1, "cannot be in the future"), (366, "up to a year back")])
    def test_a_day_out_of_range_is_refused(
        self, person_client: Client, self_guided_profile: CompanionProfile, days: int, words: str
    ) -> None:
        day = today(self_guided_profile) - dt.timedelta(days=days)
        response = person_client.post(URL, {"day": day.isoformat(), "kind": "na"})
        html = response.content.decode()
        assert response.status_code == 422 and 'id="id_day_error"' in html and words in html
        assert MeetingLog.objects.count() == 0

    def test_a_year_ago_is_still_allowed(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        day = today(self_guided_profile) - dt.timedelta(days=365)
        assert person_client.post(URL, {"day": day.isoformat(), "kind": "other"}).status_code == 302

    @pytest.mark.parametrize(
        ("data", "field"),
        [({"day": "yesterday", "kind": "na"}, "day"), ({"kind": "church"}, "kind"), ({"name": "x" * 121}, "name")],
    )
    def test_bad_input_is_refused_next_to_the_field(
        self, person_client: Client, self_guided_profile: CompanionProfile, data: dict[str, str], field: str
    ) -> None:
        form = {"day": today(self_guided_profile).isoformat(), "kind": "na", **data}
        response = person_client.post(URL, form)
        assert response.status_code == 422 and f'id="id_{field}_error"' in response.content.decode()
        assert MeetingLog.objects.count() == 0


class TestStreak:
    def test_a_broken_streak_is_never_shamed(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        user, day = self_guided_profile.user, today(self_guided_profile)
        for weeks_ago in (3, 4, 5):
            log(user, self_guided_profile, day - dt.timedelta(weeks=weeks_ago))
        html = person_client.get(URL).content.decode()
        assert "Every meeting counts" in html and "Your longest run: 3 weeks." in html
        assert "This week: 0 meetings." in html
        # The words on the page, not the offline app's own status messages (a JSON script block).
        main = html.lower().split("<main", 1)[1].split("</main>", 1)[0]
        text = re.sub(r"<script\b.*?</script>", "", main, flags=re.S)
        for word in ("broke", "lost", "failed", "missed", "reset"):
            assert word not in text

    def test_a_check_in_meeting_counts_once_with_a_logged_one(self, self_guided_profile: CompanionProfile) -> None:
        user, day = self_guided_profile.user, today(self_guided_profile)
        check_in(user, self_guided_profile, day=day, meeting_attended=True)
        check_in(user, self_guided_profile, day=day - dt.timedelta(days=7), meeting_attended=True)
        log(user, self_guided_profile, day)
        assert sorted(services_network.meeting_days(user)) == [day - dt.timedelta(days=7), day]
        streak = services_network.streak_for(user, self_guided_profile)
        assert (streak.current_weeks, streak.meetings_this_week) == (2, 1)

    def test_no_meetings_yet_invites_without_pressure(self, person_client: Client) -> None:
        html = person_client.get(URL).content.decode()
        assert "see your weeks add up" in html and "No meetings added yet." in html


class TestRemoveAndAccess:
    def test_it_removes_a_meeting(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        meeting = log(self_guided_profile.user, self_guided_profile, today(self_guided_profile))
        assert person_client.get(f"{URL}{meeting.pk}/remove/").status_code == 405
        assert person_client.post(f"{URL}{meeting.pk}/remove/").status_code == 302
        assert not MeetingLog.objects.exists()
        assert AuditEvent.objects.filter(action="companion_meeting_remove", object_id=str(meeting.pk)).exists()

    def test_another_persons_meeting_does_not_exist(self, person_client: Client, world: World) -> None:
        other = world.user(Role.PATIENT)
        profile = start(other)
        meeting = log(other, profile, today(profile))
        assert person_client.post(f"{URL}{meeting.pk}/remove/").status_code == 404
        assert MeetingLog.objects.filter(pk=meeting.pk).exists()

    def test_staff_and_anonymous_visitors(self, client: Client, world: World) -> None:
        assert client.get(URL).status_code == 302
        assert sign_in(client, world.user(Role.COUNSELLOR)).get(URL).status_code == 403

    def test_spanish(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        assert '<html lang="es">' in person_client.get(URL).content.decode()
