"""tasks.send_reminders: due reminders go out once per slot through the person's channel; a second run, a retried
task or a failed channel never sends twice; no channel, no address or a closed account sends nothing."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings

from waymark.care.models import Attendance, CounsellingSession
from waymark.companion import reminders, tasks
from waymark.companion.models import CheckIn, CompanionProfile, ReminderSent
from waymark.conftest import World
from waymark.core import scheduler
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NINE_FIVE = dt.datetime(2026, 3, 2, 9, 5, tzinfo=NY)


def remind(profile: CompanionProfile, **changes: Any) -> CompanionProfile:
    fields: dict[str, Any] = {
        "time_zone": "America/New_York",
        "reminder_channel": "email",
        "reminder_email": "river@example.org",
        "check_in_reminder_at": dt.time(9, 0),
        **changes,
    }
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


class Failing:
    def send_text(self, to: str, text: str) -> None:
        raise ConnectionError("provider unreachable")


class TestOncePerSlot:
    def test_it_sends_the_check_in_reminder(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile)
        assert tasks.send_reminders(NINE_FIVE) == 1
        [message] = mail.outbox
        assert message.to == ["river@example.org"]
        assert message.body.startswith("Waymark: time for your daily check-in.")
        row = ReminderSent.objects.get()
        assert (row.kind, row.slot, row.channel) == ("check_in", "2026-03-02", "email")

    def test_running_twice_sends_once(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile, dose_reminder_at=dt.time(9, 0))
        assert tasks.send_reminders(NINE_FIVE) == 2
        assert tasks.send_reminders(NINE_FIVE + dt.timedelta(minutes=15)) == 0
        assert tasks.send_reminders(NINE_FIVE) == 0
        assert len(mail.outbox) == 2
        assert ReminderSent.objects.count() == 2

    def test_the_next_day_is_a_new_slot(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile)
        tasks.send_reminders(NINE_FIVE)
        tasks.send_reminders(NINE_FIVE + dt.timedelta(days=1))
        assert len(mail.outbox) == 2

    def test_the_task_runs(self, self_guided_profile: CompanionProfile) -> None:
        assert tasks.send_due_reminders.call() == 0


class TestSkipped:
    def test_no_check_in_reminder_after_checking_in(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile)
        CheckIn.objects.create(user=self_guided_profile.user, day=dt.date(2026, 3, 2), mood=3, craving=2)
        assert tasks.send_reminders(NINE_FIVE) == 0
        assert mail.outbox == []

    def test_another_persons_check_in_does_not_skip_mine(
        self, self_guided_profile: CompanionProfile, world: World
    ) -> None:
        remind(self_guided_profile)
        CheckIn.objects.create(user=world.user(Role.PATIENT), day=dt.date(2026, 3, 2), mood=3, craving=2)
        assert tasks.send_reminders(NINE_FIVE) == 1

    def test_a_disabled_channel_sends_nothing(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile, reminder_channel="none", dose_reminder_at=dt.time(9, 0))
        assert tasks.send_reminders(NINE_FIVE) == 0
        assert mail.outbox == [] and not ReminderSent.objects.exists()

    def test_no_address_sends_nothing(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile, reminder_email="")
        assert self_guided_profile.user.email == ""
        assert tasks.send_reminders(NINE_FIVE) == 0
        assert not ReminderSent.objects.exists()

    def test_the_account_email_is_used_when_no_reminder_address(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile, reminder_email="")
        self_guided_profile.user.email = "river.account@example.org"
        self_guided_profile.user.save()
        tasks.send_reminders(NINE_FIVE)
        assert mail.outbox[0].to == ["river.account@example.org"]

    def test_a_closed_account_gets_nothing(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile)
        self_guided_profile.user.is_active = False
        self_guided_profile.user.save()
        assert tasks.send_reminders(NINE_FIVE) == 0


class TestRobust:
    def test_one_broken_profile_does_not_stop_the_others(
        self, self_guided_profile: CompanionProfile, patient_profile: CompanionProfile
    ) -> None:
        remind(patient_profile, reminder_email="dana@example.org")
        remind(self_guided_profile)
        CompanionProfile.objects.filter(pk=patient_profile.pk).update(time_zone="Mars/Olympus_Mons")
        assert tasks.send_reminders(NINE_FIVE) == 1
        assert mail.outbox[0].to == ["river@example.org"]


class TestTextMessages:
    def test_it_goes_to_the_console_masked(
        self, self_guided_profile: CompanionProfile, capsys: pytest.CaptureFixture[str]
    ) -> None:
        remind(self_guided_profile, reminder_channel="sms", reminder_phone="207-555-1234")
        assert tasks.send_reminders(NINE_FIVE) == 1
        assert capsys.readouterr().out == "SMS to ***1234: Waymark: time for your daily check-in.\n"
        assert mail.outbox == []

    @override_settings(WAYMARK_SMS_BACKEND=f"{__name__}.Failing")
    def test_a_failed_send_is_tried_again_later(self, self_guided_profile: CompanionProfile) -> None:
        remind(self_guided_profile, reminder_channel="sms", reminder_phone="207-555-1234")
        assert tasks.send_reminders(NINE_FIVE) == 0
        assert not ReminderSent.objects.exists()
        with override_settings(WAYMARK_SMS_BACKEND="waymark.companion.channels.ConsoleSmsBackend"):
            assert tasks.send_reminders(NINE_FIVE + dt.timedelta(minutes=15)) == 1


class Refusing:
    def send_text(self, to: str, text: str) -> None:
        raise ValueError(f"the provider refused {to}")  # providers often quote the number


class TestLogs:
    @override_settings(WAYMARK_SMS_BACKEND=f"{__name__}.Refusing")
    def test_a_failed_send_logs_no_phone_number(
        self, self_guided_profile: CompanionProfile, caplog: pytest.LogCaptureFixture
    ) -> None:
        remind(self_guided_profile, reminder_channel="sms", reminder_phone="207-555-1234")
        with caplog.at_level("DEBUG"):
            assert tasks.send_reminders(NINE_FIVE) == 0
        logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
        assert "could not send a check_in message by sms (ValueError)" in logged
        assert "555" not in logged and not any(r.exc_info for r in caplog.records)


class TestAppointments:
    def session(self, world: World, starts_at: dt.datetime, status: str = "expected") -> Attendance:
        counsellor = world.user(Role.COUNSELLOR)
        session = CounsellingSession.objects.create(
            program=world.program,
            counsellor=counsellor,
            kind="individual",
            starts_at=starts_at,
            planned_minutes=50,
            created_by=counsellor,
        )
        return Attendance.objects.create(session=session, patient=world.patient, starts_at=starts_at, status=status)

    def test_a_program_patient_is_reminded_of_a_counselling_session(
        self, world: World, patient_profile: CompanionProfile
    ) -> None:
        remind(patient_profile, check_in_reminder_at=None, appointment_reminders=True)
        starts = dt.datetime(2026, 3, 2, 14, 0, tzinfo=NY)
        attendance = self.session(world, starts)
        now = starts - dt.timedelta(minutes=90)
        assert tasks.send_reminders(now) == 1
        assert tasks.send_reminders(now + dt.timedelta(minutes=15)) == 0
        [message] = mail.outbox
        assert message.body.startswith("Waymark: you have an appointment today at 14:00.")
        assert ReminderSent.objects.get().slot == reminders.appointment_slot(
            reminders.Appointment(f"attendance-{attendance.pk}", starts)
        )

    def test_cancelled_sessions_and_other_peoples_are_not_reminded(
        self, world: World, patient_profile: CompanionProfile
    ) -> None:
        remind(patient_profile, check_in_reminder_at=None, appointment_reminders=True)
        starts = dt.datetime(2026, 3, 2, 14, 0, tzinfo=NY)
        self.session(world, starts, status="cancelled")
        counsellor = world.user(Role.COUNSELLOR)
        other = CounsellingSession.objects.create(
            program=world.program,
            counsellor=counsellor,
            kind="individual",
            starts_at=starts + dt.timedelta(minutes=30),
            planned_minutes=50,
            created_by=counsellor,
        )
        Attendance.objects.create(session=other, patient=world.other_patient, starts_at=other.starts_at)
        assert tasks.send_reminders(starts - dt.timedelta(minutes=60)) == 0

    def test_off_unless_the_person_turned_them_on(self, world: World, patient_profile: CompanionProfile) -> None:
        remind(patient_profile, check_in_reminder_at=None, appointment_reminders=False, dose_reminder_at=dt.time(1, 0))
        starts = dt.datetime(2026, 3, 2, 14, 0, tzinfo=NY)
        self.session(world, starts)
        assert tasks.send_reminders(starts - dt.timedelta(minutes=60)) == 0


class TestSchedule:
    def test_it_runs_every_15_minutes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(scheduler, "JOBS", [tasks.scheduled_jobs])
        start = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
        assert scheduler.run_due(start) == ["companion.send_due_reminders"]
        assert scheduler.run_due(start + dt.timedelta(minutes=14)) == []
        assert scheduler.run_due(start + dt.timedelta(minutes=15)) == ["companion.send_due_reminders"]

    def test_jobs_is_the_provider(self) -> None:
        assert [job.name for job in tasks.jobs()] == ["companion.send_due_reminders"]
        assert tasks.every_15_minutes(dt.datetime(2026, 3, 2, 14, 44, tzinfo=dt.UTC)) == "2026-03-02T14:30"
