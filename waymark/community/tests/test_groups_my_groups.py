"""My groups (/community/): the groups a person is in with their unread "I need support now" alerts, the
codes that are theirs to give, the join, pair and open-group forms for whoever may use them, and the link to
the program's groups for staff who manage them."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.community import services
from waymark.community.models import Message
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import World, make_user, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

PAGE = "/community/"


def page(client: Client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


class TestWhoSeesIt:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Client) -> None:
        response = client.get(PAGE)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_a_patient_sees_their_groups_and_the_forms(self, client: Client, cohort: Cohort) -> None:
        html = page(sign_in(client, cohort.dana.user))
        assert "Tuesday evening group" in html and "Program group" in html
        assert f'href="/community/{cohort.group.pk}/"' in html
        assert "Join with a code" in html and "Invite my sponsor or mentee" in html
        assert "Start an open group" not in html
        assert "Community guidelines" in html and "A lapse is not a failure" in html
        assert "Program groups" not in html

    def test_a_peer_moderator_may_start_an_open_group_but_not_a_pair(self, client: Client, cohort: Cohort) -> None:
        html = page(sign_in(client, cohort.moderator.user))
        assert "Start an open group" in html and "Join with a code" in html
        assert "Invite my sponsor or mentee" not in html
        assert f'href="/community/{cohort.group.pk}/moderation/"' in html

    @pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.PROGRAM_ADMIN])
    def test_staff_who_manage_groups_get_the_program_groups_link(
        self, client: Client, world: World, cohort: Cohort, role: Role
    ) -> None:
        html = page(sign_in(client, world.user(role)))
        assert 'href="/community/program-groups/"' in html
        # Staff are in no group and see none of the forms or the cohort's board.
        assert "Join with a code" not in html and "Tuesday evening group" not in html

    @pytest.mark.parametrize("role", [Role.NURSE, Role.PRESCRIBER, Role.PRIVACY_OFFICER])
    def test_other_staff_are_refused(self, client: Client, world: World, role: Role) -> None:
        assert sign_in(client, world.user(role)).get(PAGE).status_code == 403

    def test_someone_in_no_group_is_told_how_to_join(self, client: Client, cohort: Cohort) -> None:
        html = page(sign_in(client, cohort.outsider))
        assert "You are not in a group yet" in html and "Tuesday evening group" not in html


class TestSupportAlerts:
    def test_unread_support_posts_are_counted_per_group(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "", kind=Message.Kind.SUPPORT_NOW)
        post(cohort.moderator, "Rough night, anyone up?", kind=Message.Kind.SUPPORT_NOW)
        post(cohort.elliot, "Just a normal message")
        assert '2 unread "I need support now" posts' in page(sign_in(client, cohort.dana.user))

    def test_seen_alerts_are_not_counted(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "", kind=Message.Kind.SUPPORT_NOW)
        services.mark_alerts_seen(cohort.dana)
        assert "unread" not in page(sign_in(client, cohort.dana.user))

    def test_the_author_gets_no_alert_for_their_own_post(self, client: Client, cohort: Cohort) -> None:
        post(cohort.elliot, "", kind=Message.Kind.SUPPORT_NOW)
        assert "unread" not in page(sign_in(client, cohort.elliot.user))


class TestCodes:
    def test_a_pair_shows_its_code_until_the_other_person_joins(self, client: Client, world: World) -> None:
        mentee = world.user(Role.PATIENT)
        member = services.create_pair(mentee, as_sponsor=False, display_name="D")
        code = member.group.invite_code
        assert code
        html = page(sign_in(client, mentee))
        assert code in html and "Give this code to your sponsor" in html and "Only one person can join" in html
        services.join_with_code(make_user(None, Role.PATIENT, "sponsor"), code, "Sam")
        html = page(client)
        assert code not in html and "2 people" in html and "you are the mentee" in html

    def test_an_open_groups_code_is_shown_to_its_moderators_only(self, client: Client, world: World) -> None:
        moderator = services.create_open_group(world.user(Role.PEER_MODERATOR), "Evening circle", "Rae")
        code = moderator.group.invite_code
        assert code
        assert code in page(sign_in(client, moderator.user))
        services.join_with_code(world.user(Role.PATIENT), code, "D")
        html = page(sign_in(Client(), world.user(Role.PATIENT)))
        assert "Evening circle" in html and "community-code" not in html
        assert code not in html

    def test_a_program_group_has_no_code(self, client: Client, cohort: Cohort) -> None:
        html = page(sign_in(client, cohort.moderator.user))
        assert "community-code" not in html and re.search(r'class="secret"', html) is None


def test_the_page_costs_the_same_queries_for_one_group_or_many(client: Client, world: World) -> None:
    person = world.user(Role.PATIENT)
    sign_in(client, person)
    services.create_pair(person, as_sponsor=False, display_name="D")
    client.get(PAGE)  # the session's first read
    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    for n in range(6):
        services.create_pair(person, as_sponsor=bool(n % 2), display_name="D")
        post(services.my_groups(person)[0], "", kind=Message.Kind.SUPPORT_NOW)
    with CaptureQueriesContext(connection) as many:
        assert page(client).count('class="panel" id="group-') == 7
    assert len(many) == len(one)
