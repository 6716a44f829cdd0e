"""/labs/random/: the program admin sets the random testing schedule (tests per
person per month, the weekdays the site collects, for one site or the whole
program); a new schedule replaces the old one, which stays on record with its
seed; a nurse sees who is due today, exactly as the stored seed draws it."""

import datetime as dt
import re

import pytest
from django.test import Client

from waymark.chart.models import Episode, Patient
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, Site
from waymark.core.roles import Role
from waymark.labs.models import RandomTestingSchedule
from waymark.labs.schedules import random_test_days
from waymark.labs.tests.helpers import add_patient
from waymark.meds.models import ClinicClosure
from waymark.meds.tests.conftest import today

pytestmark = pytest.mark.django_db

URL = "/labs/random/"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def schedule_form(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "per_month": "4",
        "open_weekdays": ["0", "2", "4"],
        "site": "",
        "starts_on": today(world.patient).isoformat(),
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def client_for(world: World, role: Role) -> Client:
    return sign_in(Client(), world.user(role))


def due_names(html: str) -> list[str]:
    start = html.index('<h2 id="due-h">')
    section = html[start : html.index("</section>", start)]
    return re.findall(r'<li><a href="/labs/patients/\d+/#record">([^<]+)</a>', section)


def set_schedule(world: World, **changes: object) -> RandomTestingSchedule:
    response = client_for(world, Role.PROGRAM_ADMIN).post(URL, schedule_form(world, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    site = changes.get("site")
    schedules = RandomTestingSchedule.objects.filter(active=True)
    return schedules.get(site_id=int(str(site))) if site else schedules.get(site__isnull=True)


class TestSetSchedule:
    def test_the_program_admin_sets_a_program_wide_schedule(self, world: World) -> None:
        client = client_for(world, Role.PROGRAM_ADMIN)
        response = client.post(URL, schedule_form(world), follow=True)
        assert response.redirect_chain == [(URL, 302)]
        schedule = RandomTestingSchedule.objects.get()
        assert schedule.program == world.program and schedule.site is None
        assert (schedule.per_month, schedule.open_weekdays, schedule.starts_on) == (4, [0, 2, 4], today(world.patient))
        assert schedule.active and schedule.created_by == world.user(Role.PROGRAM_ADMIN)
        assert re.fullmatch(r"[0-9a-f]{32}", schedule.seed)
        html = response.content.decode()
        assert "Random testing schedule saved, with a new seed." in html
        assert (
            f"4 unpredictable days a month per person, on Monday, Wednesday, Friday; since "
            f"{today(world.patient):%Y-%m-%d}." in html
        )
        assert AuditEvent.objects.filter(action="random_testing_schedule", object_id=str(schedule.pk)).count() == 1

    def test_a_new_schedule_replaces_the_old_which_stays_on_record(self, world: World) -> None:
        first = set_schedule(world)
        second = set_schedule(world, per_month="6", open_weekdays=["1", "3"])
        first.refresh_from_db()
        assert RandomTestingSchedule.objects.count() == 2
        assert not first.active and (first.per_month, first.open_weekdays) == (4, [0, 2, 4])
        assert second.active and (second.per_month, second.open_weekdays) == (6, [1, 3])
        assert second.seed != first.seed
        html = client_for(world, Role.NURSE).get(URL).content.decode()
        assert "6 unpredictable days a month per person, on Tuesday, Thursday;" in html

    def test_a_sites_own_schedule_wins_over_the_program_wide_one(self, world: World) -> None:
        set_schedule(world)
        own = set_schedule(world, site=str(world.site.pk), per_month="2", open_weekdays=["5"])
        # Different scopes: both stay active.
        assert RandomTestingSchedule.objects.filter(active=True).count() == 2
        assert own.site == world.site
        html = client_for(world, Role.NURSE).get(URL).content.decode()
        assert "2 unpredictable days a month per person, on Saturday;" in html

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"per_month": "0"}, "per_month", "Ensure this value is greater than or equal to 1."),
            ({"per_month": "32"}, "per_month", "Ensure this value is less than or equal to 31."),
            ({"open_weekdays": None}, "open_weekdays", "This field is required."),
            (
                {"open_weekdays": ["7"]},
                "open_weekdays",
                "Select a valid choice. 7 is not one of the available choices.",
            ),
            ({"starts_on": ""}, "starts_on", "This field is required."),
        ],
    )
    def test_bad_input_is_refused_with_a_message(
        self, world: World, changes: dict[str, object], field: str, message: str
    ) -> None:
        set_schedule(world)
        response = client_for(world, Role.PROGRAM_ADMIN).post(
            URL, schedule_form(world, **{"per_month": "9", **changes})
        )
        assert response.status_code == 422
        errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode())
        assert errors is not None and message in errors.group(1)
        # The schedule in force is unchanged.
        assert RandomTestingSchedule.objects.get(active=True).per_month == 4
        assert RandomTestingSchedule.objects.count() == 1

    def test_a_site_of_another_program_cannot_be_chosen(self, world: World) -> None:
        theirs = Site.objects.filter(program=world.outsider_program).get()
        response = client_for(world, Role.PROGRAM_ADMIN).post(URL, schedule_form(world, site=str(theirs.pk)))
        assert response.status_code == 422
        assert not RandomTestingSchedule.objects.exists()

    @pytest.mark.parametrize("role", [Role.NURSE, Role.COUNSELLOR])
    def test_staff_who_collect_cannot_set_the_schedule(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        assert "Set the schedule" not in client.get(URL).content.decode()
        assert client.post(URL, schedule_form(world)).status_code == 403
        assert not RandomTestingSchedule.objects.exists()

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
    def test_the_page_is_for_staff_who_collect_and_the_program_admin(self, world: World, role: Role) -> None:
        client = client_for(world, role)
        assert client.get(URL).status_code == 403
        assert client.post(URL, schedule_form(world)).status_code == 403
        assert not RandomTestingSchedule.objects.exists()


class TestDueToday:
    def test_with_as_many_tests_as_days_everyone_in_treatment_is_due(self, world: World) -> None:
        set_schedule(world, per_month="31", open_weekdays=[str(d) for d in EVERY_DAY])
        add_patient(world, "HR-3", "Ari", "Bell")
        add_patient(world, "HR-4", "Cam", "Young")
        discharged = add_patient(world, "HR-5", "Lee", "Gone")
        Episode.objects.filter(patient=discharged).update(discharged_on=today(discharged))
        elsewhere = Site.objects.create(program=world.program, name="Zeta Street")
        add_patient(world, "HR-6", "Kit", "North", site=elsewhere)
        client = client_for(world, Role.NURSE)
        html = client.get(URL).content.decode()
        # world.other_patient has no episode (not in treatment); Lee was discharged; Kit is at the other site.
        assert due_names(html) == ["Ari Bell", "Dana Whitlock", "Cam Young"]
        assert f"Due for a random test today ({today(world.patient):%A %Y-%m-%d}) at Harbor Recovery main site" in html
        other_site = client.get(URL, {"site": elsewhere.pk}).content.decode()
        assert due_names(other_site) == ["Kit North"]
        assert AuditEvent.objects.filter(action="random_tests_due", actor=world.user(Role.NURSE)).count() == 2

    def test_who_is_due_is_what_the_stored_seed_draws(self, world: World) -> None:
        schedule = set_schedule(world, per_month="14", open_weekdays=[str(d) for d in EVERY_DAY])
        patients = [world.patient] + [
            add_patient(world, f"R-{n}", f"Person{n:02d}", f"Family{n:02d}") for n in range(20)
        ]
        day = today(world.patient)

        def drawn(patient: Patient) -> bool:
            days = random_test_days(
                schedule.seed, str(patient.pk), day.year, day.month, 14, frozenset(EVERY_DAY), frozenset()
            )
            assert len(days) == 14
            return day in days

        expected = sorted((p for p in patients if drawn(p)), key=lambda p: (p.family_name, p.given_name))
        # 14 days of a 28–31 day month: about half are due (all or none: odds below one in 100,000).
        assert 0 < len(expected) < len(patients)
        html = client_for(world, Role.NURSE).get(URL).content.decode()
        assert due_names(html) == [p.display_name for p in expected]

    def test_nobody_is_due_on_a_closed_day_or_before_the_schedule_starts(self, world: World) -> None:
        every_day = {"per_month": "31", "open_weekdays": [str(d) for d in EVERY_DAY]}
        day = today(world.patient)
        set_schedule(world, starts_on=(day + dt.timedelta(days=1)).isoformat(), **every_day)
        client = client_for(world, Role.NURSE)
        html = client.get(URL).content.decode()
        assert due_names(html) == [] and "No one is due today." in html

        set_schedule(world, **every_day)
        assert due_names(client.get(URL).content.decode()) == ["Dana Whitlock"]
        ClinicClosure.objects.create(program=world.program, day=day, reason="Holiday")
        assert due_names(client.get(URL).content.decode()) == []

    def test_on_a_weekday_the_site_is_closed_nobody_is_due(self, world: World) -> None:
        day = today(world.patient)
        set_schedule(world, per_month="31", open_weekdays=[str(d) for d in EVERY_DAY if d != day.weekday()])
        assert due_names(client_for(world, Role.NURSE).get(URL).content.decode()) == []

    def test_without_a_schedule_the_page_says_so(self, world: World) -> None:
        html = client_for(world, Role.NURSE).get(URL).content.decode()
        assert "No random testing schedule is set for this site." in html

    def test_the_program_admin_is_not_told_that_no_one_is_due(self, world: World) -> None:
        # The admin does not collect specimens: the page does not work out who is due for them, so it
        # must not claim that nobody is.
        set_schedule(world, per_month="31", open_weekdays=[str(d) for d in EVERY_DAY])
        html = client_for(world, Role.PROGRAM_ADMIN).get(URL).content.decode()
        assert "No one is due today." not in html and due_names(html) == []
