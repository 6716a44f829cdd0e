"""Synthetic drug tests and contingency management for `waymark demo`: a random
testing schedule, a reward catalogue, an escalating-voucher programme with 30
people enrolled (including the demo patient account) and four weeks of
thrice-weekly specimens recorded through the real services, so every award,
streak and cap on the demo pages was computed the way a clinic's would be.
Everything here is made up."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core.models import Program, User
from waymark.incentives import services as cm
from waymark.incentives.models import CmProgramme, Reward
from waymark.labs import services as labs

ENROLLED = 30
WEEKS = 4
REWARDS = [
    ("Grocery gift card", Reward.Kind.GIFT_CARD, Decimal(10)),
    ("Bus pass (7 days)", Reward.Kind.BUS_PASS, Decimal(12)),
    ("Phone top-up card", Reward.Kind.GIFT_CARD, Decimal(20)),
    ("Coffee shop gift card", Reward.Kind.GIFT_CARD, Decimal(5)),
]


@transaction.atomic
def add_drug_tests_and_incentives(
    program: Program, patients: list[Patient], accounts: dict[str, User], seed: int
) -> None:
    admin, nurse = accounts["admin"], accounts["nurse"]
    if CmProgramme.objects.filter(program=program).exists():
        return
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    today = program.clinic_day()
    start = today - dt.timedelta(weeks=WEEKS)
    labs.set_random_schedule(admin, site=None, per_month=4, open_weekdays=[0, 1, 2, 3, 4, 5], starts_on=start)
    for name, kind, value in REWARDS:
        cm.add_reward(admin, name=name, kind=kind, value=value)
    programme = cm.create_programme(
        admin,
        name="Opioid-negative vouchers",
        target=CmProgramme.Target.SPECIMEN_NEGATIVE,
        schedule=CmProgramme.Schedule.ESCALATING,
        parameters={},
        duration_weeks=12,
        target_analytes=["opiates", "6-mam", "fentanyl", "oxycodone"],
    )
    in_treatment = [p for p in patients if p.in_treatment_on(start)]
    own = [p for p in in_treatment if p.user_id is not None]
    chosen = own + [p for p in in_treatment if p.user_id is None][: ENROLLED - len(own)]
    zone = program.zone
    days = [
        start + dt.timedelta(days=d) for d in range(WEEKS * 7) if (start + dt.timedelta(days=d)).weekday() in (0, 2, 4)
    ]
    for patient in chosen:
        cm.enroll(nurse, patient, programme, start)
        use_rate = rng.choice([0.05, 0.15, 0.3, 0.5])
        medications = labs.medication_families(patient)
        for n, day in enumerate(days):
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + n % 6, 10 * (n % 5))), zone)
            if at > timezone.now():
                continue
            key = f"demo-specimen-{patient.pk}-{day.isoformat()}"
            if rng.random() < 0.05:
                labs.record_specimen(nurse, patient, labs.SpecimenInput(key, at, status="missed"))
                continue
            used = rng.random() < use_rate
            results = [
                labs.ResultInput("opiates", "positive" if used and rng.random() < 0.5 else "negative"),
                labs.ResultInput("6-mam", "negative"),
                labs.ResultInput("fentanyl", "positive" if used else "negative"),
                labs.ResultInput("oxycodone", "negative"),
            ]
            for family in sorted(medications & {"buprenorphine", "methadone"}):
                taken = rng.random() > 0.03
                results.append(labs.ResultInput(family, "positive" if taken else "negative"))
            labs.record_specimen(
                nurse,
                patient,
                labs.SpecimenInput(
                    key, at, kind="urine", observed=rng.random() < 0.3, temperature_in_range=True, results=results
                ),
            )
    # A few people have redeemed something from what they earned.
    cheapest = Reward.objects.filter(program=program).order_by("value").first()
    for patient in chosen[::4]:
        if cheapest is not None and cm.balance(patient) >= cheapest.value:
            cm.redeem(nurse, patient, cheapest, idempotency_key=f"demo-redeem-{patient.pk}")
