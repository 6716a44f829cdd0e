"""The detox board: every active stay of the program (or one site) with day N
of the expected length, the latest COWS total and band, when the next check is
due, and what needs attention (overdue, band rise, past the expected length).
Overdue stays come first. It costs the same number of queries for 1 stay as
for 20."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.assess import services_detox
from waymark.assess.models import DetoxStay
from waymark.assess.tests.detox_helpers import ago, board_url, check, minute, start
from waymark.chart.models import CareTeamMember, Episode, Patient
from waymark.conftest import World, make_patient, sign_in
from waymark.core.models import AuditEvent, Site
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

# Measured (SQLite and PostgreSQL): session, user and OTP device (3); the program and its sites (2); the
# stays with patient and site (1) and their two latest checks with the COWS (1); the audit append (3).
BOARD_MAX = 10


def admitted(world: World, n: int, site: Site | None = None) -> Patient:
    patient = make_patient(world.program, f"HR-D{n}", f"Person{n}", f"Family{n:02d}", site=site or world.site)
    Episode.objects.create(
        patient=patient,
        site=site or world.site,
        admitted_on=dt.date(2026, 1, 5),
        level_of_care="withdrawal_management",
        primary_substance="fentanyl",
    )
    return patient


def in_detox(world: World, n: int, site: Site | None = None, checks: int = 3) -> DetoxStay:
    stay = start(world, admitted(world, n, site), started_at=minute(ago(days=2)), last_use_at=None)
    for c in range(checks):
        check(world, stay, 5 + 4 * c, ago(hours=3 * (checks - c)))
    return stay


def board_html(client: Client, url: str = board_url()) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestBoard:
    def test_each_active_stay_with_its_day_latest_cows_and_next_check(self, world: World) -> None:
        stay = start(world, started_at=minute(ago(days=2, hours=1)), last_use_at=None, expected_days=5)
        check(world, stay, 14, ago(hours=2))
        html = board_html(sign_in(Client(), world.user(Role.NURSE)))
        row = html[html.index(f'<tr id="stay-{stay.pk}"') :].split("</tr>")[0]
        assert "Dana Whitlock" in row and "Day 3 of 5" in row
        assert "<strong>14</strong> Moderate (13–24)" in row
        due = (ago(hours=2) + dt.timedelta(hours=4)).astimezone(world.program.zone)
        assert due.strftime("%Y-%m-%d %H:") in row
        assert "On schedule" in row and "Overdue" not in row

    def test_overdue_and_band_rise_are_flagged_and_overdue_comes_first(self, world: World) -> None:
        on_time = in_detox(world, 1)  # latest check 3 hours ago, every 4 hours
        late = start(world, admitted(world, 2), started_at=minute(ago(days=1)), last_use_at=None)
        check(world, late, 10, ago(hours=9))
        check(world, late, 20, ago(hours=5))  # mild → moderate, and the next was due an hour ago
        html = board_html(sign_in(Client(), world.user(Role.NURSE)))
        assert html.index(f'id="stay-{late.pk}"') < html.index(f'id="stay-{on_time.pk}"')
        row = html[html.index(f'<tr id="stay-{late.pk}"') :].split("</tr>")[0]
        assert '<span class="badge flag">Overdue</span>' in row and "COWS band rose" in row
        assert "COWS check overdue by 1 h" in row

    def test_a_stay_without_a_check_shows_the_baseline_due(self, world: World) -> None:
        start(world, started_at=minute(ago(minutes=30)), last_use_at=None)
        html = board_html(sign_in(Client(), world.user(Role.NURSE)))
        assert "No check yet" in html and "(baseline)" in html and "Baseline COWS overdue by 3" in html

    def test_past_the_expected_length_is_flagged(self, world: World) -> None:
        stay = start(world, started_at=minute(ago(days=3, hours=1)), last_use_at=None, expected_days=3)
        check(world, stay, 4, ago(hours=1))
        html = board_html(sign_in(Client(), world.user(Role.NURSE)))
        assert "Past expected length" in html and "Day 4 of 3" in html

    def test_discharged_stays_are_not_listed(self, world: World) -> None:
        stay = in_detox(world, 1)
        services_detox.discharge_stay(
            world.user(Role.NURSE),
            stay.patient,
            stay,
            services_detox.DischargeInput(
                discharged_at=ago(minutes=1),
                outcome="completed",
                next_level_of_care="otp",
                continuing_care_with="Harbor OTP",
                first_appointment_at=None,
                no_appointment_reason="Walk-in intake",
                naloxone_given=True,
                overdose_risk_explained=True,
            ),
        )
        html = board_html(sign_in(Client(), world.user(Role.NURSE)))
        assert "No one is in withdrawal management" in html

    def test_one_site_or_every_site(self, world: World) -> None:
        other = Site.objects.create(program=world.program, name="Harbor Recovery north site")
        here = in_detox(world, 1, checks=1)
        there = in_detox(world, 2, other, checks=1)
        client = sign_in(Client(), world.user(Role.NURSE))
        every = board_html(client)
        assert f'id="stay-{here.pk}"' in every and f'id="stay-{there.pk}"' in every
        north = board_html(client, board_url(other))
        assert f'id="stay-{there.pk}"' in north and f'id="stay-{here.pk}"' not in north
        assert "Withdrawal management · Harbor Recovery north site" in north

    def test_a_prescriber_sees_only_their_care_team_and_a_nurse_the_whole_unit(self, world: World) -> None:
        theirs = in_detox(world, 1, checks=1)
        CareTeamMember.objects.create(patient=theirs.patient, user=world.user(Role.PRESCRIBER), role="prescriber")
        someone_else = in_detox(world, 2, checks=1)
        prescriber = board_html(sign_in(Client(), world.user(Role.PRESCRIBER)))
        assert f'id="stay-{theirs.pk}"' in prescriber and f'id="stay-{someone_else.pk}"' not in prescriber
        assert "Family02" not in prescriber
        assert "The people on your care team in withdrawal management now" in prescriber
        nurse = board_html(sign_in(Client(), world.user(Role.NURSE)))
        assert f'id="stay-{theirs.pk}"' in nurse and f'id="stay-{someone_else.pk}"' in nurse
        assert "Everyone in withdrawal management now" in nurse

    def test_opening_the_board_is_audited(self, world: World) -> None:
        board_html(sign_in(Client(), world.user(Role.NURSE)))
        event = AuditEvent.objects.get(action="detox_board")
        assert event.program_id == world.program.pk and event.actor == world.user(Role.NURSE)


def queries(client: Client) -> tuple[int, str]:
    client.get(board_url())  # settles the session's idle clock, so the measured request writes no session
    with CaptureQueriesContext(connection) as captured:
        html = board_html(client)
    return len(captured), html


def test_the_board_costs_the_same_for_1_and_20_stays(world: World, django_assert_max_num_queries) -> None:
    client = sign_in(Client(), world.user(Role.NURSE))
    in_detox(world, 0)
    small, html = queries(client)
    assert html.count('<tr id="stay-') == 1
    for n in range(1, 20):
        in_detox(world, n)
    large, html = queries(client)
    assert html.count('<tr id="stay-') == 20
    assert html.count("<strong>13</strong> Moderate (13–24)") == 20  # each stay's latest check (5, 9, 13)
    assert large == small, f"{small} queries for 1 stay, {large} for 20"
    with django_assert_max_num_queries(BOARD_MAX):
        client.get(board_url())
