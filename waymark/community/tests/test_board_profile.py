"""My name and colour in a group: the name others see (not necessarily a real one), the colour of the initial,
and whether days in recovery show. Saving changes what the board shows; a blank or long name is refused and
nothing changes."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from waymark.community import services
from waymark.community.models import Membership
from waymark.community.tests.conftest import Cohort, post
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def url(cohort: Cohort) -> str:
    return reverse("community:profile", args=[cohort.group.pk])


def test_a_member_changes_what_others_see(client: Client, cohort: Cohort) -> None:
    post(cohort.dana, "Hello.")
    sign_in(client, cohort.dana.user)
    page = client.get(url(cohort)).content.decode()
    assert 'value="Member 1"' in page and "You do not use it yet" in page
    for colour in ("Teal", "Blue", "Purple", "Plum", "Red", "Brown", "Green", "Slate"):
        assert colour in page
    response = client.post(url(cohort), {"display_name": "  Dee  ", "avatar_colour": "green", "show_days": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("community:board", args=[cohort.group.pk])
    member = Membership.objects.get(pk=cohort.dana.pk)
    assert (member.display_name, member.avatar_colour, member.show_days) == ("Dee", "green", True)
    sign_in(client, cohort.elliot.user)
    html = client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()
    assert '<span class="avatar avatar-green" aria-hidden="true">D</span>' in html and "Dee" in html


def test_a_companion_user_is_told_where_the_days_come_from(client: Client, cohort: Cohort) -> None:
    start(cohort.dana.user)
    sign_in(client, cohort.dana.user)
    assert "Counted by your recovery companion" in client.get(url(cohort)).content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"display_name": "  ", "avatar_colour": "teal"}, "Choose a name to show in the group"),
        ({"display_name": "x" * 41, "avatar_colour": "teal"}, "Keep the name under 40 characters."),
        ({"display_name": "Dee", "avatar_colour": "gold"}, "Choose one of the colours."),
    ],
)
def test_bad_input_is_refused(client: Client, cohort: Cohort, data: dict[str, str], error: str) -> None:
    sign_in(client, cohort.dana.user)
    response = client.post(url(cohort), data)
    assert response.status_code == 422 and error in response.content.decode()
    member = Membership.objects.get(pk=cohort.dana.pk)
    assert (member.display_name, member.avatar_colour) == ("Member 1", "teal")


def test_a_muted_member_keeps_their_name_but_may_change_their_colour(cohort: Cohort) -> None:
    """A name shows on every message: changing it while muted would be a way to post."""
    muted = services.mute(cohort.moderator, cohort.dana.pk, 24, "")
    with pytest.raises(ValidationError, match="your name stays as it is"):
        services.update_profile(muted, display_name="Read me everyone", avatar_colour="teal", show_days=False)
    services.update_profile(muted, display_name=muted.display_name, avatar_colour="plum", show_days=False)
    muted.refresh_from_db()
    assert muted.avatar_colour == "plum" and muted.display_name != "Read me everyone"
