"""Insights from the person's own check-ins (/companion/insights/): craving by
weekday and time of day (tables, with bars drawn by CSS classes), the triggers
that most often come before high craving or use, sleep and meetings against the
next day's craving, the early-warning pattern, and a healthy-routine summary.

The numbers come from insights.summarise over services.day_records (one query
whatever the number of check-ins); insight_words.py turns them into sentences
that say how sure they are. Patterns in the person's own data, not a diagnosis.
"""

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from waymark.companion import insight_words as words
from waymark.companion import insights as rules
from waymark.companion import services
from waymark.companion.access import companion_view
from waymark.companion.models import CareTeamAlert, CheckIn, CompanionProfile
from waymark.core.models import User
from waymark.core.types import AuthedRequest

ROUTINE_SPANS = (7, 28)


@dataclass(frozen=True)
class RoutineSpan:
    days: int  # the last `days` days, today included
    check_ins: int
    sleep_nights: int  # check-ins that gave hours of sleep
    sleep_average: float | None
    exercise_days: int
    meal_days: int
    mindfulness_days: int


RoutineRow = tuple[dt.date, Decimal | None, bool, bool, bool]  # day, sleep, exercised, regular meals, mindfulness


def routine_summary(
    rows: Iterable[RoutineRow], today: dt.date, spans: Iterable[int] = ROUTINE_SPANS
) -> list[RoutineSpan]:
    """Sleep and healthy-routine days over the last 7 and 28 days (today included), from the check-ins."""
    rows = [r for r in rows if r[0] <= today]
    summary = []
    for days in spans:
        first = today - dt.timedelta(days=days - 1)
        inside = [r for r in rows if r[0] >= first]
        sleep = [float(r[1]) for r in inside if r[1] is not None]
        summary.append(
            RoutineSpan(
                days=days,
                check_ins=len(inside),
                sleep_nights=len(sleep),
                sleep_average=statistics.fmean(sleep) if sleep else None,
                exercise_days=sum(1 for r in inside if r[2]),
                meal_days=sum(1 for r in inside if r[3]),
                mindfulness_days=sum(1 for r in inside if r[4]),
            )
        )
    return summary


def _routine(user: User, today: dt.date) -> list[RoutineSpan]:
    since = today - dt.timedelta(days=max(ROUTINE_SPANS) - 1)
    rows = CheckIn.objects.filter(user=user, day__gte=since, day__lte=today).values_list(
        "day", "sleep_hours", "exercised", "regular_meals", "mindfulness"
    )
    return routine_summary(rows, today)


def _groups(groups: list[rules.GroupStat], names: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": names[g.key],
            "n": g.n,
            "mean": words.number(g.mean) if g.mean is not None else None,
            "bar": words.bar_class(g.mean),
            "few": not g.enough_data,
        }
        for g in groups
    ]


def _comparison_rows(comparison: rules.Comparison, labels: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            "n": n,
            "mean": words.number(mean) if mean is not None else None,
            "bar": words.bar_class(mean),
        }
        for label, n, mean in (
            (labels[0], comparison.group_n, comparison.group_mean),
            (labels[1], comparison.other_n, comparison.other_mean),
        )
    ]


def _alerted(user: User, profile: CompanionProfile, day: dt.date) -> bool | None:
    """Whether the care team was alerted about today's early warning; None when the person has alerts off."""
    if not profile.alert_care_team:
        return None
    patient = services.patient_of(user)
    if patient is None:
        return None
    return CareTeamAlert.objects.filter(patient=patient, kind=CareTeamAlert.Kind.EARLY_WARNING, day=day).exists()


@companion_view
@require_GET
def insights(request: AuthedRequest, profile: CompanionProfile) -> HttpResponse:
    user = request.user
    today = services.today_for(profile)
    summary = rules.summarise(services.day_records(user, profile), today)
    services.audit_read(user, "checkin", "insights")
    warning = summary.early_warning
    context: dict[str, Any] = {
        "section": "insights",
        "summary": summary,
        "disclaimer": words.DISCLAIMER,
        "weekday_sentence": words.weekday_sentence(summary),
        "weekdays": _groups(summary.craving_by_weekday, words.WEEKDAY_NAMES),
        "time_sentence": words.time_of_day_sentence(summary),
        "times": _groups(summary.craving_by_time_of_day, words.TIME_NAMES),
        "triggers": [
            {
                "name": words.trigger_name(t.trigger),
                "sentence": words.trigger_sentence(t),
                "share": words.percent(t.share_with),
                "bar": words.bar_class(t.share_with, top=1.0),
                "other": words.percent(t.share_without or 0.0),
                "other_bar": words.bar_class(t.share_without, top=1.0),
            }
            for t in words.leading_triggers(summary)
        ],
        "high_craving": rules.HIGH_CRAVING,
        "min_days": rules.MIN_DAYS,
        "sleep_sentence": words.sleep_sentence(summary.sleep),
        "sleep_rows": _comparison_rows(
            summary.sleep,
            (
                _("After less than %(hours)s hours of sleep") % {"hours": f"{rules.SHORT_SLEEP_HOURS:g}"},
                _("After %(hours)s hours or more") % {"hours": f"{rules.SHORT_SLEEP_HOURS:g}"},
            ),
        ),
        "meeting_sentence": words.meeting_sentence(summary.meeting),
        "meeting_rows": _comparison_rows(
            summary.meeting, (_("After a day with a meeting"), _("After a day without a meeting"))
        ),
        "warning": warning,
        "warning_sentences": words.warning_sentences(warning) if warning else [],
        "alerted": _alerted(user, profile, today) if warning else None,
        "routine": _routine(user, today),
    }
    return render(request, "companion/insights.html", context)
