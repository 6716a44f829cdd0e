"""The COWS chart on the assessments page: the episode's COWS totals against
hours since last use (the record's own time, else the one reported earlier,
else the detox stay's) or since the first observed dose, switched by a plain
link; drawn as inline SVG with the COWS bands (REFERENCE.md §1) shaded and
labelled, a title and description, and the same data as a table."""

import datetime as dt
import re
import uuid

import pytest
from django.test import Client

from waymark.assess import services
from waymark.assess.models import DetoxStay
from waymark.assess.tests.instrument_helpers import ago, give, page_url, totalling
from waymark.assess.views import MAX_COWS, PLOT_BOTTOM, TOP
from waymark.conftest import World, sign_in
from waymark.core.roles import Role
from waymark.labs.tests.helpers import order_buprenorphine
from waymark.meds.models import DoseAdministration, MedicationOrder

pytestmark = pytest.mark.django_db


def dose(world: World, at: dt.datetime, outcome: str = "observed", day: dt.date | None = None) -> DoseAdministration:
    """A buprenorphine dose at the window (set-up, written directly)."""
    order = MedicationOrder.objects.filter(patient=world.patient).first() or order_buprenorphine(
        world, world.patient, "4"
    )
    return DoseAdministration.objects.create(
        patient=world.patient,
        order=order,
        clinic_day=day or world.program.clinic_day(at),
        slot=1 if day is None else 2,
        outcome=outcome,
        amount_mg=4 if outcome == "observed" else None,
        idempotency_key=f"setup-{uuid.uuid4()}",
        recorded_by=world.user(Role.NURSE),
        recorded_at=at,
    )


def stay(world: World, last_use: dt.datetime | None, started: dt.datetime) -> DetoxStay:
    return DetoxStay.objects.create(
        patient=world.patient,
        episode=world.patient.episodes.get(),
        protocol="buprenorphine",
        started_at=started,
        last_use_at=last_use,
        idempotency_key=f"setup-{uuid.uuid4()}",
        started_by=world.user(Role.NURSE),
    )


def hours(series: services.CowsSeries) -> list[float | None]:
    return [p.hours for p in series.rows]


class TestSeries:
    def test_hours_since_last_use_come_from_the_record_and_carry_forward(self, world: World) -> None:
        give(world, "cows", totalling("cows", 6), at=ago(hours=8), last_use_at=ago(hours=20))
        give(world, "cows", totalling("cows", 14), at=ago(hours=4))
        give(world, "cows", totalling("cows", 9), at=ago(hours=2), last_use_at=ago(hours=3))  # used again
        series = services.cows_series(world.patient, "last_use")
        assert hours(series) == [12.0, 16.0, 1.0]
        assert [p.total for p in series.rows] == [6, 14, 9]
        assert [p.band for p in series.rows] == ["mild", "moderate", "mild"]
        assert series.notes == ()

    def test_without_its_own_time_the_detox_stays_last_use_is_used(self, world: World) -> None:
        stay(world, last_use=ago(hours=30), started=ago(hours=10))
        give(world, "cows", totalling("cows", 13), at=ago(hours=6))
        assert hours(services.cows_series(world.patient)) == [24.0]

    def test_with_no_last_use_at_all_the_record_is_listed_but_not_placed(self, world: World) -> None:
        give(world, "cows", totalling("cows", 13), at=ago(hours=6))
        series = services.cows_series(world.patient)
        assert hours(series) == [None] and series.points == () and series.unplaced == 1
        assert "1 COWS with no last-use time" in series.notes[0]

    def test_hours_since_the_first_observed_dose_of_the_episode(self, world: World) -> None:
        give(world, "cows", totalling("cows", 15), at=ago(hours=7))  # baseline, before the dose
        dose(world, ago(hours=6), outcome="refused", day=world.program.clinic_day(ago(hours=6.5)))
        first = dose(world, ago(hours=5))
        give(world, "cows", totalling("cows", 8), at=ago(hours=3))
        series = services.cows_series(world.patient, "first_dose")
        assert series.first_dose_at == first.recorded_at
        assert hours(series) == [-2.0, 2.0]

    def test_doses_before_the_episode_do_not_count(self, world: World) -> None:
        episode = world.patient.episodes.get()
        episode.admitted_on = world.program.clinic_day() - dt.timedelta(days=2)
        episode.save()
        dose(world, ago(days=10))
        give(world, "cows", totalling("cows", 8), at=ago(hours=3))
        series = services.cows_series(world.patient, "first_dose")
        assert series.first_dose_at is None and hours(series) == [None]
        assert "No observed dose" in series.notes[0]

    def test_only_the_current_episodes_cows_are_charted(self, world: World) -> None:
        episode = world.patient.episodes.get()
        episode.admitted_on = world.program.clinic_day() - dt.timedelta(days=2)
        episode.save()
        give(world, "cows", totalling("cows", 20), at=ago(days=5), last_use_at=ago(days=6))
        give(world, "cows", totalling("cows", 8), at=ago(hours=3), last_use_at=ago(hours=15))
        assert [p.total for p in services.cows_series(world.patient).rows] == [8]


def svg(html: str) -> str:
    found = re.search(r"<svg .*?</svg>", html, re.S)
    assert found is not None, "no chart"
    return found.group(0)


class TestThePage:
    def test_the_chart_draws_the_bands_and_the_points(self, world: World, as_role) -> None:
        give(world, "cows", totalling("cows", 4), at=ago(hours=10), last_use_at=ago(hours=22))
        give(world, "cows", totalling("cows", 25), at=ago(hours=6))
        give(world, "cows", totalling("cows", 13), at=ago(hours=2))
        html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
        chart = svg(html)
        assert 'role="img"' in chart and 'aria-labelledby="cows-chart-title cows-chart-desc"' in chart
        assert '<title id="cows-chart-title">COWS total against hours since last use</title>' in chart
        desc = re.search(r'<desc id="cows-chart-desc">(.*?)</desc>', chart, re.S)
        assert desc is not None
        assert "3 assessments, from 12 h to 20 h" in desc.group(1)
        assert "Latest: 13, moderate (13–24), at 20 h" in desc.group(1)
        assert re.findall(r'data-band="([\w-]+)"', chart) == [
            "below-mild",
            "mild",
            "moderate",
            "moderately-severe",
            "severe",
        ]
        labels = re.findall(r'data-band-label="[\w-]+">([^<]+)</text>', chart)
        assert labels == [
            "Below mild (0–4)",
            "Mild (5–12)",
            "Moderate (13–24)",
            "Moderately severe (25–36)",
            "Severe (more than 36)",
        ]
        dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="4"><title>([^<]+)</title>', chart)
        assert [t for _, _, t in dots] == [
            "12 h: COWS 4, below mild (0–4)",
            "16 h: COWS 25, moderately severe (25–36)",
            "20 h: COWS 13, moderate (13–24)",
        ]
        # Higher scores are drawn higher, inside the plot; later hours further right.
        xs = [float(x) for x, _, _ in dots]
        ys = [float(y) for _, y, _ in dots]
        assert xs == sorted(xs)
        assert ys[1] < ys[2] < ys[0] and all(TOP <= y <= PLOT_BOTTOM for y in ys)
        assert ys[0] == round(PLOT_BOTTOM - (PLOT_BOTTOM - TOP) * 4 / MAX_COWS, 1)
        assert "Hours since last use</text>" in chart

    def test_the_data_table_is_the_text_alternative(self, world: World, as_role) -> None:
        give(world, "cows", totalling("cows", 4), at=ago(hours=10), last_use_at=ago(hours=22.5))
        html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
        table = re.search(r'<table id="cows-data">.*?</table>', html, re.S)
        assert table is not None
        assert "<caption>COWS in this episode, oldest first (hours since last use)</caption>" in table.group(0)
        assert "<td>12.5</td><td>4</td><td>Below mild (0–4)</td>" in table.group(0)

    def test_the_axis_switches_with_a_plain_link(self, world: World, as_role) -> None:
        give(world, "cows", totalling("cows", 16), at=ago(hours=8), last_use_at=ago(hours=20))
        dose(world, ago(hours=7))
        give(world, "cows", totalling("cows", 5), at=ago(hours=4))
        client = as_role(Role.PRESCRIBER)
        by_use = client.get(page_url(world.patient)).content.decode()
        assert '<strong aria-current="true">Hours since last use</strong>' in by_use
        assert '<a href="?axis=first_dose#cows-chart">Hours since first dose</a>' in by_use
        by_dose = client.get(page_url(world.patient) + "?axis=first_dose").content.decode()
        assert '<strong aria-current="true">Hours since first dose</strong>' in by_dose
        assert '<a href="?axis=last_use#cows-chart">Hours since last use</a>' in by_dose
        titles = re.findall(r"<title>([^<]+)</title>", svg(by_dose))
        assert titles == ["-1 h: COWS 16, moderate (13–24)", "3 h: COWS 5, mild (5–12)"]
        assert "First observed dose recorded" in by_dose
        # The axis starts before zero for a baseline taken before the dose.
        assert ">-1 h</text>" in svg(by_dose)

    def test_an_unknown_axis_falls_back_to_last_use(self, world: World, as_role) -> None:
        html = as_role(Role.NURSE).get(page_url(world.patient) + "?axis=moon").content.decode()
        assert '<strong aria-current="true">Hours since last use</strong>' in html

    def test_without_a_time_to_count_from_there_is_a_table_and_no_chart(self, world: World, as_role) -> None:
        give(world, "cows", totalling("cows", 13), at=ago(hours=6))
        html = as_role(Role.NURSE).get(page_url(world.patient)).content.decode()
        assert "<svg " not in html.split('id="cows-chart"')[1].split("</section>")[0]
        assert "<td>—</td><td>13</td><td>Moderate (13–24)</td>" in html
        assert "1 COWS with no last-use time" in html

    def test_the_patient_sees_their_own_chart(self, world: World) -> None:
        give(world, "cows", totalling("cows", 7), at=ago(hours=3), last_use_at=ago(hours=12))
        html = sign_in(Client(), world.user(Role.PATIENT)).get(page_url(world.patient)).content.decode()
        assert "9 h: COWS 7, mild (5–12)" in svg(html)
