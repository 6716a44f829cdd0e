"""A person's contingency-management ledger over the API (for the companion and
reports). Same access helper and services as the pages."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from waymark.chart.access import Need, patient_for
from waymark.chart.api import _user
from waymark.incentives import services

router = Router(tags=["incentives"])


class EnrollmentOut(Schema):
    programme: str
    started_on: dt.date
    ends_on: dt.date
    ended_on: dt.date | None
    earned: Decimal
    events: int
    successes: int
    streak: int
    longest_streak: int
    next_reward: str


class EntryOut(Schema):
    id: int
    kind: str
    amount: Decimal
    event_day: dt.date
    outcome: str
    streak: int
    scheduled_amount: Decimal
    draws: list[dict[str, object]]
    seed: str
    note: str


class IncentivesOut(Schema):
    balance: Decimal
    earned: Decimal
    redeemed: Decimal
    enrollments: list[EnrollmentOut]
    entries: list[EntryOut]


@router.get(
    "/patients/{patient_id}/incentives",
    response=IncentivesOut,
    summary="Balance, programmes with streaks, and the ledger, newest first (audited)",
)
def incentives(request: HttpRequest, patient_id: int) -> IncentivesOut:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="incentives")
    s = services.patient_incentives(patient)
    return IncentivesOut(
        balance=s.balance,
        earned=s.earned,
        redeemed=s.redeemed,
        enrollments=[
            EnrollmentOut(
                programme=e.enrollment.programme.name,
                started_on=e.enrollment.started_on,
                ends_on=e.enrollment.ends_on,
                ended_on=e.enrollment.ended_on,
                earned=e.earned,
                events=e.events,
                successes=e.successes,
                streak=e.streak,
                longest_streak=e.longest_streak,
                next_reward=e.next_reward,
            )
            for e in s.enrollments
        ],
        entries=[
            EntryOut(
                id=x.pk,
                kind=x.kind,
                amount=x.amount,
                event_day=x.event_day,
                outcome=x.outcome,
                streak=x.streak,
                scheduled_amount=x.scheduled_amount,
                draws=x.draws,
                seed=x.seed,
                note=x.note,
            )
            for x in s.entries
        ],
    )
