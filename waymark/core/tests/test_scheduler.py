import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from waymark.core import audit, scheduler, tasks
from waymark.core.models import AuditEvent, ScheduledJobRun

NIGHT = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)
EVENING_BEFORE = dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
class TestScheduler:
    def test_it_enqueues_due_jobs_once_per_slot(self) -> None:
        first = scheduler.run_due(NIGHT)
        again = scheduler.run_due(NIGHT + dt.timedelta(minutes=10))
        assert set(first) == {
            "core.verify_audit_chain",
            "core.clear_expired_sessions",
            "meds.close_clinic_days",
            "incentives.award_attendance",
            "companion.send_due_reminders",
        }
        assert again == []
        assert DBTaskResult.objects.count() == 5

    def test_a_daily_job_waits_for_its_hour(self) -> None:
        started = scheduler.run_due(EVENING_BEFORE.replace(hour=1))
        assert "core.verify_audit_chain" not in started
        assert not ScheduledJobRun.objects.filter(job="core.verify_audit_chain").exists()

    def test_an_hourly_job_runs_again_next_hour(self) -> None:
        scheduler.run_due(NIGHT)
        assert scheduler.run_due(NIGHT + dt.timedelta(hours=1)) == [
            "core.clear_expired_sessions",
            "meds.close_clinic_days",
            "incentives.award_attendance",
            "companion.send_due_reminders",
        ]


@pytest.mark.django_db
class TestVerifyAuditChainTask:
    def test_it_records_the_result_in_the_log(self) -> None:
        audit.record(None, "read", object_type="chart")
        assert tasks.verify_audit_chain.call() is True
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        assert last.action == "audit_verify"
        assert "intact" in last.reason
