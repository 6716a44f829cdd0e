"""The dispensing log (21 CFR 1304.24; REFERENCE.md §10), its daily sign-off,
stock (lots received, waste, adjustments, counts, reconciliation) and naloxone
kits given out.

Same habits as services.py: every write is atomic, checks who may do it and is
audited through waymark.core.audit.record; bad input raises ValidationError
naming the field, and nothing is saved. Reading the log (a page or the CSV) is
one audit row for the whole day, not one per line.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.core import audit
from waymark.core.models import Site, User
from waymark.core.roles import Cap, Role
from waymark.meds import services
from waymark.meds.medications import Medication, info
from waymark.meds.models import (
    DispensingSignOff,
    DoseAdministration,
    Injection,
    NaloxoneKit,
    StockCount,
    StockLot,
    StockMovement,
    TakeHomeDispense,
)
from waymark.meds.rules import mg, ml_for

MAX_MG = Decimal("9999999999.999")  # what a stock mg field holds (13 digits, 3 decimals)


# --- Who may -------------------------------------------------------------------------------


def may_keep_log(user: User) -> bool:
    """The dispensing log and stock: nurses, who dispense, and program admins, who oversee."""
    return user.can(Cap.DISPENSE) or user.can(Cap.PROGRAM_ADMIN)


def _require_log(actor: User, what: str) -> None:
    if not may_keep_log(actor):
        raise PermissionDenied(f"Your role ({actor.role_label}) cannot {what}.")


def _require_site(actor: User, site: Site) -> None:
    if actor.program_id is None or site.program_id != actor.program_id:
        raise PermissionDenied("That site belongs to another program.")


def program_sites(user: User) -> QuerySet[Site]:
    return Site.objects.filter(program_id=user.program_pk).order_by("name")


def default_site(user: User) -> Site | None:
    """The user's own site, else the program's first."""
    if user.site_id is not None and user.site is not None and user.site.program_id == user.program_id:
        return user.site
    return program_sites(user).first()


def _not_future(day: dt.date, site: Site, field_name: str, what: str) -> None:
    today = site.program.clinic_day()
    if day > today:
        raise ValidationError({field_name: f"{day:%Y-%m-%d} is in the future (today is {today:%Y-%m-%d}); {what}."})


def initials(user: User) -> str:
    """A dispenser's initials, from their name or else their username."""
    names = [part for part in (user.first_name, user.last_name) if part.strip()]
    if names:
        return "".join(part.strip()[0] for part in names).upper()
    return user.get_username().upper()


# --- The dispensing log -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    """One line of the log: an observed dose, or bottles handed over for days at home."""

    kind: str  # "observed" or "take_home"
    at: dt.datetime  # in the program's zone
    day: dt.date
    medication: str
    substance: str
    strength: str
    form: str
    patient_name: str
    mrn: str
    consumed_mg: Decimal | None
    consumed_ml: Decimal | None
    home_mg: Decimal | None
    home_ml: Decimal | None
    home_description: str  # amount and form taken home, as printed
    bottles: int | None
    home_days: str
    lot: str
    dispenser_id: int
    dispenser_name: str
    initials: str
    guest: bool
    signed: bool  # the dispenser signed the day's log after this line was recorded

    @property
    def total_mg(self) -> Decimal:
        return (self.consumed_mg or Decimal(0)) + (self.home_mg or Decimal(0))

    @property
    def consumed(self) -> str:
        """Amount consumed, as printed: "80 mg (8 mL)"."""
        if self.consumed_mg is None:
            return ""
        return f"{mg(self.consumed_mg)} mg" + (f" ({mg(self.consumed_ml)} mL)" if self.consumed_ml else "")

    @property
    def taken_home(self) -> str:
        """Amount and form taken home, as printed: "7 bottles × 80 mg (8 mL) oral solution = 560 mg (56 mL)"."""
        if self.home_mg is None:
            return ""
        volume = f" ({mg(self.home_ml)} mL)" if self.home_ml else ""
        return f"{self.home_description} = {mg(self.home_mg)} mg{volume}"


@dataclass(frozen=True)
class InjectionLine:
    at: dt.datetime
    substance: str
    form: str
    dose_mg: Decimal
    patient_name: str
    mrn: str
    body_site: str
    lot: str
    initials: str


@dataclass
class MedicationTotal:
    medication: str
    substance: str
    form: str
    observed_doses: int = 0
    observed_mg: Decimal = Decimal(0)
    observed_ml: Decimal = Decimal(0)
    take_homes: int = 0
    bottles: int = 0
    take_home_mg: Decimal = Decimal(0)
    take_home_ml: Decimal = Decimal(0)

    @property
    def total_mg(self) -> Decimal:
        return self.observed_mg + self.take_home_mg

    @property
    def observed_mg_text(self) -> str:
        return mg(self.observed_mg)

    @property
    def observed_ml_text(self) -> str:
        return mg(self.observed_ml)

    @property
    def take_home_mg_text(self) -> str:
        return mg(self.take_home_mg)

    @property
    def take_home_ml_text(self) -> str:
        return mg(self.take_home_ml)

    @property
    def total_mg_text(self) -> str:
        return mg(self.total_mg)


@dataclass(frozen=True)
class SignOffRow:
    nurse_id: int
    nurse_name: str
    initials: str
    signed_at: dt.datetime
    entries: int
    total_mg: Decimal
    lines_now: int  # lines by this nurse in the log as it is now

    @property
    def total_mg_text(self) -> str:
        return mg(self.total_mg)


@dataclass(frozen=True)
class Unsigned:
    nurse_name: str
    initials: str
    lines: int


@dataclass(frozen=True)
class DispensingLog:
    site: Site
    day: dt.date
    lines: list[LogLine]
    injections: list[InjectionLine]
    totals: list[MedicationTotal]
    sign_offs: list[SignOffRow]
    unsigned: list[Unsigned]
    dispensers: list[tuple[str, str]] = field(default_factory=list)  # (initials, name) legend


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _patient(patient: Patient) -> str:
    return f"{patient.family_name}, {patient.given_name}"


def strength_of(medication: str, concentration: Decimal | None, amount_mg: Decimal) -> str:
    """Concentration for a liquid; the mg per dose and its form otherwise (the catalogue has no tablet sizes)."""
    meta = info(medication)
    if meta.liquid and concentration:
        return f"{mg(concentration)} mg/mL"
    return f"{mg(amount_mg)} mg {meta.form}"


def _observed_line(a: DoseAdministration, zone: Any) -> LogLine:
    meta = info(a.order.medication)
    amount = a.amount_mg or Decimal(0)
    volume = a.volume_ml
    if volume is None and a.concentration_mg_per_ml:
        volume = ml_for(amount, a.concentration_mg_per_ml)
    assert a.recorded_by is not None  # observed doses are recorded by a nurse
    return LogLine(
        kind="observed",
        at=timezone.localtime(a.recorded_at, zone),
        day=a.clinic_day,
        medication=a.order.medication,
        substance=meta.label,
        strength=strength_of(a.order.medication, a.concentration_mg_per_ml, amount),
        form=meta.form,
        patient_name=_patient(a.patient),
        mrn=a.patient.mrn,
        consumed_mg=amount,
        consumed_ml=volume,
        home_mg=None,
        home_ml=None,
        home_description="",
        bottles=None,
        home_days="",
        lot="",
        dispenser_id=a.recorded_by.pk,
        dispenser_name=_name(a.recorded_by),
        initials=initials(a.recorded_by),
        guest=a.guest,
        signed=False,
    )


def _take_home_line(t: TakeHomeDispense, zone: Any) -> LogLine:
    meta = info(t.order.medication)
    per_bottle_ml = ml_for(t.dose_mg_per_bottle, t.concentration_mg_per_ml) if t.concentration_mg_per_ml else None
    each = f"{mg(t.dose_mg_per_bottle)} mg" + (f" ({mg(per_bottle_ml)} mL)" if per_bottle_ml is not None else "")
    noun = "bottle" if t.bottles == 1 else "bottles"
    return LogLine(
        kind="take_home",
        at=timezone.localtime(t.dispensed_at, zone),
        day=t.dispensed_on,
        medication=t.order.medication,
        substance=meta.label,
        strength=strength_of(t.order.medication, t.concentration_mg_per_ml, t.dose_mg_per_bottle),
        form=meta.form,
        patient_name=_patient(t.patient),
        mrn=t.patient.mrn,
        consumed_mg=None,
        consumed_ml=None,
        home_mg=t.total_mg,
        home_ml=per_bottle_ml * t.bottles if per_bottle_ml is not None else None,
        home_description=f"{t.bottles} {noun} × {each} {meta.form}",
        bottles=t.bottles,
        home_days=f"{t.first_day:%Y-%m-%d} to {t.last_day:%Y-%m-%d}",
        lot=t.lot_number,
        dispenser_id=t.dispensed_by.pk,
        dispenser_name=_name(t.dispensed_by),
        initials=initials(t.dispensed_by),
        guest=False,
        signed=False,
    )


def _injections(site: Site, day: dt.date, zone: Any) -> list[InjectionLine]:
    rows = (
        Injection.objects.filter(patient__program_id=site.program_id, clinic_day=day, site=site)
        .select_related("patient", "given_by")
        .order_by("given_at", "pk")
    )
    return [
        InjectionLine(
            at=timezone.localtime(i.given_at, zone),
            substance=info(i.medication).label,
            form=info(i.medication).form,
            dose_mg=i.dose_mg,
            patient_name=_patient(i.patient),
            mrn=i.patient.mrn,
            body_site=i.get_body_site_display(),
            lot=i.lot_number,
            initials=initials(i.given_by),
        )
        for i in rows
    ]


def _totals(lines: Iterable[LogLine]) -> list[MedicationTotal]:
    totals: dict[str, MedicationTotal] = {}
    for line in lines:
        total = totals.setdefault(line.medication, MedicationTotal(line.medication, line.substance, line.form))
        if line.kind == "observed":
            total.observed_doses += 1
            total.observed_mg += line.consumed_mg or 0
            total.observed_ml += line.consumed_ml or 0
        else:
            total.take_homes += 1
            total.bottles += line.bottles or 0
            total.take_home_mg += line.home_mg or 0
            total.take_home_ml += line.home_ml or 0
    return sorted(totals.values(), key=lambda t: t.substance)


def build_log(site: Site, day: dt.date) -> DispensingLog:
    """The day's log for a site, in a fixed number of queries. No access check, no audit: see `dispensing_log`."""
    zone = site.program.zone
    administrations = (
        DoseAdministration.objects.filter(site=site, clinic_day=day, outcome=DoseAdministration.Outcome.OBSERVED)
        .select_related("patient", "order", "recorded_by")
        .order_by("recorded_at", "pk")
    )
    take_homes = (
        TakeHomeDispense.objects.filter(site=site, dispensed_on=day)
        .select_related("patient", "order", "dispensed_by")
        .order_by("dispensed_at", "pk")
    )
    raw = [_observed_line(a, zone) for a in administrations] + [_take_home_line(t, zone) for t in take_homes]
    raw.sort(key=lambda line: line.at)
    sign_offs = list(
        DispensingSignOff.objects.filter(site=site, clinic_day=day).select_related("nurse").order_by("signed_at")
    )
    signed_at = {s.nurse_id: timezone.localtime(s.signed_at, zone) for s in sign_offs}
    lines = [
        replace(line, signed=line.dispenser_id in signed_at and line.at <= signed_at[line.dispenser_id]) for line in raw
    ]
    per_nurse: dict[int, list[LogLine]] = defaultdict(list)
    for line in lines:
        per_nurse[line.dispenser_id].append(line)
    unsigned = [
        Unsigned(items[0].dispenser_name, items[0].initials, len(items))
        for nurse_id, items in per_nurse.items()
        if any(not line.signed for line in items)
    ]
    rows = [
        SignOffRow(
            s.nurse_id,
            _name(s.nurse),
            initials(s.nurse),
            signed_at[s.nurse_id],
            s.entries,
            s.total_mg,
            len(per_nurse.get(s.nurse_id, [])),
        )
        for s in sign_offs
    ]
    injections = _injections(site, day, zone)
    legend = sorted(
        {(line.initials, line.dispenser_name) for line in lines} | {(r.initials, r.nurse_name) for r in rows}
    )
    return DispensingLog(site, day, lines, injections, _totals(lines), rows, unsigned, legend)


def dispensing_log(actor: User, site: Site, day: dt.date, *, action: str = "read") -> DispensingLog:
    """The log as a nurse or program admin sees it (page or CSV): one audit row for the whole day."""
    _require_log(actor, "see the dispensing log")
    _require_site(actor, site)
    _not_future(day, site, "day", "the log covers days that have happened")
    log = build_log(site, day)
    audit.record(
        actor,
        action,
        program_id=site.program_id,
        object_type="dispensing_log",
        object_id=day.isoformat(),
        reason=f"{site.name}: {len(log.lines)} lines, {len(log.injections)} injections",
    )
    return log


CSV_HEADER = (
    "Date",
    "Time",
    "Record",
    "Substance",
    "Strength",
    "Dosage form",
    "Patient",
    "MRN",
    "Amount consumed (mg)",
    "Amount consumed (mL)",
    "Amount taken home (mg)",
    "Amount taken home (mL)",
    "Amount and form taken home",
    "Take-home days",
    "Lot",
    "Dispenser's initials",
    "Signed off",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else mg(value) if isinstance(value, Decimal) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(log: DispensingLog) -> list[list[str]]:
    rows = [
        [
            _cell(v)
            for v in (
                f"{line.day:%Y-%m-%d}",
                f"{line.at:%H:%M}",
                "Observed dose" if line.kind == "observed" else "Take-home",
                line.substance,
                line.strength,
                line.form,
                line.patient_name,
                line.mrn,
                line.consumed_mg,
                line.consumed_ml,
                line.home_mg,
                line.home_ml,
                line.home_description,
                line.home_days,
                line.lot,
                line.initials,
                "yes" if line.signed else "no",
            )
        ]
        for line in log.lines
    ]
    rows += [
        [
            _cell(v)
            for v in (
                f"{log.day:%Y-%m-%d}",
                f"{i.at:%H:%M}",
                "Injection",
                i.substance,
                f"{mg(i.dose_mg)} mg",
                i.form,
                i.patient_name,
                i.mrn,
                i.dose_mg,
                "",
                "",
                "",
                "",
                "",
                i.lot,
                i.initials,
                "",
            )
        ]
        for i in log.injections
    ]
    return rows


class AlreadySigned(ValidationError):
    def __init__(self, sign_off: DispensingSignOff, zone: Any) -> None:
        self.sign_off = sign_off
        super().__init__(
            f"You already signed the log for {sign_off.clinic_day:%Y-%m-%d} at "
            f"{timezone.localtime(sign_off.signed_at, zone):%H:%M} ({sign_off.entries} lines). "
            "A day is signed once."
        )


@transaction.atomic
def sign_off(actor: User, site: Site, day: dt.date) -> DispensingSignOff:
    """The nurse signs the lines they dispensed at `site` on `day`."""
    if not actor.can(Cap.DISPENSE):
        raise PermissionDenied(f"Your role ({actor.role_label}) does not dispense, so has no log to sign.")
    _require_site(actor, site)
    _not_future(day, site, "day", "sign a day's log once it has happened")
    zone = site.program.zone
    existing = DispensingSignOff.objects.filter(site=site, clinic_day=day, nurse=actor).first()
    if existing is not None:
        raise AlreadySigned(existing, zone)
    mine = [line for line in build_log(site, day).lines if line.dispenser_id == actor.pk]
    if not mine:
        raise ValidationError(f"You dispensed nothing at {site.name} on {day:%Y-%m-%d}; there is nothing to sign.")
    try:
        with transaction.atomic():
            record = DispensingSignOff.objects.create(
                site=site,
                clinic_day=day,
                nurse=actor,
                entries=len(mine),
                total_mg=sum((line.total_mg for line in mine), Decimal(0)),
            )
    except IntegrityError:  # the same nurse signing at two stations at once
        raise AlreadySigned(DispensingSignOff.objects.get(site=site, clinic_day=day, nurse=actor), zone) from None
    audit.record(
        actor,
        "sign_off",
        program_id=site.program_id,
        object_type="dispensing_sign_off",
        object_id=record.pk,
        reason=f"{day:%Y-%m-%d}, {site.name}: {record.entries} lines, {mg(record.total_mg)} mg",
    )
    return record


# --- Stock -----------------------------------------------------------------------------------


def _amount(value: object, field_name: str, *, allow_zero: bool = False, signed: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: f"{value!r} is not a number of mg."}) from None
    if not number.is_finite():
        raise ValidationError({field_name: "Enter a number of mg."})
    if signed:
        if number == 0:
            raise ValidationError({field_name: "An adjustment of 0 mg changes nothing; enter a signed amount."})
    elif number < 0 or (number == 0 and not allow_zero):
        least = "0 mg or more" if allow_zero else "more than 0 mg"
        raise ValidationError({field_name: f"{mg(number)} mg: the amount must be {least}."})
    if abs(number) > MAX_MG:
        raise ValidationError({field_name: f"{mg(number)} mg is more than {mg(MAX_MG)} mg; check the number."})
    if number != number.quantize(Decimal("0.001")):
        raise ValidationError({field_name: f"{number} mg has more than three decimal places."})
    return number


def _medication(code: str) -> Medication:
    try:
        return Medication(code)
    except ValueError:
        raise ValidationError({"medication": f"{code!r} is not a medication in the catalogue."}) from None


def _stock_audit(actor: User, action: str, site: Site, object_type: str, obj: Any, reason: str = "") -> None:
    """Stock is not patient data: the row names the program, never a patient."""
    audit.record(
        actor,
        action,
        patient_id=None,
        program_id=site.program_id,
        object_type=object_type,
        object_id=obj.pk,
        reason=reason,
    )


@transaction.atomic
def receive_lot(
    actor: User,
    site: Site,
    *,
    medication: str,
    lot_number: str,
    expires_on: dt.date,
    received_on: dt.date,
    received_mg: object,
    concentration_mg_per_ml: Decimal | None = None,
) -> StockLot:
    _require_log(actor, "receive stock")
    _require_site(actor, site)
    meta = info(_medication(medication))
    amount = _amount(received_mg, "received_mg")
    if meta.liquid:
        if concentration_mg_per_ml is None:
            raise ValidationError({"concentration_mg_per_ml": f"{meta.label} is a liquid: enter its mg/mL."})
        if not Decimal("0.1") <= concentration_mg_per_ml <= Decimal(100):
            raise ValidationError(
                {"concentration_mg_per_ml": f"{mg(concentration_mg_per_ml)} mg/mL is outside 0.1–100 mg/mL."}
            )
    elif concentration_mg_per_ml is not None:
        raise ValidationError({"concentration_mg_per_ml": f"{meta.label} is not a liquid; leave concentration out."})
    lot_number = lot_number.strip()
    if not lot_number:
        raise ValidationError({"lot_number": "Enter the lot number printed on the stock."})
    _not_future(received_on, site, "received_on", "record a lot when it arrives")
    if expires_on < received_on:
        raise ValidationError(
            {"expires_on": f"The lot expired on {expires_on:%Y-%m-%d}, before it was received; do not stock it."}
        )
    duplicate = StockLot.objects.filter(site=site, medication=meta.code, lot_number=lot_number).first()
    if duplicate is not None:
        raise ValidationError(
            {"lot_number": f"Lot {lot_number} of {meta.label} was already received here on {duplicate.received_on}."}
        )
    try:
        with transaction.atomic():
            lot = StockLot.objects.create(
                site=site,
                medication=meta.code,
                concentration_mg_per_ml=concentration_mg_per_ml,
                lot_number=lot_number,
                expires_on=expires_on,
                received_on=received_on,
                received_mg=amount,
                received_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"lot_number": f"Lot {lot_number} of {meta.label} is already recorded here."}) from None
    _stock_audit(actor, "receive", site, "stock_lot", lot, f"{lot_number}: {mg(amount)} mg")
    return lot


@transaction.atomic
def record_movement(
    actor: User, lot: StockLot, *, kind: str, clinic_day: dt.date, amount_mg: object, reason: str
) -> StockMovement:
    """Waste (a positive amount) or an adjustment (signed, not zero), with the reason."""
    _require_log(actor, "record waste or adjustments")
    site = lot.site
    _require_site(actor, site)
    if kind not in StockMovement.Kind.values:
        raise ValidationError({"kind": "Choose wasted or adjusted."})
    amount = _amount(amount_mg, "amount_mg", signed=kind == StockMovement.Kind.ADJUSTED)
    if not reason.strip():
        raise ValidationError({"reason": "Say why (spilled, bottle broken, count correction …)."})
    _not_future(clinic_day, site, "clinic_day", "record waste or an adjustment once it has happened")
    if clinic_day < lot.received_on:
        raise ValidationError({"clinic_day": f"Lot {lot.lot_number} was only received on {lot.received_on}."})
    movement = StockMovement.objects.create(
        lot=lot, kind=kind, clinic_day=clinic_day, amount_mg=amount, reason=reason.strip(), recorded_by=actor
    )
    _stock_audit(
        actor, kind, site, "stock_movement", movement, f"lot {lot.lot_number}: {mg(amount)} mg. {reason.strip()}"
    )
    return movement


@transaction.atomic
def record_count(actor: User, site: Site, *, medication: str, clinic_day: dt.date, counted_mg: object) -> StockCount:
    """A physical count at the close of `clinic_day` (0 mg is a valid count: the shelf is empty)."""
    _require_log(actor, "record stock counts")
    _require_site(actor, site)
    meta = info(_medication(medication))
    amount = _amount(counted_mg, "counted_mg", allow_zero=True)
    _not_future(clinic_day, site, "clinic_day", "count stock that is on the shelf now")
    count = StockCount.objects.create(
        site=site, medication=meta.code, clinic_day=clinic_day, counted_mg=amount, counted_by=actor
    )
    _stock_audit(actor, "count", site, "stock_count", count, f"{meta.label}: {mg(amount)} mg")
    return count


@dataclass(frozen=True)
class Reconciliation:
    """start + received − dispensed − wasted ± adjusted = expected, against the count at the end.

    A count is the stock at the close of its clinic day. The closing count is
    the last one on the end date. The opening balance is the last count on or
    before the start date and before the end date (so for a single day it is
    the previous count), or 0 if there is none. Activity is summed from the day
    after the opening count (or from the start date when there is none) through
    the end date, so a count taken before the start date still reconciles
    exactly.
    """

    site: Site
    medication: str
    label: str
    start: dt.date
    end: dt.date
    opening: StockCount | None
    activity_from: dt.date
    received_mg: Decimal
    dispensed_mg: Decimal
    wasted_mg: Decimal
    adjusted_mg: Decimal
    closing: StockCount | None

    @property
    def opening_mg(self) -> Decimal:
        return self.opening.counted_mg if self.opening else Decimal(0)

    @property
    def expected_mg(self) -> Decimal:
        return self.opening_mg + self.received_mg - self.dispensed_mg - self.wasted_mg + self.adjusted_mg

    @property
    def counted_mg(self) -> Decimal | None:
        return self.closing.counted_mg if self.closing else None

    @property
    def difference_mg(self) -> Decimal | None:
        """Counted minus expected: negative is stock missing."""
        return None if self.closing is None else self.closing.counted_mg - self.expected_mg


def reconcile(actor: User, site: Site, medication: str, start: dt.date, end: dt.date) -> Reconciliation:
    _require_log(actor, "see stock reconciliation")
    _require_site(actor, site)
    meta = info(_medication(medication))
    if end < start:
        raise ValidationError({"end": "The end date is before the start date."})
    _not_future(end, site, "end", "reconcile up to today at the latest")
    counts = StockCount.objects.filter(site=site, medication=meta.code).order_by("-clinic_day", "-counted_at", "-pk")
    # The closing count is the one on the end date; the opening one comes before it.
    opening = counts.filter(clinic_day__lte=start, clinic_day__lt=end).first()
    first = opening.clinic_day + dt.timedelta(days=1) if opening else start
    closing = counts.filter(clinic_day=end).first()
    received = StockLot.objects.filter(site=site, medication=meta.code, received_on__range=(first, end)).aggregate(
        total=Sum("received_mg")
    )["total"]
    moved = dict(
        StockMovement.objects.filter(lot__site=site, lot__medication=meta.code, clinic_day__range=(first, end))
        .values("kind")
        .annotate(total=Sum("amount_mg"))
        .values_list("kind", "total")
    )
    dispensed = services.mg_dispensed(site, meta.code, first, end)
    return Reconciliation(
        site=site,
        medication=meta.code,
        label=meta.label,
        start=start,
        end=end,
        opening=opening,
        activity_from=first,
        received_mg=received or Decimal(0),
        dispensed_mg=dispensed,
        wasted_mg=moved.get(StockMovement.Kind.WASTED) or Decimal(0),
        adjusted_mg=moved.get(StockMovement.Kind.ADJUSTED) or Decimal(0),
        closing=closing,
    )


# --- Naloxone kits ------------------------------------------------------------------------------


def may_give_naloxone(user: User) -> bool:
    """Who hands out naloxone kits.

    Decision: anyone who sees the person in clinic and may read their chart
    (Need.READ, checked by patient_for in the view) — nurses, prescribers and
    counsellors. Kits save lives and are not a controlled medication, so a
    counsellor on the care team need not fetch a nurse; counsellors and
    prescribers reach only their care team's patients (or break the glass),
    nurses the whole program. Program admins, peer moderators and the privacy
    officer do not give kits (the admin sees the monthly counts).
    """
    return user.can(Cap.DISPENSE) or user.can(Cap.PRESCRIBE) or (user.is_active and user.role == Role.COUNSELLOR)


def may_see_naloxone_report(user: User) -> bool:
    return may_give_naloxone(user) or user.can(Cap.PROGRAM_ADMIN)


def give_naloxone_kit(
    actor: User,
    patient: Patient,
    *,
    idempotency_key: str,
    count: int,
    recipient: str,
    recipient_name: str = "",
    training_done: bool,
    lot_number: str = "",
    given_on: dt.date | None = None,
    site: Site | None = None,
) -> tuple[NaloxoneKit, bool]:
    """Record kits handed over. The same key again returns the first record (created False)."""
    if not may_give_naloxone(actor):
        raise PermissionDenied(f"Your role ({actor.role_label}) does not give out naloxone kits.")
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 80:
        raise ValidationError("This form has expired; reload the page and enter the kits again.")
    existing = NaloxoneKit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.patient_id != patient.pk:
            raise services.KeyReused("This form was already used for another patient; reload the page.")
        return existing, False
    today = patient.program.clinic_day()
    given_on = given_on or today
    if given_on > today:
        raise ValidationError({"given_on": f"{given_on:%Y-%m-%d} is in the future (today is {today:%Y-%m-%d})."})
    if not 1 <= count <= 50:
        raise ValidationError({"count": f"{count} kits: enter 1 to 50 (check the number)."})
    if recipient not in NaloxoneKit.Recipient.values:
        raise ValidationError({"recipient": "Choose who received the kits."})
    recipient_name = recipient_name.strip()
    if recipient != NaloxoneKit.Recipient.PATIENT and not recipient_name:
        raise ValidationError({"recipient_name": "Name the person who received the kits."})
    if len(lot_number.strip()) > 40:
        raise ValidationError({"lot_number": "A lot number has at most 40 characters."})
    try:
        with transaction.atomic():
            kit = NaloxoneKit.objects.create(
                patient=patient,
                site=site or actor.site or patient.site,
                given_on=given_on,
                count=count,
                recipient=recipient,
                recipient_name=recipient_name if recipient != NaloxoneKit.Recipient.PATIENT else "",
                training_done=training_done,
                lot_number=lot_number.strip(),
                given_by=actor,
                idempotency_key=key,
            )
            audit.record(
                actor,
                "naloxone_kit",
                patient_id=patient.pk,
                program_id=patient.program_id,
                object_type="naloxone_kit",
                object_id=kit.pk,
            )
    except IntegrityError:  # the same form submitted twice at once
        again = NaloxoneKit.objects.filter(idempotency_key=key).first()
        if again is None or again.patient_id != patient.pk:
            raise
        return again, False
    return kit, True


@dataclass(frozen=True)
class NaloxoneMonth:
    month: dt.date  # its first day
    handovers: int
    kits: int
    patients: int
    kits_by_recipient: list[tuple[str, int]]  # (label, kits), every kind
    trained: int  # handovers with training done

    @property
    def trained_percent(self) -> int | None:
        return round(100 * self.trained / self.handovers) if self.handovers else None


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def naloxone_report(actor: User, last_month: dt.date, months: int = 12) -> list[NaloxoneMonth]:
    """Kits given by the actor's program, month by month, newest first (counts only, no names)."""
    if not may_see_naloxone_report(actor):
        raise PermissionDenied(f"Your role ({actor.role_label}) cannot see the naloxone report.")
    first = _month_start(last_month, months - 1)
    end = _month_start(last_month, -1)
    rows = NaloxoneKit.objects.filter(
        patient__program_id=actor.program_pk, given_on__gte=first, given_on__lt=end
    ).values_list("given_on", "count", "recipient", "training_done", "patient_id")
    buckets: dict[dt.date, list[tuple[int, str, bool, int]]] = defaultdict(list)
    for given_on, count, recipient, trained, patient_id in rows:
        buckets[_month_start(given_on)].append((count, recipient, trained, patient_id))
    report = []
    for back in range(months):
        month = _month_start(last_month, back)
        items = buckets.get(month, [])
        by_kind = {value: 0 for value in NaloxoneKit.Recipient.values}
        for count, recipient, _, _ in items:
            by_kind[recipient] += count
        report.append(
            NaloxoneMonth(
                month=month,
                handovers=len(items),
                kits=sum(count for count, *_ in items),
                patients=len({patient_id for *_, patient_id in items}),
                kits_by_recipient=[(str(NaloxoneKit.Recipient(v).label), n) for v, n in by_kind.items()],
                trained=sum(1 for _, _, trained, _ in items if trained),
            )
        )
    return report
