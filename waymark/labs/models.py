"""Drug testing: specimens (or a missed or refused test), results per analyte,
and each program's random testing schedule.

Interpretation is in rules.py, random days in schedules.py; writes go through
services.py. Results are never edited: a laboratory result for an analyte
supersedes the point-of-care one, and both are kept.
"""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core.models import Program, Site, User
from waymark.labs.analytes import ANALYTES

ANALYTE_CHOICES = [(a.code.value, a.label) for a in ANALYTES.values()]


def new_seed() -> str:
    return secrets.token_hex(16)


class Specimen(models.Model):
    """One specimen collected, or one test that was due and missed or refused."""

    class Status(models.TextChoices):
        COLLECTED = "collected", "Collected"
        MISSED = "missed", "Missed (did not attend)"
        REFUSED = "refused", "Refused"

    class Kind(models.TextChoices):
        URINE = "urine", "Urine"
        ORAL_FLUID = "oral_fluid", "Oral fluid"

    class Reason(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        RANDOM = "random", "Random"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="specimens")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COLLECTED)
    # When it was collected (or when the test was due, for a missed one); the clinic day in the program's zone.
    collected_at = models.DateTimeField()
    clinic_day = models.DateField()
    collected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True)
    observed = models.BooleanField(default=False)
    # Urine only: the cup's temperature strip read in range. None: not read (or oral fluid).
    temperature_in_range = models.BooleanField(null=True, blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.SCHEDULED)
    notes = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(status="collected") | ~Q(kind=""), name="collected_specimen_has_kind"),
            models.CheckConstraint(
                condition=Q(kind="urine") | Q(temperature_in_range__isnull=True),
                name="temperature_only_for_urine",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-collected_at"], name="specimen_by_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display() or self.get_status_display()} {self.clinic_day:%Y-%m-%d}"


class AnalyteResult(models.Model):
    """One analyte's result on one specimen, by one method."""

    class Result(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        INVALID = "invalid", "Invalid"

    class Method(models.TextChoices):
        POINT_OF_CARE = "point_of_care", "Point-of-care test"
        LAB = "lab", "Laboratory"

    specimen = models.ForeignKey(Specimen, on_delete=models.PROTECT, related_name="results")
    analyte = models.CharField(max_length=20, choices=ANALYTE_CHOICES)
    result = models.CharField(max_length=10, choices=Result.choices)
    method = models.CharField(max_length=14, choices=Method.choices)
    # Optional quantitative value and the cut-off it was read against, in ng/mL.
    value_ng_ml = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cutoff_ng_ml = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    resulted_at = models.DateTimeField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["specimen", "analyte", "method"], name="one_result_per_analyte_method"),
            models.CheckConstraint(
                condition=Q(value_ng_ml__isnull=True) | Q(value_ng_ml__gte=0), name="result_value_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cutoff_ng_ml__isnull=True) | Q(cutoff_ng_ml__gt=0), name="result_cutoff_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_analyte_display()}: {self.get_result_display()}"


class RandomTestingSchedule(models.Model):
    """Random testing for a program (or one site): N unpredictable days a month per
    person, drawn from the stored seed so every draw can be re-checked (schedules.py)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    per_month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    open_weekdays = models.JSONField(default=list)  # Monday = 0 … Sunday = 6
    seed = models.CharField(max_length=64, default=new_seed)
    starts_on = models.DateField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "site"], condition=Q(active=True), name="one_active_random_schedule_per_site"
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(active=True, site__isnull=True),
                name="one_active_program_wide_random_schedule",
            ),
        ]
