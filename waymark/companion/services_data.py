"""A person's companion data: taking it with them, deleting it, and what their care team sees.

- Export: everything the person wrote in the companion (settings, check-ins with
  their earlier versions, journal, plan, people, meetings, milestones, reminders
  sent), as one JSON-ready dict. Other apps add their own part (the peer-group
  posts, when that app exists) by appending an exporter to `EXPORTERS`. Alerts
  raised to the care team are the program's record of its care, not the person's
  companion data: they are left out, and the export says so.
- Delete: a self-guided person (no chart) can delete their account. Every
  companion row goes; the account itself stays as an empty, disabled,
  anonymised row because the append-only audit log refers to it. A program
  patient's record is kept as the law requires (REFERENCE.md §10: HIPAA
  documentation ≥ 6 years, no automatic deletion); they can still export.
- Care team: the weekly trends the person chose to share, the journal entries and
  plan they shared, and the alerts they turned on, with acknowledgement.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.chart.access import chart_patients
from waymark.chart.models import Patient
from waymark.companion import insights, services
from waymark.companion.models import (
    CareTeamAlert,
    CheckIn,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
    MilestoneSeen,
    PlanItem,
    RelapsePlan,
    ReminderSent,
    SupportContact,
)
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Role

EXPORT_FORMAT = "waymark-companion"
EXPORT_VERSION = 1
TREND_WEEKS = 8
MAX_ACK_NOTE = 300
OPEN_ALERTS_SHOWN = 200


# --- Export ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSection:
    """One app's part of the export: `rows` are JSON-ready dicts, shown as a list in the readable copy."""

    key: str  # its key in the JSON, e.g. "peer_group_posts"
    title: str  # its heading in the readable copy
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


# Extension point: other apps append `exporter(user) -> ExportSection | None` (None: nothing to add), e.g. the
# peer-group app its posts. Each exporter must read only `user`'s own data, in a constant number of queries.
Exporter = Callable[[User], ExportSection | None]
EXPORTERS: list[Exporter] = []

# Extension point for deletion: `eraser(user) -> rows removed`, run inside the deletion's transaction.
Eraser = Callable[[User], int]
ERASERS: list[Eraser] = []


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _profile(profile: CompanionProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        "recovery_started_on": _iso(profile.recovery_started_on),
        "time_zone": profile.time_zone,
        "language": profile.language,
        "share_trends": profile.share_trends,
        "alert_care_team": profile.alert_care_team,
        "sharing_changed_at": _iso(profile.sharing_changed_at),
        "reminder_channel": profile.reminder_channel,
        "reminder_email": profile.reminder_email,
        "reminder_phone": profile.reminder_phone,
        "check_in_reminder_at": _time(profile.check_in_reminder_at),
        "dose_reminder_at": _time(profile.dose_reminder_at),
        "appointment_reminders": profile.appointment_reminders,
        "created_at": _iso(profile.created_at),
    }


def _revision_values(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _check_ins(user: User) -> list[dict[str, Any]]:
    rows = CheckIn.objects.filter(user=user).prefetch_related("revisions").order_by("day")
    return [
        {
            **services.asdict_check_in(c),
            "crisis_words_found": [k for k in c.crisis_kinds.split(",") if k],
            "created_at": _iso(c.created_at),
            "earlier_versions": [
                {"replaced_at": _iso(r.replaced_at), "values": _revision_values(r.values)} for r in c.revisions.all()
            ],
        }
        for c in rows
    ]


def _journal(user: User) -> list[dict[str, Any]]:
    return [
        {
            "day": _iso(e.day),
            "written_at": _iso(e.written_at),
            "prompt": e.prompt,
            "text": e.text,
            "shared_with_care_team": e.shared_with_care_team,
            "shared_at": _iso(e.shared_at),
            "crisis_words_found": [k for k in e.crisis_kinds.split(",") if k],
        }
        for e in JournalEntry.objects.filter(user=user).order_by("written_at", "id")
    ]


def _plan(user: User) -> dict[str, Any] | None:
    plan = RelapsePlan.objects.filter(user=user).prefetch_related("items").first()
    if plan is None:
        return None
    return {
        "reasons": [line for line in plan.reasons.splitlines() if line.strip()],
        "shared_with_care_team": plan.shared_with_care_team,
        "updated_at": _iso(plan.updated_at),
        "items": [
            {"kind": i.kind, "text": i.text, "coping": i.coping, "position": i.position} for i in plan.items.all()
        ],
    }


def export_data(user: User) -> dict[str, Any]:
    """Everything of the person's companion, JSON-ready. A constant number of queries, however much data."""
    patient = services.patient_of(user)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "joined": _iso(user.date_joined),
            "program": patient.program.name if patient else None,
        },
        "profile": _profile(services.profile_for(user)),
        "check_ins": _check_ins(user),
        "journal": _journal(user),
        "plan": _plan(user),
        "support_contacts": [
            {"name": c.name, "role": c.role, "phone": c.phone, "on_plan": c.on_plan}
            for c in SupportContact.objects.filter(user=user)
        ],
        "meetings": [
            {"day": _iso(m.day), "kind": m.kind, "name": m.name}
            for m in MeetingLog.objects.filter(user=user).order_by("day", "id")
        ],
        "milestones": [
            {"key": m.key, "reached_on": _iso(m.reached_on), "seen_at": _iso(m.seen_at)}
            for m in MilestoneSeen.objects.filter(user=user).order_by("reached_on", "id")
        ],
        "reminders_sent": [
            {"kind": r.kind, "slot": r.slot, "channel": r.channel, "sent_at": _iso(r.sent_at)}
            for r in ReminderSent.objects.filter(user=user).order_by("sent_at", "id")
        ],
        "not_included": not_included(patient is not None),
    }
    for section in extra_sections(user):
        data[section.key] = section.rows
    return data


def extra_sections(user: User) -> list[ExportSection]:
    sections = []
    for exporter in EXPORTERS:
        section = exporter(user)
        if section is not None:
            sections.append(section)
    return sections


def not_included(program_patient: bool) -> list[str]:
    notes = [_("Waymark's access log (who opened what, and when) is kept by Waymark and is not part of this copy.")]
    if program_patient:
        notes.insert(
            0,
            _(
                "Alerts sent to your care team, and your treatment record, belong to your program's record of your "
                "care. Ask your program for a copy of your record."
            ),
        )
    return notes


def record_export(user: User, kind: str) -> None:
    patient = services.patient_of(user)
    audit.record(
        user,
        "companion_export",
        patient_id=patient.pk if patient else None,
        program_id=patient.program_id if patient else None,
        object_type="companion_data",
        object_id=user.pk,
        reason=kind,
    )


# --- Delete (self-guided accounts only) ------------------------------------------------------------------


def may_delete(user: User) -> bool:
    """Only a self-guided person (a patient account with no chart) can delete their account here."""
    return user.role == Role.PATIENT and services.patient_of(user) is None


@transaction.atomic
def delete_self_guided_account(user: User) -> int:
    """Remove every companion row of the person and disable and anonymise the account. Returns the rows removed.
    The caller has confirmed the person's identity (username and password typed again)."""
    if not may_delete(user):
        raise ValidationError(
            _(
                "Your companion is part of your treatment program's record, which the program must keep. "
                "You can download a copy, and ask your program about your record."
            )
        )
    removed = 0
    for model in (CheckIn, JournalEntry, RelapsePlan, SupportContact, MeetingLog, MilestoneSeen, ReminderSent):
        count, _per_model = model.objects.filter(user=user).delete()
        removed += count
    for eraser in ERASERS:
        removed += eraser(user)
    count, _per_model = CompanionProfile.objects.filter(user=user).delete()
    removed += count
    user.username = f"deleted-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = False
    user.session_epoch += 1
    user.last_login = None
    user.save()
    audit.record(
        user,
        "companion_delete",
        object_type="user",
        object_id=user.pk,
        reason=f"self-guided account deleted at the person's request; {removed} companion rows removed",
    )
    return removed


# --- What the care team sees -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekTrend:
    start: dt.date
    end: dt.date
    check_in_days: int
    craving_mean: float | None
    craving_high: int | None
    mood_mean: float | None
    meeting_days: int
    use_days: int


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def weekly_trends(
    records: Iterable[insights.DayRecord], meeting_days: Iterable[dt.date], today: dt.date, weeks: int = TREND_WEEKS
) -> list[WeekTrend]:
    """`weeks` runs of 7 days ending today (oldest first): check-in days, mean and highest craving, mean mood,
    days with a meeting (logged or ticked on the check-in) and days with use reported."""
    by_day = {r.day: r for r in records if r.day <= today}
    met = {d for d in meeting_days if d <= today} | {d for d, r in by_day.items() if r.meeting}
    result = []
    for back in range(weeks - 1, -1, -1):
        end = today - dt.timedelta(days=7 * back)
        start = end - dt.timedelta(days=6)
        days = [r for d, r in by_day.items() if start <= d <= end]
        cravings = [r.craving for r in days if r.craving is not None]
        moods = [r.mood for r in days if r.mood is not None]
        result.append(
            WeekTrend(
                start=start,
                end=end,
                check_in_days=len(days),
                craving_mean=_mean(cravings),
                craving_high=max(cravings) if cravings else None,
                mood_mean=_mean(moods),
                meeting_days=sum(1 for d in met if start <= d <= end),
                use_days=sum(1 for r in days if r.used),
            )
        )
    return result


@dataclass(frozen=True)
class SharedWithCareTeam:
    profile: CompanionProfile | None  # None: the person does not use the companion
    today: dt.date | None
    trends: list[WeekTrend] | None  # None: not shared
    journal: list[JournalEntry]
    plan: RelapsePlan | None
    plan_items: list[PlanItem]
    alerts: list[CareTeamAlert]

    @property
    def shares_trends(self) -> bool:
        return self.trends is not None


def shared_with_care_team(patient: Patient) -> SharedWithCareTeam:
    """What the person chose to share, read for a staff member who already passed `patient_for` (audited)."""
    alerts = list(CareTeamAlert.objects.filter(patient=patient).select_related("acknowledged_by")[:100])
    profile = CompanionProfile.objects.filter(user_id=patient.user_id).first() if patient.user_id else None
    if profile is None:
        return SharedWithCareTeam(None, None, None, [], None, [], alerts)
    user = profile.user
    today = services.today_for(profile)
    trends = None
    if profile.share_trends:
        since = today - dt.timedelta(days=7 * TREND_WEEKS - 1)
        records = services.day_records(user, profile, since=since)
        meetings = MeetingLog.objects.filter(user=user, day__gte=since).values_list("day", flat=True)
        trends = weekly_trends(records, meetings, today)
    journal = list(JournalEntry.objects.filter(user=user, shared_with_care_team=True).order_by("-written_at")[:50])
    plan = RelapsePlan.objects.filter(user=user, shared_with_care_team=True).first()
    items = list(plan.items.all()) if plan else []
    return SharedWithCareTeam(profile, today, trends, journal, plan, items, alerts)


def open_alerts_for(user: User) -> QuerySet[CareTeamAlert]:
    """Unacknowledged alerts for the patients whose charts `user` opens without breaking the glass: their care
    team, or the whole program for program-scoped roles."""
    return (
        CareTeamAlert.objects.filter(patient__in=chart_patients(user), acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("-created_at", "-id")
    )


def open_alert_count(patient: Patient) -> int:
    return CareTeamAlert.objects.filter(patient=patient, acknowledged_at__isnull=True).count()


@dataclass(frozen=True)
class CarePanel:
    uses_companion: bool
    shares_trends: bool
    open_alerts: int
    url: str


def care_panel(patient: Patient) -> CarePanel:
    """For the chart page (the patient was already reached through `patient_for`): whether the person uses the
    companion, shares trends, and how many alerts are open. Two small queries."""
    profile = CompanionProfile.objects.filter(user_id=patient.user_id).first() if patient.user_id else None
    return CarePanel(
        uses_companion=profile is not None,
        shares_trends=bool(profile and profile.share_trends),
        open_alerts=open_alert_count(patient),
        url=reverse("companion:care_trends", args=[patient.pk]),
    )


class AlreadyAcknowledged(ValidationError):
    pass


def acknowledge_alert(user: User, patient: Patient, alert: CareTeamAlert, note: str = "") -> None:
    """Mark the alert as seen and acted on, once. `patient` came from `patient_for` (care team, audited)."""
    note = (note or "").strip()
    if len(note) > MAX_ACK_NOTE:
        raise ValidationError({"note": _("Please keep the note under %(n)s characters.") % {"n": MAX_ACK_NOTE}})
    if "\x00" in note:
        raise ValidationError({"note": _("This text contains a character that cannot be saved.")})
    if alert.patient_id != patient.pk:
        raise ValidationError(_("This alert is about another person."))
    with transaction.atomic():
        changed = CareTeamAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=user, acknowledged_at=timezone.now(), acknowledged_note=note
        )
        if not changed:
            raise AlreadyAcknowledged(_("This alert was already acknowledged."))
        audit.record_patient_object(user, "companion_alert_acknowledge", patient, alert)
