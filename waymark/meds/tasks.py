"""Background work for the dosing window: the close of each clinic day."""

import logging

from django.utils import timezone
from django_tasks import task

from waymark.core.models import Program
from waymark.core.scheduler import Job, hourly

log = logging.getLogger("waymark.meds")


def close_due_clinic_days() -> int:
    """Close every program's clinic days that have ended (catching up after downtime)."""
    from waymark.meds.services import close_clinic_day, days_to_close

    closed = 0
    now = timezone.now()
    for program in Program.objects.all():
        for day in days_to_close(program, now):
            result = close_clinic_day(program, day)
            log.info(
                "closed clinic day %s for program %s: %s missed, %s holds",
                day,
                program.pk,
                result.missed_marked,
                result.holds_placed,
            )
            closed += 1
    return closed


@task()
def close_clinic_days() -> int:
    return close_due_clinic_days()


def scheduled_jobs() -> list[Job]:
    # Hourly: each program closes at its own local hour (meds.clinic_day.close), so the
    # task looks at every program's zone rather than one UTC hour.
    return [Job("meds.close_clinic_days", hourly, close_clinic_days.enqueue)]
