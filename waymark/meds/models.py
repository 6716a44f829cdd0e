"""Medication for opioid use disorder: orders (versioned), holds, observed
administrations at the dosing window, take-homes, injections, readiness checks,
ECGs, the dispensing log's sign-off, stock and naloxone kits.

Clinical logic is in rules.py and schedules.py; writes go through services.py.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core.models import Program, Site, User
from waymark.meds.medications import CATALOGUE
from waymark.meds.rules import OpioidType, mg

MEDICATION_CHOICES = [(m.code.value, m.label) for m in CATALOGUE.values()]
WINDOW_MEDICATIONS = [m.code.value for m in CATALOGUE.values() if m.delivery == "window"]


def mg_field(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=8, decimal_places=3, **kwargs)  # type: ignore[arg-type]


def stock_mg_field(**kwargs: object) -> models.DecimalField:
    # Stock runs to litres of 10 mg/mL solution: up to a billion mg.
    return models.DecimalField(max_digits=13, decimal_places=3, **kwargs)  # type: ignore[arg-type]


class MedicationOrder(models.Model):
    """One version of a prescriber's order. A change makes a new version in the
    same series and supersedes the old one; nothing is edited in place."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded by a newer version"
        STOPPED = "stopped", "Stopped"

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", "Maintenance"
        TAPER = "taper", "Taper"
        INDUCTION = "induction", "Standard induction"
        LOW_DOSE_INDUCTION = "low_dose_induction", "Low-dose induction (full agonist continued)"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        EVERY_28_DAYS = "every_28_days", "Every 28 days (injection)"
        AS_NEEDED = "as_needed", "As needed"
        ONCE = "once", "Once"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medication_orders")
    series = models.UUIDField(default=uuid.uuid4)
    version = models.PositiveIntegerField(default=1)
    medication = models.CharField(max_length=32, choices=MEDICATION_CHOICES)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.MAINTENANCE)
    # The daily total, and how it is split into administrations (slots) in a day.
    dose_mg = mg_field()
    slot_doses_mg = models.JSONField(default=list)
    concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.DAILY)
    start_on = models.DateField()
    stop_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    instructions = models.TextField(blank=True)
    change_reason = models.TextField(blank=True)
    prescriber = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    overridden = models.JSONField(default=list, blank=True)  # findings the prescriber overrode

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="order_version_unique"),
            models.UniqueConstraint(
                fields=["patient", "medication"], condition=Q(status="active"), name="one_active_order_per_medication"
            ),
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="order_dose_positive"),
        ]
        indexes = [models.Index(fields=["patient", "status"], name="order_by_patient_status")]

    def __str__(self) -> str:
        return f"{self.get_medication_display()} {mg(self.dose_mg)} mg (v{self.version})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def slot_doses(self) -> list[Decimal]:
        return [Decimal(str(d)) for d in self.slot_doses_mg] or [self.dose_mg]


class OrderPlanDay(models.Model):
    """A day of a taper or induction plan; the prescriber may edit each day's doses."""

    order = models.ForeignKey(MedicationOrder, on_delete=models.CASCADE, related_name="plan_days")
    day = models.PositiveIntegerField()
    on = models.DateField()
    slot_doses_mg = models.JSONField()

    class Meta:
        ordering = ["on"]
        constraints = [models.UniqueConstraint(fields=["order", "on"], name="plan_day_unique")]

    def slot_doses(self) -> list[Decimal]:
        return [Decimal(str(d)) for d in self.slot_doses_mg]

    @property
    def total_mg(self) -> Decimal:
        return sum(self.slot_doses(), Decimal(0))


class Hold(models.Model):
    """Dosing stops until a prescriber reviews and releases the hold."""

    class Reason(models.TextChoices):
        MISSED_DOSES = "missed_doses", "Missed doses"
        PRESCRIBER = "prescriber", "Placed by prescriber"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    missed_days = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    placed_at = models.DateTimeField(default=timezone.now)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    release_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient"], condition=Q(released_at__isnull=True), name="one_active_hold")
        ]

    def __str__(self) -> str:
        return f"Hold ({self.get_reason_display()})"


class DoseAdministration(models.Model):
    """One slot of one clinic day at the window: observed, refused, held or missed.

    Never twice: the idempotency key is unique, and so is (patient, clinic day, slot).
    """

    class Outcome(models.TextChoices):
        OBSERVED = "observed", "Observed dose"
        REFUSED = "refused", "Refused"
        HELD = "held", "Held"
        MISSED = "missed", "Missed (not attended)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="administrations")
    order = models.ForeignKey(MedicationOrder, on_delete=models.PROTECT, related_name="administrations")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clinic_day = models.DateField()
    slot = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount_mg = mg_field(null=True, blank=True)
    concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    identity_checked = models.BooleanField(default=False)
    guest = models.BooleanField(default=False)  # dosed at a site other than the patient's own
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    override_reason = models.TextField(blank=True)
    overridden = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)  # warnings shown when it was recorded

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinic_day", "slot"], name="one_administration_per_slot"),
            models.CheckConstraint(
                condition=~Q(outcome="observed") | Q(amount_mg__gt=0), name="observed_dose_has_amount"
            ),
        ]
        indexes = [
            models.Index(fields=["site", "clinic_day"], name="administration_by_site_day"),
            models.Index(fields=["patient", "-clinic_day"], name="administration_by_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic_day} slot {self.slot}: {self.get_outcome_display()}"


class TakeHomeEligibility(models.Model):
    """The practitioner's judgement on the six considerations of 42 CFR 8.12(i) (REFERENCE.md §5)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="take_home_eligibility")
    assessed_on = models.DateField()
    practitioner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    no_active_use_or_risk = models.BooleanField("No active substance use disorder or other condition raising risk")
    no_active_use_or_risk_note = models.TextField()
    regular_attendance = models.BooleanField("Regular attendance for supervised administration")
    regular_attendance_note = models.TextField()
    no_serious_behaviour = models.BooleanField("No serious behavioural problems endangering the patient or others")
    no_serious_behaviour_note = models.TextField()
    no_recent_diversion = models.BooleanField("No known recent diversion")
    no_recent_diversion_note = models.TextField()
    safe_storage = models.BooleanField("Medication can be transported and stored safely")
    safe_storage_note = models.TextField()
    other_considerations = models.TextField("Anything else the practitioner considers relevant")
    eligible = models.BooleanField("Benefits outweigh the risks: eligible for take-homes")
    created_at = models.DateTimeField(default=timezone.now)

    CONSIDERATIONS = (
        "no_active_use_or_risk",
        "regular_attendance",
        "no_serious_behaviour",
        "no_recent_diversion",
        "safe_storage",
    )

    class Meta:
        ordering = ["-assessed_on", "-created_at"]


class TakeHomeDispense(models.Model):
    """Bottles handed over for days at home, with the lot and the return check of empties."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="take_homes")
    order = models.ForeignKey(MedicationOrder, on_delete=models.PROTECT, related_name="take_homes")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    dispensed_on = models.DateField()  # the clinic day it was handed over
    first_day = models.DateField()
    last_day = models.DateField()
    bottles = models.PositiveSmallIntegerField()
    dose_mg_per_bottle = mg_field()
    concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    lot_number = models.CharField(max_length=40)
    closure_days = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=80, unique=True)
    dispensed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    dispensed_at = models.DateTimeField(default=timezone.now)
    override_reason = models.TextField(blank=True)
    overridden = models.JSONField(default=list, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    bottles_returned = models.PositiveSmallIntegerField(null=True, blank=True)
    return_checked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    return_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="take_home_days_ordered"),
            models.CheckConstraint(condition=Q(bottles__gt=0), name="take_home_has_bottles"),
        ]
        indexes = [models.Index(fields=["patient", "first_day"], name="take_home_by_patient")]

    @property
    def supply_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def total_mg(self) -> Decimal:
        return self.dose_mg_per_bottle * self.bottles


class Injection(models.Model):
    """An extended-release injection (naltrexone 380 mg IM, buprenorphine SC)."""

    class BodySite(models.TextChoices):
        LEFT_GLUTEAL = "left_gluteal", "Left gluteal"
        RIGHT_GLUTEAL = "right_gluteal", "Right gluteal"
        ABDOMEN_LEFT = "abdomen_left", "Abdomen, left"
        ABDOMEN_RIGHT = "abdomen_right", "Abdomen, right"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="injections")
    order = models.ForeignKey(MedicationOrder, on_delete=models.PROTECT, related_name="injections")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    medication = models.CharField(max_length=32, choices=MEDICATION_CHOICES)
    clinic_day = models.DateField()
    given_at = models.DateTimeField(default=timezone.now)
    dose_mg = mg_field()
    body_site = models.CharField(max_length=16, choices=BodySite.choices)
    lot_number = models.CharField(max_length=40)
    idempotency_key = models.CharField(max_length=80, unique=True)
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    override_reason = models.TextField(blank=True)
    overridden = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "medication", "clinic_day"], name="one_injection_per_day")
        ]
        ordering = ["-clinic_day"]


class ReadinessCheck(models.Model):
    """Before buprenorphine induction or extended-release naltrexone: last use, COWS, test, challenge."""

    class For(models.TextChoices):
        BUPRENORPHINE = "buprenorphine", "Buprenorphine induction"
        NALTREXONE = "naltrexone", "Extended-release naltrexone"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="readiness_checks")
    check_for = models.CharField(max_length=16, choices=For.choices)
    assessed_at = models.DateTimeField()
    last_use_at = models.DateTimeField(null=True, blank=True)
    opioid_type = models.CharField(
        max_length=16, choices=[(t.value, t.value.replace("_", "-").capitalize()) for t in OpioidType]
    )
    cows_total = models.PositiveSmallIntegerField(null=True, blank=True)
    negative_test_on = models.DateField(null=True, blank=True)
    naloxone_challenge_passed = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_at"]


class Ecg(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ecgs")
    taken_on = models.DateField()
    qtc_ms = models.PositiveSmallIntegerField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-taken_on"]


class CoUse(models.Model):
    """Documented benzodiazepine or alcohol co-use: a warning at the window, never a reason to withhold."""

    class Substance(models.TextChoices):
        BENZODIAZEPINE = "benzodiazepine", "Benzodiazepines"
        ALCOHOL = "alcohol", "Alcohol"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="co_use")
    substance = models.CharField(max_length=16, choices=Substance.choices)
    noted_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")


class RuleOverride(models.Model):
    """A prescriber's written reason for going past a `needs_override` finding."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="rule_overrides")
    rule_id = models.CharField(max_length=64)
    message = models.TextField()
    reason = models.TextField()
    prescriber = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64, blank=True)
    # Set for an override given ahead of a dose at the window: it holds for that clinic day only.
    clinic_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["patient", "clinic_day"], name="override_by_patient_day")]


class ClinicClosure(models.Model):
    """A holiday or other day the program's sites are closed (besides its closed weekdays)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="closures")
    day = models.DateField()
    reason = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "day"], name="closure_once_per_day")]


class ClinicDayClose(models.Model):
    """The close of a clinic day for a program: missed doses were marked then."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    clinic_day = models.DateField()
    closed_at = models.DateTimeField(default=timezone.now)
    missed_marked = models.PositiveIntegerField(default=0)
    holds_placed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "clinic_day"], name="clinic_day_closed_once")]


class DispensingSignOff(models.Model):
    """Each nurse signs the day's dispensing log for their site (21 CFR 1304.24; REFERENCE.md §10)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    clinic_day = models.DateField()
    nurse = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    entries = models.PositiveIntegerField()  # how many log lines the nurse signed for
    total_mg = stock_mg_field()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "clinic_day", "nurse"], name="sign_off_once")]


class StockLot(models.Model):
    """A lot of a medication received at a site."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    medication = models.CharField(max_length=32, choices=MEDICATION_CHOICES)
    concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    received_on = models.DateField()
    received_mg = stock_mg_field()
    received_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "medication", "lot_number"], name="lot_once_per_site")]


class StockMovement(models.Model):
    """Waste and adjustments (received is the lot itself; dispensed comes from the administrations)."""

    class Kind(models.TextChoices):
        WASTED = "wasted", "Wasted"
        ADJUSTED = "adjusted", "Adjusted"

    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    clinic_day = models.DateField()
    amount_mg = stock_mg_field()  # wasted: positive; adjusted: signed
    reason = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class StockCount(models.Model):
    """A physical count of a medication at a site, in mg."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    medication = models.CharField(max_length=32, choices=MEDICATION_CHOICES)
    clinic_day = models.DateField()
    counted_mg = stock_mg_field()
    counted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    counted_at = models.DateTimeField(default=timezone.now)


class NaloxoneKit(models.Model):
    """Naloxone kits given out to a patient or someone close to them."""

    class Recipient(models.TextChoices):
        PATIENT = "patient", "The patient"
        FAMILY = "family", "Family member"
        FRIEND = "friend", "Friend or partner"
        OTHER = "other", "Someone else in their support network"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="naloxone_kits")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    given_on = models.DateField()
    count = models.PositiveSmallIntegerField()
    recipient = models.CharField(max_length=8, choices=Recipient.choices)
    recipient_name = models.CharField(max_length=120, blank=True)
    training_done = models.BooleanField()
    lot_number = models.CharField(max_length=40, blank=True)
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=80, unique=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(count__gt=0), name="naloxone_count_positive")]
