"""Synthetic medication data for `waymark demo`: realistic orders and two weeks
of dosing history (methadone, buprenorphine-naloxone, extended-release
naltrexone), a few missed-dose holds, ECGs and take-home records.

Written with bulk inserts (the demo and the benchmarks create thousands of
patients); everything here is made up."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from waymark.chart.models import Episode, Patient
from waymark.core.models import Program, User
from waymark.meds import rules
from waymark.meds.models import (
    DoseAdministration,
    Ecg,
    Hold,
    Injection,
    MedicationOrder,
    TakeHomeEligibility,
)

HISTORY_DAYS = 14


def configure_program(program: Program) -> None:
    """The demo program uses the 2024 federal take-home schedule (REFERENCE.md §5)."""
    if "meds.take_home.limit" not in program.rule_settings:
        program.rule_settings = {**program.rule_settings, "meds.take_home.limit": "federal-2024"}
        program.save(update_fields=["rule_settings"])


def add_medication_history(program: Program, patients: list[Patient], accounts: dict[str, User], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  (synthetic data)
    today = program.clinic_day()
    prescriber, nurse = accounts["prescriber"], accounts["nurse"]
    open_episodes = dict(
        Episode.objects.filter(patient__in=patients, discharged_on__isnull=True).values_list(
            "patient_id", "admitted_on"
        )
    )
    orders: list[MedicationOrder] = []
    plans: list[tuple[MedicationOrder, Patient, dt.date]] = []
    for patient in patients:
        admitted = open_episodes.get(patient.pk)
        if admitted is None:
            continue
        pick = rng.random()
        start = max(admitted, today - dt.timedelta(days=rng.randrange(20, 400)))
        if pick < 0.6:
            dose = Decimal(rng.randrange(8, 25) * 5)
            order = MedicationOrder(
                patient=patient,
                medication="methadone",
                dose_mg=dose,
                slot_doses_mg=[str(dose)],
                concentration_mg_per_ml=Decimal(10),
                start_on=start,
                prescriber=prescriber,
                override_reason="Demo: maintenance dose reached by titration.",
            )
        elif pick < 0.85:
            dose = Decimal(rng.choice([8, 12, 16, 16, 16, 24]))
            order = MedicationOrder(
                patient=patient,
                medication="buprenorphine_naloxone",
                dose_mg=dose,
                slot_doses_mg=[str(dose)],
                start_on=start,
                prescriber=prescriber,
            )
        elif pick < 0.95:
            order = MedicationOrder(
                patient=patient,
                medication="naltrexone_xr",
                dose_mg=Decimal(380),
                slot_doses_mg=["380"],
                frequency=MedicationOrder.Frequency.EVERY_28_DAYS,
                start_on=start,
                prescriber=prescriber,
            )
        else:
            continue
        orders.append(order)
        plans.append((order, patient, start))
    MedicationOrder.objects.bulk_create(orders, batch_size=1000)

    administrations: list[DoseAdministration] = []
    holds: list[Hold] = []
    injections: list[Injection] = []
    ecgs: list[Ecg] = []
    eligibility: list[TakeHomeEligibility] = []
    now = timezone.now()
    for order, patient, start in plans:
        if order.medication == "naltrexone_xr":
            last = today - dt.timedelta(days=rng.randrange(0, 35))  # some are due or overdue
            if last >= start:
                injections.append(
                    Injection(
                        patient=patient,
                        order=order,
                        medication=order.medication,
                        site=patient.site,
                        clinic_day=last,
                        given_at=now - dt.timedelta(days=(today - last).days),
                        dose_mg=order.dose_mg,
                        body_site=rng.choice(["left_gluteal", "right_gluteal"]),
                        lot_number=f"NTX-{rng.randrange(1000, 9999)}",
                        idempotency_key=f"demo-inj:{patient.pk}:{last.isoformat()}",
                        given_by=nurse,
                    )
                )
            continue
        # 3% stopped coming three or four days ago: the clinic-day close put them on hold.
        gap = rng.choice([3, 4]) if rng.random() < 0.03 else 0
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            if day < start:
                continue
            missed = back <= gap or rng.random() < 0.04
            administrations.append(
                DoseAdministration(
                    patient=patient,
                    order=order,
                    site=patient.site,
                    clinic_day=day,
                    slot=1,
                    outcome="missed" if missed else "observed",
                    amount_mg=None if missed else order.dose_mg,
                    concentration_mg_per_ml=None if missed else order.concentration_mg_per_ml,
                    volume_ml=None
                    if missed or not order.concentration_mg_per_ml
                    else rules.ml_for(order.dose_mg, order.concentration_mg_per_ml),
                    idempotency_key=f"demo:{patient.pk}:{day.isoformat()}:1",
                    identity_checked=not missed,
                    recorded_by=None if missed else nurse,
                    recorded_at=now - dt.timedelta(days=back, hours=rng.randrange(1, 6)),
                    notes="Marked at the close of the clinic day." if missed else "",
                )
            )
        if gap and order.medication == "methadone" and (today - start).days > gap + 1:
            action = rules.missed_dose_action(gap, order.dose_mg, rules.MedsSettings())
            holds.append(
                Hold(
                    patient=patient,
                    reason=Hold.Reason.MISSED_DOSES,
                    missed_days=gap,
                    note=f"Missed {gap} days in a row. {action.action}",
                    placed_at=now - dt.timedelta(hours=8),
                )
            )
        if order.medication == "methadone":
            ecgs.append(
                Ecg(
                    patient=patient,
                    taken_on=start,
                    qtc_ms=rng.randrange(390, 470),
                    recorded_by=prescriber,
                    note="Baseline.",
                )
            )
        if (today - start).days > 90 and rng.random() < 0.3:
            eligibility.append(
                TakeHomeEligibility(
                    patient=patient,
                    assessed_on=today - dt.timedelta(days=rng.randrange(1, 30)),
                    practitioner=prescriber,
                    **{name: True for name in TakeHomeEligibility.CONSIDERATIONS},
                    **{f"{name}_note": "Reviewed with the patient." for name in TakeHomeEligibility.CONSIDERATIONS},
                    other_considerations="Stable housing; lockbox provided.",
                    eligible=True,
                )
            )
    DoseAdministration.objects.bulk_create(administrations, batch_size=2000)
    Hold.objects.bulk_create(holds, batch_size=1000)
    Injection.objects.bulk_create(injections, batch_size=1000)
    Ecg.objects.bulk_create(ecgs, batch_size=1000)
    TakeHomeEligibility.objects.bulk_create(eligibility, batch_size=1000)
