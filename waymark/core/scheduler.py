"""A small periodic scheduler: enqueues tasks when they fall due.

Each job has a slot key per period (an hour, a day in a zone); inserting
ScheduledJobRun(job, slot) is unique, so two schedulers never enqueue the same
slot twice and a restarted one catches up on the current slot only. Other apps
add jobs to JOBS (for example the close of each program's clinic day).
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.core.models import ScheduledJobRun

log = logging.getLogger("waymark.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    # Returns the slot key due at `now`, or None when the job is not due yet.
    due_slot: Callable[[dt.datetime], str | None]
    enqueue: Callable[[], object]


def hourly(now: dt.datetime) -> str | None:
    return now.strftime("%Y-%m-%dT%H")


def daily_at(hour: int) -> Callable[[dt.datetime], str | None]:
    def slot(now: dt.datetime) -> str | None:
        return now.strftime("%Y-%m-%d") if now.hour >= hour else None

    return slot


def _jobs() -> list[Job]:
    from waymark.core import tasks

    return [
        Job("core.verify_audit_chain", daily_at(2), tasks.verify_audit_chain.enqueue),
        Job("core.clear_expired_sessions", hourly, tasks.clear_expired_sessions.enqueue),
    ]


JOBS: list[Callable[[], list[Job]]] = [_jobs]


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job due at `now` (UTC) whose slot has not run. Returns their names."""
    now = now or timezone.now()
    started = []
    for provider in JOBS:
        for job in provider():
            slot = job.due_slot(now)
            if slot is None:
                continue
            try:
                with transaction.atomic():
                    ScheduledJobRun.objects.create(job=job.name, slot=slot)
                    job.enqueue()
            except IntegrityError:
                continue
            started.append(job.name)
            log.info("enqueued %s for %s", job.name, slot)
    return started


def loop(interval: float = 30.0, stop: Callable[[], bool] = lambda: False) -> None:
    while not stop():
        try:
            run_due()
        except Exception:  # keep scheduling through a transient database error
            log.exception("scheduler pass failed")
        time.sleep(interval)
