"""Bad filter input on the outcomes dashboard: a clear message next to the field, status 422, no
table, no charts, nothing computed and nothing audited."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.outcomes import forms, report
from waymark.outcomes.tests.dashboard_data import hand_made_program

URL = reverse("outcomes:dashboard")


@pytest.fixture
def admin(world: World, as_role: Callable[[str], Client]) -> Client:
    hand_made_program(world)
    return as_role("program_admin")


def tomorrow(world: World) -> str:
    return (world.program.clinic_day() + dt.timedelta(days=1)).isoformat()


BAD = [
    pytest.param(
        {"admitted_from": "2026-03-01", "admitted_to": "2026-02-01"}, "admitted_to", "is before", id="from-after-to"
    ),
    pytest.param({"admitted_from": "2026-02-30"}, "admitted_from", "Enter a date as YYYY-MM-DD.", id="no-such-date"),
    pytest.param({"group_by": "postcode"}, "group_by", "Choose one of the groupings in the list.", id="unknown-group"),
    pytest.param({"retention_days": "30, -5"}, "retention_days", "-5 is out of range", id="negative-day"),
    pytest.param({"retention_days": "30, 4000"}, "retention_days", "between 1 and 3650", id="day-over-3650"),
    pytest.param({"retention_days": "30, ninety"}, "retention_days", "“ninety” is not a whole number", id="word"),
    pytest.param({"retention_days": "1,2,3,4,5,6,7"}, "retention_days", "at most 6 days", id="too-many-days"),
    pytest.param({"allowed_gap_days": "-1"}, "allowed_gap_days", "between 0 and 3650", id="negative-gap"),
    pytest.param({"allowed_gap_days": "3651"}, "allowed_gap_days", "between 0 and 3650", id="gap-over-3650"),
    pytest.param({"allowed_gap_days": "a week"}, "allowed_gap_days", "Enter a whole number of days", id="gap-word"),
    pytest.param({"missing": "ignore"}, "missing", "Choose how to count missing specimens.", id="unknown-missing"),
]


class TestBadInput:
    @pytest.mark.parametrize(("params", "field", "message"), BAD)
    def test_it_shows_the_error_next_to_the_field_and_no_table(
        self, admin: Client, params: dict[str, str], field: str, message: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def must_not_run(*_: object) -> None:
            raise AssertionError("computed outcomes for bad input")

        monkeypatch.setattr(report, "outcomes", must_not_run)
        before = AuditEvent.objects.filter(action="outcomes_view").count()
        response = admin.get(URL, params)
        assert response.status_code == 422
        html = response.content.decode()
        assert f'<ul class="errorlist" id="id_{field}_error">' in html
        assert message in html.split(f'id="id_{field}_error">')[1].split("</ul>")[0]
        assert "nothing was computed" in html
        assert 'class="outcomes-table"' not in html
        assert 'role="img"' not in html
        assert "Download CSV" not in html
        assert AuditEvent.objects.filter(action="outcomes_view").count() == before

    def test_a_future_date_is_refused(self, admin: Client, world: World) -> None:
        response = admin.get(URL, {"admitted_to": tomorrow(world)})
        assert response.status_code == 422
        assert "is in the future" in response.content.decode()

    def test_the_field_is_marked_invalid_for_assistive_technology(self, admin: Client) -> None:
        html = admin.get(URL, {"allowed_gap_days": "-1"}).content.decode()
        field = re.search(r'<input[^>]*name="allowed_gap_days"[^>]*>', html)
        assert field is not None
        assert 'aria-invalid="true"' in field.group(0)
        assert "id_allowed_gap_days_error" in field.group(0)

    def test_it_keeps_what_was_typed(self, admin: Client) -> None:
        html = admin.get(URL, {"retention_days": "30, 4000", "group_by": "site"}).content.decode()
        assert 'value="30, 4000"' in html
        assert '<option value="site" selected>' in html


class TestDefaults:
    def test_no_filter_means_every_episode_grouped_by_cohort(self, admin: Client) -> None:
        html = admin.get(URL).content.decode()
        assert "all episodes, imported history included" in html
        assert 'value="30, 90, 180"' in html
        assert '<option value="cohort" selected>' in html
        assert "gaps of up to 7 days allowed" in html
        assert "counted as positive" in html

    def test_empty_fields_fall_back_to_the_defaults(self, admin: Client) -> None:
        response = admin.get(
            URL, {"admitted_from": "", "admitted_to": "", "retention_days": "", "allowed_gap_days": "", "group_by": ""}
        )
        assert response.status_code == 200
        assert "Retained at day 90" in response.content.decode()


class TestFormQuery:
    def test_it_builds_the_engines_query_for_the_viewers_program(self) -> None:
        form = forms.OutcomeFilterForm(
            {
                "admitted_from": "2025-01-01",
                "admitted_to": "2025-12-31",
                "group_by": "site",
                "retention_days": "180; 30, 30",
                "allowed_gap_days": "14",
                "missing": "excluded",
            },
            today=dt.date(2026, 1, 1),
        )
        assert form.is_valid(), form.errors
        assert form.query(7) == report.OutcomeQuery(
            program_ids=(7,),
            group_by="site",
            admitted_from=dt.date(2025, 1, 1),
            admitted_to=dt.date(2025, 12, 31),
            retention_days=(30, 180),
            allowed_gap_days=14,
            missing_counts_as_positive=False,
        )

    def test_its_groupings_are_the_engines(self) -> None:
        assert [key for key, _ in forms.GROUP_CHOICES] == list(report.GROUP_BY)
