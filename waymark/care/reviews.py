"""When each person's active treatment plan is due for review, read for many
people at once (the caseload) or one (the plan page) in three queries whatever
the count. The dates themselves come from the pure `schedules.py`."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Max

from waymark.care import schedules
from waymark.care.models import PlanReview, RecoveryEvent, TreatmentPlan
from waymark.core.models import Program


def program_review_days(program: Program) -> int:
    """The program's review interval; a broken setting is a ValidationError naming it."""
    try:
        return schedules.review_interval_days(program.rule_settings or {})
    except schedules.SettingsError as exc:
        raise ValidationError(f"The program's rule settings are invalid: {exc} Ask the program admin.") from None


def review_statuses(patient_ids: Iterable[int], today: dt.date) -> dict[int, schedules.ReviewStatus]:
    """patient id → review status of the active plan of an open episode; people without one are left out."""
    ids = list(patient_ids)
    plans: list[tuple[int, int, dt.date, int]] = list(
        TreatmentPlan.objects.filter(
            patient_id__in=ids,
            status=TreatmentPlan.Status.ACTIVE,
            effective_on__isnull=False,
            # A closed episode's plan is not reviewed any more.
            episode__discharged_on__isnull=True,
        ).values_list("id", "patient_id", "effective_on", "review_interval_days")  # type: ignore[arg-type]
    )
    if not plans:
        return {}
    last_review = dict(
        PlanReview.objects.filter(plan_id__in=[plan_id for plan_id, *_ in plans])
        .values("plan_id")
        .annotate(last=Max("reviewed_on"))
        .values_list("plan_id", "last")
    )
    lapses: dict[int, list[dt.date]] = defaultdict(list)
    earliest = min(effective_on for _, _, effective_on, _ in plans)
    for patient_id, day in RecoveryEvent.objects.filter(
        patient_id__in=[patient_id for _, patient_id, _, _ in plans], occurred_on__gte=earliest
    ).values_list("patient_id", "occurred_on"):
        lapses[patient_id].append(day)
    out = {}
    for plan_id, patient_id, effective_on, interval in plans:
        reviewed = [last_review[plan_id]] if plan_id in last_review else []
        due, by_lapse = schedules.review_due_on(effective_on, reviewed, interval, lapses.get(patient_id, ()))
        out[patient_id] = schedules.review_status(due, today, by_lapse)
    return out
