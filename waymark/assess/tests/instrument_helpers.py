"""Set-up for the instrument tests: answers that total a given score (from the
definitions, so a test never hard-codes an item's scores), page URLs, and
records written through services.record_instrument (set-up, when recording is
not the behaviour under test)."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from waymark.assess import instruments, services
from waymark.assess.models import InstrumentRecord
from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

COWS_IDS = [
    "pulse",
    "sweating",
    "restlessness",
    "pupils",
    "aches",
    "rhinorrhea",
    "gi_upset",
    "tremor",
    "yawning",
    "anxiety",
    "gooseflesh",
]
DSM5_IDS = [
    "larger_longer",
    "cut_down",
    "time_spent",
    "craving",
    "role_failure",
    "social_problems",
    "activities_given_up",
    "hazardous_use",
    "physical_psychological",
    "tolerance",
    "withdrawal",
]


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def totalling(code: str, total: int) -> dict[str, int]:
    """Valid answers whose sum is exactly `total` (greedy from each item's largest allowed score)."""
    left = total
    answers = {}
    for item in instruments.get(code).items:
        value = max((int(v) for v in item.allowed() if int(v) <= left), default=0)
        answers[item.id] = value
        left -= value
    assert left == 0, f"no valid {code} answers total {total}"
    return answers


def criteria(met: int, *, include: tuple[str, ...] = ()) -> dict[str, bool]:
    """DSM-5 answers with the first `met` criteria (in item order) plus `include` met."""
    return {item_id: n < met or item_id in include for n, item_id in enumerate(DSM5_IDS)}


def phq9(total: int, self_harm: int = 0) -> dict[str, int]:
    answers = totalling("phq9", total - self_harm)
    assert answers["self_harm"] == 0, "pick a total the first eight items can hold"
    return {**answers, "self_harm": self_harm}


def page_url(patient: Patient | int) -> str:
    return f"/assess/patients/{getattr(patient, 'pk', patient)}/instruments/"


def record_url(patient: Patient | int, code: str) -> str:
    return f"/assess/patients/{getattr(patient, 'pk', patient)}/instruments/{code}/record/"


def local(patient: Patient, at: dt.datetime) -> str:
    """`at` as a datetime-local field holds it: the program's wall-clock time, to the minute."""
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%dT%H:%M")


def shown(patient: Patient, at: dt.datetime) -> str:
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%d %H:%M")


def give(
    world: World,
    code: str,
    answers: dict[str, Any],
    *,
    patient: Patient | None = None,
    at: dt.datetime | None = None,
    role: Role = Role.NURSE,
    **extra: Any,
) -> InstrumentRecord:
    """An instrument recorded through the service (set-up)."""
    data = services.InstrumentInput(
        instrument=code,
        answers=answers,
        administered_at=at or ago(hours=1),
        idempotency_key=str(uuid.uuid4()),
        **extra,
    )
    return services.record_instrument(world.user(role), patient or world.patient, data).record


def audit_actions(patient: Patient, *actions: str) -> list[tuple[str, str, str]]:
    """(action, object_type, actor username) of the patient's audit entries with those actions, in order."""
    rows = AuditEvent.objects.filter(patient_id=patient.pk, action__in=actions).order_by("seq")
    return [(r.action, r.object_type, r.actor_username) for r in rows]
