"""What each import of records did: one ImportRun per run of `waymark import ctn0094|csv` or a FHIR bundle."""

from django.db import models
from django.utils import timezone

from waymark.core import audit
from waymark.core.models import Program, User


class ImportRun(models.Model):
    """One run of an import into a program: what it read, what it wrote, and every row it refused and why."""

    class Kind(models.TextChoices):
        CTN0094 = "ctn0094", "CTN-0094 harmonised trial data"
        CSV = "csv", "CSV from another system"
        FHIR = "fhir", "FHIR R4 bundle"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="import_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_name = models.CharField(max_length=300)  # the file's or folder's name, not its full path
    # CTN-0094: the date day 0 became. Runs into one program must agree on it, or the days would land twice.
    day_zero = models.DateField(null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"doses": {"read": n, "added": n, "already_there": n, "rejected": n}, ...}
    counts = models.JSONField(default=dict)
    # [{"table": "treatment", "row": 12, "reason": "..."}, ...]; rows the import refused, nothing of them was saved
    rejections = models.JSONField(default=list)
    # [{"table": "treatment", "row": 40, "note": "..."}, ...]; rows saved with something worth a look
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["program", "kind", "-started_at"], name="import_run_by_program")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import of {self.source_name}"

    def finish(self, actor: User, action: str, reason: str) -> None:
        """Save the run as finished and audit it once, in the caller's transaction (never once per row)."""
        self.finished_at = timezone.now()
        self.save()
        audit.record(
            actor, action, program_id=self.program_id, object_type="importrun", object_id=self.pk, reason=reason
        )
