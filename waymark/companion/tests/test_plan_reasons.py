"""Reasons for recovery: one per line, blank lines dropped, empty allowed, audited when changed."""

import pytest
from django.test import Client

from waymark.companion.models import RelapsePlan
from waymark.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db

URL = "/companion/plan/reasons/"


def test_it_saves_reasons_one_per_line(person_client: Client, self_guided: User) -> None:
    assert "My reasons for recovery" in person_client.get(URL).content.decode()
    response = person_client.post(URL, {"reasons": "  My kids  \n\n\nMy health\n"})
    assert response.status_code == 302 and response["Location"] == "/companion/plan/"
    plan = RelapsePlan.objects.get(user=self_guided)
    assert plan.reasons == "My kids\nMy health"
    assert AuditEvent.objects.filter(actor=self_guided, action="companion_plan_reasons").count() == 1
    person_client.post(URL, {"reasons": "My kids\nMy health"})
    assert AuditEvent.objects.filter(action="companion_plan_reasons").count() == 1  # nothing changed
    assert "My kids" in person_client.get(URL).content.decode()


def test_too_long_is_refused_and_nothing_saved(person_client: Client, self_guided: User) -> None:
    response = person_client.post(URL, {"reasons": "x" * 4001})
    assert response.status_code == 422 and 'id="id_reasons_error"' in response.content.decode()
    assert not RelapsePlan.objects.filter(user=self_guided).exists()


def test_reasons_can_be_emptied(person_client: Client, self_guided: User) -> None:
    person_client.post(URL, {"reasons": "Freedom"})
    person_client.post(URL, {"reasons": ""})
    assert RelapsePlan.objects.get(user=self_guided).reasons == ""
