"""The levels-of-care page: each episode's levels as periods with their dates,
what each level is expected to deliver and its source, the hours of counselling
attended each full week compared with it (an intensive-outpatient week of 9 h is
within, 8.5 h below), and a residential stay's length. Readers without
Cap.CARE_PLAN see no forms; the page costs the same queries for a long history."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.care.models import PlannedTransition
from waymark.care.tests.caseload_helpers import at, attend, on_caseload, today
from waymark.chart.models import LevelOfCareChange, Patient
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

D = dt.timedelta(days=1)
# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the patient and the care-team check
# (2); the audit append (3); the episodes, their level changes and planned steps, the attended sessions (4).
LEVELS_MAX = 12


def levels_url(patient: Patient) -> str:
    return f"/care/patients/{patient.pk}/levels/"


def page(world: World, patient: Patient, role: Role = Role.COUNSELLOR) -> str:
    response = sign_in(Client(), world.user(role)).get(levels_url(patient))
    assert response.status_code == 200
    return response.content.decode()


def week_row(html: str, first: dt.date) -> str:
    start = html.index(f'<th scope="row" class="nowrap">{first:%Y-%m-%d} – ')
    return html[start : html.index("</tr>", start)]


def stepped_iop(world: World) -> tuple[Patient, dt.date]:
    """Short-term residential for 4 weeks, then intensive outpatient from `iop` (a Monday or not)."""
    person = on_caseload(world, 1, level="residential_short", admitted_days=50)
    iop = today(world) - 22 * D
    episode = person.episodes.get()
    LevelOfCareChange.objects.create(
        episode=episode, level_of_care="intensive_outpatient", started_on=iop, reason="Stepped down"
    )
    episode.level_of_care = "intensive_outpatient"
    episode.save(update_fields=["level_of_care"])
    return person, iop


def test_an_iop_week_of_9_hours_is_within_and_of_8_and_a_half_below(world: World) -> None:
    person, iop = stepped_iop(world)
    for day in range(3):  # first week: 3 × 3 h = 9 h
        attend(world, person, at(world, iop + day * D, 9), minutes=180)
    for day, minutes in [(7, 180), (9, 180), (11, 150)]:  # second week: 8.5 h
        attend(world, person, at(world, iop + day * D, 9), minutes=minutes)
    attend(world, person, at(world, iop + 15 * D, 9), "no_show")  # third week: nothing attended
    attend(world, person, at(world, iop + 22 * D - D, 9), minutes=240)  # the running week, so far
    html = page(world, person)
    first = week_row(html, iop)
    assert "9.0 h" in first and '<span class="badge active">within</span>' in first
    assert "9.0 h in 3 sessions; expected 9–19 h a week." in first
    second = week_row(html, iop + 7 * D)
    assert '<span class="badge late">below</span> 8.5 h; expected 9–19 h a week.' in second
    third = week_row(html, iop + 14 * D)
    assert "0.0 h" in third and "below" in third
    running = week_row(html, iop + 21 * D)
    assert "not judged" in running and "4.0 h so far" in running
    assert "21.5 h in 7 sessions; full weeks: 1 within, 2 below, 0 above" in html
    assert "2–4 hours a day, 3–5 days a week (9–19 hours a week)." in html
    assert "REFERENCE.md §8 (ASAM 2.1: 9–19 h/week)" in html


def test_the_history_as_periods_with_the_residential_stay_length(world: World) -> None:
    person, iop = stepped_iop(world)
    admitted = today(world) - 50 * D
    html = page(world, person)
    assert f"Intensive outpatient · {iop:%Y-%m-%d} – now" in html
    assert f"Short-term residential (3–6 weeks) · {admitted:%Y-%m-%d} – {iop:%Y-%m-%d}" in html
    assert html.index("Intensive outpatient ·") < html.index("Short-term residential (3–6 weeks) ·")  # newest first
    assert "28 days" in html and "within" in html and "4 weeks 0 days; within the usual 3–6 weeks." in html
    assert "<dt>Why</dt><dd>Stepped down</dd>" in html


def test_a_reader_without_care_plan_sees_no_forms(world: World) -> None:
    person, _ = stepped_iop(world)
    PlannedTransition.objects.create(
        episode=person.episodes.get(),
        to_level="outpatient",
        planned_on=today(world) + 7 * D,
        created_by=world.user(Role.COUNSELLOR),
    )
    nurse = page(world, person, Role.NURSE)
    assert "Standard outpatient" in nurse and '<form method="post" action="/care/' not in nurse
    counsellor = page(world, person)
    assert "Plan the step" in counsellor and "Carry out: change to Standard outpatient" in counsellor


def test_the_person_reads_their_own_and_no_one_elses(world: World) -> None:
    html = page(world, world.patient, Role.PATIENT)
    assert "Opioid treatment program (OTP)" in html and "Plan the step" not in html
    response = sign_in(Client(), world.user(Role.PATIENT)).get(levels_url(world.other_patient))
    assert response.status_code == 404


def test_off_the_care_team_asks_for_break_glass_and_another_program_is_not_found(world: World) -> None:
    client = sign_in(Client(), world.user(Role.COUNSELLOR))
    response = client.get(levels_url(world.other_patient))
    assert response.status_code == 302 and "break-glass" in response["Location"]
    assert client.get(levels_url(world.outsider_patient)).status_code == 404


def test_reading_is_audited(world: World) -> None:
    page(world, world.patient)
    event = AuditEvent.objects.filter(action="read", object_type="levels").get()
    assert event.patient_id == world.patient.pk


def queries(client: Client, patient: Patient) -> int:
    client.get(levels_url(patient))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(levels_url(patient)).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_for_a_short_and_a_long_history(world: World, django_assert_max_num_queries) -> None:
    person, iop = stepped_iop(world)
    client = sign_in(Client(), world.user(Role.COUNSELLOR))
    small = queries(client, person)
    for day in range(20):
        attend(world, person, at(world, iop + day * D, 9), minutes=90)
    for n in range(3):
        PlannedTransition.objects.create(
            episode=person.episodes.get(),
            to_level="outpatient",
            planned_on=today(world) + (n + 1) * D,
            created_by=world.user(Role.COUNSELLOR),
        )
    assert queries(client, person) == small
    with django_assert_max_num_queries(LEVELS_MAX):
        client.get(levels_url(person))
