"""A person who chose Spanish in their recovery companion sees their groups in Spanish, with times in their own
zone; someone without the companion sees them in English. The moderation log's actions are translated."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from waymark.community import services
from waymark.community.tests.conftest import Cohort, post
from waymark.companion.tests.conftest import start
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def spanish(text: str) -> str:
    with translation.override("es"):
        translated = gettext(text)
    assert translated != text, f"{text!r} has no Spanish translation"
    return translated


def test_the_board_and_a_poll_are_in_the_persons_language(client: Client, cohort: Cohort) -> None:
    start(cohort.dana.user, language="es")
    post(cohort.elliot, "Buenos días a todos.")
    sign_in(client, cohort.dana.user)
    response = client.get(reverse("community:board", args=[cohort.group.pk]))
    html = response.content.decode()
    assert response["Content-Language"] == "es"
    assert spanish("I need support now") in html and spanish("Messages") in html
    poll = client.get(reverse("community:messages", args=[cohort.group.pk]), headers={"HX-Request": "true"})
    assert spanish("Report") in poll.content.decode()
    groups = client.get(reverse("community:groups")).content.decode()
    assert spanish("My groups") in groups and spanish("Join with a code") in groups


def test_without_the_companion_the_pages_are_in_english(client: Client, cohort: Cohort) -> None:
    """As every signed-in page outside the companion (only the public help pages follow the browser)."""
    sign_in(client, cohort.elliot.user)
    url = reverse("community:board", args=[cohort.group.pk])
    assert "I need support now" in client.get(url, headers={"Accept-Language": "es"}).content.decode()


def test_the_moderation_log_is_translated(client: Client, cohort: Cohort) -> None:
    start(cohort.moderator.user, language="es")
    message = post(cohort.elliot, "Something unkind.")
    services.hide_message(cohort.moderator, message.pk, "Unkind")
    sign_in(client, cohort.moderator.user)
    html = client.get(reverse("community:moderation", args=[cohort.group.pk])).content.decode()
    assert spanish("Hid a message") in html
