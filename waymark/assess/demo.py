"""Synthetic assessments for `waymark demo`: intake instruments (DSM-5 checklist,
PHQ-9, GAD-7) for the newest patients, a placement decided for a few, and three
people in withdrawal management with COWS checks and vitals every 4 hours, all
recorded through the real services so every total, band and alert on the demo
pages was computed the way a clinic's would be. Everything here is made up."""

import datetime as dt
import random
import uuid

from django.db import transaction
from django.utils import timezone

from waymark.assess import instruments
from waymark.assess import services as assess
from waymark.assess import services_detox as detox
from waymark.assess import services_placement as placement
from waymark.assess.models import DetoxStay, InstrumentRecord
from waymark.chart.models import Patient
from waymark.core.models import Program, User

INTAKES = 12
DETOX_STAYS = 3
PROTOCOLS = ["buprenorphine", "lofexidine", "methadone"]


def _key() -> str:
    return str(uuid.uuid4())


def _cows(rng: random.Random, level: float) -> dict[str, int]:
    """COWS answers near `level` (0 none … 1 the most) of each item's allowed scores."""
    answers = {}
    for item in instruments.COWS.items:
        allowed = [int(v) for v in item.allowed()]
        target = level * max(allowed) + rng.uniform(-1, 1)
        answers[item.id] = min(allowed, key=lambda v: abs(v - target))
    return answers


@transaction.atomic
def add_assessments(program: Program, patients: list[Patient], accounts: dict[str, User], seed: int) -> None:
    if InstrumentRecord.objects.filter(patient__program=program).exists():
        return
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    counsellor, nurse, prescriber = accounts["counsellor"], accounts["nurse"], accounts["prescriber"]
    now = timezone.now()
    open_patients = [p for p in patients if p.episodes.filter(discharged_on__isnull=True).exists()]
    for n, patient in enumerate(open_patients[:INTAKES]):
        at = now - dt.timedelta(days=rng.randrange(1, 25), hours=rng.randrange(0, 8))
        criteria = rng.randrange(3, 11)
        dsm = [i < criteria for i in range(11)]
        rng.shuffle(dsm)
        assess.record_instrument(
            counsellor,
            patient,
            assess.InstrumentInput("dsm5-oud", dsm, at, _key(), context=InstrumentRecord.Context.INTAKE),
        )
        for code, items in (("phq9", 9), ("gad7", 7)):
            answers = [rng.choice([0, 0, 1, 1, 2, 3]) for _ in range(items)]
            if code == "phq9" and n != 4:
                answers[8] = 0  # one person's item 9 is above 0: the safety flag on their page
            assess.record_instrument(
                counsellor,
                patient,
                assess.InstrumentInput(code, answers, at, _key(), context=InstrumentRecord.Context.INTAKE),
            )
        if n < 5:
            ratings: dict[int | str, object] = {d: rng.choice([0, 1, 1, 2, 2, 3]) for d in range(1, 7)}
            recorded = placement.record_placement(
                counsellor,
                patient,
                placement.PlacementInput(
                    idempotency_key=_key(),
                    assessed_at=at,
                    ratings=ratings,
                    home_safe=rng.random() < 0.8,
                    support=rng.choice(["strong", "some", "some", "none"]),
                    prior_treatment_attempts=rng.randrange(0, 5),
                    prior_relapses=rng.randrange(0, 5),
                    wants_methadone=rng.random() < 0.5,
                ),
            ).placement
            if n < 3:
                placement.decide_placement(counsellor, patient, recorded, level=recorded.recommended_level)

    # Three people in withdrawal management, in their first days, at the first site.
    site = program.sites.order_by("id").first()
    in_detox = [p for p in open_patients[INTAKES:] if p.site_id == getattr(site, "pk", None)][:DETOX_STAYS]
    for n, patient in enumerate(in_detox):
        hours = 20 + 26 * n
        started = now - dt.timedelta(hours=hours)
        stay = detox.start_stay(
            prescriber,
            patient,
            detox.StayInput(
                idempotency_key=_key(),
                protocol=PROTOCOLS[n],
                started_at=started,
                last_use_at=started - dt.timedelta(hours=rng.randrange(10, 30)),
            ),
            site=site,
        ).stay
        # Checks every 4 hours; the last person's newest check is late, so the board shows an overdue one.
        count = hours // 4 - (1 if n == DETOX_STAYS - 1 else 0)
        for c in range(count):
            level = max(0.05, 0.7 - abs(c - 4) * 0.1)
            detox.record_check(
                nurse,
                patient,
                stay,
                detox.CheckInput(
                    idempotency_key=_key(),
                    checked_at=started + dt.timedelta(hours=4 * c, minutes=rng.randrange(0, 20)),
                    answers=_cows(rng, level),
                    pulse_bpm=72 + int(40 * level),
                    systolic_mmhg=rng.randrange(112, 138),
                    diastolic_mmhg=rng.randrange(70, 88),
                    temperature=f"{98.2 + level:.1f}",
                    temperature_unit="F",
                    respiratory_rate=rng.randrange(14, 20),
                    spo2_percent=rng.randrange(95, 100),
                    symptom_medication="lofexidine 0.54 mg" if PROTOCOLS[n] == "lofexidine" else "",
                ),
            )
    assert DetoxStay.objects.filter(patient__program=program, status="active").count() == len(in_detox)
