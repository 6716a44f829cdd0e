"""The companion's writes: one function per use case, each in a transaction and audited.

Every function takes the signed-in person's own account; nothing here reaches
another person's data. A check-in or journal entry carries a client id made by
the browser, so a retried request or an offline queue synced twice is applied
once (the database's unique constraint decides, not a read before the write).
"""

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.chart.models import Patient
from waymark.companion import crisis, insights, progress
from waymark.companion.models import (
    TRIGGER_KEYS,
    CareTeamAlert,
    CheckIn,
    CheckInRevision,
    CheckInSubmission,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
)
from waymark.core import audit
from waymark.core.models import User

# A check-in answered offline can arrive days later; older ones are refused as a likely mistake.
LATE_SYNC_DAYS = 7
MAX_TEXT = 4000
MAX_JOURNAL = 20000
# Check-ins read to look for the early-warning pattern (insights.early_warning needs the last few weeks).
WARNING_LOOKBACK_DAYS = 35


# --- Profile ---------------------------------------------------------------------------------------------


def profile_for(user: User) -> CompanionProfile | None:
    return CompanionProfile.objects.filter(user=user).first()


def patient_of(user: User) -> Patient | None:
    """The person's chart, if they are a program patient (self-guided people have none)."""
    return Patient.objects.filter(user=user).select_related("program").first()


def today_for(profile: CompanionProfile, now: dt.datetime | None = None) -> dt.date:
    return progress.local_day(now or timezone.now(), profile.time_zone)


def _audit(user: User, action: str, obj: Any, reason: str = "") -> None:
    patient = patient_of(user)
    audit.record(
        user,
        action,
        patient_id=patient.pk if patient else None,
        program_id=patient.program_id if patient else None,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        reason=reason,
    )


def audit_read(user: User, object_type: str, object_id: object = "") -> None:
    """The person reading their own companion data is recorded too (it is part of their record)."""
    patient = patient_of(user)
    audit.record(
        user,
        "companion_read",
        patient_id=patient.pk if patient else None,
        program_id=patient.program_id if patient else None,
        object_type=object_type,
        object_id=object_id,
    )


@transaction.atomic
def start_companion(
    user: User, *, recovery_started_on: dt.date, time_zone: str = "", language: str = "en"
) -> CompanionProfile:
    """Create the person's companion settings (or return the ones they have)."""
    existing = profile_for(user)
    if existing is not None:
        return existing
    patient = patient_of(user)
    zone = time_zone or (patient.program.time_zone if patient else "America/New_York")
    profile = CompanionProfile(user=user, recovery_started_on=recovery_started_on, time_zone=zone, language=language)
    errors: dict[str, str] = {}
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError):
        errors["time_zone"] = _("%(zone)s is not a time zone.") % {"zone": repr(zone)}
    if language not in CompanionProfile.Language.values:
        errors["language"] = _("Choose English or Español.")
    if not errors and recovery_started_on > progress.local_day(timezone.now(), zone):
        errors["recovery_started_on"] = _("The day your recovery began cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    profile.save()
    _audit(user, "companion_start", profile)
    return profile


@transaction.atomic
def set_sharing(user: User, profile: CompanionProfile, *, share_trends: bool, alert_care_team: bool) -> None:
    """The person's own choice of what their care team sees. Only program patients have a care team."""
    if (share_trends or alert_care_team) and patient_of(user) is None:
        raise ValidationError(_("You have no care team to share with: sharing is for people in a treatment program."))
    profile.share_trends = share_trends
    profile.alert_care_team = alert_care_team
    profile.sharing_changed_at = timezone.now()
    profile.save(update_fields=["share_trends", "alert_care_team", "sharing_changed_at", "updated_at"])
    _audit(
        user,
        "companion_sharing",
        profile,
        reason=f"trends {'on' if share_trends else 'off'}, alerts {'on' if alert_care_team else 'off'}",
    )


# --- Check-ins -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInInput:
    mood: object
    craving: object
    triggers: tuple[str, ...] = ()
    own_triggers: str = ""
    sleep_hours: object = None
    medication_taken: str = ""
    used_today: bool | None = None
    support_contact: bool = False
    meeting_attended: bool = False
    exercised: bool = False
    regular_meals: bool = False
    mindfulness: bool = False
    note: str = ""


@dataclass(frozen=True)
class CheckInSaved:
    check_in: CheckIn
    created: bool  # False: today's check-in was changed, or this submission was already applied
    duplicate: bool  # this client id was applied before; nothing changed
    crisis: crisis.CrisisAssessment
    warning: insights.EarlyWarning | None = None
    alerts: list[CareTeamAlert] = field(default_factory=list)


def _int_in(errors: dict[str, str], name: str, value: object, low: int, high: int, label: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        number = None
    if number is None or str(number) != str(value).strip().lstrip("+") or not low <= number <= high:
        errors[name] = _("%(label)s must be a whole number from %(low)s to %(high)s.") % {
            "label": label,
            "low": low,
            "high": high,
        }
        return low
    return number


def _clean_check_in(data: CheckInInput) -> dict[str, Any]:
    """Validate every field; raise one ValidationError naming each wrong field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "mood": _int_in(errors, "mood", data.mood, 1, 5, _("Mood")),
        "craving": _int_in(errors, "craving", data.craving, 0, 10, _("Craving")),
    }
    unknown = [t for t in data.triggers if t not in TRIGGER_KEYS]
    if unknown:
        errors["triggers"] = _("Unknown trigger: %(names)s.") % {"names": ", ".join(sorted(unknown))[:80]}
    values["triggers"] = sorted(set(data.triggers) & TRIGGER_KEYS)
    sleep: Decimal | None = None
    if data.sleep_hours not in (None, ""):
        try:
            sleep = Decimal(str(data.sleep_hours).strip())
        except InvalidOperation:
            sleep = None
        if sleep is None or not sleep.is_finite() or not 0 <= sleep <= 24 or sleep != sleep.quantize(Decimal("0.1")):
            errors["sleep_hours"] = _("Hours of sleep must be a number from 0 to 24 (to one decimal place).")
            sleep = None
    values["sleep_hours"] = sleep
    if data.medication_taken not in ("", *CheckIn.Medication.values):
        errors["medication_taken"] = _("Choose yes, no, or that you don't take medication.")
    values["medication_taken"] = data.medication_taken
    for name, limit in (("own_triggers", 300), ("note", MAX_TEXT)):
        text = str(getattr(data, name) or "").strip()
        if len(text) > limit:
            errors[name] = _("Please keep this under %(limit)s characters.") % {"limit": limit}
        if "\x00" in text:
            errors[name] = _("This text contains a character that cannot be saved.")
        values[name] = text
    for name in ("used_today", "support_contact", "meeting_attended", "exercised", "regular_meals", "mindfulness"):
        value = getattr(data, name)
        if value is not None and not isinstance(value, bool):
            errors[name] = _("Answer yes or no.")
        values[name] = value if name == "used_today" else bool(value)
    if errors:
        raise ValidationError(errors)
    return values


def _check_day(profile: CompanionProfile, day: dt.date | None) -> dt.date:
    today = today_for(profile)
    if day is None:
        return today
    if day > today:
        raise ValidationError({"day": _("A check-in cannot be for a day in the future.")})
    if day < today - dt.timedelta(days=LATE_SYNC_DAYS):
        raise ValidationError(
            {"day": _("A check-in can be added up to %(days)s days late, no more.") % {"days": LATE_SYNC_DAYS}}
        )
    return day


def _snapshot(check_in: CheckIn) -> str:
    fields = [
        "mood", "craving", "triggers", "own_triggers", "sleep_hours", "medication_taken", "used_today",
        "support_contact", "meeting_attended", "exercised", "regular_meals", "mindfulness", "note", "updated_at",
    ]  # fmt: skip
    return json.dumps({name: getattr(check_in, name) for name in fields}, default=str)


def save_check_in(
    user: User, profile: CompanionProfile, data: CheckInInput, *, client_id: uuid.UUID, day: dt.date | None = None
) -> CheckInSaved:
    """Record the day's check-in, or change today's. A late (offline) check-in for an earlier day is added if
    that day has none; an earlier day's check-in is never changed. Crisis words in the person's text are
    looked for every time, and the early-warning pattern after each save."""
    seen = CheckInSubmission.objects.filter(client_id=client_id).select_related("check_in").first()
    if seen is not None:
        if seen.check_in.user_id != user.pk:
            raise ValidationError({"client_id": _("This submission id is already in use.")})
        return CheckInSaved(seen.check_in, created=False, duplicate=True, crisis=_crisis_of(seen.check_in, profile))
    values = _clean_check_in(data)
    day = _check_day(profile, day)
    found = crisis.assess(f"{values['own_triggers']}\n{values['note']}", profile.language)
    values["crisis_kinds"] = ",".join(sorted(found.kinds))
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                check_in, created = _apply(user, profile, day, values)
                CheckInSubmission.objects.create(client_id=client_id, check_in=check_in)
                _audit(user, "companion_check_in" if created else "companion_check_in_change", check_in)
                warning = early_warning_for(user, profile, day)
                alerts = _alerts_after(user, profile, day, found, warning)
        except IntegrityError:
            # The same submission raced with this one: the first one won.
            seen = CheckInSubmission.objects.filter(client_id=client_id).select_related("check_in").first()
            if seen is not None:
                if seen.check_in.user_id != user.pk:
                    raise ValidationError({"client_id": _("This submission id is already in use.")}) from None
                return CheckInSaved(seen.check_in, created=False, duplicate=True, crisis=found)
            # Another submission (another client id) made this day's check-in first: once more, now as a
            # change of that check-in (today) or a clear "already checked in" (an earlier day).
            if attempt == 2:
                raise
            continue
        break
    return CheckInSaved(check_in, created=created, duplicate=False, crisis=found, warning=warning, alerts=alerts)


def _crisis_of(check_in: CheckIn, profile: CompanionProfile) -> crisis.CrisisAssessment:
    return crisis.assess(f"{check_in.own_triggers}\n{check_in.note}", profile.language)


def _apply(user: User, profile: CompanionProfile, day: dt.date, values: Mapping[str, Any]) -> tuple[CheckIn, bool]:
    existing = CheckIn.objects.select_for_update().filter(user=user, day=day).first()
    now = timezone.now()
    if existing is None:
        return CheckIn.objects.create(user=user, day=day, created_at=now, updated_at=now, **values), True
    if day != today_for(profile):
        raise ValidationError({"day": _("You already checked in that day; only today's check-in can be changed.")})
    CheckInRevision.objects.create(check_in=existing, values=_snapshot(existing))
    for name, value in values.items():
        setattr(existing, name, value)
    existing.updated_at = now
    existing.save()
    return existing, False


# --- Journal ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalSaved:
    entry: JournalEntry
    created: bool
    crisis: crisis.CrisisAssessment
    alerts: list[CareTeamAlert] = field(default_factory=list)


def write_journal(
    user: User,
    profile: CompanionProfile,
    *,
    text: str,
    prompt: str = "",
    client_id: uuid.UUID,
    written_at: dt.datetime | None = None,
) -> JournalSaved:
    """Add a journal entry (private). `written_at` is when it was written, for entries synced from offline."""
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Write something first.")
    elif len(text) > MAX_JOURNAL:
        errors["text"] = _("An entry can be up to %(n)s characters.") % {"n": f"{MAX_JOURNAL:,}"}
    elif "\x00" in text:
        errors["text"] = _("This text contains a character that cannot be saved.")
    if prompt not in JournalEntry.Prompt.values:
        errors["prompt"] = _("Unknown prompt.")
    now = timezone.now()
    at = written_at or now
    if timezone.is_naive(at):
        errors["written_at"] = _("Give the time with its offset from UTC, e.g. 2025-05-01T20:15:00Z.")
        at = now
    if at > now + dt.timedelta(minutes=5):
        errors["written_at"] = _("An entry cannot be written in the future.")
    elif at < now - dt.timedelta(days=LATE_SYNC_DAYS + 1):
        errors["written_at"] = _("An entry can be added up to %(days)s days late, no more.") % {"days": LATE_SYNC_DAYS}
    if errors:
        raise ValidationError(errors)
    existing = JournalEntry.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise ValidationError({"client_id": _("This submission id is already in use.")})
        return JournalSaved(existing, created=False, crisis=crisis.assess(existing.text, profile.language))
    found = crisis.assess(text, profile.language)
    day = progress.local_day(min(at, now), profile.time_zone)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                user=user,
                client_id=client_id,
                prompt=prompt,
                text=text,
                day=day,
                written_at=min(at, now),
                crisis_kinds=",".join(sorted(found.kinds)),
            )
            _audit(user, "companion_journal", entry)
            alerts = _alerts_after(user, profile, today_for(profile), found, None)
    except IntegrityError:
        existing = JournalEntry.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        if existing.user_id != user.pk:
            raise ValidationError({"client_id": _("This submission id is already in use.")}) from None
        return JournalSaved(existing, created=False, crisis=found)
    return JournalSaved(entry, created=True, crisis=found, alerts=alerts)


@transaction.atomic
def share_journal_entry(user: User, entry: JournalEntry, shared: bool) -> None:
    if entry.user_id != user.pk:
        raise ValidationError(_("This is not your entry."))
    if shared and patient_of(user) is None:
        raise ValidationError(_("You have no care team to share with: sharing is for people in a treatment program."))
    entry.shared_with_care_team = shared
    entry.shared_at = timezone.now() if shared else None
    entry.save(update_fields=["shared_with_care_team", "shared_at"])
    _audit(user, "companion_journal_share" if shared else "companion_journal_unshare", entry)


# --- Early warning and care-team alerts ------------------------------------------------------------------


def day_records(user: User, profile: CompanionProfile, since: dt.date | None = None) -> list[insights.DayRecord]:
    """The person's check-ins as plain records for the pure insight functions (oldest first). A meeting in
    the meetings log counts as a meeting on that day's check-in."""
    rows = CheckIn.objects.filter(user=user)
    if since is not None:
        rows = rows.filter(day__gte=since)
    zone = ZoneInfo(profile.time_zone)
    meetings = MeetingLog.objects.filter(user=user)
    if since is not None:
        meetings = meetings.filter(day__gte=since)
    meeting_days = set(meetings.values_list("day", flat=True))
    return [
        insights.DayRecord(
            day=day,
            craving=craving,
            mood=mood,
            triggers=frozenset(triggers or ()),
            sleep_hours=float(sleep) if sleep is not None else None,
            used=used,
            meeting=meeting or day in meeting_days,
            support_contact=support,
            hour=created.astimezone(zone).hour if created.astimezone(zone).date() == day else None,
        )
        for day, craving, mood, triggers, sleep, used, meeting, support, created in rows.order_by("day").values_list(
            "day",
            "craving",
            "mood",
            "triggers",
            "sleep_hours",
            "used_today",
            "meeting_attended",
            "support_contact",
            "created_at",
        )
    ]


def early_warning_for(user: User, profile: CompanionProfile, day: dt.date) -> insights.EarlyWarning | None:
    records = day_records(user, profile, since=day - dt.timedelta(days=WARNING_LOOKBACK_DAYS))
    return insights.early_warning(records, day)


def _alerts_after(
    user: User,
    profile: CompanionProfile,
    day: dt.date,
    found: crisis.CrisisAssessment,
    warning: insights.EarlyWarning | None,
) -> list[CareTeamAlert]:
    """Alert the care team only where the person turned alerts on (consent); at most once a day per kind."""
    if not profile.alert_care_team:
        return []
    patient = patient_of(user)
    if patient is None:
        return []
    alerts = []
    if found.at_risk:
        words = " and ".join(sorted(found.kinds))
        summary = f"Words about {words} in the person's own check-in or journal. Reach out today."
        alerts.append(raise_alert(patient, CareTeamAlert.Kind.CRISIS, day, summary))
    if warning is not None:
        alerts.append(raise_alert(patient, CareTeamAlert.Kind.EARLY_WARNING, day, warning_summary(warning)))
    return [a for a in alerts if a is not None]


SIGNAL_WORDS = {
    insights.RISING_CRAVING: "craving rising",
    insights.ISOLATION: "no contact with supporters for a few days",
    insights.MISSED_MEETINGS: "no meetings for a week",
}


def warning_summary(warning: insights.EarlyWarning) -> str:
    """Plain words for the care team: the craving numbers and what else was seen, never the person's text."""
    cravings = ", ".join(str(craving) for _day, craving in warning.cravings)
    seen = "; ".join(SIGNAL_WORDS.get(s, s) for s in warning.signals)
    return f"Early-warning pattern in the person's check-ins: {seen} (craving {cravings})."


def raise_alert(patient: Patient, kind: str, day: dt.date, summary: str) -> CareTeamAlert | None:
    """Create the day's alert of this kind, or None if one was already raised (idempotent)."""
    try:
        with transaction.atomic():
            alert = CareTeamAlert.objects.create(patient=patient, kind=kind, day=day, summary=summary[:300])
            audit.record_patient_object(None, "companion_alert", patient, alert, reason=kind)
    except IntegrityError:
        return None
    from waymark.companion import tasks

    transaction.on_commit(lambda: tasks.notify_care_team.enqueue(alert.pk))
    return alert


def asdict_check_in(check_in: CheckIn) -> dict[str, Any]:
    """A check-in as plain JSON-ready values (the API and the data export use this)."""
    return {
        "day": check_in.day.isoformat(),
        "mood": check_in.mood,
        "craving": check_in.craving,
        "triggers": list(check_in.triggers or []),
        "own_triggers": check_in.own_triggers,
        "sleep_hours": float(check_in.sleep_hours) if check_in.sleep_hours is not None else None,
        "medication_taken": check_in.medication_taken,
        "used_today": check_in.used_today,
        "support_contact": check_in.support_contact,
        "meeting_attended": check_in.meeting_attended,
        "exercised": check_in.exercised,
        "regular_meals": check_in.regular_meals,
        "mindfulness": check_in.mindfulness,
        "note": check_in.note,
        "updated_at": check_in.updated_at.isoformat(),
    }
