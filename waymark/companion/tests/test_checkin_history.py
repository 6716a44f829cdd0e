"""The person's check-in history: newest first, 30 a page, a changed day says so, and the page costs the
same number of queries for 3 check-ins as for 30."""

import datetime as dt
import html

from django.test import Client
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CompanionProfile
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

URL = reverse("companion:history")


def fill(profile: CompanionProfile, days: int, first_days_ago: int = 0) -> None:
    """One check-in a day going back from today; check-ins older than a week are written straight in."""
    from waymark.companion.models import CheckIn

    today = services.today_for(profile)
    for n in range(first_days_ago, first_days_ago + days):
        day = today - dt.timedelta(days=n)
        if n <= services.LATE_SYNC_DAYS:
            check_in(profile.user, profile, day=day, craving=n % 11, mood=1 + n % 5)
        else:
            CheckIn.objects.create(user=profile.user, day=day, craving=n % 11, mood=1 + n % 5)


def test_it_lists_check_ins_newest_first(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    fill(self_guided_profile, 3)
    response = person_client.get(URL)
    assert response.status_code == 200
    days = [row["check_in"].day for row in response.context["entries"]]
    assert days == sorted(days, reverse=True)
    assert len(days) == 3
    page = html.unescape(response.content.decode())
    assert "Today" in page
    assert "Very low (1/5)" in page
    assert AuditEvent.objects.filter(action="companion_read", object_type="check_in_list").count() == 1


def test_it_shows_everything_the_person_answered(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    check_in(
        self_guided_profile.user,
        self_guided_profile,
        mood=4,
        craving=6,
        triggers=("stress", "cues"),
        own_triggers="payday",
        sleep_hours="6.5",
        medication_taken="yes",
        used_today=True,
        meeting_attended=True,
        exercised=True,
        mindfulness=True,
        note="Talked it through.",
    )
    page = html.unescape(person_client.get(URL).content.decode())
    for words in (
        "Good (4/5)",
        "6/10",
        "Stress, Seeing or hearing about use; payday",
        "6.5 hours",
        "Taken",
        "Went to a meeting",
        "Exercise, mindfulness",
        "Talked it through.",
    ):
        assert words in page, words


def test_a_day_changed_later_that_day_says_so(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    user = self_guided_profile.user
    check_in(user, self_guided_profile, craving=2)
    check_in(user, self_guided_profile, craving=4)
    check_in(user, self_guided_profile, craving=5)
    page = html.unescape(person_client.get(URL).content.decode())
    assert "Changed 2 times that day; the earlier answers are kept." in page


def test_it_pages_30_at_a_time(person_client: Client, self_guided_profile: CompanionProfile) -> None:
    fill(self_guided_profile, 35)
    first = person_client.get(URL)
    assert len(first.context["entries"]) == 30
    assert "Page 1 of 2" in first.content.decode()
    second = person_client.get(URL + "?page=2")
    assert len(second.context["entries"]) == 5
    oldest_first_page = first.context["entries"][-1]["check_in"].day
    assert all(row["check_in"].day < oldest_first_page for row in second.context["entries"])


def test_the_page_costs_the_same_for_3_and_30_check_ins(
    client: Client, self_guided_profile: CompanionProfile, django_assert_max_num_queries
) -> None:
    sign_in(client, self_guided_profile.user)
    fill(self_guided_profile, 3)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    fill(self_guided_profile, 27, first_days_ago=3)
    user = self_guided_profile.user
    check_in(user, self_guided_profile, craving=9)  # a change today: a revision to count
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["entries"]) == 30


def test_it_shows_only_the_persons_own_check_ins(world: World, client: Client) -> None:
    mine = start(make_user(None, Role.PATIENT, "mine"))
    theirs = start(world.user(Role.PATIENT))
    check_in(theirs.user, theirs, note="their private note")
    check_in(mine.user, mine, note="my note")
    sign_in(client, mine.user)
    page = client.get(URL).content.decode()
    assert "my note" in page
    assert "their private note" not in page


def test_staff_are_refused_and_anonymous_people_sent_to_sign_in(world: World, client: Client) -> None:
    assert "/login/" in client.get(URL)["Location"]
    sign_in(client, world.user(Role.NURSE))
    assert client.get(URL).status_code == 403
