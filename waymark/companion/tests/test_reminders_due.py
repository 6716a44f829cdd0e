"""reminders.due_reminders (pure): which reminders are due, across time zones and daylight-saving changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.companion import reminders
from waymark.companion.reminders import Appointment, ReminderSettings, due_reminders

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC


def at(zone: dt.tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def settings(zone: str = "America/New_York", **changes: object) -> ReminderSettings:
    fields: dict[str, object] = {"time_zone": zone, "channel": "email", **changes}
    return ReminderSettings(**fields)  # type: ignore[arg-type]


class TestDailyReminders:
    def test_it_is_due_at_the_chosen_local_time(self) -> None:
        s = settings(check_in_at=dt.time(9, 0))
        assert due_reminders(s, at(NY, 2026, 3, 2, 8, 59)) == []
        [due] = due_reminders(s, at(NY, 2026, 3, 2, 9, 0))
        assert (due.kind, due.slot) == (reminders.CHECK_IN, "2026-03-02")
        assert due.due_at == at(NY, 2026, 3, 2, 9, 0).astimezone(UTC)

    def test_it_stays_due_for_the_catch_up_hour_then_is_dropped(self) -> None:
        s = settings(dose_at=dt.time(9, 0))
        assert [d.slot for d in due_reminders(s, at(NY, 2026, 3, 2, 9, 59))] == ["2026-03-02"]
        assert due_reminders(s, at(NY, 2026, 3, 2, 10, 0)) == []

    def test_the_slot_is_the_persons_own_day_not_the_servers(self) -> None:
        # 21:30 in Los Angeles is 05:30 the next day in UTC: the slot is still the Los Angeles day.
        s = settings("America/Los_Angeles", check_in_at=dt.time(21, 30))
        now = at(LA, 2026, 7, 10, 21, 40)
        assert now.astimezone(UTC).date() == dt.date(2026, 7, 11)
        [due] = due_reminders(s, now)
        assert due.slot == "2026-07-10"

    def test_the_same_moment_is_due_in_one_zone_and_not_another(self) -> None:
        now = at(UTC, 2026, 7, 10, 13, 5)  # 09:05 in New York, 06:05 in Los Angeles
        assert due_reminders(settings("America/New_York", check_in_at=dt.time(9, 0)), now)
        assert not due_reminders(settings("America/Los_Angeles", check_in_at=dt.time(9, 0)), now)

    def test_a_late_evening_reminder_is_still_due_just_after_midnight(self) -> None:
        s = settings(check_in_at=dt.time(23, 50))
        [due] = due_reminders(s, at(NY, 2026, 3, 3, 0, 10))
        assert due.slot == "2026-03-02"

    def test_it_takes_any_aware_now(self) -> None:
        s = settings(check_in_at=dt.time(9, 0))
        assert due_reminders(s, at(NY, 2026, 3, 2, 9, 5)) == due_reminders(s, at(UTC, 2026, 3, 2, 14, 5))

    def test_a_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            due_reminders(settings(check_in_at=dt.time(9, 0)), dt.datetime(2026, 3, 2, 9, 0))


class TestDaylightSaving:
    def test_spring_forward_keeps_the_wall_clock_time(self) -> None:
        # 8 March 2026: clocks go from 02:00 EST to 03:00 EDT. 09:00 is 13:00 UTC that day, 14:00 the day before.
        s = settings(check_in_at=dt.time(9, 0))
        [before] = due_reminders(s, at(NY, 2026, 3, 7, 9, 0))
        [after] = due_reminders(s, at(NY, 2026, 3, 8, 9, 0))
        assert before.due_at.hour == 14 and after.due_at.hour == 13

    def test_a_time_skipped_by_spring_forward_goes_out_an_hour_later_on_the_clock(self) -> None:
        s = settings(dose_at=dt.time(2, 30))
        assert due_reminders(s, at(NY, 2026, 3, 8, 1, 59)) == []
        [due] = due_reminders(s, at(NY, 2026, 3, 8, 3, 30))
        assert due.slot == "2026-03-08"
        assert due.due_at == at(UTC, 2026, 3, 8, 7, 30)

    def test_a_time_repeated_at_fall_back_is_due_once_at_its_first_occurrence(self) -> None:
        # 1 November 2026: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        s = settings(check_in_at=dt.time(1, 30))
        first = at(NY, 2026, 11, 1, 1, 30, fold=0)
        second = at(NY, 2026, 11, 1, 1, 30, fold=1)
        assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)
        [due] = due_reminders(s, first)
        assert due.due_at == at(UTC, 2026, 11, 1, 5, 30)
        assert due_reminders(s, second) == []  # the catch-up hour is over: not sent a second time

    def test_fall_back_day_is_25_hours_and_still_one_slot(self) -> None:
        s = settings(check_in_at=dt.time(9, 0))
        slots: set[str] = set()
        moment = at(UTC, 2026, 10, 31, 4, 0)
        while moment < at(UTC, 2026, 11, 3, 4, 0):
            slots.update(d.slot for d in due_reminders(s, moment))
            moment += dt.timedelta(minutes=15)
        assert slots == {"2026-10-31", "2026-11-01", "2026-11-02"}


class TestCheckInSkipped:
    def test_no_check_in_reminder_when_already_checked_in_today(self) -> None:
        s = settings(check_in_at=dt.time(9, 0), dose_at=dt.time(9, 0))
        due = due_reminders(s, at(NY, 2026, 3, 2, 9, 5), checked_in_days={dt.date(2026, 3, 2)})
        assert [d.kind for d in due] == [reminders.DOSE]

    def test_yesterdays_check_in_does_not_skip_todays_reminder(self) -> None:
        s = settings(check_in_at=dt.time(9, 0))
        assert due_reminders(s, at(NY, 2026, 3, 2, 9, 5), checked_in_days={dt.date(2026, 3, 1)})


class TestNoChannel:
    @pytest.mark.parametrize("channel", ["none", ""])
    def test_nothing_is_due_without_a_channel(self, channel: str) -> None:
        s = settings(channel=channel, check_in_at=dt.time(9, 0), dose_at=dt.time(9, 0), appointments=True)
        appointment = Appointment("a-1", at(NY, 2026, 3, 2, 10, 0))
        assert due_reminders(s, at(NY, 2026, 3, 2, 9, 5), appointments=[appointment]) == []


class TestAppointments:
    def test_it_is_due_in_the_two_hours_before(self) -> None:
        s = settings(appointments=True)
        appointment = Appointment("attendance-7", at(NY, 2026, 3, 2, 14, 0))
        assert due_reminders(s, at(NY, 2026, 3, 2, 11, 59), appointments=[appointment]) == []
        [due] = due_reminders(s, at(NY, 2026, 3, 2, 12, 0), appointments=[appointment])
        assert due.kind == reminders.APPOINTMENT
        assert due.slot == "attendance-7@20260302T1900Z"
        assert due.local_time == dt.time(14, 0)
        assert due_reminders(s, at(NY, 2026, 3, 2, 14, 0), appointments=[appointment]) == []

    def test_it_is_off_unless_turned_on(self) -> None:
        appointment = Appointment("attendance-7", at(NY, 2026, 3, 2, 14, 0))
        assert due_reminders(settings(), at(NY, 2026, 3, 2, 13, 0), appointments=[appointment]) == []

    def test_quiet_hours_hold_it(self) -> None:
        s = settings(appointments=True)
        early = Appointment("attendance-8", at(NY, 2026, 3, 2, 7, 30))
        assert due_reminders(s, at(NY, 2026, 3, 2, 6, 0), appointments=[early]) == []
        assert due_reminders(s, at(NY, 2026, 3, 2, 7, 0), appointments=[early])

    def test_a_moved_appointment_is_a_new_slot(self) -> None:
        first = reminders.appointment_slot(Appointment("attendance-9", at(NY, 2026, 3, 2, 14, 0)))
        moved = reminders.appointment_slot(Appointment("attendance-9", at(NY, 2026, 3, 2, 15, 0)))
        assert first != moved

    def test_the_local_time_is_the_persons_clock(self) -> None:
        s = settings("America/Los_Angeles", appointments=True)
        appointment = Appointment("attendance-10", at(NY, 2026, 3, 2, 14, 0))  # 11:00 in Los Angeles
        [due] = due_reminders(s, at(NY, 2026, 3, 2, 13, 0), appointments=[appointment])
        assert due.local_time == dt.time(11, 0)


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    zone=st.sampled_from(["America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "UTC"]),
    chosen=st.times(),
)
def test_slots_are_the_persons_day_and_each_is_due_for_at_most_an_hour(
    minutes: int, zone: str, chosen: dt.time
) -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=minutes)
    due = due_reminders(settings(zone, check_in_at=chosen), now)
    for d in due:
        assert d.due_at <= now < d.due_at + reminders.CATCH_UP
        assert d.slot == d.due_at.astimezone(ZoneInfo(zone)).date().isoformat() or d.slot == (
            (d.due_at.astimezone(ZoneInfo(zone)) - dt.timedelta(hours=1)).date().isoformat()
        )
        assert len(d.slot) <= reminders.SLOT_MAX
