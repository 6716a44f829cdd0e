"""Hand-made treatment histories for the outcome tests: a program, patients, episodes, doses,
injections, take-homes, specimens, sessions and CM earnings, dated by day numbers from DAY0."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from waymark.care.models import Attendance, CounsellingSession
from waymark.chart.models import Episode, LevelOfCareChange, Patient
from waymark.conftest import make_patient, make_user
from waymark.core.models import Program, Site, User
from waymark.core.roles import Role
from waymark.incentives.models import CmProgramme, Enrollment, LedgerEntry
from waymark.labs.models import AnalyteResult, Specimen
from waymark.meds.models import DoseAdministration, Injection, MedicationOrder, TakeHomeDispense

DAY0 = dt.date(2024, 1, 1)
_keys = itertools.count(1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def _key(prefix: str) -> str:
    return f"{prefix}-{next(_keys)}"


class History:
    def __init__(self, name: str = "Harbor Outcomes", prefix: str = "oc-") -> None:
        self.program = Program.objects.create(name=name, time_zone="America/New_York")
        self.site = Site.objects.create(program=self.program, name=f"{name} main site")
        self.staff: User = make_user(self.program, Role.PRESCRIBER, f"{prefix}prescriber")
        self._orders: dict[tuple[int, str], MedicationOrder] = {}
        self._programme: CmProgramme | None = None
        self._enrollments: dict[int, Enrollment] = {}
        self._mrn = itertools.count(1)

    # --- people and episodes ---------------------------------------------------

    def patient(self, **extra: object) -> Patient:
        n = next(self._mrn)
        return make_patient(self.program, f"{self.program.pk}-{n}", f"Person{n}", "Example", site=self.site, **extra)

    def episode(
        self,
        patient: Patient,
        admitted: int,
        discharged: int | None = None,
        *,
        cohort: str = "",
        level: str = "otp",
        site: Site | None = None,
        history: bool = True,
    ) -> Episode:
        episode = Episode.objects.create(
            patient=patient,
            site=site if site is not None else self.site,
            admitted_on=day(admitted),
            discharged_on=day(discharged) if discharged is not None else None,
            discharge_reason="left" if discharged is not None else "",
            level_of_care=level,
            primary_substance="fentanyl",
            cohort=cohort,
        )
        if history:
            LevelOfCareChange.objects.create(
                episode=episode, level_of_care=level, started_on=day(admitted), recorded_by=self.staff
            )
        return episode

    def level_change(self, episode: Episode, level: str, on: int) -> None:
        LevelOfCareChange.objects.create(
            episode=episode, level_of_care=level, started_on=day(on), recorded_by=self.staff
        )
        Episode.objects.filter(pk=episode.pk).update(level_of_care=level)

    # --- medication --------------------------------------------------------------

    def order(self, patient: Patient, medication: str) -> MedicationOrder:
        key = (patient.pk, medication)
        if key not in self._orders:
            self._orders[key] = MedicationOrder.objects.create(
                patient=patient,
                medication=medication,
                dose_mg=Decimal("380") if medication.endswith("_xr") else Decimal("80"),
                frequency="every_28_days" if medication.endswith("_xr") else "daily",
                start_on=DAY0,
                prescriber=self.staff,
            )
        return self._orders[key]

    def doses(self, patient: Patient, days: Iterable[int], medication: str = "methadone", outcome: str = "observed"):
        order = self.order(patient, medication)
        DoseAdministration.objects.bulk_create(
            DoseAdministration(
                patient=patient,
                order=order,
                clinic_day=day(n),
                slot=1,
                outcome=outcome,
                amount_mg=order.dose_mg if outcome == "observed" else None,
                idempotency_key=_key("dose"),
            )
            for n in days
        )

    def injection(self, patient: Patient, on: int, medication: str = "naltrexone_xr") -> None:
        Injection.objects.create(
            patient=patient,
            order=self.order(patient, medication),
            medication=medication,
            clinic_day=day(on),
            dose_mg=Decimal("380"),
            body_site="left_gluteal",
            lot_number="L1",
            idempotency_key=_key("inj"),
            given_by=self.staff,
        )

    def take_home(self, patient: Patient, first: int, last: int, medication: str = "methadone") -> None:
        TakeHomeDispense.objects.create(
            patient=patient,
            order=self.order(patient, medication),
            dispensed_on=day(first - 1),
            first_day=day(first),
            last_day=day(last),
            bottles=last - first + 1,
            dose_mg_per_bottle=Decimal("80"),
            lot_number="L2",
            idempotency_key=_key("th"),
            dispensed_by=self.staff,
        )

    # --- drug tests ----------------------------------------------------------------

    def specimen(
        self,
        patient: Patient,
        on: int,
        results: dict[str, str] | None = None,
        *,
        status: str = "collected",
        temperature_in_range: bool | None = None,
        method: str = "point_of_care",
    ) -> Specimen:
        at = timezone.make_aware(dt.datetime.combine(day(on), dt.time(10)))
        specimen = Specimen.objects.create(
            patient=patient,
            status=status,
            collected_at=at,
            clinic_day=day(on),
            collected_by=self.staff,
            kind="urine" if status == "collected" else "",
            temperature_in_range=temperature_in_range,
            idempotency_key=_key("sp"),
        )
        for analyte, result in (results or {}).items():
            self.result(specimen, analyte, result, method)
        return specimen

    def result(self, specimen: Specimen, analyte: str, result: str, method: str = "point_of_care") -> None:
        AnalyteResult.objects.create(
            specimen=specimen,
            analyte=analyte,
            result=result,
            method=method,
            resulted_at=specimen.collected_at,
            recorded_by=self.staff,
        )

    def negative(self, patient: Patient, on: int) -> Specimen:
        return self.specimen(patient, on, {"opiates": "negative", "fentanyl": "negative", "methadone": "positive"})

    def positive(self, patient: Patient, on: int) -> Specimen:
        return self.specimen(patient, on, {"opiates": "negative", "fentanyl": "positive"})

    # --- sessions and CM --------------------------------------------------------------

    def attendance(self, patient: Patient, on: int, status: str, at_time: dt.time = dt.time(14)) -> None:
        """A session at `at_time` on day `on`, in the program's time zone."""
        zone = ZoneInfo(self.program.time_zone)
        at = dt.datetime.combine(day(on), at_time, tzinfo=zone)
        session = CounsellingSession.objects.create(
            program=self.program,
            counsellor=self.staff,
            kind="individual",
            starts_at=at,
            planned_minutes=50,
            created_by=self.staff,
        )
        Attendance.objects.create(session=session, patient=patient, starts_at=at, status=status)

    def earned(self, patient: Patient, on: int, amount: str, kind: str = "earned") -> None:
        if self._programme is None:
            self._programme = CmProgramme.objects.create(
                program=self.program,
                name="Vouchers",
                target="specimen_negative",
                schedule="escalating",
                duration_weeks=12,
                created_by=self.staff,
            )
        if patient.pk not in self._enrollments:
            self._enrollments[patient.pk] = Enrollment.objects.create(
                programme=self._programme, patient=patient, started_on=DAY0, ends_on=day(84), enrolled_by=self.staff
            )
        LedgerEntry.objects.create(
            patient=patient,
            enrollment=self._enrollments[patient.pk],
            kind=kind,
            amount=Decimal(amount),
            event_key=_key("ev"),
            event_day=day(on),
            idempotency_key=_key("led"),
        )
