"""Background work for contingency management: attendance awards for closed clinic days."""

from django_tasks import task

from waymark.core.scheduler import Job, hourly


@task()
def award_attendance() -> int:
    from waymark.incentives.services import award_closed_days

    return award_closed_days()


def scheduled_jobs() -> list[Job]:
    # Attendance awards are made when the clinic day closes (events.CLINIC_DAY_CLOSED); this
    # hourly catch-up finds any day whose close ran while the awards could not (safe to repeat).
    return [Job("incentives.award_attendance", hourly, award_attendance.enqueue)]
