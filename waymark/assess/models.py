"""Assessment records: instruments given to a patient (DSM-5 checklist, COWS,
SOWS, PHQ-9, GAD-7), ASAM-style placement assessments with the clinician's
decision, and withdrawal-management (detox) stays with their checks.

What an instrument means (items, scores, bands, flags) lives in the pure
module `instruments.py`; a record keeps the answers and the score as they were
given, so a later change of wording never rewrites history.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.chart.models import Episode, LevelOfCare, Patient
from waymark.core.models import Site, User


class InstrumentRecord(models.Model):
    """One administration of one instrument to one patient. Never edited: a
    correction is a new record (the old one stays in the history)."""

    class Context(models.TextChoices):
        SCREENING = "screening", "Screening"
        INTAKE = "intake", "Intake assessment"
        DETOX_CHECK = "detox_check", "Withdrawal-management check"
        INDUCTION = "induction", "Medication induction"
        FOLLOW_UP = "follow_up", "Follow-up"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="instrument_records")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    instrument = models.CharField(max_length=16)  # instruments.INSTRUMENTS key: dsm5-oud, cows, sows, phq9, gad7
    context = models.CharField(max_length=16, choices=Context.choices, default=Context.SCREENING)
    administered_at = models.DateTimeField()
    # The answers as given, item id → score (bool for the DSM-5 checklist).
    answers = models.JSONField()
    under_medical_supervision = models.BooleanField(default=False)  # DSM-5 only (REFERENCE.md §3)
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=24, blank=True)  # "" where the instrument has no bands (SOWS)
    flags = models.JSONField(default=list, blank=True)  # flag codes, e.g. ["self_harm"]
    # DSM-5 remission specifier and its qualifiers, when the clinician records them.
    remission = models.CharField(max_length=12, blank=True)  # "", "early", "sustained"
    specifiers = models.JSONField(default=list, blank=True)
    # When the person last used opioids, as reported: COWS charts hours since last use.
    last_use_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, default="en")
    notes = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=80)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "idempotency_key"], name="instrument_record_once"),
        ]
        indexes = [
            models.Index(fields=["patient", "instrument", "-administered_at"], name="instrument_by_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} at {self.administered_at:%Y-%m-%d %H:%M}"


class PlacementAssessment(models.Model):
    """ASAM-style six-dimension risk ratings plus the facts the placement rules
    use, the recommendation Waymark's rules gave, and the clinician's decision.
    Decision support: the clinician accepts the recommendation or chooses
    another level with a reason."""

    class Support(models.TextChoices):
        STRONG = "strong", "Strong: people who support recovery"
        SOME = "some", "Some support"
        NONE = "none", "Little or none"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="placements")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="placements")
    edition = models.CharField(max_length=2, default="3")  # ASAM Criteria edition used: "3" or "4"
    assessed_at = models.DateTimeField()
    # Dimension ratings 0–4 and notes, dimension number (1–6) → value.
    ratings = models.JSONField()
    notes = models.JSONField(default=dict, blank=True)
    prior_treatment_attempts = models.PositiveSmallIntegerField(default=0)
    prior_relapses = models.PositiveSmallIntegerField(default=0)
    home_safe = models.BooleanField()
    support = models.CharField(max_length=8, choices=Support.choices)
    pregnant = models.BooleanField(default=False)
    co_occurring = models.BooleanField(default=False)
    co_occurring_notes = models.CharField(max_length=300, blank=True)
    needs_supervised_withdrawal = models.BooleanField(default=False)
    wants_methadone = models.BooleanField(default=False)
    # What the rules recommended, and why (plain sentences), when it was recorded.
    recommended_level = models.CharField(max_length=8)
    recommended_withdrawal_level = models.CharField(max_length=8, blank=True)
    reasons = models.JSONField(default=list)
    # The clinician's decision (empty until decided).
    decided_level = models.CharField(max_length=8, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "idempotency_key"], name="placement_once"),
        ]
        indexes = [models.Index(fields=["patient", "-assessed_at"], name="placement_by_patient")]


class DetoxStay(models.Model):
    """A withdrawal-management stay: protocol, expected length, scheduled COWS
    checks with vitals, and a discharge that needs a continuing-care plan
    (detox alone is not treatment)."""

    class Protocol(models.TextChoices):
        BUPRENORPHINE = "buprenorphine", "Buprenorphine-assisted"
        METHADONE = "methadone", "Methadone-assisted"
        LOFEXIDINE = "lofexidine", "Symptomatic, with lofexidine"
        CLONIDINE = "clonidine", "Symptomatic, with clonidine (off-label)"
        SYMPTOMATIC = "symptomatic", "Symptomatic, other medications"
        NOT_RECORDED = "not_recorded", "Not recorded (imported)"

    class Status(models.TextChoices):
        ACTIVE = "active", "In withdrawal management"
        DISCHARGED = "discharged", "Discharged"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed withdrawal management"
        LEFT = "left", "Left before completion"
        TRANSFERRED = "transferred", "Transferred (medical or psychiatric care)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="detox_stays")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="detox_stays")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    protocol = models.CharField(max_length=16, choices=Protocol.choices)
    started_at = models.DateTimeField()
    last_use_at = models.DateTimeField(null=True, blank=True)
    expected_days = models.PositiveSmallIntegerField(default=7)
    check_every_hours = models.PositiveSmallIntegerField(default=4)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=80)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Discharge and the continuing-care plan it requires.
    discharged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    next_level_of_care = models.CharField(max_length=32, choices=LevelOfCare.choices, blank=True)
    continuing_care_with = models.CharField(max_length=200, blank=True)  # program, clinic or prescriber
    first_appointment_at = models.DateTimeField(null=True, blank=True)
    no_appointment_reason = models.CharField(max_length=300, blank=True)
    medication_plan = models.CharField(max_length=300, blank=True)
    naloxone_given = models.BooleanField(null=True, blank=True)
    overdose_risk_explained = models.BooleanField(null=True, blank=True)
    discharge_notes = models.TextField(blank=True)
    discharged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "idempotency_key"], name="detox_stay_once"),
            # One stay in withdrawal management at a time per patient.
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="active"), name="one_active_detox_stay_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | (Q(discharged_at__isnull=False) & ~Q(next_level_of_care="")),
                name="detox_discharge_has_continuing_care",
            ),
        ]
        indexes = [models.Index(fields=["site", "status"], name="detox_by_site_status")]


class WithdrawalCheck(models.Model):
    """One scheduled (or extra) check during a detox stay: a COWS with vitals."""

    stay = models.ForeignKey(DetoxStay, on_delete=models.PROTECT, related_name="checks")
    cows = models.OneToOneField(InstrumentRecord, on_delete=models.PROTECT, related_name="withdrawal_check")
    checked_at = models.DateTimeField()
    pulse_bpm = models.PositiveSmallIntegerField()
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    temperature_c = models.DecimalField(max_digits=4, decimal_places=1)
    respiratory_rate = models.PositiveSmallIntegerField()
    spo2_percent = models.PositiveSmallIntegerField()
    symptom_medication = models.CharField(max_length=200, blank=True)  # e.g. "lofexidine 0.54 mg"
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checked_at"]
        indexes = [models.Index(fields=["stay", "checked_at"], name="check_by_stay")]
