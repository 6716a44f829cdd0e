"""The pages the service worker keeps on the phone (the blank check-in and journal forms, the offline page)
hold none of the person's data: a message waiting to be shown (which can name one of their contacts) is
neither baked into the kept copy nor lost, it is shown on the person's next real page."""

import pytest
from django.test import Client
from django.urls import reverse

from waymark.companion.views_pwa import shell_urls

SHELLS = ("check_in_shell", "journal_new_shell", "offline")


@pytest.mark.parametrize("shell", SHELLS)
def test_a_kept_page_does_not_take_a_pending_message(person_client: Client, shell: str) -> None:
    added = person_client.post(
        reverse("companion:contact_new"), {"name": "Maria Lopez", "role": "sponsor", "phone": "207 555 0199"}
    )
    assert added.status_code == 302
    kept = person_client.get(shell_urls()[shell])
    assert kept.status_code == 200
    assert "Maria Lopez" not in kept.content.decode()
    shown = person_client.get(added["Location"])
    assert "Maria Lopez is in your support network." in shown.content.decode()


def test_the_worker_keeps_help_now_as_anyone_signed_out_sees_it(client: Client, db: None) -> None:
    script = client.get(reverse("companion:service_worker")).content.decode()
    assert shell_urls()["crisis"] == reverse("companion:crisis")
    assert 'keepPage(cache, URLS.crisis, "omit")' in script  # without cookies: no contacts in the kept copy
    assert "url.pathname === URLS.crisis" in script  # offline, help now comes from the kept copy
