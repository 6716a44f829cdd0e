"""The journal: private by default and encrypted at rest, newest first, one entry per submission, crisis help
at once, and sharing one entry with the care team (program patients only). Another person's entry is a 404."""

import html
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CompanionProfile, JournalEntry, SupportContact
from waymark.companion.tests.conftest import start
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

LIST = reverse("companion:journal")
NEW = reverse("companion:journal_new")


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def write(profile: CompanionProfile, words: str, prompt: str = "") -> JournalEntry:
    return services.write_journal(profile.user, profile, text=words, prompt=prompt, client_id=uuid.uuid4()).entry


def entry_url(entry: JournalEntry) -> str:
    return reverse("companion:journal_entry", args=[entry.pk])


def share_url(entry: JournalEntry) -> str:
    return reverse("companion:journal_share", args=[entry.pk])


class TestWriting:
    def test_the_page_says_entries_are_private(self, person_client: Client) -> None:
        response = person_client.get(NEW)
        assert response.status_code == 200
        page = text(response)
        assert "Only you can read this entry." in page
        assert "Something I'm grateful for" in page
        assert "A trigger I faced and how I handled it" in page
        assert "A win today, however small" in page

    def test_a_prompt_can_be_chosen_from_a_link(self, person_client: Client) -> None:
        response = person_client.get(NEW + "?prompt=gratitude")
        assert response.context["form"]["prompt"].value() == "gratitude"
        assert person_client.get(NEW + "?prompt=nonsense").context["form"]["prompt"].value() == ""

    def test_it_saves_an_entry_and_shows_it(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        data = {"client_id": str(uuid.uuid4()), "prompt": "wins", "text": "Walked past the old corner and kept going."}
        response = person_client.post(NEW, data)
        saved = JournalEntry.objects.get(user=self_guided_profile.user)
        assert response.status_code == 302
        assert response["Location"] == entry_url(saved)
        assert saved.prompt == "wins"
        assert not saved.shared_with_care_team
        page = text(person_client.get(response["Location"]))
        assert "Walked past the old corner and kept going." in page
        assert "A win today, however small" in page
        assert "Saved. This entry is private: only you can read it." in page
        assert 'id="crisis-help"' not in page

    def test_the_same_entry_sent_twice_is_saved_once(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        data = {"client_id": str(uuid.uuid4()), "text": "Once."}
        first = person_client.post(NEW, data)
        second = person_client.post(NEW, data)
        assert first["Location"] == second["Location"]
        assert JournalEntry.objects.filter(user=self_guided_profile.user).count() == 1
        assert "This entry was already saved." in text(person_client.get(second["Location"]))

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"text": ""}, "text", "Write something first."),
            ({"text": "   "}, "text", "Write something first."),
            ({"text": "x" * (services.MAX_JOURNAL + 1)}, "text", "An entry can be up to 20000 characters."),
            ({"text": "hello", "prompt": "poetry"}, "prompt", "Choose one of the prompts, or none."),
        ],
    )
    def test_a_wrong_entry_is_shown_next_to_its_field_and_not_saved(
        self, person_client: Client, data: dict[str, str], field: str, message: str
    ) -> None:
        response = person_client.post(NEW, {"client_id": str(uuid.uuid4()), **data})
        assert response.status_code == 422
        page = text(response)
        assert message in page
        assert f'id="id_{field}_error"' in page
        assert JournalEntry.objects.count() == 0

    def test_crisis_words_show_crisis_help_at_once(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        SupportContact.objects.create(user=self_guided_profile.user, name="Ana", role="family", phone="207-555-0123")
        response = person_client.post(
            NEW, {"client_id": str(uuid.uuid4()), "text": "I keep thinking I want to kill myself"}, follow=True
        )
        page = text(response)
        assert 'id="crisis-help"' in page
        assert 'href="tel:988"' in page and 'href="tel:911"' in page
        assert 'href="tel:207-555-0123"' in page
        assert JournalEntry.objects.get().crisis_kinds == "suicide"
        # Shown at once, not every time the entry is read again.
        again = text(person_client.get(entry_url(JournalEntry.objects.get())))
        assert 'id="crisis-help"' not in again

    def test_the_offline_copy_is_blank(self, person_client: Client) -> None:
        response = person_client.get(NEW + "?shell=1")
        assert b'data-shell="1"' in response.content
        assert not response.context["form"]["client_id"].value()


class TestEncryption:
    def test_the_text_is_not_in_the_database_column(self, self_guided_profile: CompanionProfile) -> None:
        entry = write(self_guided_profile, "A secret only I know: the blue house on Elm St.")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT text FROM {JournalEntry._meta.db_table} WHERE id = %s", [entry.pk])
            (raw,) = cursor.fetchone()
        assert "secret" not in raw
        assert "Elm St" not in raw
        assert JournalEntry.objects.get(pk=entry.pk).text == "A secret only I know: the blue house on Elm St."


class TestReading:
    def test_the_list_is_newest_first_and_says_it_is_private(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        first = write(self_guided_profile, "first entry")
        second = write(self_guided_profile, "second entry", prompt="gratitude")
        response = person_client.get(LIST)
        assert [entry for entry, _ in response.context["entries"]] == [second, first]
        page = text(response)
        assert "Only you can read your journal." in page
        assert "share an entry" not in page  # self-guided: nobody to share with
        assert page.index("second entry") < page.index("first entry")
        assert AuditEvent.objects.filter(action="companion_read", object_type="journal_list").count() == 1

    def test_the_list_pages_20_at_a_time(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        for n in range(23):
            write(self_guided_profile, f"entry {n}")
        assert len(person_client.get(LIST).context["entries"]) == 20
        assert len(person_client.get(LIST + "?page=2").context["entries"]) == 3

    def test_the_list_costs_the_same_for_2_and_20_entries(
        self, person_client: Client, self_guided_profile: CompanionProfile, django_assert_max_num_queries
    ) -> None:
        write(self_guided_profile, "a")
        write(self_guided_profile, "b")
        with django_assert_max_num_queries(12) as few:
            person_client.get(LIST)
        for n in range(18):
            write(self_guided_profile, f"entry {n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            person_client.get(LIST)

    def test_reading_an_entry_is_audited(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        entry = write(self_guided_profile, "read me")
        assert person_client.get(entry_url(entry)).status_code == 200
        assert AuditEvent.objects.filter(
            action="companion_read", object_type="journal_entry", object_id=str(entry.pk)
        ).exists()

    def test_another_persons_entry_is_not_found(
        self, world: World, client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        theirs = write(start(world.user(Role.PATIENT)), "their words")
        sign_in(client, self_guided_profile.user)
        assert client.get(entry_url(theirs)).status_code == 404
        assert client.post(share_url(theirs), {"shared": "1"}).status_code == 404
        assert not JournalEntry.objects.get(pk=theirs.pk).shared_with_care_team


class TestSharing:
    def test_a_program_patient_shares_one_entry_and_can_stop(
        self, patient_client: Client, patient_profile: CompanionProfile
    ) -> None:
        entry = write(patient_profile, "for my counsellor")
        other = write(patient_profile, "just for me")
        page = text(patient_client.get(entry_url(entry)))
        assert "Share this entry with my care team" in page
        assert "Only you. This entry is private." in page

        response = patient_client.post(share_url(entry), {"shared": "1"}, follow=True)
        entry.refresh_from_db()
        assert entry.shared_with_care_team and entry.shared_at is not None
        assert not JournalEntry.objects.get(pk=other.pk).shared_with_care_team
        page = text(response)
        assert "Shared with your care team. You can stop sharing it at any time." in page
        assert "Stop sharing this entry" in page
        assert "Shared with your care team" in text(patient_client.get(LIST))
        assert AuditEvent.objects.filter(action="companion_journal_share", object_id=str(entry.pk)).exists()

        patient_client.post(share_url(entry), {"shared": "0"})
        entry.refresh_from_db()
        assert not entry.shared_with_care_team and entry.shared_at is None
        assert AuditEvent.objects.filter(action="companion_journal_unshare", object_id=str(entry.pk)).exists()

    def test_the_list_tells_a_program_patient_sharing_is_their_choice(self, patient_client: Client) -> None:
        assert "unless you choose to share an entry with your care team" in text(patient_client.get(LIST))

    def test_a_self_guided_person_has_no_share_option_and_cannot_share(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        entry = write(self_guided_profile, "mine")
        page = text(person_client.get(entry_url(entry)))
        assert "Share this entry" not in page
        assert person_client.post(share_url(entry), {"shared": "1"}).status_code == 403
        entry.refresh_from_db()
        assert not entry.shared_with_care_team

    def test_sharing_needs_a_post(self, patient_client: Client, patient_profile: CompanionProfile) -> None:
        entry = write(patient_profile, "mine")
        assert patient_client.get(share_url(entry)).status_code == 405

    def test_a_bad_choice_changes_nothing(self, patient_client: Client, patient_profile: CompanionProfile) -> None:
        entry = write(patient_profile, "mine")
        response = patient_client.post(share_url(entry), {"shared": "yes please"}, follow=True)
        assert "Choose whether to share this entry or stop sharing it." in text(response)
        entry.refresh_from_db()
        assert not entry.shared_with_care_team


class TestWhoMayUseIt:
    @pytest.mark.parametrize("name", ["journal", "journal_new"])
    def test_staff_are_refused_and_anonymous_people_sent_to_sign_in(
        self, world: World, client: Client, name: str
    ) -> None:
        url = reverse(f"companion:{name}")
        assert "/login/" in client.get(url)["Location"]
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(url).status_code == 403

    def test_staff_cannot_open_an_entry(self, world: World, client: Client, patient_profile: CompanionProfile) -> None:
        entry = write(patient_profile, "private")
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(entry_url(entry)).status_code == 403

    def test_a_person_without_companion_settings_is_sent_to_start(self, db: None, client: Client) -> None:
        sign_in(client, make_user(None, Role.PATIENT, "newcomer"))
        assert client.get(LIST)["Location"] == reverse("companion:start")
