"""Levels of care: a person's level history per episode, the hours of counselling
delivered at each level against what the level is expected to deliver, and
planned steps to another level (plan one, carry it out, cancel it).

Reading is four queries whatever the history: the episodes, their level changes,
their planned steps, and the person's attended sessions. What the figures mean is
the pure module intensity.py. Carrying out a step changes the episode's level
through chart.services.update_episode, so the chart's level history gets the
step in the same transaction as the step is marked done."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.functions import Coalesce

from waymark.care import intensity, schedules
from waymark.care.models import Attendance, PlannedTransition
from waymark.chart import services as chart_services
from waymark.chart.models import Episode, LevelOfCare, LevelOfCareChange, Patient
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.core.services import require

MAX_CRITERIA = 2000
MAX_REASON = 300  # LevelOfCareChange.reason
# A step is planned for the coming months, not years ahead.
PLAN_AHEAD_DAYS = 366
LEVEL_LABELS = dict(LevelOfCare.choices)


def _hours(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


# --- Reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodView:
    period: intensity.Period
    label: str
    reason: str  # why the level started (the chart's level-change reason)
    expectation: intensity.Expectation
    weeks: list[intensity.WeekRow]  # newest first
    stay: intensity.StayLength | None  # residential levels only
    current: bool
    hours: str  # total delivered at the level
    sessions: int

    @property
    def judged(self) -> dict[str, int]:
        """How many full weeks were below, within and above the expectation."""
        out = {"below": 0, "within": 0, "above": 0}
        for w in self.weeks:
            if w.status in out:
                out[w.status] += 1
        return out

    @property
    def has_figure(self) -> bool:
        exp = self.expectation
        return exp.min_hours_week is not None or exp.max_hours_week is not None or exp.min_sessions_week is not None


@dataclass
class EpisodeLevels:
    episode: Episode
    periods: list[PeriodView]  # newest first
    transitions: list[PlannedTransition]
    open: bool = field(init=False)
    step_form: Any = None  # the page's "plan a step" form, set by the view

    def __post_init__(self) -> None:
        self.open = self.episode.discharged_on is None

    @property
    def planned(self) -> list[PlannedTransition]:
        return [t for t in self.transitions if t.status == PlannedTransition.Status.PLANNED]


def delivered(patient: Patient, since: dt.date | None = None) -> list[intensity.Delivered]:
    """The person's attended (or late) sessions on their clinic days, with the minutes they attended
    (the session's planned length when no minutes were recorded)."""
    zone = patient.program.zone
    rows = Attendance.objects.filter(patient=patient, status__in=sorted(schedules.ATTENDED))
    if since is not None:
        rows = rows.filter(starts_at__gte=dt.datetime.combine(since, dt.time(), zone))
    values = rows.order_by().values_list("starts_at", Coalesce("minutes_attended", "session__planned_minutes"))
    return [intensity.Delivered(at.astimezone(zone).date(), minutes) for at, minutes in values]


def patient_levels(patient: Patient, today: dt.date) -> list[EpisodeLevels]:
    """Every episode of the person, newest first, with its level periods and planned steps."""
    steps = PlannedTransition.objects.select_related("created_by", "level_change").order_by("planned_on", "pk")
    history = LevelOfCareChange.objects.order_by("started_on", "recorded_at", "pk")
    episodes = list(
        Episode.objects.filter(patient=patient)
        .order_by("-admitted_on", "-pk")
        .prefetch_related(Prefetch("level_history", queryset=history), Prefetch("planned_transitions", queryset=steps))
    )
    if not episodes:
        return []
    sessions = delivered(patient, min(e.admitted_on for e in episodes))
    return [EpisodeLevels(e, _periods(e, sessions, today), list(e.planned_transitions.all())) for e in episodes]


def _periods(episode: Episode, sessions: list[intensity.Delivered], today: dt.date) -> list[PeriodView]:
    changes = list(episode.level_history.all())
    reasons = {(c.level_of_care, c.started_on): c.reason for c in changes}
    out = []
    for period in intensity.periods([(c.level_of_care, c.started_on) for c in changes], episode.discharged_on):
        exp = intensity.expectation(period.level)
        last = (period.ends_on - dt.timedelta(days=1)) if period.ends_on else today
        inside = [s for s in sessions if period.starts_on <= s.day <= last]
        weeks = intensity.weeks_at_level(exp, period.starts_on, period.ends_on, inside, today)
        stay = intensity.stay_length(exp, period.starts_on, period.ends_on, today) if exp.min_stay_days else None
        out.append(
            PeriodView(
                period=period,
                label=level_label(period.level),
                reason=reasons.get((period.level, period.starts_on), ""),
                expectation=exp,
                weeks=weeks[::-1],
                stay=stay,
                current=period.ends_on is None,
                hours=_hours(sum(s.minutes for s in inside)),
                sessions=len(inside),
            )
        )
    return out[::-1]


# --- Planned steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    to_level: str
    planned_on: dt.date
    criteria: str = ""


@dataclass(frozen=True)
class Planned:
    transition: PlannedTransition
    created: bool


def _open_episode_of(patient: Patient, episode: Episode) -> None:
    if episode.patient_id != patient.pk:
        raise ValidationError("That episode belongs to someone else.")
    if episode.discharged_on is not None:
        raise ValidationError(
            f"This episode ended on {episode.discharged_on:%Y-%m-%d}; steps are planned in an open episode."
        )


@transaction.atomic
def plan_step(actor: User, patient: Patient, episode: Episode, data: StepInput) -> Planned:
    """Plan a step to another level on a day not in the past, with what should be true first. The same
    step planned again (a double click) returns the first."""
    require(actor, Cap.CARE_PLAN, "plan a level-of-care step")
    _open_episode_of(patient, episode)
    today = patient.program.clinic_day()
    errors: dict[str, str] = {}
    if data.to_level not in LEVEL_LABELS:
        errors["to_level"] = "Choose the level of care to step to."
    elif data.to_level == episode.level_of_care:
        errors["to_level"] = f"The episode is already at {level_label(data.to_level)}; choose another level."
    if data.planned_on < today:
        errors["planned_on"] = (
            f"{data.planned_on:%Y-%m-%d} is in the past: plan the step for today ({today:%Y-%m-%d}) or later. "
            "A step that already happened is recorded by changing the episode's level of care."
        )
    elif data.planned_on > today + dt.timedelta(days=PLAN_AHEAD_DAYS):
        latest = today + dt.timedelta(days=PLAN_AHEAD_DAYS)
        errors["planned_on"] = f"Plan the step within a year (by {latest:%Y-%m-%d})."
    if len(data.criteria) > MAX_CRITERIA:
        errors["criteria"] = f"Criteria are at most {MAX_CRITERIA} characters."
    if errors:
        raise ValidationError(errors)
    existing = PlannedTransition.objects.filter(
        episode=episode, status=PlannedTransition.Status.PLANNED, to_level=data.to_level, planned_on=data.planned_on
    ).first()
    if existing is not None:
        return Planned(existing, created=False)
    step = PlannedTransition.objects.create(
        episode=episode,
        to_level=data.to_level,
        planned_on=data.planned_on,
        criteria=data.criteria.strip(),
        created_by=actor,
    )
    audit.record_patient_object(actor, "create", patient, step)
    return Planned(step, created=True)


def _planned(patient: Patient, step: PlannedTransition) -> Episode:
    episode = step.episode
    if episode.patient_id != patient.pk:
        raise ValidationError("That planned step belongs to someone else.")
    if step.status != PlannedTransition.Status.PLANNED:
        raise ValidationError(f"This step is already {step.get_status_display().lower()}; nothing was changed.")
    episode.patient = patient  # the checked patient, already loaded
    return episode


@transaction.atomic
def carry_out_step(
    actor: User, patient: Patient, step: PlannedTransition, *, changed_on: dt.date | None = None, reason: str = ""
) -> LevelOfCareChange:
    """Change the episode's level to the planned one (through chart.services.update_episode, which records
    the level history) and mark the step done with that change, in one transaction."""
    require(actor, Cap.CARE_PLAN, "carry out a level-of-care step")
    step = PlannedTransition.objects.select_for_update().select_related("episode").get(pk=step.pk)
    episode = _planned(patient, step)
    _open_episode_of(patient, episode)
    today = patient.program.clinic_day()
    day = changed_on or today
    current_since = (
        LevelOfCareChange.objects.filter(episode=episode).order_by("-started_on").values_list("started_on", flat=True)
    ).first()
    errors: dict[str, str] = {}
    if episode.level_of_care == step.to_level:
        errors["to_level"] = (
            f"The episode is already at {level_label(step.to_level)}; cancel this step instead of carrying it out."
        )
    if day > today:
        errors["changed_on"] = f"{day:%Y-%m-%d} is in the future: a step is carried out on the day it happens."
    elif day < episode.admitted_on:
        errors["changed_on"] = f"The step cannot be before the episode's admission on {episode.admitted_on:%Y-%m-%d}."
    elif current_since is not None and day < current_since:
        errors["changed_on"] = (
            f"The current level started on {current_since:%Y-%m-%d}; the step cannot be dated before it."
        )
    if len(reason) > MAX_REASON:
        errors["reason"] = f"The reason is at most {MAX_REASON} characters."
    if errors:
        raise ValidationError(errors)
    chart_services.update_episode(
        actor,
        episode,
        level_of_care=step.to_level,
        level_changed_on=day,
        level_change_reason=reason.strip() or f"Planned step (planned for {step.planned_on:%Y-%m-%d})",
    )
    change = LevelOfCareChange.objects.filter(episode=episode).order_by("-recorded_at", "-pk").first()
    assert change is not None and change.level_of_care == step.to_level
    step.status = PlannedTransition.Status.DONE
    step.level_change = change
    step.save(update_fields=["status", "level_change"])
    audit.record_patient_object(actor, "update", patient, step, reason="carried out")
    return change


@transaction.atomic
def cancel_step(actor: User, patient: Patient, step: PlannedTransition) -> None:
    require(actor, Cap.CARE_PLAN, "cancel a level-of-care step")
    step = PlannedTransition.objects.select_for_update().select_related("episode").get(pk=step.pk)
    _planned(patient, step)
    step.status = PlannedTransition.Status.CANCELLED
    step.save(update_fields=["status"])
    audit.record_patient_object(actor, "update", patient, step, reason="cancelled")
