"""The reminder channels: email through Django's mail, text messages through the backend named by
WAYMARK_SMS_BACKEND (console by default), and what they say is never sensitive."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.test import override_settings

from waymark.companion import channels, reminders, tasks

# Words that must never reach a lock screen or a shared phone.
SENSITIVE = re.compile(
    r"medic|medica|dose|dosis|methadone|metadona|buprenorph|naltrex|suboxone|opioid|opi[aá]ceo|drug|droga|"
    r"clinic|cl[ií]nica|counsel|consejer|treatment|tratamiento|recovery|recuperaci|craving|relapse|reca[ií]da|"
    r"addict|adicci|substance|sustancia|overdose|sobredosis|suicid|crisis|alert|patient|paciente",
    re.IGNORECASE,
)


class RecordingBackend:
    sent: list[tuple[str, str]] = []

    def send_text(self, to: str, text: str) -> None:
        RecordingBackend.sent.append((to, text))


class TestConsoleSms:
    def test_it_prints_the_text_with_the_number_masked(self) -> None:
        out = io.StringIO()
        channels.SmsChannel(channels.ConsoleSmsBackend(out)).send(
            "+1 (207) 555-1234", "ignored subject", "Waymark: time for your daily check-in."
        )
        assert out.getvalue() == "SMS to ***1234: Waymark: time for your daily check-in.\n"
        assert "207" not in out.getvalue() and "555" not in out.getvalue()

    def test_it_writes_to_stdout_by_default(self, capsys: pytest.CaptureFixture[str]) -> None:
        channels.SmsChannel().send("2075550199", "s", "Waymark: time for your daily check-in.")
        assert capsys.readouterr().out == "SMS to ***0199: Waymark: time for your daily check-in.\n"

    def test_a_number_without_digits_is_fully_masked(self) -> None:
        assert channels.masked("call me") == "***"


class TestBackendSetting:
    def test_the_console_is_the_default(self) -> None:
        assert isinstance(channels.sms_backend(), channels.ConsoleSmsBackend)

    @override_settings(WAYMARK_SMS_BACKEND=f"{__name__}.RecordingBackend")
    def test_the_setting_names_the_backend(self) -> None:
        RecordingBackend.sent = []
        channels.channel_for("sms").send("2075551234", "s", "hello")  # type: ignore[union-attr]
        assert RecordingBackend.sent == [("2075551234", "hello")]

    def test_no_channel_for_none_or_unknown(self) -> None:
        assert channels.channel_for("none") is None
        assert channels.channel_for("pigeon") is None
        assert isinstance(channels.channel_for("email"), channels.EmailChannel)


class TestEmail:
    def test_it_sends_through_django_mail(self) -> None:
        channels.EmailChannel().send("river@example.org", "Waymark reminder", "Waymark: time for your daily check-in.")
        [message] = mail.outbox
        assert message.to == ["river@example.org"]
        assert message.subject == "Waymark reminder"


class TestNothingSensitive:
    @pytest.mark.parametrize("language", ["en", "es"])
    @pytest.mark.parametrize("kind", reminders.KINDS)
    @pytest.mark.parametrize("channel", ["sms", "email"])
    def test_reminders_say_nothing_sensitive(self, language: str, kind: str, channel: str) -> None:
        subject, body = tasks.reminder_message(kind, dt.time(14, 0), language, channel)
        assert not SENSITIVE.search(subject), subject
        assert not SENSITIVE.search(body), body
        assert body.startswith("Waymark")

    @pytest.mark.parametrize("kind", reminders.KINDS)
    def test_the_console_line_says_nothing_sensitive(self, kind: str) -> None:
        out = io.StringIO()
        _, body = tasks.reminder_message(kind, dt.time(9, 30), "en", "sms")
        channels.SmsChannel(channels.ConsoleSmsBackend(out)).send("2075551234", "", body)
        assert not SENSITIVE.search(out.getvalue()), out.getvalue()

    def test_a_text_message_is_one_short_line(self) -> None:
        _, body = tasks.reminder_message(reminders.CHECK_IN, dt.time(9, 0), "en", "sms")
        assert body == "Waymark: time for your daily check-in."

    def test_the_care_team_notice_names_no_one_and_says_nothing_clinical(self) -> None:
        assert not SENSITIVE.search(tasks.ALERT_SUBJECT)
        assert tasks.ALERT_BODY == (
            "A person on your caseload may need support today. Sign in to Waymark to see the alert."
        )
