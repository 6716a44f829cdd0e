"""Contingency management: a program's CM programmes and reward catalogue, who
is enrolled, and each person's ledger.

Schedules are pure functions in schedules.py; writes go through services.py.
Ledger entries are never edited or deleted: a correction is a new entry, and
an award is unique per enrolment and target event, so a retry can never pay twice.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core.models import Program, User
from waymark.incentives.schedules import DEFAULT_ANNUAL_CAP


def money_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=9, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class CmProgramme(models.Model):
    """One CM programme of a program: what earns, on which schedule, for how long, up to what cap."""

    class Target(models.TextChoices):
        SPECIMEN_NEGATIVE = "specimen_negative", "Specimen negative for the chosen analytes"
        ATTENDANCE = "attendance", "Attendance at the dosing window"
        ADHERENCE = "adherence", "Medication adherence (confirmed by staff)"
        PLAN_TASKS = "plan_tasks", "Treatment-plan tasks (confirmed by staff)"

    class Schedule(models.TextChoices):
        ESCALATING = "escalating", "Escalating vouchers with reset"
        PRIZE_BOWL = "prize_bowl", "Prize bowl"
        FIXED = "fixed", "Fixed reward"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cm_programmes")
    name = models.CharField(max_length=120)
    target = models.CharField(max_length=20, choices=Target.choices)
    target_analytes = models.JSONField(default=list, blank=True)  # analyte codes, specimen target only
    schedule = models.CharField(max_length=12, choices=Schedule.choices)
    parameters = models.JSONField(default=dict, blank=True)  # the schedule's parameters (services.schedule_params)
    duration_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(104)])
    annual_cap = money_field(default=DEFAULT_ANNUAL_CAP)
    # An invalid result or a urine temperature out of range counts as missed (resets), or is not counted.
    invalid_counts_as_missed = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="cm_programme_name_unique"),
            models.CheckConstraint(condition=Q(annual_cap__gt=0), name="cm_cap_positive"),
        ]

    def __str__(self) -> str:
        return self.name


def validate_not_cash(value: str) -> None:
    if re.search(r"\bcash\b", value, re.IGNORECASE):
        raise ValidationError("Rewards are never cash (REFERENCE.md §7): offer a gift card, an item or a bus pass.")


class Reward(models.Model):
    """An item of a program's reward catalogue."""

    class Kind(models.TextChoices):
        GIFT_CARD = "gift_card", "Gift card"
        ITEM = "item", "Item"
        BUS_PASS = "bus_pass", "Bus pass"
        OTHER = "other", "Other (not cash)"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="rewards")
    name = models.CharField(max_length=120, validators=[validate_not_cash])
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = money_field()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["value", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="reward_name_unique"),
            models.CheckConstraint(condition=Q(value__gt=0), name="reward_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (${self.value})"


class Enrollment(models.Model):
    """A person taking part in a CM programme, from a day for the programme's duration."""

    programme = models.ForeignKey(CmProgramme, on_delete=models.PROTECT, related_name="enrollments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cm_enrollments")
    started_on = models.DateField()
    ends_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)  # left early
    enrolled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "patient"], condition=Q(ended_on__isnull=True), name="one_open_enrollment"
            ),
        ]
        indexes = [models.Index(fields=["patient", "started_on"], name="enrollment_by_patient")]

    def covers(self, day: object) -> bool:
        last = min(self.ends_on, self.ended_on) if self.ended_on else self.ends_on
        return self.started_on <= day <= last  # type: ignore[operator]


class TargetCheck(models.Model):
    """A staff-confirmed target (a dose of medication taken as planned, a plan task done) or its absence."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="checks")
    day = models.DateField()
    met = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "day"], name="one_target_check_per_day")]


class LedgerEntry(models.Model):
    """One line of a person's incentive ledger. Immutable."""

    class Kind(models.TextChoices):
        EARNED = "earned", "Earned"
        REDEEMED = "redeemed", "Redeemed"
        CORRECTION = "correction", "Correction"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ledger")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = money_field()  # earned ≥ 0, redeemed < 0, a correction either way
    # Awards: the target event ("specimen:12", "dose:7", "check:3"), its day and what it meant.
    event_key = models.CharField(max_length=40, blank=True)
    event_day = models.DateField()
    outcome = models.CharField(max_length=1, blank=True)  # N success, P not met / positive, M missed
    streak = models.PositiveIntegerField(default=0)
    scheduled_amount = money_field(default=Decimal(0))  # before the cap
    draws = models.JSONField(default=list, blank=True)  # prize bowl: the slips drawn
    seed = models.CharField(max_length=64, blank=True)  # prize bowl: re-check any draw from it
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event_day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "event_key"], condition=Q(kind="earned"), name="one_award_per_event"
            ),
            models.CheckConstraint(
                condition=~Q(kind="earned") | Q(amount__gte=0, enrollment__isnull=False), name="award_not_negative"
            ),
            models.CheckConstraint(condition=~Q(kind="redeemed") | Q(amount__lt=0), name="redemption_negative"),
        ]
        indexes = [models.Index(fields=["patient", "event_day"], name="ledger_by_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
