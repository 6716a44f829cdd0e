"""The patient chart: patients, episodes of care, level-of-care history, care
team, 42 CFR Part 2 consents and the accounting of disclosures."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from waymark.chart.expressions import SearchKey
from waymark.core.crypto import EncryptedTextField
from waymark.core.models import Program, Site, User
from waymark.core.roles import ROLE_LABELS, Role


def validate_birth_date(value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError(f"Date of birth {value:%Y-%m-%d} is in the future.")
    if value.year < 1900:
        raise ValidationError(f"Date of birth {value:%Y-%m-%d} is before 1900; check the year.")


class Patient(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="patients")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    user = models.OneToOneField(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="patient")
    mrn = models.CharField("medical record number", max_length=32)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    # Required for a new chart (the form and API ask for it); empty only where imported records did not hold it.
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_birth_date])

    class SexAtBirth(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Not recorded"

    sex_at_birth = models.CharField(max_length=16, choices=SexAtBirth.choices, default="unknown")
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = EncryptedTextField(blank=True)
    preferred_language = models.CharField(max_length=40, default="English")
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    # Identity check at the dosing window; served only through an audited view.
    photo = models.BinaryField(null=True, blank=True, editable=True)
    photo_content_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Set by access.patient_for: this request reached the chart by break-glass.
    opened_by_break_glass = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "mrn"], name="mrn_unique_per_program")]
        # Search (waymark/chart/search.py) reads these: the list order, and a
        # prefix range per name field and the MRN, each within a program.
        indexes = [
            models.Index("program", SearchKey("family_name"), SearchKey("given_name"), name="patient_by_name"),
            models.Index("program", SearchKey("given_name"), name="patient_by_given_name"),
            models.Index("program", SearchKey("preferred_name"), name="patient_by_preferred_name"),
            models.Index("program", SearchKey("mrn"), name="patient_by_mrn_key"),
            models.Index(fields=["program", "date_of_birth"], name="patient_by_birth_date"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.preferred_name and self.preferred_name != self.given_name:
            return f"{self.given_name} ({self.preferred_name}) {self.family_name}"
        return f"{self.given_name} {self.family_name}"

    def in_treatment_on(self, day: dt.date) -> bool:
        """Whether an episode of care was open on `day` (admitted by then, not yet discharged)."""
        return (
            self.episodes.filter(admitted_on__lte=day)
            .filter(models.Q(discharged_on__isnull=True) | models.Q(discharged_on__gte=day))
            .exists()
        )

    def age_on(self, day: dt.date) -> int | None:
        dob = self.date_of_birth
        if dob is None:
            return None
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class LevelOfCare(models.TextChoices):
    """Levels a program places people in (PRODUCT.md §7; REFERENCE.md §8)."""

    WITHDRAWAL_MANAGEMENT = "withdrawal_management", "Withdrawal management (detox)"
    INPATIENT = "inpatient", "Medically managed inpatient"
    RESIDENTIAL_SHORT = "residential_short", "Short-term residential (3–6 weeks)"
    RESIDENTIAL_LONG = "residential_long", "Long-term residential (6–12 months)"
    PARTIAL_HOSPITALISATION = "partial_hospitalisation", "Partial hospitalisation"
    INTENSIVE_OUTPATIENT = "intensive_outpatient", "Intensive outpatient"
    OUTPATIENT = "outpatient", "Standard outpatient"
    OTP = "otp", "Opioid treatment program (OTP)"
    SOBER_LIVING = "sober_living", "Sober living"
    AFTERCARE = "aftercare", "Aftercare"


class Episode(models.Model):
    """One episode of care, admission to discharge. A patient may have several."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    admitted_on = models.DateField()
    discharged_on = models.DateField(null=True, blank=True)

    class DischargeReason(models.TextChoices):
        COMPLETED = "completed", "Treatment completed"
        TRANSFERRED = "transferred", "Transferred to another program"
        LEFT = "left", "Left before completion"
        ADMINISTRATIVE = "administrative", "Administrative discharge"
        INCARCERATED = "incarcerated", "Incarcerated"
        DIED = "died", "Died"
        OTHER = "other", "Other"

    discharge_reason = models.CharField(max_length=20, choices=DischargeReason.choices, blank=True)
    level_of_care = models.CharField(max_length=32, choices=LevelOfCare.choices)

    class Substance(models.TextChoices):
        HEROIN = "heroin", "Heroin"
        FENTANYL = "fentanyl", "Fentanyl"
        PRESCRIPTION_OPIOIDS = "prescription_opioids", "Prescription opioids"
        METHADONE = "methadone", "Methadone (non-prescribed)"
        OTHER_OPIOID = "other_opioid", "Other opioid"
        NOT_RECORDED = "not_recorded", "Not recorded"  # imported histories that did not say

    primary_substance = models.CharField(max_length=24, choices=Substance.choices)

    class Severity(models.TextChoices):
        # DSM-5 severity by criteria met (REFERENCE.md §3).
        MILD = "mild", "Mild (2–3 criteria)"
        MODERATE = "moderate", "Moderate (4–5 criteria)"
        SEVERE = "severe", "Severe (6 or more criteria)"

    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    diagnosis = models.CharField(max_length=120, blank=True, help_text="e.g. Opioid use disorder, severe (F11.20)")
    # A label for outcome reports: a trial arm, an intake cohort.
    cohort = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["patient", "admitted_on"], name="episode_by_patient")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True) | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="episode_discharge_not_before_admission",
            )
        ]

    def __str__(self) -> str:
        return f"Episode from {self.admitted_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.discharged_on is None


class LevelOfCareChange(models.Model):
    """History of an episode's level of care: each step up or down, with its date."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="level_history")
    level_of_care = models.CharField(max_length=32, choices=LevelOfCare.choices)
    started_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["started_on", "recorded_at"]


CARE_TEAM_ROLES = [
    (r.value, ROLE_LABELS[r]) for r in (Role.COUNSELLOR, Role.NURSE, Role.PRESCRIBER, Role.PROGRAM_ADMIN)
]


class CareTeamMember(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="caseload")
    role = models.CharField(max_length=32, choices=CARE_TEAM_ROLES)
    since = models.DateField(default=dt.date.today)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "user"],
                condition=models.Q(ended_on__isnull=True),
                name="one_active_care_team_membership",
            )
        ]
        indexes = [models.Index(fields=["user", "patient"], name="care_team_by_user")]


class Consent(models.Model):
    """A written consent to disclose, with every element of 42 CFR 2.31 (REFERENCE.md §10)."""

    class Kind(models.TextChoices):
        TPO = "tpo", "Treatment, payment and health-care operations"
        SPECIFIC = "specific", "A specific disclosure"
        COUNSELLING_NOTES = "counselling_notes", "Counselling notes (separate consent)"

    class Expiry(models.TextChoices):
        DATE = "date", "On a date"
        END_OF_TREATMENT = "end_of_treatment", "At the end of treatment"
        NONE = "none", "None (treatment, payment and operations only)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # §2.31 elements.
    disclosing_party = models.CharField(
        "who may disclose", max_length=200, help_text="The program or people allowed to disclose"
    )
    information_description = models.TextField(
        "information to be disclosed", help_text="How much and what kind, specifically"
    )
    recipients = models.TextField("to whom", help_text="Names of people or organisations")
    purpose = models.TextField("purpose of the disclosure")
    expiry_kind = models.CharField(max_length=20, choices=Expiry.choices)
    expires_on = models.DateField(null=True, blank=True)
    right_to_revoke_explained = models.BooleanField("patient told of the right to revoke in writing", default=False)
    signed_by = models.CharField("signature (typed name)", max_length=200)
    signed_on = models.DateField("date signed")
    signed_by_representative = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_on = models.DateField(null=True, blank=True)
    revocation_note = models.CharField(max_length=300, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(expiry_kind="date") | models.Q(expires_on__isnull=False),
                name="consent_expiry_date_given",
            ),
            models.CheckConstraint(
                condition=~models.Q(expiry_kind="none") | models.Q(kind="tpo"),
                name="consent_no_expiry_only_for_tpo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipients[:40]}"

    def status_on(self, day: dt.date, in_treatment: bool = True) -> str:
        """The consent's state on `day`; `in_treatment` says whether an episode was open that day."""
        if self.revoked_on is not None and self.revoked_on <= day:
            return "revoked"
        if self.signed_on > day:
            return "not yet signed"
        if self.expiry_kind == self.Expiry.DATE and self.expires_on and self.expires_on < day:
            return "expired"
        if self.expiry_kind == self.Expiry.END_OF_TREATMENT and not in_treatment:
            return "expired"
        return "active"


class Disclosure(models.Model):
    """Accounting of disclosures: date, recipient, description, purpose."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="disclosures")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures")
    disclosed_on = models.DateField()
    recipient = models.CharField(max_length=200)
    description = models.TextField("what was disclosed")
    purpose = models.TextField()
    # Part 2 records disclosed carry the notice against use in proceedings against the patient.
    notice_included = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-disclosed_on", "-id"]


class BreakGlassAccess(models.Model):
    """Emergency access to a chart outside one's care team (HIPAA 164.312(a)(2)(ii)).

    Granted on a written reason for a few hours, and flagged until the privacy
    officer has reviewed it.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "patient", "expires_at"], name="break_glass_lookup")]
