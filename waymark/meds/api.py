"""Medication orders, administrations and take-home limits over the API
(pump software, reports). The same access helper and services as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import BaseModel

from waymark.api_errors import PROBLEM_JSON, problem
from waymark.chart.access import Need, patient_for
from waymark.chart.api import In, _user
from waymark.meds import services
from waymark.meds.models import DoseAdministration, Hold, MedicationOrder

router = Router(tags=["medication"])

Mg = Annotated[Decimal, Field(gt=0, le=1000, max_digits=8, decimal_places=3)]
MgPerMl = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]


class AdministrationIn(In):
    amount_mg: Mg | None = Field(None, description="The amount given, in mg, as the nurse confirmed it.")
    concentration_mg_per_ml: MgPerMl | None = Field(
        None, description="The solution's concentration the nurse confirmed (liquids only)."
    )
    slot: Annotated[int, Field(ge=1, le=6)] = Field(1, description="Which of the day's doses (split doses: 1, 2 …).")
    outcome: Literal["observed", "refused", "held"] = "observed"
    identity_checked: bool = True
    notes: Annotated[str, Field(max_length=2000)] = ""


class AdministrationOut(Schema):
    id: int
    clinic_day: dt.date
    slot: int
    outcome: str
    amount_mg: Decimal | None
    concentration_mg_per_ml: Decimal | None
    volume_ml: Decimal | None
    order_id: int
    medication: str
    recorded_by: str | None
    recorded_at: dt.datetime
    guest: bool
    warnings: list[dict[str, str]]

    @staticmethod
    def resolve_medication(obj: DoseAdministration) -> str:
        return obj.order.medication

    @staticmethod
    def resolve_recorded_by(obj: DoseAdministration) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by else None


class HoldOut(Schema):
    id: int
    reason: str
    missed_days: int
    note: str
    placed_at: dt.datetime


class OrderOut(Schema):
    id: int
    version: int
    medication: str
    kind: str
    dose_mg: Decimal
    slot_doses_mg: list[Decimal]
    concentration_mg_per_ml: Decimal | None
    frequency: str
    start_on: dt.date
    stop_on: dt.date | None
    active: bool
    prescriber: str
    hold: HoldOut | None = None

    @staticmethod
    def resolve_active(obj: MedicationOrder) -> bool:
        return obj.is_active

    @staticmethod
    def resolve_slot_doses_mg(obj: MedicationOrder) -> list[Decimal]:
        return obj.slot_doses()

    @staticmethod
    def resolve_prescriber(obj: MedicationOrder) -> str:
        return obj.prescriber.get_username()


class TakeHomeLimitOut(BaseModel):
    days_in_treatment: int
    max_supply_days: int
    schedule: str
    rule_id: str


class Finding(BaseModel):
    rule_id: str
    level: str
    message: str


def _findings_problem(exc: services.OverrideRequired) -> HttpResponse:
    return problem(
        422,
        "Prescriber override needed",
        str(exc.messages[0]) if exc.messages else "A rule needs a prescriber's override.",
        findings=[{"rule_id": f.rule_id, "level": f.level.value, "message": f.message} for f in exc.findings],
    )


@router.post(
    "/patients/{patient_id}/administrations",
    response={200: AdministrationOut, 201: AdministrationOut},
    summary="Record an observed dose (idempotent)",
    description=(
        "Send a new Idempotency-Key per dose. The same key again returns the first record (200); another key for "
        "the same patient, clinic day and slot is a 409 naming the existing record. A dose that does not match "
        "the active order (amount, concentration, 10-fold errors) or that needs a prescriber's review is a 422 "
        "saying why; nothing is saved."
    ),
    openapi_extra={
        "responses": {
            "409": {
                "description": "This slot is already recorded: `existing` names the record.",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
            }
        }
    },
)
def record_administration(
    request: HttpRequest,
    patient_id: int,
    payload: AdministrationIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=80)],
) -> HttpResponse | Status[DoseAdministration]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.DISPENSE, action="dose", object_type="administration")
    data = services.AdministrationInput(idempotency_key=idempotency_key, **payload.dict())
    try:
        record, created = services.record_administration(user, patient, data)
    except services.AlreadyRecorded as exc:
        existing = exc.existing
        return problem(
            409,
            "Already recorded",
            str(exc),
            existing={
                "id": existing.pk,
                "clinic_day": existing.clinic_day.isoformat(),
                "slot": existing.slot,
                "outcome": existing.outcome,
                "recorded_by": existing.recorded_by.get_username() if existing.recorded_by else None,
            },
        )
    except services.KeyReused as exc:
        return problem(422, "Idempotency-Key reused", str(exc))
    except services.OverrideRequired as exc:
        return _findings_problem(exc)
    return Status(201 if created else 200, record)


@router.get(
    "/patients/{patient_id}/administrations",
    response=list[AdministrationOut],
    summary="Dosing history, newest first (audited)",
)
def list_administrations(
    request: HttpRequest, patient_id: int, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DoseAdministration]:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="administrations")
    return list(patient.administrations.select_related("order", "recorded_by").order_by("-clinic_day", "-slot")[:limit])


@router.get(
    "/patients/{patient_id}/take-home-limit",
    response=TakeHomeLimitOut,
    summary="The take-home supply limit on a date (42 CFR 8.12(i) or the program's schedule)",
)
def take_home_limit(request: HttpRequest, patient_id: int, on: dt.date | None = None) -> TakeHomeLimitOut:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="take_home_limit")
    day = on or patient.program.clinic_day()
    limit = services.take_home_limit(patient, day)
    return TakeHomeLimitOut(
        days_in_treatment=limit.days_in_treatment,
        max_supply_days=limit.max_supply_days,
        schedule=limit.schedule,
        rule_id=limit.rule_id,
    )


@router.get("/patients/{patient_id}/orders", response=list[OrderOut], summary="Medication orders, active first")
def list_orders(request: HttpRequest, patient_id: int) -> list[MedicationOrder]:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="orders")
    hold: Hold | None = services.active_hold(patient)
    orders = list(patient.medication_orders.select_related("prescriber").order_by("status", "-created_at"))
    orders.sort(key=lambda o: (not o.is_active, -o.created_at.timestamp()))
    for order in orders:
        order.hold = hold if order.is_active else None  # type: ignore[attr-defined]
    return orders
