"""Which reminders are due for one person right now. Pure module: the person's
reminder settings, the time, the days they already checked in and their
upcoming appointments in; the due reminders, each with a slot key, out.

The slot key names the occurrence (the person's calendar day for a daily
reminder, the appointment and its start for an appointment), so whatever sends
reminders can record (person, kind, slot) once and never send the same one twice,
however often it runs.

Rules (ids in `RULE_INFO`, mirrored by docs/clinical-rules.md):

- Daily reminders (`companion.reminders.daily_time`): the check-in and dose
  reminders go out at the time the person chose, on their own calendar day in
  the time zone of their companion profile, once a day, and no later than
  `CATCH_UP` (1 hour) after that time (a reminder that could not go out then is
  dropped, not sent hours late). Daylight saving: a chosen time that does not
  exist on the spring-forward day (02:30 in New York) is read on the offset
  before the change, so it goes out at 03:30 that day; a time that happens twice
  on the fall-back day goes out at its first occurrence only [design choice,
  Python's zoneinfo `fold=0`].
- Check-in reminder skipped (`companion.reminders.check_in_skip`): no check-in
  reminder for a day the person has already checked in.
- Appointment reminders (`companion.reminders.appointment`): when the person
  turned them on, one reminder in the `APPOINTMENT_LEAD` (2 hours) before each
  appointment they are expected at, never in quiet hours (22:00 to 07:00 their
  time; an appointment before 07:00 gets none). A moved appointment is a new
  occurrence and is reminded again [design choice].
- Nothing is due when the person chose no reminder channel.
"""

import datetime as dt
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from waymark.core.rule_info import RuleInfo

DAILY_TIME = "companion.reminders.daily_time"
CHECK_IN_SKIP = "companion.reminders.check_in_skip"
APPOINTMENT_RULE = "companion.reminders.appointment"

CHECK_IN = "check_in"
DOSE = "dose"
APPOINTMENT = "appointment"
KINDS = (CHECK_IN, DOSE, APPOINTMENT)

CATCH_UP = dt.timedelta(hours=1)
APPOINTMENT_LEAD = dt.timedelta(hours=2)
QUIET_FROM = dt.time(22, 0)
QUIET_UNTIL = dt.time(7, 0)
SLOT_MAX = 40  # ReminderSent.slot's length

NO_CHANNEL = ("", "none")


@dataclass(frozen=True)
class ReminderSettings:
    time_zone: str  # IANA zone, e.g. "America/New_York"
    channel: str = "none"  # "email", "sms", or "none"
    check_in_at: dt.time | None = None
    dose_at: dt.time | None = None
    appointments: bool = False


@dataclass(frozen=True)
class Appointment:
    key: str  # stable id of the appointment (e.g. its attendance row)
    starts_at: dt.datetime  # aware


@dataclass(frozen=True)
class DueReminder:
    kind: str  # CHECK_IN, DOSE or APPOINTMENT
    slot: str  # unique per person and kind: the local day, or the appointment and its start
    due_at: dt.datetime  # aware, UTC
    local_time: dt.time  # the reminder's time on the person's clock (the appointment's start for one)


def _aware(at: dt.datetime, what: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone), not a naive one.")


def daily_due_at(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The moment (UTC) of the local time `at` on `day`. A time skipped by a spring-forward change is read on
    the offset before it (an hour later on the clock); a repeated time is its first occurrence."""
    return dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(dt.UTC)


def _daily(
    kind: str, at: dt.time, now: dt.datetime, zone: ZoneInfo, skip_days: AbstractSet[dt.date]
) -> list[DueReminder]:
    today = now.astimezone(zone).date()
    due = []
    # Yesterday too: a 23:50 reminder is still due at 00:05 the next day.
    for day in (today - dt.timedelta(days=1), today):
        moment = daily_due_at(day, at, zone)
        if moment <= now < moment + CATCH_UP and day not in skip_days:
            due.append(DueReminder(kind, day.isoformat(), moment, at.replace(tzinfo=None)))
    return due


def _quiet(local: dt.time) -> bool:
    return local >= QUIET_FROM or local < QUIET_UNTIL


def appointment_slot(appointment: Appointment) -> str:
    start = appointment.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    return f"{appointment.key[: SLOT_MAX - len(start) - 1]}@{start}"


def _appointment(appointment: Appointment, now: dt.datetime, zone: ZoneInfo) -> DueReminder | None:
    _aware(appointment.starts_at, "An appointment's start")
    start = appointment.starts_at.astimezone(dt.UTC)
    if not start - APPOINTMENT_LEAD <= now < start:
        return None
    if _quiet(now.astimezone(zone).time()):
        return None
    local_start = start.astimezone(zone).time().replace(tzinfo=None)
    return DueReminder(APPOINTMENT, appointment_slot(appointment), start - APPOINTMENT_LEAD, local_start)


def due_reminders(
    settings: ReminderSettings,
    now: dt.datetime,
    *,
    checked_in_days: AbstractSet[dt.date] = frozenset(),
    appointments: Iterable[Appointment] = (),
) -> list[DueReminder]:
    """The reminders due at the aware moment `now`. `checked_in_days`: the person's calendar days (at least
    today and yesterday) that already have a check-in. Rules companion.reminders.*."""
    _aware(now, "now")
    if settings.channel in NO_CHANNEL:
        return []
    now = now.astimezone(dt.UTC)
    zone = ZoneInfo(settings.time_zone)
    due: list[DueReminder] = []
    if settings.check_in_at is not None:
        due += _daily(CHECK_IN, settings.check_in_at, now, zone, checked_in_days)
    if settings.dose_at is not None:
        due += _daily(DOSE, settings.dose_at, now, zone, frozenset())
    if settings.appointments:
        found = (_appointment(a, now, zone) for a in appointments)
        due += sorted((d for d in found if d is not None), key=lambda d: (d.due_at, d.slot))
    return due


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        DAILY_TIME,
        "Check-in and dose reminders go out once a day at the person's chosen time on their own calendar day and "
        "zone, at most 1 hour late (then dropped); a time skipped by the spring-forward change goes out an hour "
        "later on the clock, a time repeated on the fall-back day goes out once, at its first occurrence.",
        f"{int(CATCH_UP.total_seconds() // 60)} minutes catch-up",
        "issue #7 (reminders); daylight-saving handling [design choice]",
        "no",
    ),
    RuleInfo(
        CHECK_IN_SKIP,
        "No check-in reminder for a day the person has already checked in.",
        "on",
        "issue #7 (reminders) [design choice]",
        "no",
    ),
    RuleInfo(
        APPOINTMENT_RULE,
        "When turned on, one reminder in the 2 hours before each appointment the person is expected at, never "
        "between 22:00 and 07:00 their time; a moved appointment is reminded again.",
        f"{int(APPOINTMENT_LEAD.total_seconds() // 3600)} hours before; quiet 22:00–07:00",
        "issue #7 (reminders) [design choice]",
        "no",
    ),
)
