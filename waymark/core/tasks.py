"""Background tasks (django-tasks, database backend; run by `db_worker`)."""

import logging

from django.core.management import call_command
from django_tasks import task

from waymark.core import audit

log = logging.getLogger("waymark.tasks")


@task()
def verify_audit_chain() -> bool:
    """Nightly: check the audit chain; the result is itself an audit entry."""
    report = audit.verify_chain()
    audit.record(None, "audit_verify", object_type="audit_log", reason=report.describe())
    if not report.ok:
        log.error("%s", report.describe())
    return report.ok


@task()
def clear_expired_sessions() -> None:
    call_command("clearsessions")
