"""The outcomes dashboard page: a program director sees known figures for a hand-made program,
filters them by admission date and grouping, and the page draws its charts."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.outcomes.tests.dashboard_data import by_group, hand_made_program, table_rows

URL = reverse("outcomes:dashboard")


@pytest.fixture
def program(world: World) -> World:
    hand_made_program(world)
    return world


class TestDashboardShowsKnownFigures:
    def test_it_shows_each_cohort_with_its_denominators(self, program: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("program_admin").get(URL)
        assert response.status_code == 200
        table = by_group(response.content.decode())
        assert set(table) == {"Methadone", "Buprenorphine"}
        methadone = table["Methadone"]
        assert methadone["Episodes"] == "2"
        assert methadone["People"] == "2"
        assert methadone["Inducted"] == "1 of 2 (50%)"
        assert methadone["Retained at day 30"] == "1 of 2 (50%)"
        assert methadone["Retained at day 90"] == "0 of 2 (0%)"
        assert methadone["Retained at day 180"] == "0 of 2 (0%)"
        assert methadone["Continuity ≥180 days"] == "0 of 2 (0%)"
        # 3 negative of 4 collected + 2 weeks without a specimen (P1) + 1 week without (P2).
        assert methadone["Specimens negative for opioids"] == "3 of 7 (43%)"
        assert methadone["Days to first dose (median)"] == "0"
        assert methadone["CM cost per person"] == "$0.00"
        assert methadone["Sessions attended"] == "—"
        buprenorphine = table["Buprenorphine"]
        assert buprenorphine["Inducted"] == "1 of 1 (100%)"
        assert buprenorphine["Retained at day 90"] == "1 of 1 (100%)"
        assert buprenorphine["Retained at day 180"] == "0 of 1 (0%)"
        assert buprenorphine["Specimens negative for opioids"] == "0 of 14 (0%)"
        assert buprenorphine["Days to first dose (median)"] == "1"

    def test_it_says_up_to_which_day_the_data_goes(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("program_admin").get(URL).content.decode()
        assert "<dt>Data up to</dt><dd>2026-05-15 " in html  # P3's discharge, the latest record

    def test_it_never_shows_another_programs_episodes(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("prescriber").get(URL + "?group_by=cohort").content.decode()
        assert "Elsewhere arm" not in html
        assert "Harbor Recovery" in html

    def test_the_table_has_a_caption_and_scoped_headers(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("program_admin").get(URL).content.decode()
        assert re.search(r"<caption[^>]*>Outcomes of Harbor Recovery by cohort", html)
        assert '<th scope="col"' in html and '<th scope="row">Methadone</th>' in html

    def test_it_audits_one_entry_per_view(self, program: World, as_role: Callable[[str], Client]) -> None:
        client = as_role("program_admin")
        before = AuditEvent.objects.filter(action="outcomes_view").count()
        client.get(URL)
        entries = AuditEvent.objects.filter(action="outcomes_view")
        assert entries.count() == before + 1
        entry = entries.latest("seq")
        assert entry.program_id == program.program.pk
        assert entry.patient_id is None
        assert entry.actor_id == program.user("program_admin").pk


class TestDateFilter:
    def test_admitted_from_leaves_earlier_episodes_out(self, program: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("program_admin").get(URL, {"admitted_from": "2026-02-01", "group_by": "cohort"})
        table = by_group(response.content.decode())
        assert set(table) == {"Buprenorphine"}
        assert table["Buprenorphine"]["Episodes"] == "1"

    def test_admitted_to_leaves_later_episodes_out(self, program: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("program_admin").get(URL, {"admitted_to": "2026-01-31"})
        table = by_group(response.content.decode())
        assert set(table) == {"Methadone"}
        assert "from the first episode to 2026-01-31" in response.content.decode()

    def test_a_range_with_no_episode_says_so(self, program: World, as_role: Callable[[str], Client]) -> None:
        response = as_role("program_admin").get(URL, {"admitted_from": "2025-01-01", "admitted_to": "2025-02-01"})
        assert response.status_code == 200
        assert "No episodes were admitted in this range." in response.content.decode()
        assert table_rows(response.content.decode()) == []


class TestGroupingAndOptions:
    def test_it_groups_by_medication_with_plain_labels(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("program_admin").get(URL, {"group_by": "medication"}).content.decode()
        table = by_group(html)
        assert table["(no dose)"]["Episodes"] == "1"
        assert sum(int(row["Episodes"]) for row in table.values()) == 3
        assert "Outcomes by medication" in html

    def test_it_groups_by_month_of_admission(self, program: World, as_role: Callable[[str], Client]) -> None:
        table = by_group(as_role("program_admin").get(URL, {"group_by": "admission_month"}).content.decode())
        assert {k: v["Episodes"] for k, v in table.items()} == {"2026-01": "2", "2026-02": "1"}

    def test_chosen_retention_days_become_columns(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("program_admin").get(URL, {"retention_days": "7, 40"}).content.decode()
        methadone = by_group(html)["Methadone"]
        assert methadone["Retained at day 7"] == "1 of 2 (50%)"
        assert methadone["Retained at day 40"] == "0 of 2 (0%)"  # last dose on day 39
        assert "Retained at day 30" not in html

    def test_leaving_missing_specimens_out_changes_the_share(
        self, program: World, as_role: Callable[[str], Client]
    ) -> None:
        html = as_role("program_admin").get(URL, {"missing": "excluded"}).content.decode()
        assert by_group(html)["Methadone"]["Specimens negative for opioids"] == "3 of 4 (75%)"
        assert "left out of the share" in html


class TestCharts:
    def test_it_draws_three_charts_with_titles_and_number_tables(
        self, program: World, as_role: Callable[[str], Client]
    ) -> None:
        html = as_role("program_admin").get(URL).content.decode()
        assert html.count('role="img"') == 3
        for title in (
            "Retention in treatment by group",
            "Specimens negative for opioids, by month",
            "Census by level of care, by month",
        ):
            assert f"{title}</title>" in html
            assert f"The numbers behind “{title}”" in html
        # One retention line per cohort, each with its own dash class.
        assert len(re.findall(r'<polyline class="line series-\d"', html)) == 2
        assert 'class="line series-0"' in html and 'class="line series-1"' in html
        # The census: every episode was at the OTP level.
        census = table_rows(html, "census-data")
        assert census[0] == ["Month", "Opioid treatment program (OTP)", "Total"]
        assert ["2026-02", "1", "1"] in census  # P1 open on 1 February (P2 left in January, P3 came on the 2nd)
        assert ["2026-03", "1", "1"] in census  # P3

    def test_the_page_has_no_inline_style_or_script(self, program: World, as_role: Callable[[str], Client]) -> None:
        html = as_role("program_admin").get(URL).content.decode()
        assert " style=" not in html
        assert "<style" not in html
        assert "onclick" not in html
        for script in re.findall(r"<script[^>]*>", html):
            assert "nonce=" in script
