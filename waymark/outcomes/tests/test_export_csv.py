"""/outcomes/export.csv: the dashboard's table as CSV, with the same filter; counts and shares only."""

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart.models import Episode
from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.outcomes import table
from waymark.outcomes.report import GroupOutcome
from waymark.outcomes.tests.dashboard_data import hand_made_program

URL = reverse("outcomes:export_csv")


@pytest.fixture
def admin(world: World, as_role: Callable[[str], Client]) -> Client:
    hand_made_program(world)
    return as_role("program_admin")


def rows(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))  # type: ignore[attr-defined]


class TestExportCsv:
    def test_it_downloads_as_an_attachment(self, admin: Client, world: World) -> None:
        response = admin.get(URL, {"group_by": "cohort"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        day = world.program.clinic_day()
        assert response["Content-Disposition"] == f'attachment; filename="outcomes-by-cohort-{day:%Y-%m-%d}.csv"'
        assert response["Cache-Control"] == "private, no-store"

    def test_its_columns_are_counts_and_shares(self, admin: Client) -> None:
        header = admin.get(URL).content.decode().splitlines()[0].split(",")
        assert header == [
            "group",
            "episodes",
            "patients",
            "inducted",
            "inducted_share",
            "retained_30",
            "retained_30_share",
            "retained_90",
            "retained_90_share",
            "retained_180",
            "retained_180_share",
            "continuity_180",
            "continuity_180_share",
            "expected_specimens",
            "negative_specimens",
            "negative_share",
            "longest_negative_run_median",
            "sessions_expected",
            "sessions_attended",
            "attendance_rate",
            "cm_cost_per_patient",
            "median_days_to_first_dose",
        ]

    def test_its_values_are_the_known_figures(self, admin: Client) -> None:
        by_group = {row["group"]: row for row in rows(admin.get(URL))}
        assert list(by_group) == ["Buprenorphine", "Methadone"]
        methadone = by_group["Methadone"]
        assert methadone["episodes"] == "2"
        assert methadone["patients"] == "2"
        assert methadone["inducted"] == "1"
        assert methadone["inducted_share"] == "0.5000"
        assert methadone["retained_30"] == "1"
        assert methadone["retained_90"] == "0"
        assert methadone["retained_90_share"] == "0.0000"
        assert methadone["expected_specimens"] == "7"
        assert methadone["negative_specimens"] == "3"
        assert methadone["negative_share"] == "0.4286"
        assert methadone["sessions_expected"] == "0"
        assert methadone["attendance_rate"] == ""  # no session expected: no rate, not 0
        assert methadone["cm_cost_per_patient"] == "0.00"
        assert methadone["median_days_to_first_dose"] == "0"
        buprenorphine = by_group["Buprenorphine"]
        assert buprenorphine["retained_90_share"] == "1.0000"
        assert buprenorphine["median_days_to_first_dose"] == "1"

    def test_it_uses_the_same_filter_as_the_page(self, admin: Client) -> None:
        response = admin.get(URL, {"admitted_from": "2026-02-01", "retention_days": "7", "missing": "excluded"})
        (only,) = rows(response)
        assert only["group"] == "Buprenorphine"
        assert "retained_7" in only and "retained_30" not in only

    def test_the_page_links_to_the_csv_with_its_filter(self, admin: Client) -> None:
        html = admin.get(reverse("outcomes:dashboard"), {"admitted_from": "2026-02-01", "group_by": "site"}).content
        assert f'href="{URL}?admitted_from=2026-02-01&amp;group_by=site"'.encode() in html

    def test_it_has_no_patient_level_data(self, admin: Client, world: World) -> None:
        text = admin.get(URL).content.decode()
        for patient in (world.patient, world.other_patient):
            assert patient.mrn not in text
            assert patient.family_name not in text
        assert len(rows(admin.get(URL))) == 2  # one line per group

    def test_it_audits_one_entry_per_download(self, admin: Client, world: World) -> None:
        before = AuditEvent.objects.filter(action="outcomes_export_csv").count()
        admin.get(URL)
        entries = AuditEvent.objects.filter(action="outcomes_export_csv")
        assert entries.count() == before + 1
        assert entries.latest("seq").program_id == world.program.pk

    def test_a_group_label_never_runs_as_a_spreadsheet_formula(self, admin: Client, world: World) -> None:
        Episode.objects.filter(patient=world.patient).update(cohort='=HYPERLINK("http://x.example","go")')
        groups = [row["group"] for row in rows(admin.get(URL))]
        assert '\'=HYPERLINK("http://x.example","go")' in groups

    def test_bad_input_is_refused_with_the_reason(self, admin: Client) -> None:
        before = AuditEvent.objects.filter(action="outcomes_export_csv").count()
        response = admin.get(URL, {"admitted_from": "2026-03-01", "admitted_to": "2026-02-01"})
        assert response.status_code == 422
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "Admitted to:" in response.content.decode()
        assert "is before" in response.content.decode()
        assert AuditEvent.objects.filter(action="outcomes_export_csv").count() == before


class TestCells:
    """The pure formatting of table.py, on a made-up group with edge values."""

    def group(self, **changes: object) -> GroupOutcome:
        fields: dict[str, object] = {
            "group": "Arm A",
            "episodes": 3,
            "patients": 2,
            "inducted": 2,
            "retained": {30: 1},
            "continuity_180": 0,
            "expected_specimens": 0,
            "negative_specimens": 0,
            "negative_share": None,
            "longest_negative_run_median": 2.5,
            "sessions_expected": 4,
            "sessions_attended": 3,
            "attendance_rate": 0.75,
            "cm_cost_per_patient": Decimal("12.5"),
            "median_days_to_first_dose": None,
            "retention_curve": ((0, 1.0),),
        }
        return GroupOutcome(**{**fields, **changes})  # type: ignore[arg-type]

    def test_shares_have_four_decimals_and_no_denominator_gives_an_empty_cell(self) -> None:
        (row,) = table.csv_rows([self.group()], (30,))
        cells = dict(zip(table.csv_header((30,)), row, strict=True))
        assert cells["inducted_share"] == "0.6667"
        assert cells["retained_30_share"] == "0.3333"
        assert cells["negative_share"] == ""
        assert cells["attendance_rate"] == "0.7500"
        assert cells["longest_negative_run_median"] == "2.5"
        assert cells["median_days_to_first_dose"] == ""
        assert cells["cm_cost_per_patient"] == "12.50"

    def test_the_page_shows_counts_with_denominators_and_dashes_for_none(self) -> None:
        (row,) = table.rows([self.group()], (30,))
        assert (row.inducted.n, row.inducted.of, row.inducted.percent) == (2, 3, "67%")
        assert row.negative.percent == "—"
        assert row.cm_cost_per_patient == "$12.50"
        assert row.days_to_first_dose == "—"
        assert row.longest_negative_run == "2.5"

    def test_a_retention_day_the_engine_did_not_count_is_zero(self) -> None:
        (row,) = table.rows([self.group()], (30, 90))
        assert [(d, c.n) for d, c in row.retained] == [(30, 1), (90, 0)]
