"""Set-up for the withdrawal-management tests: COWS answers that add up to a
chosen total, vitals, the pages' URLs and form data, and stays and checks
written through services_detox (set-up, when that is not the behaviour under
test)."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from waymark.assess import detox, instruments, services_detox
from waymark.assess.models import DetoxStay, WithdrawalCheck
from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core.models import User
from waymark.core.roles import Role

PULSE = 72  # COWS pulse item 0


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def key() -> str:
    return str(uuid.uuid4())


def cows_answers(total: int, pulse_bpm: int = PULSE) -> dict[str, int]:
    """COWS answers adding up to `total`, with the pulse item matching `pulse_bpm`."""
    items = instruments.COWS.items
    fixed = {"pulse": detox.cows_pulse_score(pulse_bpm)}
    rest = [i for i in items if i.id not in fixed]
    # reachable[n][s]: a choice for items rest[n:] adding up to s
    target = total - fixed["pulse"]
    reachable: list[dict[int, int]] = [{} for _ in range(len(rest) + 1)]
    reachable[len(rest)] = {0: 0}
    for n in range(len(rest) - 1, -1, -1):
        for value in rest[n].allowed():
            for s in reachable[n + 1]:
                reachable[n].setdefault(s + int(value), int(value))
    if target not in reachable[0]:
        raise ValueError(f"COWS total {total} cannot be reached with pulse {pulse_bpm}")
    answers = dict(fixed)
    remaining = target
    for n, item in enumerate(rest):
        value = next(int(v) for v in item.allowed() if remaining - int(v) in reachable[n + 1])
        answers[item.id] = value
        remaining -= value
    assert sum(answers.values()) == total
    return answers


def vitals(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pulse_bpm": PULSE,
        "systolic_mmhg": 128,
        "diastolic_mmhg": 82,
        "temperature": "98.6",
        "temperature_unit": "F",
        "respiratory_rate": 16,
        "spo2_percent": 98,
    }
    values.update(changes)
    return values


def local(patient: Patient, at: dt.datetime) -> str:
    """`at` as a datetime-local field holds it: the program's wall-clock time, to the minute."""
    return at.astimezone(patient.program.zone).strftime("%Y-%m-%dT%H:%M")


def minute(at: dt.datetime) -> dt.datetime:
    return at.replace(second=0, microsecond=0)


def stay_input(**changes: Any) -> services_detox.StayInput:
    fields: dict[str, Any] = {
        "idempotency_key": key(),
        "protocol": DetoxStay.Protocol.BUPRENORPHINE,
        "started_at": minute(ago(days=1)),
        "last_use_at": minute(ago(days=1, hours=14)),
    }
    fields.update(changes)
    return services_detox.StayInput(**fields)


def start(world: World, patient: Patient | None = None, actor: User | None = None, **changes: Any) -> DetoxStay:
    patient = patient or world.patient
    started = services_detox.start_stay(actor or world.user(Role.NURSE), patient, stay_input(**changes))
    assert started.created
    return started.stay


def check_input(total: int, at: dt.datetime, **changes: Any) -> services_detox.CheckInput:
    pulse = changes.pop("pulse_bpm", PULSE)
    fields: dict[str, Any] = {
        "idempotency_key": key(),
        "checked_at": at,
        "answers": changes.pop("answers", None) or cows_answers(total, pulse),
        **vitals(pulse_bpm=pulse),
    }
    fields.update(changes)
    return services_detox.CheckInput(**fields)


def check(
    world: World, stay: DetoxStay, total: int, at: dt.datetime, actor: User | None = None, **changes: Any
) -> services_detox.Checked:
    return services_detox.record_check(
        actor or world.user(Role.NURSE), stay.patient, stay, check_input(total, at, **changes)
    )


def board_url(site: Any = None) -> str:
    return "/assess/detox/" + (f"?site={site.pk}" if site is not None else "")


def patient_url(patient: Patient) -> str:
    return f"/assess/patients/{patient.pk}/detox/"


def start_url(patient: Patient) -> str:
    return f"/assess/patients/{patient.pk}/detox/start/"


def stay_url(stay: DetoxStay) -> str:
    return f"/assess/patients/{stay.patient_id}/detox/{stay.pk}/"


def check_url(stay: DetoxStay) -> str:
    return stay_url(stay) + "checks/"


def discharge_url(stay: DetoxStay) -> str:
    return stay_url(stay) + "discharge/"


def start_form(patient: Patient, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": key(),
        "protocol": "buprenorphine",
        "started_at": local(patient, ago(hours=1)),
        "last_use_at": local(patient, ago(hours=15)),
        "expected_days": 7,
        "check_every_hours": 4,
        "site": "",
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def check_form(patient: Patient, total: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_key": key(),
        "checked_at": local(patient, ago(minutes=10)),
        **{f"cows_{k}": v for k, v in cows_answers(total).items()},
        **vitals(),
        "symptom_medication": "",
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def discharge_form(patient: Patient, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "discharged_at": local(patient, ago(minutes=5)),
        "outcome": "completed",
        "next_level_of_care": "otp",
        "continuing_care_with": "Harbor Recovery OTP, Dr. Osei",
        "first_appointment_at": local(patient, ago(minutes=-60 * 24)),
        "no_appointment_reason": "",
        "medication_plan": "Buprenorphine 16 mg daily",
        "naloxone_given": "yes",
        "overdose_risk_explained": "yes",
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def checks_of(stay: DetoxStay) -> int:
    return WithdrawalCheck.objects.filter(stay=stay).count()
