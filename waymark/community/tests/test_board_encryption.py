"""Messages are kept encrypted at rest: the raw column never holds the words, and the board shows them."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from waymark.community.models import Message
from waymark.community.tests.conftest import Cohort
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_posted_message_is_encrypted_in_the_database(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    words = "I almost called my old dealer tonight."
    data = {"client_id": str(uuid.uuid4()), "kind": "post", "text": words}
    client.post(reverse("community:post", args=[cohort.group.pk]), data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM community_message")
        [(raw,)] = cursor.fetchall()
    raw = raw.tobytes().decode("latin-1") if isinstance(raw, memoryview) else str(raw)
    assert "dealer" not in raw and words not in raw and len(raw) > len(words)
    assert Message.objects.get().text == words
    assert words in client.get(reverse("community:board", args=[cohort.group.pk])).content.decode()
