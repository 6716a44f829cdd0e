"""A muted member cannot post, but can still ask for help: "I need support now" is never silenced."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from waymark.community import services
from waymark.community.models import Message, SupportAlert
from waymark.community.tests.conftest import Cohort


def test_a_muted_member_cannot_post_but_can_ask_for_support_now(cohort: Cohort) -> None:
    services.mute(cohort.moderator, cohort.elliot.pk, 24, "Repeated unkind messages")
    elliot = type(cohort.elliot).objects.get(pk=cohort.elliot.pk)
    with pytest.raises(PermissionDenied):
        services.post_message(elliot, "Anyone around?", client_id=uuid.uuid4())
    assert not Message.objects.filter(author=elliot).exists()
    posted = services.post_message(elliot, "", client_id=uuid.uuid4(), kind=Message.Kind.SUPPORT_NOW)
    assert posted.created and posted.message.text == "I need support now."
    assert set(SupportAlert.objects.values_list("recipient_id", flat=True)) == {
        cohort.dana.user_id,
        cohort.moderator.user_id,
    }
