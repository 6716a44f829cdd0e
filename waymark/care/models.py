"""Counselling and continuing care: treatment plans (versioned, signed by the
clinician and the person), counselling sessions and groups with attendance and
encrypted DAP notes, planned level-of-care step-downs, lapses and relapses as
clinical events, continuing-care (discharge) plans and the "preparing for
treatment" checklist.

What the numbers mean (review dates, attendance rates, intensity of a level,
who may read a note) lives in the pure modules `schedules.py`, `intensity.py`
and `confidentiality.py`.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from waymark.assess.models import InstrumentRecord, PlacementAssessment
from waymark.chart.models import Episode, LevelOfCare, LevelOfCareChange, Patient
from waymark.core.crypto import EncryptedTextField
from waymark.core.models import Program, Site, User

# --- Treatment plans ----------------------------------------------------------------------------------------


class TreatmentPlan(models.Model):
    """One version of an episode's individualised plan. A draft is edited; the clinician's signature makes
    it the active version (the one before is superseded, never changed); revising copies it to a new draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="treatment_plans")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Days between reviews, taken from the program's setting when the version is started (schedules.py).
    review_interval_days = models.PositiveSmallIntegerField()
    # Set by the clinician's signature: the day the version takes effect.
    effective_on = models.DateField(null=True, blank=True)
    clinician_signed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clinician_signed_at = models.DateTimeField(null=True, blank=True)
    # The person's sign-off: their typed name, in the clinic or from their own account.
    patient_signature = models.CharField(max_length=200, blank=True)
    patient_signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "version"], name="plan_version_unique"),
            models.UniqueConstraint(fields=["episode"], condition=Q(status="draft"), name="one_draft_plan"),
            models.UniqueConstraint(fields=["episode"], condition=Q(status="active"), name="one_active_plan"),
        ]
        indexes = [models.Index(fields=["patient", "status"], name="plan_by_patient")]

    def __str__(self) -> str:
        return f"Treatment plan v{self.version} ({self.get_status_display()})"


class ProblemArea(models.TextChoices):
    OPIOID_USE = "opioid_use", "Opioid use"
    OTHER_SUBSTANCE = "other_substance", "Other substance use"
    MENTAL_HEALTH = "mental_health", "Mental health (co-occurring)"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    HOUSING = "housing", "Housing and living situation"
    FAMILY = "family", "Family and relationships"
    WORK_EDUCATION = "work_education", "Work, education and money"
    LEGAL = "legal", "Legal"
    OTHER = "other", "Other"


class PlanProblem(models.Model):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveSmallIntegerField(default=0)
    area = models.CharField(max_length=20, choices=ProblemArea.choices)
    description = models.TextField()
    # The assessment finding the problem comes from, if any (a PHQ-9 band, a placement dimension …).
    instrument_record = models.ForeignKey(
        InstrumentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    placement = models.ForeignKey(
        PlacementAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]


class PlanGoal(models.Model):
    problem = models.ForeignKey(PlanProblem, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(default=0)
    in_patients_words = models.TextField("goal, in the person's own words")

    class Meta:
        ordering = ["position", "id"]


class PlanObjective(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Working on it"
        MET = "met", "Met"
        PARTLY_MET = "partly_met", "Partly met"
        NOT_MET = "not_met", "Not met yet"
        DROPPED = "dropped", "No longer relevant"

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(help_text="Measurable: what, how much, how often")
    target_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["position", "id"]


class InterventionKind(models.TextChoices):
    MEDICATION = "medication", "Medication"
    CBT = "cbt", "Cognitive behavioural therapy (CBT)"
    DBT = "dbt", "Dialectical behaviour therapy (DBT)"
    MI = "mi", "Motivational interviewing"
    CONTINGENCY_MANAGEMENT = "cm", "Contingency management"
    FAMILY_THERAPY = "family_therapy", "Family therapy"
    PEER_SUPPORT = "peer_support", "Peer support"
    MINDFULNESS = "mindfulness", "Mindfulness"
    VOCATIONAL = "vocational", "Vocational help"
    CASE_MANAGEMENT = "case_management", "Case management"
    OTHER = "other", "Other"


class PlanIntervention(models.Model):
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="interventions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=InterventionKind.choices)
    description = models.TextField(blank=True)
    frequency = models.CharField(max_length=120, blank=True, help_text="e.g. weekly, 50 minutes")
    # Who is responsible: a staff member, or someone else in words ("the person", "peer recovery coach").
    responsible = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    responsible_other = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["position", "id"]


class PlanReview(models.Model):
    """A periodic review of the active plan. "Revise" starts a new version; "continue" keeps this one and
    starts the next review interval."""

    class Outcome(models.TextChoices):
        CONTINUE = "continue", "Continue the plan as it is"
        REVISE = "revise", "Revise the plan (new version)"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Counselling content: encrypted, and shown only where lapse notes are.
    notes = EncryptedTextField(blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_on", "-id"]


class RecoveryEvent(models.Model):
    """A lapse or relapse, recorded as a clinical event that prompts a plan review. It is never a failure
    flag and erases nothing: time in recovery and earlier progress stay as they were."""

    class Kind(models.TextChoices):
        LAPSE = "lapse", "Lapse (a single use)"
        RELAPSE = "relapse", "Relapse (a return to regular use)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="recovery_events")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_on = models.DateField()
    substances = models.CharField(max_length=200, blank=True)
    # What happened around it and what helped: encrypted like other counselling content.
    notes = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["patient", "occurred_on"], name="recovery_event_by_patient")]


# --- Groups and sessions ------------------------------------------------------------------------------------


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class CareGroup(models.Model):
    """A recurring counselling group with a roster and a capacity."""

    class Topic(models.TextChoices):
        RELAPSE_PREVENTION = "relapse_prevention", "Relapse prevention"
        EARLY_RECOVERY = "early_recovery", "Early recovery"
        FAMILY_EDUCATION = "family_education", "Family education"
        SKILLS = "skills", "Coping skills"
        OTHER = "other", "Other"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="care_groups")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=120)
    topic = models.CharField(max_length=24, choices=Topic.choices)
    facilitator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="facilitated_groups")
    capacity = models.PositiveSmallIntegerField()
    # Weekly schedule: weekdays (0 Monday … 6 Sunday), a start time in the program's zone, a length.
    weekdays = models.JSONField(default=list)
    starts_at_time = models.TimeField()
    minutes = models.PositiveSmallIntegerField()
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="care_group_name_unique")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(CareGroup, on_delete=models.PROTECT, related_name="memberships")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="group_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "patient"], condition=Q(left_on__isnull=True), name="one_active_group_membership"
            )
        ]
        indexes = [models.Index(fields=["patient", "group"], name="membership_by_patient")]


class CounsellingSession(models.Model):
    """A scheduled individual, family or group session at a site, with a counsellor. Who came is in
    Attendance, one row per person expected."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        FAMILY = "family", "Family"
        GROUP = "group", "Group"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    counsellor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="counselling_sessions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    group = models.ForeignKey(CareGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    starts_at = models.DateTimeField()
    planned_minutes = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            # A recurring group meets once at a given time: scheduling its sessions again adds nothing.
            models.UniqueConstraint(fields=["group", "starts_at"], name="group_session_once"),
            models.CheckConstraint(
                condition=Q(kind="group", group__isnull=False) | (~Q(kind="group") & Q(group__isnull=True)),
                name="group_session_has_group",
            ),
        ]
        indexes = [
            models.Index(fields=["counsellor", "starts_at"], name="session_by_counsellor"),
            models.Index(fields=["program", "site", "starts_at"], name="session_by_site"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} session {self.starts_at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        EXPECTED = "expected", "Not recorded yet"
        ATTENDED = "attended", "Attended"
        LATE = "late", "Late"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(CounsellingSession, on_delete=models.PROTECT, related_name="attendances")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="attendances")
    # The session's start, kept here so a person's history and the caseload read one index.
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXPECTED)
    minutes_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "patient"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=Q(status__in=["attended", "late"]) | Q(minutes_attended__isnull=True),
                name="minutes_only_when_attended",
            ),
        ]
        indexes = [models.Index(fields=["patient", "starts_at"], name="attendance_by_patient")]


class CounsellingNote(models.Model):
    """A structured DAP note (data, assessment, plan) for one person's attendance at a session. The three
    parts are encrypted at rest; who may read them is `confidentiality.may_read_note`."""

    attendance = models.OneToOneField(Attendance, on_delete=models.PROTECT, related_name="note")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="counselling_notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    data = EncryptedTextField()
    assessment = EncryptedTextField()
    plan = EncryptedTextField()
    written_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)


# --- Levels of care -----------------------------------------------------------------------------------------


class PlannedTransition(models.Model):
    """A planned step down (or up) to another level of care, with what has to be true first. Carrying it out
    changes the episode's level through chart.services.update_episode, so the history gets the step."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="planned_transitions")
    to_level = models.CharField(max_length=32, choices=LevelOfCare.choices)
    planned_on = models.DateField()
    criteria = models.TextField(blank=True, help_text="What should be true before the step")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    level_change = models.ForeignKey(LevelOfCareChange, on_delete=models.PROTECT, null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_on", "id"]


# --- Aftercare ----------------------------------------------------------------------------------------------


class ContinuingCarePlan(models.Model):
    """The discharge / continuing-care plan for an episode: printable for the person, and theirs to read."""

    class Medication(models.TextChoices):
        METHADONE = "methadone", "Continue methadone"
        BUPRENORPHINE = "buprenorphine", "Continue buprenorphine"
        NALTREXONE = "naltrexone", "Continue extended-release naltrexone"
        NONE = "none", "No medication for opioid use disorder"
        UNDECIDED = "undecided", "Still to decide"

    class Naloxone(models.TextChoices):
        KIT_GIVEN = "kit_given", "Naloxone kit given, and how to use it explained"
        HAS_KIT = "has_kit", "Already has a naloxone kit"
        PRESCRIBED = "prescribed", "Naloxone prescribed"
        DECLINED = "declined", "Offered and declined"
        NOT_YET = "not_yet", "Not yet discussed"

    class Housing(models.TextChoices):
        OWN_HOME = "own_home", "Own home"
        FAMILY = "family", "With family or friends"
        SOBER_LIVING = "sober_living", "Sober living / recovery residence"
        SUPPORTED = "supported", "Supported or transitional housing"
        SHELTER = "shelter", "Shelter"
        NONE = "none", "No stable housing yet"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="continuing_care_plans")
    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="continuing_care_plan")
    # Codes from forms: "na", "smart", "aa", "other" (support_groups); "hiv_test", "hep_b_test",
    # "hep_c_test", "hep_b_vaccine", "hep_a_vaccine", "wound_care" (medical_follow_up).
    support_groups = models.JSONField(default=list, blank=True)
    support_groups_notes = models.CharField(max_length=300, blank=True)
    ongoing_therapy = models.TextField(blank=True)
    medication = models.CharField(max_length=16, choices=Medication.choices, default=Medication.UNDECIDED)
    medication_where = models.CharField(max_length=300, blank=True)
    medical_follow_up = models.JSONField(default=list, blank=True)
    medical_follow_up_notes = models.TextField(blank=True)
    naloxone = models.CharField(max_length=12, choices=Naloxone.choices, default=Naloxone.NOT_YET)
    housing = models.CharField(max_length=16, choices=Housing.choices, blank=True)
    housing_notes = models.CharField(max_length=300, blank=True)
    work_needs = models.TextField(blank=True)
    legal_needs = models.TextField(blank=True)
    emergency_contacts = models.TextField(blank=True)
    first_appointment = models.CharField(max_length=300, blank=True, help_text="Where and when, after discharge")
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)


class PreparationStep(models.Model):
    """One section of the "preparing for treatment" checklist (public/checklist.py) for an admitted person:
    admissions contact, bills, childcare, pets, work leave and rights, what to bring."""

    class Status(models.TextChoices):
        TO_DO = "to_do", "To do"
        DONE = "done", "Done"
        NOT_NEEDED = "not_needed", "Does not apply"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="preparation_steps")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="preparation_steps")
    section = models.CharField(max_length=16)  # checklist.CHECKLIST section id
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_DO)
    note = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "section"], name="preparation_step_once")]
