"""GET /meds/window/: today's queue for the nurse's site — due, on hold, dosed,
take-home today, and who is late."""

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import World, make_patient
from waymark.core.models import AuditEvent
from waymark.core.roles import Role
from waymark.meds import services
from waymark.meds.medications import Medication
from waymark.meds.models import DoseAdministration
from waymark.meds.queue import Section, build_queue
from waymark.meds.tests.conftest import order_methadone, today
from waymark.meds.tests.window_helpers import (
    add_patient,
    buprenorphine,
    dose_data,
    dose_url,
    hold_after_missed_days,
    methadone,
    nurse_client,
    second_site_nurse,
    take_home_covering_today,
)

pytestmark = pytest.mark.django_db

AsRole = Callable[[Role | str], Client]

QUEUE = "/meds/window/"


def section(html: str, section_id: str) -> str:
    """The HTML of one queue section."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


@pytest.fixture
def clinic(world: World) -> dict[str, object]:
    """One patient in each state at world.site."""
    due = world.patient  # dosed up to yesterday
    methadone(world, due)
    late = add_patient(world, "HR-10", "Robin", "Lately")
    methadone(world, late, "60", last_days_ago=2)  # missed yesterday
    held = add_patient(world, "HR-11", "Sam", "Holden")
    hold = hold_after_missed_days(world, held)
    dosed = add_patient(world, "HR-12", "Tovah", "Dosewell")
    dosed_order = buprenorphine(world, dosed)
    services.record_administration(
        world.user(Role.NURSE),
        dosed,
        services.AdministrationInput(idempotency_key="queue-dosed-1", slot=1, amount_mg=dosed_order.dose_mg),
    )
    home = add_patient(world, "HR-13", "Uma", "Homer")
    take_home_covering_today(world, methadone(world, home))
    return {"due": due, "late": late, "held": held, "hold": hold, "dosed": dosed, "home": home}


class TestQueueSections:
    def test_it_sorts_each_patient_into_their_section(self, world: World, clinic: dict[str, object]) -> None:
        queue = build_queue(world.user(Role.NURSE), world.site, today(world.patient))
        by_section = {s: {r.patient.mrn for r in queue.section(s)} for s in Section}
        assert by_section == {
            Section.DUE: {"HR-1", "HR-10"},
            Section.ON_HOLD: {"HR-11"},
            Section.DOSED: {"HR-12"},
            Section.TAKE_HOME: {"HR-13"},
        }
        late = {r.patient.mrn: r.missed_days for r in queue.rows if r.late}
        assert late == {"HR-10": 1}

    def test_the_page_shows_counts_and_each_section(self, world: World, clinic: dict[str, object]) -> None:
        response = nurse_client(world).get(QUEUE)
        assert response.status_code == 200
        html = response.content.decode()
        counts = re.findall(r'<span class="count">(\d+)</span> ([a-z -]+)</a>', html)
        assert counts == [("2", "due"), ("1", "late"), ("1", "on hold"), ("1", "dosed"), ("1", "take-home today")]

        due = section(html, "due")
        assert "Whitlock, Dana" in due and "Lately, Robin" in due
        assert "late · 1 day missed" in due
        assert "Methadone oral solution: 80 mg" in due
        assert f'href="/meds/window/patients/{world.patient.pk}/?site={world.site.pk}"' in due
        # What "late" means is written on the page.
        assert "took no dose on the day before" in due

        on_hold = section(html, "on-hold")
        assert "Holden, Sam" in on_hold
        assert "Missed 3 days in a row. Prescriber review; half dose (40 mg)." in on_hold
        assert "A prescriber must review" in on_hold

        dosed = section(html, "dosed")
        assert "Dosewell, Tovah" in dosed
        assert re.search(r"Observed dose 16 mg at \d\d:\d\d by Nurse", dosed)

        home = section(html, "take-home")
        assert "Homer, Uma" in home
        assert "not due at the window" in home
        for other in (on_hold, dosed, home):
            assert "Whitlock" not in other

    def test_a_split_dose_stays_due_until_every_slot_is_recorded(self, world: World) -> None:
        patient = add_patient(world, "HR-20", "Vic", "Splitter")
        methadone(world, patient, slots=("60", "40"))
        nurse = world.user(Role.NURSE)
        services.record_administration(
            nurse,
            patient,
            services.AdministrationInput(
                idempotency_key="split-dose-slot-1", slot=1, amount_mg=Decimal(60), concentration_mg_per_ml=Decimal(10)
            ),
        )
        response = nurse_client(world).get(QUEUE)
        due = section(response.content.decode(), "due")
        assert "Splitter, Vic" in due
        assert "60 mg + 40 mg" in due
        assert "slot 2 of 2 due" in due

    def test_no_order_or_a_stopped_order_is_not_in_the_queue(self, world: World) -> None:
        order = order_methadone(world, world.other_patient)
        services.stop_order(world.user(Role.PRESCRIBER), world.other_patient, order, "Transferred out.")
        queue = build_queue(world.user(Role.NURSE), world.site, today(world.patient))
        assert queue.rows == []
        response = nurse_client(world).get(QUEUE)
        assert "Nobody is waiting for a dose." in response.content.decode()


class TestQueueScope:
    def test_another_programs_patients_never_appear(self, world: World, clinic: dict[str, object]) -> None:
        outsider = world.outsider_patient
        outsider.site = world.outsider_program.sites.get()
        outsider.save(update_fields=["site"])
        services.prescribe(
            world.outsider_staff[Role.PRESCRIBER],
            outsider,
            services.OrderInput(
                medication=Medication.METHADONE,
                slot_doses_mg=(Decimal(30),),
                concentration_mg_per_ml=Decimal(10),
                start_on=today(outsider) - dt.timedelta(days=3),
            ),
        )
        html = nurse_client(world).get(QUEUE).content.decode()
        assert "Stone" not in html and "EL-1" not in html
        # And their own nurse sees them, but none of ours.
        theirs = nurse_client(world, world.outsider_staff[Role.NURSE]).get(QUEUE).content.decode()
        assert "Stone, Frankie" in theirs
        assert "Whitlock" not in theirs and "Holden" not in theirs

    def test_another_site_shows_only_its_own_patients_and_todays_guests(
        self, world: World, clinic: dict[str, object]
    ) -> None:
        west, west_nurse = second_site_nurse(world)
        local = make_patient(world.program, "HR-30", "Wes", "Westerly", site=west)
        methadone(world, local)
        client = nurse_client(world, west_nurse)
        html = client.get(QUEUE).content.decode()
        assert "Westerly, Wes" in section(html, "due")
        assert "Whitlock" not in html  # a patient of the main site, not dosed here

        # Dosed here as a guest: now on this site's queue, marked as a guest.
        response = client.post(dose_url(world.patient), dose_data(site=str(west.pk)))
        assert response.status_code == 200
        html = client.get(QUEUE).content.decode()
        dosed = section(html, "dosed")
        assert "Whitlock, Dana" in dosed
        assert "guest" in dosed

    def test_a_nurse_without_a_site_chooses_one(self, world: World, clinic: dict[str, object]) -> None:
        west, _ = second_site_nurse(world)
        client = nurse_client(world)
        html = client.get(QUEUE).content.decode()
        assert "Choose the site you are dosing at" in html
        assert f'<option value="{west.pk}">' in html
        html = client.get(QUEUE, {"site": world.site.pk}).content.decode()
        assert "Whitlock, Dana" in html
        assert client.get(QUEUE, {"site": world.outsider_program.sites.get().pk}).status_code == 404

    def test_a_counsellor_or_prescriber_is_refused(self, as_role: AsRole) -> None:
        for role in (Role.COUNSELLOR, Role.PRESCRIBER, Role.PROGRAM_ADMIN):
            assert as_role(role).get(QUEUE).status_code == 403, role

    def test_viewing_the_queue_writes_one_audit_row(self, world: World, clinic: dict[str, object]) -> None:
        client = nurse_client(world)
        before = AuditEvent.objects.count()
        client.get(QUEUE)
        rows = list(AuditEvent.objects.order_by("seq")[before:])
        assert [(r.action, r.object_type, r.reason, r.patient_id) for r in rows] == [
            ("read", "dosing_queue", "5 shown", None)
        ]

    def test_the_nav_links_to_the_window_for_nurses_only(self, as_role: AsRole) -> None:
        link = f'href="{reverse("meds:window")}"'
        assert link in as_role(Role.NURSE).get("/").content.decode()
        assert link not in as_role(Role.COUNSELLOR).get("/").content.decode()


class TestSearch:
    def test_a_nurse_finds_a_patient_of_another_site_without_the_name_in_the_url(self, world: World) -> None:
        west, west_nurse = second_site_nurse(world)
        client = nurse_client(world, west_nurse)
        response = client.post(reverse("meds:window_search"), {"q": "Whitlock", "site": west.pk})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Whitlock, Dana" in html
        assert "guest here" in html
        assert world.site.name in html  # the patient's own site
        assert f"/meds/window/patients/{world.patient.pk}/?site={west.pk}" in html
        assert client.get(reverse("meds:window_search")).status_code == 405

    def test_htmx_gets_only_the_results(self, world: World) -> None:
        response = nurse_client(world).post(reverse("meds:window_search"), {"q": "HR-2"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.strip().startswith('<section id="search-results"')
        assert "Marsh, Elliot" in html
        assert DoseAdministration.objects.count() == 0
