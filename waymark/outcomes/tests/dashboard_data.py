"""A hand-made program history with known outcomes, for the dashboard's tests (setup only:
rows are written directly, not through the services under test elsewhere).

world.program, two cohorts, every episode closed well before today:

    Methadone      P1 (world.patient) admitted 2026-01-05, discharged 2026-02-15 (window 42 days = 6 weeks)
                      observed methadone every day 2026-01-05 … 2026-02-13 (days 0–39)
                      urine specimens on days 3, 10, 17, 24: opiates negative, negative, negative, positive;
                      weeks 5 and 6 have none (2 missing)
                   P2 admitted 2026-01-10, discharged 2026-01-16 (7 days = 1 week), no dose, no specimen
    Buprenorphine  P3 admitted 2026-02-02, discharged 2026-05-15 (103 days = 14 weeks)
                      observed buprenorphine every day 2026-02-03 … 2026-05-12 (days 1–99), no specimen

So Methadone: 2 episodes, 2 people, 1 inducted (50%), retained at day 30 1 (50%), day 90 0; specimens
3 negative of 7 expected (43%; 3 of 4 with missing ones left out); first dose after 0 days.
Buprenorphine: 1 episode, inducted, retained at days 30 and 90, not 180; 0 of 14 specimens; first dose
after 1 day. The outsider program has an episode in cohort "Elsewhere arm" that must never show.
"""

import datetime as dt
import uuid
from decimal import Decimal
from html.parser import HTMLParser

from waymark.chart.models import Episode, Patient
from waymark.conftest import World, make_patient
from waymark.core.models import User
from waymark.core.roles import Role
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, MedicationOrder

D = dt.date


def episode(
    patient: Patient, admitted: dt.date, cohort: str, discharged: dt.date | None = None, level: str = "otp"
) -> Episode:
    return Episode.objects.create(
        patient=patient,
        site=patient.site,
        admitted_on=admitted,
        discharged_on=discharged,
        discharge_reason="completed" if discharged else "",
        level_of_care=level,
        primary_substance="fentanyl",
        cohort=cohort,
    )


def daily_doses(
    patient: Patient, first: dt.date, last: dt.date, *, medication: str, prescriber: User, nurse: User
) -> None:
    """An order and an observed dose every day from `first` to `last`, in one bulk insert."""
    mg = Decimal("80") if medication == "methadone" else Decimal("16")
    order = MedicationOrder.objects.create(
        patient=patient,
        medication=medication,
        dose_mg=mg,
        slot_doses_mg=[str(mg)],
        concentration_mg_per_ml=Decimal("10") if medication == "methadone" else None,
        start_on=first,
        stop_on=last,
        status=MedicationOrder.Status.STOPPED,
        prescriber=prescriber,
    )
    days = (last - first).days + 1
    DoseAdministration.objects.bulk_create(
        DoseAdministration(
            patient=patient,
            order=order,
            site=patient.site,
            clinic_day=first + dt.timedelta(days=n),
            slot=1,
            outcome="observed",
            amount_mg=mg,
            concentration_mg_per_ml=order.concentration_mg_per_ml,
            idempotency_key=f"outcomes-test-{uuid.uuid4()}",
            recorded_by=nurse,
        )
        for n in range(days)
    )


def specimen(patient: Patient, day: dt.date, opiates: str, nurse: User) -> Specimen:
    """A collected urine specimen at 10:00 on `day` with one point-of-care opiates result."""
    at = dt.datetime.combine(day, dt.time(10), tzinfo=patient.program.zone)
    row = Specimen.objects.create(
        patient=patient,
        site=patient.site,
        status=Specimen.Status.COLLECTED,
        collected_at=at,
        clinic_day=day,
        collected_by=nurse,
        kind="urine",
        temperature_in_range=True,
        idempotency_key=f"outcomes-test-{uuid.uuid4()}",
    )
    AnalyteResult.objects.create(
        specimen=row, analyte="opiates", result=opiates, method="point_of_care", resulted_at=at, recorded_by=nurse
    )
    return row


def hand_made_program(world: World) -> dict[str, Patient]:
    prescriber, nurse = world.user(Role.PRESCRIBER), world.user(Role.NURSE)
    p1 = world.patient
    Episode.objects.filter(patient=p1).update(
        admitted_on=D(2026, 1, 5), discharged_on=D(2026, 2, 15), discharge_reason="completed", cohort="Methadone"
    )
    daily_doses(p1, D(2026, 1, 5), D(2026, 2, 13), medication="methadone", prescriber=prescriber, nurse=nurse)
    for offset, result in ((3, "negative"), (10, "negative"), (17, "negative"), (24, "positive")):
        specimen(p1, D(2026, 1, 5) + dt.timedelta(days=offset), result, nurse)

    p2 = world.other_patient
    episode(p2, D(2026, 1, 10), "Methadone", discharged=D(2026, 1, 16))

    p3 = make_patient(world.program, "HR-3", "Robin", "Ashby", site=world.site)
    episode(p3, D(2026, 2, 2), "Buprenorphine", discharged=D(2026, 5, 15))
    daily_doses(p3, D(2026, 2, 3), D(2026, 5, 12), medication="buprenorphine", prescriber=prescriber, nurse=nurse)

    outsider = world.outsider_patient
    episode(outsider, D(2026, 1, 5), "Elsewhere arm", discharged=D(2026, 3, 1))
    daily_doses(
        outsider,
        D(2026, 1, 5),
        D(2026, 2, 28),
        medication="methadone",
        prescriber=world.outsider_staff[Role.PRESCRIBER],
        nurse=world.outsider_staff[Role.NURSE],
    )
    return {"p1": p1, "p2": p2, "p3": p3}


def many_episodes(world: World, count: int, first: int = 0) -> None:
    """`count` more people in cohort "Bulk", each with a 30-day episode, daily doses and two specimens
    (numbered from `first`, so a second call adds different people)."""
    prescriber, nurse = world.user(Role.PRESCRIBER), world.user(Role.NURSE)
    start = D(2025, 6, 2)
    for n in range(first, first + count):
        patient = make_patient(world.program, f"BULK-{n}", "Bulk", f"Person{n}", site=world.site)
        admitted = start + dt.timedelta(days=n)
        episode(patient, admitted, "Bulk", discharged=admitted + dt.timedelta(days=29))
        daily_doses(
            patient,
            admitted,
            admitted + dt.timedelta(days=27),
            medication="methadone",
            prescriber=prescriber,
            nurse=nurse,
        )
        specimen(patient, admitted + dt.timedelta(days=2), "negative", nurse)
        specimen(patient, admitted + dt.timedelta(days=9), "positive", nurse)


class _TableReader(HTMLParser):
    """The cells of the first <table> with a given class, as whitespace-normalised text per row."""

    def __init__(self, css_class: str) -> None:
        super().__init__()
        self.css_class = css_class
        self.depth = 0  # >0 while inside the wanted table
        self.done = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif not self.done and self.css_class in (dict(attrs).get("class") or "").split():
                self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, css_class: str = "outcomes-table") -> list[list[str]]:
    """[header cells, then one list per body row] of the table with that class ([] if there is none)."""
    reader = _TableReader(css_class)
    reader.feed(html)
    return reader.rows


def by_group(html: str) -> dict[str, dict[str, str]]:
    """The outcomes table as {group: {column header: cell}}."""
    rows = table_rows(html)
    if not rows:
        return {}
    head, *body = rows
    return {row[0]: dict(zip(head, row, strict=True)) for row in body}
