"""The group's guidelines, one per line, with what to do when something is wrong (report, block)."""

import pytest
from django.test import Client
from django.urls import reverse

from waymark.community.tests.conftest import Cohort
from waymark.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_members_read_the_guidelines(client: Client, cohort: Cohort) -> None:
    sign_in(client, cohort.dana.user)
    html = client.get(reverse("community:guidelines", args=[cohort.group.pk])).content.decode()
    assert "<li>Be kind. Everyone here is working on their recovery, at their own pace.</li>" in html
    assert "call or text 988" in html
    assert "Use “Report” under a message" in html and "Someone may be in danger" in html
