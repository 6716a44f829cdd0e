"""Today's queue at the dosing window for one site, in a fixed number of queries.

Who is on it: every patient of the site the user may search (the access
helper's list) with an active window order that has a dose due on the day,
plus patients of other sites of the program dosed here that day (guests).

The same facts as services.window_order, services.ordered_slots and
services.dose_history, read for all patients at once: one query each for the
orders (with the day's plan rows), active holds, the day's administrations,
take-homes covering the day, and the last observed day and last take-home day
before it. Nothing here runs per patient.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from waymark.chart.access import searchable_patients
from waymark.chart.models import Patient
from waymark.core import audit
from waymark.core.models import Site, User
from waymark.meds.medications import family_members, info
from waymark.meds.models import (
    WINDOW_MEDICATIONS,
    DoseAdministration,
    Hold,
    MedicationOrder,
    OrderPlanDay,
    TakeHomeDispense,
)

Outcome = DoseAdministration.Outcome

# Patient ids as a subquery: every bulk read filters on it, so the SQL never grows with the queue.
PatientIds = QuerySet[Patient, Any]


class Section(StrEnum):
    DUE = "due"
    ON_HOLD = "on_hold"
    DOSED = "dosed"
    TAKE_HOME = "take_home"


@dataclass
class QueueRow:
    patient: Patient
    order: MedicationOrder
    slots: list[Decimal]  # the day's ordered doses, slot 1 first
    records: list[DoseAdministration]  # the day's administrations, any site, by slot
    hold: Hold | None
    take_home: TakeHomeDispense | None
    missed_days: int  # consecutive days before the day with no observed dose or take-home (services.dose_history)
    guest: bool  # the patient belongs to another site of the program
    section: Section = Section.DUE

    @property
    def name(self) -> str:
        """As the queue lists people: family name first, then given and preferred name."""
        p = self.patient
        return f"{p.family_name}, {p.given_name}" + (f" ({p.preferred_name})" if p.preferred_name else "")

    @property
    def late(self) -> bool:
        """Due today after missing at least the day before (no observed dose, no take-home)."""
        return self.section is Section.DUE and self.missed_days >= 1

    @property
    def medication_label(self) -> str:
        return info(self.order.medication).label

    @property
    def next_slot(self) -> int | None:
        taken = {r.slot for r in self.records}
        return next((n for n in range(1, len(self.slots) + 1) if n not in taken), None)

    @property
    def observed_today(self) -> bool:
        return any(r.outcome == Outcome.OBSERVED for r in self.records)


@dataclass
class Queue:
    site: Site
    day: dt.date
    rows: list[QueueRow] = field(default_factory=list)

    def section(self, section: Section) -> list[QueueRow]:
        return [r for r in self.rows if r.section is section]

    @property
    def due(self) -> list[QueueRow]:
        return self.section(Section.DUE)

    @property
    def on_hold(self) -> list[QueueRow]:
        return self.section(Section.ON_HOLD)

    @property
    def dosed(self) -> list[QueueRow]:
        return self.section(Section.DOSED)

    @property
    def take_home(self) -> list[QueueRow]:
        return self.section(Section.TAKE_HOME)

    @property
    def late_count(self) -> int:
        return sum(1 for r in self.rows if r.late)


def _section(row: QueueRow) -> Section:
    done = bool(row.slots) and row.next_slot is None
    if row.hold is not None and not (done and row.observed_today):
        return Section.ON_HOLD
    if done:
        return Section.DOSED
    if row.take_home is not None and not row.records:
        return Section.TAKE_HOME
    return Section.DUE


def _patient_ids(user: User, site: Site, day: dt.date) -> PatientIds:
    """Ids (as a subquery) of the site's patients the user may search, and today's guests here."""
    guests = DoseAdministration.objects.filter(site=site, clinic_day=day).values("patient_id")
    return searchable_patients(user).filter(Q(site=site) | Q(pk__in=guests)).values("pk")


ROW_FIELDS = (
    "patient_id",
    "medication",
    "dose_mg",
    "slot_doses_mg",
    "patient__mrn",
    "patient__given_name",
    "patient__family_name",
    "patient__preferred_name",
    "patient__site_id",
)


def _orders(ids: PatientIds, day: dt.date) -> list[MedicationOrder]:
    """Each patient's window order on `day` (services.window_order), with the day's plan rows."""
    orders = (
        MedicationOrder.objects.filter(
            patient_id__in=ids,
            status=MedicationOrder.Status.ACTIVE,
            medication__in=WINDOW_MEDICATIONS,
            start_on__lte=day,
        )
        .filter(Q(stop_on__isnull=True) | Q(stop_on__gte=day))
        .annotate(has_plan=Exists(OrderPlanDay.objects.filter(order=OuterRef("pk"))))
    )
    plan_today: dict[int, list[OrderPlanDay]] = defaultdict(list)
    for plan_day in OrderPlanDay.objects.filter(on=day, order_id__in=orders.values("pk")):
        plan_today[plan_day.order_id].append(plan_day)
    first: dict[int, MedicationOrder] = {}
    # Only what a row shows: the rest (the photo, the encrypted address) stays unread.
    for order in orders.select_related("patient").only(*ROW_FIELDS).order_by("patient_id", "pk"):
        if order.patient_id not in first:
            order.plan_today = plan_today.get(order.pk, [])  # type: ignore[attr-defined]
            first[order.patient_id] = order
    return list(first.values())


def _slots(order: MedicationOrder) -> list[Decimal]:
    """services.ordered_slots for the day the orders were read for."""
    plan_today: list[OrderPlanDay] = order.plan_today  # type: ignore[attr-defined]
    if plan_today:
        return plan_today[0].slot_doses()
    if order.has_plan:  # type: ignore[attr-defined]
        return []
    return order.slot_doses()


def _last_observed(ids: PatientIds, day: dt.date) -> dict[tuple[int, str], dt.date]:
    """The last day before `day` with an observed dose, per patient and medication."""
    rows = (
        DoseAdministration.objects.filter(patient_id__in=ids, outcome=Outcome.OBSERVED, clinic_day__lt=day)
        .values("patient_id", "order__medication")
        .annotate(last=Max("clinic_day"))
        .order_by()
    )
    return {(r["patient_id"], r["order__medication"]): r["last"] for r in rows}


def _last_take_home(ids: PatientIds, day: dt.date) -> dict[int, dt.date]:
    """The last day covered by a take-home handed over for days before `day`, at most the day before."""
    rows = (
        TakeHomeDispense.objects.filter(patient_id__in=ids, first_day__lt=day)
        .values("patient_id")
        .annotate(last=Max("last_day"))
        .order_by()
    )
    yesterday = day - dt.timedelta(days=1)
    return {r["patient_id"]: min(r["last"], yesterday) for r in rows}


def _missed_days(
    order: MedicationOrder,
    day: dt.date,
    observed: dict[tuple[int, str], dt.date],
    take_homes: dict[int, dt.date],
) -> int:
    """services.dose_history(...).missed_days from the bulk reads."""
    family = family_members(info(order.medication).family)
    candidates = [observed[(order.patient_id, m.value)] for m in family if (order.patient_id, m.value) in observed]
    if order.patient_id in take_homes:
        candidates.append(take_homes[order.patient_id])
    if not candidates:
        return 0
    return max(0, (day - max(candidates)).days - 1)


def build_queue(user: User, site: Site, day: dt.date) -> Queue:
    """Today's queue for `site`, audited once (not once per patient)."""
    ids = _patient_ids(user, site, day)
    orders = [o for o in _orders(ids, day) if _slots(o)]
    holds = {h.patient_id: h for h in Hold.objects.filter(patient_id__in=ids, released_at__isnull=True)}
    records: dict[int, list[DoseAdministration]] = defaultdict(list)
    for record in (
        DoseAdministration.objects.filter(patient_id__in=ids, clinic_day=day)
        .select_related("recorded_by", "site")
        .order_by("slot")
    ):
        records[record.patient_id].append(record)
    covering: dict[int, TakeHomeDispense] = {}
    for take_home in TakeHomeDispense.objects.filter(patient_id__in=ids, first_day__lte=day, last_day__gte=day):
        covering.setdefault(take_home.patient_id, take_home)
    observed = _last_observed(ids, day)
    take_homes = _last_take_home(ids, day)

    queue = Queue(site=site, day=day)
    for order in orders:
        row = QueueRow(
            patient=order.patient,
            order=order,
            slots=_slots(order),
            records=records.get(order.patient_id, []),
            hold=holds.get(order.patient_id),
            take_home=covering.get(order.patient_id),
            missed_days=_missed_days(order, day, observed, take_homes),
            guest=order.patient.site_id != site.pk,
        )
        row.section = _section(row)
        queue.rows.append(row)
    queue.rows.sort(key=lambda r: (r.patient.family_name.lower(), r.patient.given_name.lower(), r.patient.pk))
    audit.record(
        user,
        "read",
        program_id=site.program_id,
        object_type="dosing_queue",
        object_id=site.pk,
        reason=f"{len(queue.rows)} shown",
    )
    return queue
