"""A person's own peer-group posts are part of their companion data export (JSON and the readable copy): every
group they were ever in, hidden posts included, each with the group, when, the kind, the text and the name they
posted under; never another member's message; a constant number of queries; nothing added for someone who was
never in a group."""

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.community import exports, services
from waymark.community.models import Membership
from waymark.community.tests.conftest import Cohort, post
from waymark.companion import services_data
from waymark.companion.tests.conftest import start
from waymark.conftest import World, make_user, sign_in
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

JSON_URL = "/companion/my-data/waymark-companion.json"
HTML_URL = "/companion/my-data/waymark-companion.html"


def open_group_with(cohort: Cohort, world: World, member: Membership, display_name: str) -> Membership:
    """An open group run by the program's peer moderator, which `member`'s person joins with its code."""
    moderator = services.create_open_group(world.user(Role.PEER_MODERATOR), "Thursday open group", "Sam (mod)")
    assert moderator.group.invite_code
    return services.join_with_code(member.user, moderator.group.invite_code, display_name)


def download(client: Client, url: str = JSON_URL) -> Any:
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.content) if url == JSON_URL else response.content.decode()


@pytest.fixture
def dana_client(cohort: Cohort, client: Client) -> Client:
    start(cohort.dana.user)
    return sign_in(client, cohort.dana.user)


class TestExport:
    def test_the_hooks_are_registered_when_the_app_starts(self) -> None:
        assert exports.export_posts in services_data.EXPORTERS
        assert exports.erase_posts in services_data.ERASERS
        exports.register()  # again: still once
        assert services_data.EXPORTERS.count(exports.export_posts) == 1
        assert services_data.ERASERS.count(exports.erase_posts) == 1

    def test_it_holds_my_posts_and_no_one_elses(self, cohort: Cohort, world: World, dana_client: Client) -> None:
        services.update_profile(cohort.dana, display_name="Dee", avatar_colour="teal", show_days=False)
        cohort.dana.refresh_from_db()
        post(cohort.dana, "MINE day 12")
        post(cohort.elliot, "THEIRS proud of you")
        post(cohort.moderator, "THEIRS welcome")
        services.post_message(cohort.dana, "", client_id=uuid.uuid4(), kind="support_now")
        hidden = post(cohort.dana, "MINE something I regret")
        services.hide_message(cohort.moderator, hidden.pk, "Too much detail")
        elsewhere = open_group_with(cohort, world, cohort.dana, "D")
        post(elsewhere, "MINE in the open group")
        services.leave(elsewhere)  # a group I left: my posts there are still mine

        data = download(dana_client)
        rows = data["peer_group_posts"]
        assert [(r["group"], r["kind"], r["text"], r["posted_as"], r["hidden_by_moderator"]) for r in rows] == [
            ("Tuesday evening group", "post", "MINE day 12", "Dee", False),
            ("Tuesday evening group", "support_now", "I need support now.", "Dee", False),
            ("Tuesday evening group", "post", "MINE something I regret", "Dee", True),
            ("Thursday open group", "post", "MINE in the open group", "D", False),
        ]
        assert all(r["posted_at"] for r in rows)
        assert "THEIRS" not in json.dumps(data)

    def test_the_readable_copy_has_them_too(self, cohort: Cohort, dana_client: Client) -> None:
        post(cohort.dana, "MINE day 12")
        post(cohort.elliot, "THEIRS proud of you")
        html = download(dana_client, HTML_URL)
        assert "Your posts in peer support groups" in html
        assert "MINE day 12" in html and "Tuesday evening group" in html
        assert "THEIRS" not in html

    def test_a_member_who_has_not_posted_gets_an_empty_list(self, cohort: Cohort, dana_client: Client) -> None:
        post(cohort.elliot, "THEIRS proud of you")
        assert download(dana_client)["peer_group_posts"] == []

    def test_someone_never_in_a_group_gets_no_section(self, cohort: Cohort, client: Client) -> None:
        river = make_user(None, Role.PATIENT, "river")
        start(river)
        post(cohort.dana, "THEIRS")
        data = download(sign_in(client, river))
        assert "peer_group_posts" not in data
        assert "THEIRS" not in json.dumps(data)

    def test_its_queries_do_not_grow_with_the_posts(self, cohort: Cohort) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                section = exports.export_posts(cohort.dana.user)
            assert section is not None
            return len(queries.captured_queries)

        post(cohort.dana)
        few = count()
        for n in range(30):
            post(cohort.dana, f"post {n}")
        assert count() == few
