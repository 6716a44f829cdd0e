"""The daily check-in page: a few taps, saved once per submission, changeable the same day, errors next to
the fields with nothing saved, and what follows a save (crisis help, a nudge to the plan, a word after a lapse)."""

import datetime as dt
import html as html_lib
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.companion import services
from waymark.companion.models import CheckIn, CheckInRevision, CheckInSubmission, CompanionProfile, SupportContact
from waymark.companion.tests.conftest import check_in
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

URL = reverse("companion:check_in")


def answers(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "client_id": str(uuid.uuid4()),
        "mood": "4",
        "craving": "3",
        "triggers": ["stress", "people"],
        "own_triggers": "payday",
        "sleep_hours": "7.5",
        "medication_taken": "yes",
        "used_today": "no",
        "support_contact": "on",
        "exercised": "on",
        "note": "A long day, but okay.",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def text(response: Any) -> str:
    """The page as text, with HTML entities (escaped apostrophes) turned back into characters."""
    return html_lib.unescape(response.content.decode())


def today(profile: CompanionProfile) -> dt.date:
    return services.today_for(profile)


class TestTheForm:
    def test_it_shows_every_question_on_one_page(self, person_client: Client) -> None:
        response = person_client.get(URL)
        assert response.status_code == 200
        html = text(response)
        for words in (
            "How is your mood?",
            "Very low",
            "Very good",
            "How strong is your craving?",
            "Did anything trigger a craving today?",
            "Seeing or hearing about use",
            "Something else, in your own words",
            "Hours of sleep last night",
            "I don't take medication",
            "Did you use today?",
            "I'd rather not say",
            "I talked with someone who supports me",
            "I went to a meeting",
            "Healthy routine today",
            "Mindfulness",
            "Save check-in",
        ):
            assert words in html, words
        # 11 craving choices, 5 moods, each a radio button with a label.
        assert html.count('name="craving"') == 11
        assert html.count('name="mood"') == 5
        assert 'name="client_id"' in html
        assert response.context["form"]["client_id"].value()

    def test_each_drawing_of_the_form_has_its_own_client_id(self, person_client: Client) -> None:
        first = person_client.get(URL).context["form"]["client_id"].value()
        second = person_client.get(URL).context["form"]["client_id"].value()
        assert first != second

    def test_the_offline_copy_is_blank_and_has_no_client_id(self, person_client: Client) -> None:
        profile = person_client.get(URL).context["profile"]
        check_in(profile.user, profile, note="private words")
        response = person_client.get(URL + "?shell=1")
        assert response.status_code == 200
        assert b"private words" not in response.content
        assert b'data-shell="1"' in response.content
        assert not response.context["form"]["client_id"].value()


class TestSaving:
    def test_it_saves_a_check_in(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        response = person_client.post(URL, answers())
        assert response.status_code == 302
        assert response["Location"] == URL
        saved = CheckIn.objects.get(user=self_guided_profile.user)
        assert saved.day == today(self_guided_profile)
        assert (saved.mood, saved.craving) == (4, 3)
        assert saved.triggers == ["people", "stress"]
        assert saved.own_triggers == "payday"
        assert saved.sleep_hours == Decimal("7.5")
        assert saved.medication_taken == "yes"
        assert saved.used_today is False
        assert saved.support_contact and saved.exercised
        assert not saved.meeting_attended and not saved.regular_meals and not saved.mindfulness
        assert saved.note == "A long day, but okay."
        assert AuditEvent.objects.filter(action="companion_check_in", actor=self_guided_profile.user).count() == 1

        page = person_client.get(response["Location"])
        assert "Your check-in is saved." in text(page)
        assert "Thank you for checking in." in text(page)
        # Shown once: a reload is just the form.
        assert "Your check-in is saved." not in text(person_client.get(URL))

    def test_only_mood_and_craving_need_an_answer(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        response = person_client.post(URL, {"client_id": str(uuid.uuid4()), "mood": "2", "craving": "0"})
        assert response.status_code == 302
        saved = CheckIn.objects.get(user=self_guided_profile.user)
        assert saved.used_today is None
        assert saved.sleep_hours is None
        assert saved.medication_taken == ""

    def test_prefer_not_to_say_is_stored_as_no_answer(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        person_client.post(URL, answers(used_today="prefer_not"))
        assert CheckIn.objects.get(user=self_guided_profile.user).used_today is None

    def test_the_same_form_sent_twice_is_saved_once(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        data = answers()
        assert person_client.post(URL, data).status_code == 302
        assert person_client.post(URL, data).status_code == 302
        assert CheckIn.objects.filter(user=self_guided_profile.user).count() == 1
        assert CheckInSubmission.objects.count() == 1
        assert CheckInRevision.objects.count() == 0


class TestChangingToday:
    def test_the_form_shows_todays_answers(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        check_in(self_guided_profile.user, self_guided_profile, mood=5, craving=7, note="rough afternoon")
        response = person_client.get(URL)
        form = response.context["form"]
        assert form["mood"].value() == 5
        assert form["craving"].value() == 7
        html = text(response)
        assert "rough afternoon" in html
        assert "You can change today's check-in until midnight." in html
        assert AuditEvent.objects.filter(action="companion_read", object_type="check_in").exists()

    def test_a_change_the_same_day_keeps_the_earlier_answers(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        person_client.post(URL, answers(craving="3"))
        response = person_client.post(URL, answers(craving="6"))
        assert response.status_code == 302
        saved = CheckIn.objects.get(user=self_guided_profile.user)
        assert saved.craving == 6
        revision = CheckInRevision.objects.get(check_in=saved)
        assert '"craving": 3' in revision.values
        page = text(person_client.get(URL))
        assert "Today's answers were updated" in page

    def test_yesterdays_check_in_cannot_be_changed(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        yesterday = today(self_guided_profile) - dt.timedelta(days=1)
        check_in(self_guided_profile.user, self_guided_profile, day=yesterday, craving=1)
        response = person_client.post(URL, answers(day=yesterday.isoformat(), craving="9"))
        assert response.status_code == 422
        assert "only today" in text(response)
        assert CheckIn.objects.get(day=yesterday).craving == 1
        assert CheckInRevision.objects.count() == 0


class TestErrors:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("craving", "11", "Choose your craving, from 0 (none) to 10 (strongest)."),
            ("mood", "0", "Choose how your mood is, from 1 (very low) to 5 (very good)."),
            ("sleep_hours", "25", "Hours of sleep must be a number from 0 to 24."),
            ("sleep_hours", "-1", "Hours of sleep must be a number from 0 to 24."),
            ("sleep_hours", "7.25", "Hours of sleep can have one decimal place"),
            ("triggers", ["stress", "the moon"], "Choose triggers from the list, or write your own below."),
            ("medication_taken", "sometimes", "Choose yes, no, or that you don"),
            ("used_today", "maybe", "Choose no, yes, or that you"),
        ],
    )
    def test_a_wrong_answer_is_shown_next_to_its_question_and_nothing_is_saved(
        self, person_client: Client, field: str, value: object, message: str
    ) -> None:
        response = person_client.post(URL, answers(**{field: value}))
        assert response.status_code == 422
        html = text(response)
        assert message in html
        # Next to the field (inside its own block, with the error id the input points to) and in the summary.
        assert f'id="id_{field}_error"' in html
        assert f'href="#field-{field}"' in html
        assert CheckIn.objects.count() == 0
        assert CheckInSubmission.objects.count() == 0

    def test_mood_and_craving_need_an_answer(self, person_client: Client) -> None:
        response = person_client.post(URL, {"client_id": str(uuid.uuid4())})
        assert response.status_code == 422
        assert set(response.context["form"].errors) == {"mood", "craving"}
        assert CheckIn.objects.count() == 0

    def test_a_day_in_the_future_is_refused(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        tomorrow = today(self_guided_profile) + dt.timedelta(days=1)
        response = person_client.post(URL, answers(day=tomorrow.isoformat()))
        assert response.status_code == 422
        assert "A check-in cannot be for a day in the future." in text(response)
        assert CheckIn.objects.count() == 0

    def test_the_answers_are_kept_after_an_error(self, person_client: Client) -> None:
        response = person_client.post(URL, answers(craving="11", note="keep me"))
        assert "keep me" in text(response)
        assert response.context["form"]["mood"].value() == "4"

    def test_a_client_id_is_needed(self, person_client: Client) -> None:
        response = person_client.post(URL, answers(client_id=""))
        assert response.status_code == 422
        assert CheckIn.objects.count() == 0


class TestWhatFollowsASave:
    def test_crisis_words_show_crisis_help_at_once_with_the_persons_own_contacts(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        SupportContact.objects.create(user=self_guided_profile.user, name="Sam", role="sponsor", phone="207 555 0199")
        SupportContact.objects.create(
            user=self_guided_profile.user, name="Not on plan", role="friend", phone="1", on_plan=False
        )
        response = person_client.post(URL, answers(note="I want to kill myself"), follow=True)
        html = text(response)
        assert 'id="crisis-help"' in html
        assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
        assert "Give naloxone if you have it." in html
        assert 'href="tel:2075550199"' in html
        assert "Call Sam" in html
        assert "Not on plan" not in html
        assert CheckIn.objects.get().crisis_kinds == "suicide"

    def test_without_contacts_it_offers_to_add_some(self, person_client: Client) -> None:
        response = person_client.post(URL, answers(note="I might overdose tonight"), follow=True)
        html = text(response)
        assert 'id="crisis-help"' in html
        assert "You haven't added anyone to call yet." in html

    def test_a_lapse_is_met_with_respect(self, person_client: Client) -> None:
        response = person_client.post(URL, answers(used_today="yes"), follow=True)
        html = text(response)
        assert "A lapse doesn't erase your progress" in html
        assert reverse("companion:plan") in html
        assert reverse("companion:contacts") in html
        assert 'id="crisis-help"' not in html
        said = html.split('id="check-in-result"')[1].split("</div>")[0].lower()
        for word in ("relapse", "fail", "clean", "dirty", "addict"):
            assert word not in said, word

    def test_the_early_warning_pattern_prompts_the_person_to_open_their_plan(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        user, start = self_guided_profile.user, today(self_guided_profile)
        for days_ago, craving in ((6, 1), (5, 2), (4, 3), (3, 5), (2, 6), (1, 8)):
            check_in(user, self_guided_profile, day=start - dt.timedelta(days=days_ago), craving=craving)
        response = person_client.post(URL, answers(craving="9", support_contact=None), follow=True)
        html = text(response)
        assert services.early_warning_for(user, self_guided_profile, start) is not None
        assert "Your craving has been rising over your last few check-ins." in html
        assert "open your plan" in html
        assert reverse("companion:plan") in html


class TestWhoMayUseIt:
    def test_anonymous_people_are_sent_to_sign_in(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 302
        assert "/login/" in response["Location"]

    def test_staff_are_refused(self, world: World, client: Client) -> None:
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(URL).status_code == 403
        assert client.post(URL, answers()).status_code == 403
        assert CheckIn.objects.count() == 0

    def test_a_person_without_companion_settings_is_sent_to_start(self, db: None, client: Client) -> None:
        sign_in(client, make_user(None, Role.PATIENT, "newcomer"))
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"] == reverse("companion:start")

    def test_a_program_patient_checks_in_too(self, patient_client: Client, patient_profile: CompanionProfile) -> None:
        assert patient_client.post(URL, answers()).status_code == 302
        assert CheckIn.objects.get().user == patient_profile.user

    def test_the_page_speaks_the_persons_language(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        self_guided_profile.language = "es"
        self_guided_profile.save()
        response = person_client.get(URL)
        assert b'lang="es"' in response.content
