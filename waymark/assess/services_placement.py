"""Placement writes and reads: record an ASAM-style placement assessment (the
six ratings, the seed facts, and the recommendation the rules in placement.py
gave at that moment), and the clinician's decision, which sets the episode's
level of care through chart.services.update_episode so the level-of-care
history gets the step. Both atomic, audited, role-checked; recording is
idempotent and a decision is made once per assessment.

Callers pass a patient they got from `chart.access.patient_for`.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from waymark.assess import placement as rules
from waymark.assess.models import PlacementAssessment
from waymark.chart import services as chart_services
from waymark.chart.models import Episode, LevelOfCare, Patient
from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap
from waymark.core.services import KeyReused, idempotency_key, require

MAX_NOTE = 2000
MAX_REASON = 2000
MAX_CO_OCCURRING_NOTES = 300
FUTURE_SLACK = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class PlacementInput:
    """What the clinician recorded. Ratings and notes are keyed by dimension number (1–6; "1" also works)."""

    idempotency_key: str
    assessed_at: dt.datetime
    ratings: Mapping[int | str, object]
    home_safe: object
    support: str
    notes: Mapping[int | str, str] = field(default_factory=dict)
    prior_treatment_attempts: object = 0
    prior_relapses: object = 0
    pregnant: object = False
    co_occurring: object = False
    co_occurring_notes: str = ""
    needs_supervised_withdrawal: object = False
    wants_methadone: object = False


@dataclass
class Recorded:
    placement: PlacementAssessment
    created: bool


@dataclass
class Decided:
    placement: PlacementAssessment
    level_changed: bool  # the episode moved to a new level of care (a history row was added)
    created: bool = True  # False when this exact decision had already been recorded (a retried request)


def program_settings(program: Program) -> rules.PlacementSettings:
    try:
        return rules.settings_from(program.rule_settings or {})
    except rules.SettingsError as exc:
        raise ValidationError(f"The program's placement settings are wrong ({exc}); ask the program admin.") from exc


def open_episode(patient: Patient) -> Episode | None:
    return patient.episodes.filter(discharged_on__isnull=True).order_by("-admitted_on", "-pk").first()


def _by_dimension(values: Mapping[int | str, object], number: int) -> object:
    if number in values:
        return values[number]
    return values.get(str(number))


def facts_of(data: PlacementInput, edition: str) -> rules.PlacementFacts:
    return rules.PlacementFacts(
        ratings=tuple(_by_dimension(data.ratings, n) for n in range(1, 7)),  # type: ignore[misc]
        edition=edition,
        prior_treatment_attempts=data.prior_treatment_attempts,  # type: ignore[arg-type]
        prior_relapses=data.prior_relapses,  # type: ignore[arg-type]
        home_safe=data.home_safe,  # type: ignore[arg-type]
        support=data.support,
        pregnant=data.pregnant,  # type: ignore[arg-type]
        co_occurring=data.co_occurring,  # type: ignore[arg-type]
        needs_supervised_withdrawal=data.needs_supervised_withdrawal,  # type: ignore[arg-type]
        wants_methadone=data.wants_methadone,  # type: ignore[arg-type]
    )


def _validate(data: PlacementInput, facts: rules.PlacementFacts) -> dict[str, str]:
    errors = rules.check(facts)
    dims = {d.number: d for d in rules.DIMENSIONS[rules.Edition(facts.edition)]}
    for key, note in data.notes.items():
        number = int(key) if str(key).isdigit() else 0
        if number not in dims:
            errors["notes"] = f"Notes are kept per dimension 1–6, not {key!r}."
        elif not isinstance(note, str):
            errors[f"note_{number}"] = f"Dimension {number} notes: give text."
        elif len(note) > MAX_NOTE:
            name = dims[number].name.lower()
            errors[f"note_{number}"] = (
                f"Dimension {number} ({name}) notes: at most {MAX_NOTE} characters (these have {len(note)})."
            )
    if len(data.co_occurring_notes) > MAX_CO_OCCURRING_NOTES:
        errors["co_occurring_notes"] = (
            f"Co-occurring conditions: at most {MAX_CO_OCCURRING_NOTES} characters "
            f"(this has {len(data.co_occurring_notes)})."
        )
    if data.assessed_at > timezone.now() + FUTURE_SLACK:
        errors["assessed_at"] = "The assessment time is in the future."
    return errors


def _same(existing: PlacementAssessment, patient: Patient, data: PlacementInput) -> PlacementAssessment:
    ratings = {str(n): _by_dimension(data.ratings, n) for n in range(1, 7)}
    if existing.patient_id != patient.pk or existing.assessed_at != data.assessed_at or existing.ratings != ratings:
        raise KeyReused({"idempotency_key": "This key was already used for a different assessment; send a new key."})
    return existing


def record_placement(actor: User, patient: Patient, data: PlacementInput) -> Recorded:
    """Record the ratings and facts with the recommendation the rules give now. Bad input raises a
    ValidationError naming each field at fault (a dimension by its number and name) and saves nothing.
    The same idempotency key again returns the first record."""
    require(actor, Cap.PLACEMENT, "record placement assessments")
    key = idempotency_key(data.idempotency_key)
    existing = PlacementAssessment.objects.filter(patient=patient, idempotency_key=key).first()
    if existing is not None:
        return Recorded(_same(existing, patient, data), created=False)
    settings = program_settings(patient.program)
    facts = facts_of(data, settings.edition)
    errors = _validate(data, facts)
    episode = open_episode(patient)
    if episode is None:
        errors["episode"] = "Open an episode of care first: the placement decision sets the episode's level of care."
    if errors:
        raise ValidationError(errors)
    assert episode is not None
    recommendation = rules.recommend(facts, settings)
    notes = {str(k): str(v).strip() for k, v in data.notes.items() if str(v).strip()}
    try:
        with transaction.atomic():
            placement = PlacementAssessment.objects.create(
                patient=patient,
                episode=episode,
                edition=recommendation.edition,
                assessed_at=data.assessed_at,
                ratings={str(n): r for n, r in enumerate(facts.ratings, start=1)},
                notes=notes,
                prior_treatment_attempts=facts.prior_treatment_attempts,
                prior_relapses=facts.prior_relapses,
                home_safe=facts.home_safe,
                support=facts.support,
                pregnant=facts.pregnant,
                co_occurring=facts.co_occurring,
                co_occurring_notes=data.co_occurring_notes.strip(),
                needs_supervised_withdrawal=facts.needs_supervised_withdrawal,
                wants_methadone=facts.wants_methadone,
                recommended_level=recommendation.level,
                recommended_withdrawal_level=recommendation.withdrawal_level,
                reasons=recommendation.reason_texts,
                idempotency_key=key,
                recorded_by=actor,
            )
            audit.record_patient_object(actor, "create", patient, placement)
    except IntegrityError:
        existing = PlacementAssessment.objects.filter(patient=patient, idempotency_key=key).first()
        if existing is None:
            raise
        return Recorded(_same(existing, patient, data), created=False)
    return Recorded(placement, created=True)


def _change_reason(placement: PlacementAssessment, code: str, accepted: bool) -> str:
    found = rules.level(placement.edition, code)
    verb = "accepted the recommended" if accepted else "chose"
    text = (
        f"Placement assessment #{placement.pk} of {placement.assessed_at:%Y-%m-%d}: {verb} ASAM "
        f"(edition {placement.edition}) level {code}, {found.label}"
    )
    return text[:300]


def decide_placement(
    actor: User, patient: Patient, placement: PlacementAssessment, *, level: str, reason: str = ""
) -> Decided:
    """Accept the recommended level (or the recommended withdrawal-management level), or choose another level
    of the same edition with a reason. Once per assessment; the same decision sent again is not recorded twice.
    The episode takes the matching level of care; if it is already there, no history row is added."""
    require(actor, Cap.PLACEMENT, "decide a level of care")
    if placement.patient_id != patient.pk:
        raise PermissionDenied("That placement assessment belongs to another patient.")
    level = level.strip()
    reason = reason.strip()
    with transaction.atomic():
        locked = PlacementAssessment.objects.select_for_update().select_related("episode").get(pk=placement.pk)
        if locked.decided_level:
            if locked.decided_level == level and locked.decision_reason == reason:
                return Decided(locked, level_changed=False, created=False)
            raise ValidationError(
                {
                    "level": f"This assessment was already decided (level {locked.decided_level} on "
                    f"{locked.decided_at:%Y-%m-%d}). Record a new assessment to change the level of care."
                }
            )
        edition_levels = rules.levels(locked.edition)
        if level not in edition_levels:
            raise ValidationError(
                {"level": f"Choose a level of the ASAM edition {locked.edition} used: {', '.join(edition_levels)}."}
            )
        accepted = level in {locked.recommended_level, locked.recommended_withdrawal_level}
        if not accepted and not reason:
            raise ValidationError(
                {"reason": f"Say why you chose level {level} instead of the recommended {locked.recommended_level}."}
            )
        if len(reason) > MAX_REASON:
            raise ValidationError({"reason": f"At most {MAX_REASON} characters (this has {len(reason)})."})
        episode = locked.episode
        if episode.discharged_on is not None:
            raise ValidationError(
                {"level": "The episode of this assessment was discharged: record a new assessment in the open one."}
            )
        chart_level = rules.chart_level(locked.edition, level, methadone=locked.wants_methadone)
        changed = episode.level_of_care != chart_level
        if changed:
            chart_services.update_episode(
                actor,
                episode,
                level_of_care=LevelOfCare(chart_level).value,
                level_change_reason=_change_reason(locked, level, accepted),
            )
        locked.decided_level = level
        locked.decision_reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["decided_level", "decision_reason", "decided_by", "decided_at"])
        audit.record_patient_object(
            actor, "decide", patient, locked, reason="accepted" if accepted else "another level with a reason"
        )
    return Decided(locked, level_changed=changed)


# --- Reading -----------------------------------------------------------------------------------------------------


def patient_placements(patient: Patient) -> QuerySet[PlacementAssessment]:
    return (
        PlacementAssessment.objects.filter(patient=patient)
        .select_related("decided_by", "recorded_by", "episode")
        .order_by("-assessed_at", "-pk")
    )


@dataclass(frozen=True)
class DimensionRow:
    number: int
    name: str
    rating: int | None
    words: str
    note: str


def dimension_rows(placement: PlacementAssessment) -> list[DimensionRow]:
    rows = []
    for dim in rules.DIMENSIONS[rules.Edition(placement.edition)]:
        rating = placement.ratings.get(str(dim.number))
        rows.append(
            DimensionRow(
                number=dim.number,
                name=dim.name,
                rating=rating,
                words=rules.RISK_WORDS.get(rating, "") if isinstance(rating, int) else "",
                note=placement.notes.get(str(dim.number), ""),
            )
        )
    return rows


def level_title(edition: str, code: str) -> str:
    """ "3.7 · Medically monitored intensive inpatient"; the code alone if the edition does not know it."""
    if not code:
        return ""
    try:
        return rules.level(edition, code).title
    except (KeyError, ValueError):
        return code
