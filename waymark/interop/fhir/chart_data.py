"""Reading what a FHIR export needs, for one patient or a batch of them, in a fixed number of queries.

`load_charts(patients)` runs the same 13 queries whether the batch holds one chart or five hundred and
whether a chart holds five doses or five thousand: one query per kind of record, grouped in Python.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from waymark.assess.models import InstrumentRecord
from waymark.care.models import PlanGoal, PlanProblem, TreatmentPlan
from waymark.chart.models import Consent, Episode, Patient
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, Injection, MedicationOrder


@dataclass
class ChartData:
    patient: Patient
    today: dt.date  # the program's clinic day: consent status is judged on it
    episodes: list[Episode] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    orders: list[MedicationOrder] = field(default_factory=list)
    doses: list[DoseAdministration] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)
    specimens: list[Specimen] = field(default_factory=list)  # collected ones, results prefetched
    instruments: list[InstrumentRecord] = field(default_factory=list)
    plans: list[TreatmentPlan] = field(default_factory=list)  # problems → goals → objectives, interventions

    def in_treatment_on(self, day: dt.date) -> bool:
        return any(e.admitted_on <= day and (e.discharged_on is None or e.discharged_on >= day) for e in self.episodes)

    def record_counts(self) -> dict[str, int]:
        return {
            "episodes": len(self.episodes),
            "consents": len(self.consents),
            "orders": len(self.orders),
            "doses": len(self.doses),
            "injections": len(self.injections),
            "specimens": len(self.specimens),
            "instruments": len(self.instruments),
            "plans": len(self.plans),
        }


def _grouped(queryset: QuerySet[Any], patient_ids: Sequence[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in queryset.filter(patient_id__in=patient_ids):
        grouped[row.patient_id].append(row)
    return grouped


def load_charts(patients: Sequence[Patient]) -> list[ChartData]:
    """The records of each patient (their `program` should be select_related), in the patients' order."""
    ids = [p.pk for p in patients]
    if not ids:
        return []
    episodes = _grouped(Episode.objects.order_by("admitted_on", "id"), ids)
    consents = _grouped(Consent.objects.order_by("signed_on", "id"), ids)
    orders = _grouped(MedicationOrder.objects.select_related("prescriber").order_by("start_on", "version", "id"), ids)
    doses = _grouped(
        DoseAdministration.objects.order_by("clinic_day", "slot", "id").only(
            "id", "patient_id", "order_id", "clinic_day", "slot", "outcome", "amount_mg", "recorded_at"
        ),
        ids,
    )
    injections = _grouped(Injection.objects.order_by("clinic_day", "id"), ids)
    specimens = _grouped(
        Specimen.objects.filter(status=Specimen.Status.COLLECTED)
        .prefetch_related(Prefetch("results", queryset=AnalyteResult.objects.order_by("analyte", "method", "id")))
        .order_by("collected_at", "id"),
        ids,
    )
    instruments = _grouped(InstrumentRecord.objects.order_by("administered_at", "id"), ids)
    plans = _grouped(
        TreatmentPlan.objects.select_related("clinician_signed_by")
        .prefetch_related(
            Prefetch(
                "problems",
                queryset=PlanProblem.objects.prefetch_related(
                    Prefetch("goals", queryset=PlanGoal.objects.prefetch_related("objectives", "interventions"))
                ),
            )
        )
        .order_by("episode_id", "version"),
        ids,
    )
    return [
        ChartData(
            patient=p,
            today=p.program.clinic_day(),
            episodes=episodes.get(p.pk, []),
            consents=consents.get(p.pk, []),
            orders=orders.get(p.pk, []),
            doses=doses.get(p.pk, []),
            injections=injections.get(p.pk, []),
            specimens=specimens.get(p.pk, []),
            instruments=instruments.get(p.pk, []),
            plans=plans.get(p.pk, []),
        )
        for p in patients
    ]
