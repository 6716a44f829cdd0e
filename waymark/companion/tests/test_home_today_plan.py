"""Today's plan on the companion's home, gathered from the other apps for a program patient: the active
medication order (and a take-home dose today), counselling sessions today and in the next 7 days (not
cancelled ones, not other people's), groups, today's check-in, the incentive balance only with a
contingency-management enrolment, and the continuing-care plan. A self-guided person sees their check-in."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.care.models import Attendance, CareGroup, ContinuingCarePlan, CounsellingSession, GroupMembership
from waymark.companion import services
from waymark.companion.models import CompanionProfile
from waymark.companion.tests.conftest import check_in
from waymark.conftest import World
from waymark.core.roles import Role
from waymark.incentives import schedules
from waymark.incentives import services as cm
from waymark.incentives.tests.helpers import enrol, programme
from waymark.meds.models import MedicationOrder, TakeHomeDispense

D = dt.timedelta(days=1)


def order(world: World, **extra: object) -> MedicationOrder:
    fields: dict[str, object] = {
        "medication": "methadone",
        "dose_mg": Decimal("80"),
        "start_on": world.program.clinic_day() - 30 * D,
        "prescriber": world.user(Role.PRESCRIBER),
        **extra,
    }
    return MedicationOrder.objects.create(patient=world.patient, **fields)


def session(world: World, at: dt.datetime, patient=None, **extra: object) -> Attendance:
    fields: dict[str, object] = {"kind": "individual", "planned_minutes": 50, **extra}
    s = CounsellingSession.objects.create(
        program=world.program,
        site=world.site,
        counsellor=world.user(Role.COUNSELLOR),
        starts_at=at,
        created_by=world.user(Role.COUNSELLOR),
        **fields,
    )
    return Attendance.objects.create(session=s, patient=patient or world.patient, starts_at=at)


def local(profile: CompanionProfile, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(profile.time_zone))


def home(client: Client) -> str:
    response = client.get(reverse("companion:home"))
    assert response.status_code == 200
    return response.content.decode()


class TestCheckIn:
    def test_it_asks_for_todays_check_in_until_it_is_done(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        assert "Check-in: not yet today." in home(person_client)
        check_in(self_guided_profile.user, self_guided_profile)
        html = home(person_client)
        assert "Check-in: done." in html
        assert reverse("companion:check_in") in html

    def test_a_self_guided_person_sees_no_program_items(self, person_client: Client) -> None:
        html = home(person_client)
        assert "No appointments today" not in html
        assert "Medication:" not in html
        assert "incentive-balance" not in html

    def test_it_shows_the_dose_reminder_time(self, person_client: Client, self_guided_profile) -> None:
        self_guided_profile.dose_reminder_at = dt.time(8, 30)
        self_guided_profile.save()
        assert "Dose reminder at 08:30." in home(person_client)


class TestMedication:
    def test_it_shows_the_active_order(self, patient_client: Client, world: World) -> None:
        order(world)
        order(world, medication="buprenorphine", dose_mg=Decimal("8"), status="stopped")
        html = home(patient_client)
        assert "Methadone oral solution, 80 mg (every day)" in html
        assert "Given at your clinic." in html
        assert "Buprenorphine" not in html

    def test_a_split_dose_shows_both_parts(self, patient_client: Client, world: World) -> None:
        order(world, dose_mg=Decimal("120"), slot_doses_mg=["80", "40"])
        assert "80 mg + 40 mg" in home(patient_client)

    def test_an_order_not_started_yet_or_a_naloxone_kit_is_not_todays_dose(
        self, patient_client: Client, world: World
    ) -> None:
        order(world, start_on=world.program.clinic_day() + 2 * D)
        order(world, medication="naloxone_kit", dose_mg=Decimal("4"), frequency="as_needed")
        assert "Medication:" not in home(patient_client)

    def test_a_take_home_covering_today_is_said(
        self, patient_client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        o = order(world)
        today = services.today_for(patient_profile)
        TakeHomeDispense.objects.create(
            patient=world.patient,
            order=o,
            dispensed_on=today - D,
            first_day=today,
            last_day=today + D,
            bottles=2,
            dose_mg_per_bottle=Decimal("80"),
            lot_number="L1",
            idempotency_key="th-1",
            dispensed_by=world.user(Role.NURSE),
        )
        assert "Today's dose is a take-home dose." in home(patient_client)


class TestAppointments:
    def test_today_and_the_next_7_days_are_listed(
        self, patient_client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        today = services.today_for(patient_profile)
        session(world, local(patient_profile, today, 23, 15), topic="late one")
        session(world, local(patient_profile, today + 3 * D, 9, 30), kind="family", planned_minutes=60)
        session(world, local(patient_profile, today + 9 * D, 9, 30))  # beyond the week
        cancelled = session(world, local(patient_profile, today + D, 11))
        cancelled.status = Attendance.Status.CANCELLED
        cancelled.save()
        session(world, local(patient_profile, today + D, 14), patient=world.other_patient)
        html = home(patient_client)
        today_part = html.split('id="plan-h"', 1)[1].split("Next 7 days", 1)[0]
        assert "23:15" in today_part and "Counselling session" in today_part
        later = html.split("Next 7 days", 1)[1]
        assert "09:30" in later and "Family session" in later
        assert "11:00" not in later  # cancelled
        assert "14:00" not in later  # someone else's
        assert later.count("<li><strong>") == 1

    def test_a_group_and_its_sessions_are_shown(
        self, patient_client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        group = CareGroup.objects.create(
            program=world.program,
            name="Relapse prevention",
            topic="relapse_prevention",
            facilitator=world.user(Role.COUNSELLOR),
            capacity=10,
            weekdays=[1, 3],
            starts_at_time=dt.time(10, 0),
            minutes=60,
            created_by=world.user(Role.COUNSELLOR),
        )
        GroupMembership.objects.create(
            group=group, patient=world.patient, joined_on=dt.date(2026, 1, 5), added_by=world.user(Role.COUNSELLOR)
        )
        today = services.today_for(patient_profile)
        session(world, local(patient_profile, today + 2 * D, 10), kind="group", group=group, planned_minutes=60)
        html = home(patient_client)
        assert "Relapse prevention: Tue, Thu, 10:00" in html
        assert "Relapse prevention group" in html

    def test_none_today_is_said(self, patient_client: Client) -> None:
        assert "No appointments today." in home(patient_client)


class TestIncentivesAndAftercare:
    def test_no_balance_without_an_enrolment(self, patient_client: Client) -> None:
        assert "incentive-balance" not in home(patient_client)

    def test_the_balance_with_an_enrolment(self, patient_client: Client, world: World) -> None:
        enrollment = enrol(world, programme(world))
        html = home(patient_client)
        assert "$0.00" in html.split('id="incentive-balance"', 1)[1]
        earned = cm.award(
            enrollment,
            event_key="test-1",
            event_day=world.program.clinic_day() - D,
            outcome=schedules.Outcome.SUCCESS,
            actor=world.user(Role.COUNSELLOR),
        ).entry.amount
        html = home(patient_client)
        assert f"${earned:.2f}" in html.split('id="incentive-balance"', 1)[1]
        assert reverse("incentives:mine") in html

    def test_the_continuing_care_plan_is_linked(self, patient_client: Client, world: World) -> None:
        assert "My continuing-care plan" not in home(patient_client)
        ContinuingCarePlan.objects.create(
            patient=world.patient, episode=world.patient.episodes.get(), updated_by=world.user(Role.COUNSELLOR)
        )
        html = home(patient_client)
        assert f'href="{reverse("care:aftercare", args=[world.patient.pk])}">My continuing-care plan' in html


class TestQueries:
    def test_a_full_plan_reads_a_fixed_number_of_queries(
        self, patient_client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        order(world)
        enrol(world, programme(world))
        today = services.today_for(patient_profile)

        def count() -> int:
            patient_client.get(reverse("companion:home"))
            with CaptureQueriesContext(connection) as queries:
                home(patient_client)
            return len(queries.captured_queries)

        one = count()
        for i in range(5):
            session(world, local(patient_profile, today + i * D, 16))
            order(
                world,
                medication=["buprenorphine", "naltrexone_oral", "clonidine", "lofexidine", "buprenorphine_naloxone"][i],
                dose_mg=Decimal("1"),
            )
        assert count() == one
