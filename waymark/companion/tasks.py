"""The companion's background work: reminders every 15 minutes, and the email to a
person's care team when an alert is raised (services.raise_alert enqueues it).

Both are safe to run twice: each message first claims its row in ReminderSent
(unique per recipient, kind and slot), then goes out; a second run, a retried
task or a second worker finds the claim and sends nothing. If the channel fails,
the claim is released so a later run (within the reminder's catch-up hour) tries
again. What is sent is generic: no medication, clinic, health or patient words.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from waymark.care.models import Attendance
from waymark.chart.models import CareTeamMember
from waymark.companion import reminders
from waymark.companion.channels import SMS, Channel, EmailChannel, channel_for
from waymark.companion.models import CareTeamAlert, CheckIn, CompanionProfile, ReminderSent
from waymark.core import audit
from waymark.core.models import User
from waymark.core.scheduler import Job

log = logging.getLogger("waymark.companion.tasks")

CARE_ALERT = "care_alert"  # ReminderSent.kind of a care-team notice (one per member and alert)
BATCH = 500


# --- Scheduling --------------------------------------------------------------------------------------------


def every_15_minutes(now: dt.datetime) -> str | None:
    """The scheduler slot of the quarter hour `now` falls in (always due)."""
    return f"{now:%Y-%m-%dT%H}:{now.minute // 15 * 15:02d}"


def scheduled_jobs() -> list[Job]:
    return [Job("companion.send_due_reminders", every_15_minutes, send_due_reminders.enqueue)]


jobs = scheduled_jobs


# --- Sending once -------------------------------------------------------------------------------------------


def _send_once(user: User, kind: str, slot: str, channel: Channel, to: str, subject: str, body: str) -> bool:
    """Claim (user, kind, slot), then send; False if it was already claimed or the channel failed."""
    try:
        with transaction.atomic():
            claim = ReminderSent.objects.create(user=user, kind=kind, slot=slot, channel=channel.name)
    except IntegrityError:
        return False
    try:
        channel.send(to, subject, body)
    except Exception as exc:  # the provider refused or was unreachable: let a later run try again
        # The kind of error only: a provider's message (and its traceback) often quotes the address or number.
        log.warning("could not send a %s message by %s (%s); will retry", kind, channel.name, type(exc).__name__)
        ReminderSent.objects.filter(pk=claim.pk).delete()
        return False
    return True


# --- Reminders ----------------------------------------------------------------------------------------------


def reminder_message(kind: str, local_time: dt.time, language: str, channel: str) -> tuple[str, str]:
    """Subject and body of a reminder, in the person's language. Generic on purpose: they appear on lock
    screens and shared phones."""
    with translation.override(language):
        if kind == reminders.CHECK_IN:
            text = gettext("Waymark: time for your daily check-in.")
        elif kind == reminders.DOSE:
            text = gettext("Waymark: this is the daily reminder you set for this time.")
        else:
            text = gettext("Waymark: you have an appointment today at %(time)s.") % {
                "time": local_time.strftime("%H:%M")
            }
        subject = gettext("Waymark reminder")
        if channel == SMS:
            return subject, text
        footer = gettext(
            "You get this because you asked for it. You can change or turn off reminders in Waymark, "
            "under More, then Settings."
        )
    return subject, f"{text}\n\n{footer}"


def _address(profile: CompanionProfile) -> str:
    if profile.reminder_channel == SMS:
        return profile.reminder_phone.strip()
    return (profile.reminder_email or profile.user.email).strip()


def _settings(profile: CompanionProfile) -> reminders.ReminderSettings:
    return reminders.ReminderSettings(
        time_zone=profile.time_zone,
        channel=profile.reminder_channel,
        check_in_at=profile.check_in_reminder_at,
        dose_at=profile.dose_reminder_at,
        appointments=profile.appointment_reminders,
    )


def _profiles_with_reminders() -> Iterable[CompanionProfile]:
    return (
        CompanionProfile.objects.filter(user__is_active=True)
        .exclude(reminder_channel__in=reminders.NO_CHANNEL)
        .filter(
            Q(check_in_reminder_at__isnull=False) | Q(dose_reminder_at__isnull=False) | Q(appointment_reminders=True)
        )
        .select_related("user")
        .order_by("pk")
        .iterator(chunk_size=BATCH)
    )


def _batches(rows: Iterable[CompanionProfile]) -> Iterable[list[CompanionProfile]]:
    batch: list[CompanionProfile] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _checked_in(user_ids: Sequence[int], now: dt.datetime) -> dict[int, set[dt.date]]:
    # Every zone's today and yesterday lie within a day and a half of the UTC date.
    days: dict[int, set[dt.date]] = defaultdict(set)
    rows = CheckIn.objects.filter(
        user_id__in=user_ids, day__gte=now.date() - dt.timedelta(days=2), day__lte=now.date() + dt.timedelta(days=1)
    ).values_list("user_id", "day")
    for user_id, day in rows:
        days[user_id].add(day)
    return days


def _appointments(user_ids: Sequence[int], now: dt.datetime) -> dict[int, list[reminders.Appointment]]:
    """Counselling sessions the program patients among `user_ids` are expected at, starting soon."""
    found: dict[int, list[reminders.Appointment]] = defaultdict(list)
    if not user_ids:
        return found
    rows = Attendance.objects.filter(
        patient__user_id__in=user_ids,
        status=Attendance.Status.EXPECTED,
        starts_at__gt=now,
        starts_at__lte=now + reminders.APPOINTMENT_LEAD,
    ).values_list("pk", "patient__user_id", "starts_at")
    for pk, user_id, starts_at in rows:
        found[user_id].append(reminders.Appointment(key=f"attendance-{pk}", starts_at=starts_at))
    return found


def send_reminders(now: dt.datetime | None = None) -> int:
    """Send every reminder due at `now` that has not been sent. Returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for batch in _batches(_profiles_with_reminders()):
        checked_in = _checked_in([p.user_id for p in batch if p.check_in_reminder_at], now)
        appointments = _appointments([p.user_id for p in batch if p.appointment_reminders], now)
        for profile in batch:
            try:
                due = reminders.due_reminders(
                    _settings(profile),
                    now,
                    checked_in_days=checked_in.get(profile.user_id, set()),
                    appointments=appointments.get(profile.user_id, ()),
                )
            except (ValueError, KeyError):  # a zone that no longer exists: skip this person, not everyone
                log.exception("reminders skipped for companion profile %s", profile.pk)
                continue
            sent += _send_due(profile, due)
    if sent:
        log.info("sent %s reminder(s)", sent)
    return sent


def _send_due(profile: CompanionProfile, due: list[reminders.DueReminder]) -> int:
    if not due:
        return 0
    channel = channel_for(profile.reminder_channel)
    to = _address(profile)
    if channel is None or not to:
        return 0
    sent = 0
    for reminder in due:
        subject, body = reminder_message(reminder.kind, reminder.local_time, profile.language, channel.name)
        sent += _send_once(profile.user, reminder.kind, reminder.slot, channel, to, subject, body)
    return sent


@task()
def send_due_reminders() -> int:
    return send_reminders()


# --- Care-team alerts ---------------------------------------------------------------------------------------

ALERT_SUBJECT = "Waymark: a person may need support"
ALERT_BODY = "A person on your caseload may need support today. Sign in to Waymark to see the alert."


def email_care_team(alert_id: int) -> int:
    """Email each current care-team member of the alert's patient, once. The message names no one and says
    nothing about the person; the alert itself is read in Waymark, where the reading is audited."""
    alert = CareTeamAlert.objects.select_related("patient").filter(pk=alert_id).first()
    if alert is None or alert.acknowledged_at is not None:
        return 0
    members = (
        CareTeamMember.objects.filter(patient_id=alert.patient_id, ended_on__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    channel = EmailChannel()
    sent = 0
    for member in members:
        user = member.user
        sent += _send_once(user, CARE_ALERT, f"alert-{alert.pk}", channel, user.email, ALERT_SUBJECT, ALERT_BODY)
    if sent:
        audit.record(
            None,
            "companion_alert_notify",
            patient_id=alert.patient_id,
            program_id=alert.patient.program_id,
            object_type="careteamalert",
            object_id=alert.pk,
            reason=f"{sent} care-team member(s) emailed",
        )
    return sent


@task()
def notify_care_team(alert_id: int) -> int:
    return email_care_team(alert_id)
