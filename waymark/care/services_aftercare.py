"""Continuing care: the discharge / continuing-care plan of an episode and the
"preparing for treatment" checklist, one function per use case, each in a
transaction and audited with the names of the fields that changed (never their
content). Callers pass a patient they got from `chart.access.patient_for`; these
functions check the actor's role again (Cap.CARE_PLAN: counsellors and
prescribers).

The checklist's sections and items are those of the public page
(`public/checklist.py` CHECKLIST), tracked per episode as PreparationStep rows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from waymark.care.models import ContinuingCarePlan, PreparationStep
from waymark.chart.models import Episode, Patient
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.core.services import require
from waymark.public.checklist import CHECKLIST, Section

# --- Continuing-care plan -------------------------------------------------------------------------------------

SUPPORT_GROUPS: tuple[tuple[str, str], ...] = (
    ("na", "Narcotics Anonymous (NA)"),
    ("smart", "SMART Recovery"),
    ("aa", "Alcoholics Anonymous (AA)"),
    ("other", "Another group"),
)
MEDICAL_FOLLOW_UP: tuple[tuple[str, str], ...] = (
    ("hiv_test", "HIV test"),
    ("hep_b_test", "Hepatitis B test"),
    ("hep_c_test", "Hepatitis C test"),
    ("hep_b_vaccine", "Hepatitis B vaccination"),
    ("hep_a_vaccine", "Hepatitis A vaccination"),
    ("wound_care", "Wound care"),
)
CODE_LISTS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "support_groups": ("Support groups", SUPPORT_GROUPS),
    "medical_follow_up": ("Medical follow-up", MEDICAL_FOLLOW_UP),
}
CHOICES: dict[str, tuple[str, list[tuple[str, str]], bool]] = {
    # field → (label, choices, blank allowed)
    "medication": ("Medication", ContinuingCarePlan.Medication.choices, False),
    "naloxone": ("Naloxone", ContinuingCarePlan.Naloxone.choices, False),
    "housing": ("Housing", ContinuingCarePlan.Housing.choices, True),
}
SHORT_TEXT = 300  # the model's CharFields
LONG_TEXT = 2000  # the TextFields: a few paragraphs at most, so the printed plan stays readable
TEXT_LIMITS: dict[str, int] = {
    "support_groups_notes": SHORT_TEXT,
    "ongoing_therapy": LONG_TEXT,
    "medication_where": SHORT_TEXT,
    "medical_follow_up_notes": LONG_TEXT,
    "housing_notes": SHORT_TEXT,
    "work_needs": LONG_TEXT,
    "legal_needs": LONG_TEXT,
    "emergency_contacts": LONG_TEXT,
    "first_appointment": SHORT_TEXT,
}
# The model's order: the audit lists changed fields in it.
PLAN_FIELDS: tuple[str, ...] = (
    "support_groups",
    "support_groups_notes",
    "ongoing_therapy",
    "medication",
    "medication_where",
    "medical_follow_up",
    "medical_follow_up_notes",
    "naloxone",
    "housing",
    "housing_notes",
    "work_needs",
    "legal_needs",
    "emergency_contacts",
    "first_appointment",
)
assert set(PLAN_FIELDS) == {*CODE_LISTS, *CHOICES, *TEXT_LIMITS}
# Continuing a medication means someone goes on prescribing or dosing it: the plan says who.
NEEDS_WHERE = frozenset(
    {
        ContinuingCarePlan.Medication.METHADONE,
        ContinuingCarePlan.Medication.BUPRENORPHINE,
        ContinuingCarePlan.Medication.NALTREXONE,
    }
)
# REFERENCE.md §6: "Tolerance falls fast after detox or abstinence: overdose risk is highest then."
NALOXONE_WARNING = (
    "Naloxone is still marked “not yet discussed” for a person who has been discharged. Tolerance falls fast "
    "after detox or a period without opioids, so the risk of overdose is highest now (REFERENCE.md §6). "
    "Offer naloxone and explain how to use it, then update the plan."
)


@dataclass
class SavedPlan:
    plan: ContinuingCarePlan
    created: bool
    changed: list[str]  # field names, in PLAN_FIELDS order; empty when nothing changed
    warnings: list[str] = field(default_factory=list)


def code_labels(name: str, codes: Sequence[str]) -> list[str]:
    """The labels of a plan's codes (support_groups or medical_follow_up), in the list's order."""
    labels = dict(CODE_LISTS[name][1])
    return [labels[c] for c in codes if c in labels]


def _clean_codes(name: str, raw: object, errors: dict[str, str]) -> list[str]:
    title, options = CODE_LISTS[name]
    known = [code for code, _ in options]
    if raw is None:
        raw = []
    if isinstance(raw, str) or not isinstance(raw, list | tuple | set | frozenset):
        errors[name] = f"{title}: give a list of codes."
        return []
    unknown = [str(c) for c in raw if c not in known]
    if unknown:
        allowed = ", ".join(f"{code} ({label})" for code, label in options)
        errors[name] = f"{title}: unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. Use {allowed}."
        return []
    return [code for code in known if code in raw]  # canonical order, no repeats


def _clean(fields: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """The cleaned values, and every problem found, each naming its field."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    for name, value in fields.items():
        if name in CODE_LISTS:
            clean[name] = _clean_codes(name, value, errors)
        elif name in CHOICES:
            title, choices, blank_ok = CHOICES[name]
            value = "" if value is None else value
            if not isinstance(value, str) or (value not in dict(choices) and not (blank_ok and value == "")):
                errors[name] = f"{title}: choose one of " + ", ".join(str(label) for _, label in choices) + "."
            clean[name] = value
        else:
            text = "" if value is None else value
            if not isinstance(text, str):
                errors[name] = "Give text."
                continue
            text = text.strip()
            if len(text) > TEXT_LIMITS[name]:
                errors[name] = f"At most {TEXT_LIMITS[name]} characters ({len(text)} given)."
            clean[name] = text
    return clean, errors


def _check_plan(values: Mapping[str, object], errors: dict[str, str]) -> None:
    """Rules across fields, on the plan as it would be saved."""
    if values["medication"] in NEEDS_WHERE and not str(values["medication_where"]).strip():
        errors.setdefault(
            "medication_where",
            "Say where the medication continues: the program, clinic or prescriber (name and phone if you have them).",
        )


def plan_warnings(episode: Episode, plan: ContinuingCarePlan) -> list[str]:
    """Gaps said out loud, not refused: the person may not have been reachable, or the talk is still to come."""
    if episode.discharged_on is not None and plan.naloxone == ContinuingCarePlan.Naloxone.NOT_YET:
        return [NALOXONE_WARNING]
    return []


def _check_episode(patient: Patient, episode: Episode) -> None:
    if episode.patient_id != patient.pk:
        raise PermissionDenied("That episode belongs to another patient.")


@transaction.atomic
def save_continuing_care_plan(actor: User, patient: Patient, episode: Episode, **fields: object) -> SavedPlan:
    """Create or update the one continuing-care plan of `episode`. Fields not given keep their value (or the
    model's default on a new plan). Refused, naming each field and saving nothing, on an unknown code, a
    choice not offered, text too long, or a medication to continue without saying where. Audited with the
    names of the fields that changed only; saving the same values again changes nothing and writes no audit.
    A discharged episode whose plan still has naloxone "not yet discussed" gets a warning (REFERENCE.md §6)."""
    require(actor, Cap.CARE_PLAN, "write continuing-care plans")
    _check_episode(patient, episode)
    unknown = sorted(set(fields) - set(PLAN_FIELDS))
    if unknown:
        raise TypeError(f"Not fields of a continuing-care plan: {', '.join(unknown)}")
    clean, errors = _clean(fields)
    plan = ContinuingCarePlan.objects.select_for_update().filter(episode=episode).first()
    created = plan is None
    if plan is None:
        plan = ContinuingCarePlan(patient=patient, episode=episode, updated_by=actor)
    _check_plan({name: clean[name] if name in clean else getattr(plan, name) for name in PLAN_FIELDS}, errors)
    if errors:
        raise ValidationError(errors)
    changed = [name for name in PLAN_FIELDS if name in clean and getattr(plan, name) != clean[name]]
    if not changed and not created:
        return SavedPlan(plan, created=False, changed=[], warnings=plan_warnings(episode, plan))
    for name in changed:
        setattr(plan, name, clean[name])
    plan.updated_by = actor
    plan.updated_at = timezone.now()
    if created:
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            # Another request created it meanwhile: update that one instead.
            return save_continuing_care_plan(actor, patient, episode, **fields)
    else:
        plan.save(update_fields=[*changed, "updated_by", "updated_at"])
    reason = "changed: " + ", ".join(changed) if changed else "created"
    audit.record_patient_object(
        actor, "continuing_care_create" if created else "continuing_care_update", patient, plan, reason=reason
    )
    return SavedPlan(plan, created=created, changed=changed, warnings=plan_warnings(episode, plan))


def current_episode(patient: Patient) -> Episode | None:
    """The open episode (the newest, if more than one), else the newest discharged one, else None."""
    episodes = Episode.objects.filter(patient=patient).order_by("-admitted_on", "-pk")
    return episodes.filter(discharged_on__isnull=True).first() or episodes.first()


def continuing_care_for(patient: Patient) -> ContinuingCarePlan | None:
    """The continuing-care plan of the person's newest episode (by admission date), or None — also when the
    newest episode has no plan yet, even if an earlier episode had one: after a readmission the old plan is
    out of date and must not be shown as current. Meant for the person's own views (the companion app, the
    printed plan): call it only with a patient reached through `chart.access.patient_for`."""
    episode = Episode.objects.filter(patient=patient).order_by("-admitted_on", "-pk").first()
    if episode is None:
        return None
    return ContinuingCarePlan.objects.filter(episode=episode).select_related("updated_by").first()


# --- Preparing for treatment ----------------------------------------------------------------------------------

SECTIONS: dict[str, Section] = {s.id: s for s in CHECKLIST}
STEP_STATUSES = dict(PreparationStep.Status.choices)
COMPLETE = frozenset({PreparationStep.Status.DONE, PreparationStep.Status.NOT_NEEDED})


@dataclass(frozen=True)
class StepInput:
    status: str
    note: str = ""


@dataclass(frozen=True)
class SectionProgress:
    section: Section
    status: str
    note: str
    step: PreparationStep | None  # None: never touched (to do)

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    @property
    def status_label(self) -> str:
        return str(STEP_STATUSES[self.status])


@dataclass(frozen=True)
class Progress:
    sections: list[SectionProgress]  # in checklist order

    @property
    def total(self) -> int:
        return len(self.sections)

    @property
    def done(self) -> int:
        return sum(1 for s in self.sections if s.status == PreparationStep.Status.DONE)

    @property
    def not_needed(self) -> int:
        return sum(1 for s in self.sections if s.status == PreparationStep.Status.NOT_NEEDED)

    @property
    def complete(self) -> int:
        """Done or does not apply: both leave nothing to do."""
        return self.done + self.not_needed

    @property
    def label(self) -> str:
        text = f"{self.complete} of {self.total} done"
        if self.not_needed:
            text += f" ({self.not_needed} {'does' if self.not_needed == 1 else 'do'} not apply)"
        return text


def preparation_progress(episode: Episode) -> Progress:
    """Each checklist section with its status (a section without a row is to do), in checklist order.
    One query."""
    steps = {s.section: s for s in PreparationStep.objects.filter(episode=episode).select_related("updated_by")}
    out = []
    for section in CHECKLIST:
        step = steps.get(section.id)
        status = step.status if step else PreparationStep.Status.TO_DO
        out.append(SectionProgress(section, str(status), step.note if step else "", step))
    return Progress(out)


def _clean_steps(episode: Episode, steps: Mapping[str, StepInput], prefix: bool) -> dict[str, StepInput]:
    """Every problem at once: errors are named "<section>.status" / "<section>.note" (or, for one section,
    "section", "status", "note")."""
    if episode.discharged_on is not None:
        raise ValidationError(
            f"This episode ended on {episode.discharged_on:%Y-%m-%d}: the checklist is for preparing for treatment."
        )
    errors: dict[str, str] = {}
    clean: dict[str, StepInput] = {}
    for section, step in steps.items():
        at = f"{section}." if prefix else ""
        if section not in SECTIONS:
            errors[f"{at}section"] = f"Unknown checklist section {section!r}: use one of {', '.join(SECTIONS)}."
            continue
        title = SECTIONS[section].title
        if step.status not in STEP_STATUSES:
            errors[f"{at}status"] = f"{title}: choose to do, done or does not apply."
        note = step.note.strip()
        if len(note) > SHORT_TEXT:
            errors[f"{at}note"] = f"{title}: the note is at most {SHORT_TEXT} characters ({len(note)} given)."
        clean[section] = StepInput(step.status, note)
    if errors:
        raise ValidationError(errors)
    return clean


def _set_steps(
    actor: User, patient: Patient, episode: Episode, steps: Mapping[str, StepInput], *, prefix: bool
) -> list[str]:
    require(actor, Cap.CARE_PLAN, "update the preparing-for-treatment checklist")
    _check_episode(patient, episode)
    clean = _clean_steps(episode, steps, prefix)
    existing = {
        s.section: s for s in PreparationStep.objects.select_for_update().filter(episode=episode, section__in=clean)
    }
    now = timezone.now()
    changed_sections = []
    for section, data in clean.items():
        # A section without a row is "to do" with no note: setting that creates nothing.
        step = existing.get(section) or PreparationStep(patient=patient, episode=episode, section=section)
        changed = [n for n in ("status", "note") if getattr(step, n) != getattr(data, n)]
        if not changed:
            continue
        step.status, step.note = data.status, data.note
        step.updated_by, step.updated_at = actor, now
        step.save()
        audit.record_patient_object(
            actor, "preparation_step", patient, step, reason=f"{section}: changed {', '.join(changed)}"
        )
        changed_sections.append(section)
    return changed_sections


@transaction.atomic
def set_preparation_steps(actor: User, patient: Patient, episode: Episode, steps: Mapping[str, StepInput]) -> list[str]:
    """Set several checklist sections at once (the page's one Save): all or nothing, each error naming
    "<section>.status" or "<section>.note". Returns the sections that changed; each change is audited with
    the section id and the changed field names (never the note)."""
    return _set_steps(actor, patient, episode, steps, prefix=True)


@transaction.atomic
def set_preparation_step(
    actor: User, patient: Patient, episode: Episode, section: str, status: str, note: str = ""
) -> bool:
    """Set one checklist section's status (to_do, done, not_needed) and note; returns whether anything
    changed. An unknown section is refused naming "section", a bad status "status", a long note "note"."""
    return bool(_set_steps(actor, patient, episode, {section: StepInput(status, note)}, prefix=False))
