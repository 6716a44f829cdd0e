"""The recovery companion: a person's own check-ins, journal, relapse-prevention
plan, support network, meetings, milestones and reminders, and the alerts their
care team sees when the person has agreed to that.

Everything here belongs to the person's account (`User`): self-guided people have
an account and no chart; program patients also have `user.patient`. What the
numbers mean (time in recovery, stages, milestones, insights, crisis phrases)
lives in the pure modules `progress.py`, `insights.py` and `crisis.py`.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core.crypto import EncryptedTextField
from waymark.core.models import User, validate_time_zone

# Trigger keys offered on the check-in (the person can add their own words too).
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("people", "People"),
    ("places", "Places"),
    ("stress", "Stress"),
    ("pain", "Pain"),
    ("boredom", "Boredom"),
    ("conflict", "Conflict"),
    ("money", "Money"),
    ("sleep", "Poor sleep"),
    ("loneliness", "Loneliness"),
    ("celebration", "Celebrating"),
    ("cues", "Seeing or hearing about use"),
)
TRIGGER_KEYS = frozenset(key for key, _ in TRIGGERS)


class CompanionProfile(models.Model):
    """The person's settings: when recovery began, their zone and language, what they share, reminders."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Español"

    class Channel(models.TextChoices):
        NONE = "none", "No reminders"
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="companion")
    # Day 1 of this recovery, as the person sees it. A lapse never moves it.
    recovery_started_on = models.DateField()
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    # Both off until the person turns them on; only program patients have a care team to share with.
    share_trends = models.BooleanField(default=False)
    alert_care_team = models.BooleanField(default=False)
    sharing_changed_at = models.DateTimeField(null=True, blank=True)
    reminder_channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.NONE)
    reminder_email = models.EmailField(blank=True)
    reminder_phone = models.CharField(max_length=20, blank=True)
    check_in_reminder_at = models.TimeField(null=True, blank=True)
    dose_reminder_at = models.TimeField(null=True, blank=True)
    appointment_reminders = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Companion of {self.user_id}"


class CheckIn(models.Model):
    """One day's check-in. Editable on its day; each earlier version is kept as a CheckInRevision."""

    class Medication(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_APPLICABLE = "not_applicable", "I don't take medication"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="check_ins")
    day = models.DateField()  # the person's own calendar day
    mood = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    craving = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    triggers = models.JSONField(default=list, blank=True)  # keys from TRIGGERS
    own_triggers = EncryptedTextField(blank=True)
    sleep_hours = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(24)]
    )
    medication_taken = models.CharField(max_length=16, choices=Medication.choices, blank=True)
    # None: the person chose not to say.
    used_today = models.BooleanField(null=True, blank=True)
    support_contact = models.BooleanField(default=False)
    meeting_attended = models.BooleanField(default=False)
    exercised = models.BooleanField(default=False)
    regular_meals = models.BooleanField(default=False)
    mindfulness = models.BooleanField(default=False)
    note = EncryptedTextField(blank=True)
    # Kinds the crisis detector found in the person's words ("suicide", "overdose"), comma-separated.
    crisis_kinds = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="check_in_one_per_day"),
            models.CheckConstraint(condition=Q(mood__gte=1, mood__lte=5), name="check_in_mood_1_5"),
            models.CheckConstraint(condition=Q(craving__lte=10), name="check_in_craving_0_10"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.day}"


class CheckInSubmission(models.Model):
    """Each submission's client id, so a retried or re-synced offline check-in is applied once."""

    client_id = models.UUIDField(unique=True)
    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="submissions")
    received_at = models.DateTimeField(default=timezone.now)


class CheckInRevision(models.Model):
    """An earlier version of a check-in, kept when the person changes it (history is never lost)."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="revisions")
    values = EncryptedTextField()  # JSON of the fields as they were
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at", "-id"]


class JournalEntry(models.Model):
    class Prompt(models.TextChoices):
        NONE = "", "No prompt"
        GRATITUDE = "gratitude", "Something I'm grateful for"
        TRIGGERS_FACED = "triggers_faced", "A trigger I faced and how I handled it"
        WINS = "wins", "A win today, however small"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="journal_entries")
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    prompt = models.CharField(max_length=20, choices=Prompt.choices, blank=True)
    text = EncryptedTextField()
    day = models.DateField()
    written_at = models.DateTimeField(default=timezone.now)
    # Private unless the person shares this entry with their care team.
    shared_with_care_team = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    crisis_kinds = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-written_at", "-id"]


class RelapsePlan(models.Model):
    """The person's relapse-prevention plan; the people to call are their support contacts marked for it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="relapse_plan")
    reasons = EncryptedTextField(blank=True)  # reasons for recovery, one per line
    shared_with_care_team = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)


class PlanItem(models.Model):
    """A personal trigger or early warning sign, with what the person will do about it."""

    class Kind(models.TextChoices):
        TRIGGER = "trigger", "Trigger"
        WARNING_SIGN = "warning_sign", "Early warning sign"

    plan = models.ForeignKey(RelapsePlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = EncryptedTextField()
    coping = EncryptedTextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "id"]


class SupportContact(models.Model):
    class Role(models.TextChoices):
        SPONSOR = "sponsor", "Sponsor"
        FAMILY = "family", "Family"
        FRIEND = "friend", "Friend"
        COUNSELLOR = "counsellor", "Counsellor"
        PEER = "peer", "Peer supporter"
        OTHER = "other", "Other"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="support_contacts")
    name = EncryptedTextField()
    role = models.CharField(max_length=12, choices=Role.choices)
    phone = EncryptedTextField()
    on_plan = models.BooleanField("someone to call when I need help", default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class MeetingLog(models.Model):
    class Kind(models.TextChoices):
        NA = "na", "Narcotics Anonymous (NA)"
        SMART = "smart", "SMART Recovery"
        OTHER = "other", "Other"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="meetings")
    day = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["user", "day"], name="meeting_user_day")]


class MilestoneSeen(models.Model):
    """A milestone the person has been shown (celebrated once; kept after a lapse)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="milestones_seen")
    key = models.CharField(max_length=20)
    reached_on = models.DateField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="milestone_seen_once")]


class CareTeamAlert(models.Model):
    """Raised only when the person turned on care-team alerts; at most one of each kind a day."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", "Crisis words in a check-in or journal"
        EARLY_WARNING = "early_warning", "Early-warning pattern"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="companion_alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    day = models.DateField()
    # What was seen, in plain words, never the person's own private text.
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["patient", "kind", "day"], name="alert_once_a_day")]


class ReminderSent(models.Model):
    """One reminder sent; unique per person, kind and slot so a retried task never sends twice."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", "Check-in"
        DOSE = "dose", "Dose"
        APPOINTMENT = "appointment", "Appointment"
        CARE_ALERT = "care_alert", "Care-team alert"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    slot = models.CharField(max_length=40)  # e.g. the local date, or the appointment's id
    channel = models.CharField(max_length=8)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "slot"], name="reminder_once_per_slot")]
