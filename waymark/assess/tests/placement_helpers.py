"""Set-up for the placement tests: the pages' URLs, a filled-in assessment form,
and assessments recorded through services_placement (set-up, when recording is
not the behaviour under test)."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from waymark.assess import services_placement as services
from waymark.assess.models import PlacementAssessment
from waymark.chart.models import Patient
from waymark.core.models import User


def list_url(patient: Patient | int) -> str:
    return f"/assess/patients/{getattr(patient, 'pk', patient)}/placements/"


def new_url(patient: Patient | int) -> str:
    return f"/assess/patients/{getattr(patient, 'pk', patient)}/placements/new/"


def result_url(patient: Patient | int, placement: PlacementAssessment | int) -> str:
    return f"/assess/patients/{getattr(patient, 'pk', patient)}/placements/{getattr(placement, 'pk', placement)}/"


def decide_url(patient: Patient | int, placement: PlacementAssessment | int) -> str:
    return result_url(patient, placement) + "decide/"


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def local(patient: Patient, at: dt.datetime) -> str:
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%dT%H:%M")


def form_data(patient: Patient, ratings: tuple[int, ...] = (1, 1, 0, 1, 1, 1), **changes: Any) -> dict[str, Any]:
    """The assessment form filled in: a person with mild risks, a safe home and some support.
    A change of None leaves the field out; booleans become a ticked (or absent) checkbox."""
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "assessed_at": local(patient, ago(hours=1)),
        "prior_treatment_attempts": "0",
        "prior_relapses": "0",
        "home_safe": "yes",
        "support": "some",
    }
    for n, rating in enumerate(ratings, start=1):
        data[f"rating_{n}"] = str(rating)
    data.update(changes)
    out = {}
    for key, value in data.items():
        if value is None or value is False:
            continue
        out[key] = "on" if value is True else value
    return out


def placement_input(ratings: tuple[Any, ...] = (1, 1, 0, 1, 1, 1), **changes: Any) -> services.PlacementInput:
    fields: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "assessed_at": ago(hours=1),
        "ratings": {n: r for n, r in enumerate(ratings, start=1)},
        "home_safe": True,
        "support": "some",
        **changes,
    }
    return services.PlacementInput(**fields)


def record(actor: User, patient: Patient, ratings: tuple[Any, ...] = (1, 1, 0, 1, 1, 1), **changes: Any) -> Any:
    return services.record_placement(actor, patient, placement_input(ratings, **changes)).placement
