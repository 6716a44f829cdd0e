"""The patient list and the chart page cost a fixed number of queries, however
many patients the program has."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.chart.models import Disclosure, Episode, LevelOfCareChange
from waymark.conftest import World, make_consent, make_patient

# Measured, not guessed: session, user and OTP device (3), the page's own reads,
# the audit append (savepoint, chain head, insert, head update, release) and the
# session write that keeps the staff idle clock. A page that grows past these
# has gained a query; look before raising them.
LIST_MAX = 13
CHART_MAX = 22


def add_patients(world: World, n: int, offset: int = 0) -> None:
    """n more patients, each with an episode (with level history), a consent and a disclosure,
    all on the counsellor's care team so the chart's care-team check sees a busy caseload."""
    admin = world.user("program_admin")
    for i in range(offset, offset + n):
        patient = make_patient(world.program, f"BULK-{i}", f"Given{i}", f"Family{i:03d}", site=world.site)
        episode = Episode.objects.create(
            patient=patient,
            site=world.site,
            admitted_on=dt.date(2026, 1, 1) + dt.timedelta(days=i % 20),
            level_of_care="outpatient",
            primary_substance="heroin",
        )
        LevelOfCareChange.objects.create(
            episode=episode, level_of_care="outpatient", started_on=episode.admitted_on, recorded_by=admin
        )
        consent = make_consent(patient, admin, signed_on=episode.admitted_on)
        Disclosure.objects.create(
            patient=patient,
            consent=consent,
            disclosed_on=episode.admitted_on,
            recipient="Primary care clinic",
            description="Dose",
            purpose="Treatment",
            recorded_by=admin,
        )
        patient.care_team.create(user=world.user("counsellor"), role="counsellor")


def add_history(world: World, n: int) -> None:
    """More history on world.patient's own chart: past episodes, consents, disclosures."""
    patient = world.patient
    admin = world.user("program_admin")
    for i in range(n):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=30 * i)
        episode = Episode.objects.create(
            patient=patient,
            site=world.site,
            admitted_on=start,
            discharged_on=start + dt.timedelta(days=20),
            discharge_reason="completed",
            level_of_care="outpatient",
            primary_substance="heroin",
        )
        LevelOfCareChange.objects.create(
            episode=episode, level_of_care="outpatient", started_on=start, recorded_by=admin
        )
        consent = make_consent(
            patient,
            admin,
            kind="specific",
            recipients=f"Recipient {i}",
            expiry_kind="date",
            expires_on=start + dt.timedelta(days=60),
            signed_on=start,
        )
        Disclosure.objects.create(
            patient=patient,
            consent=consent,
            disclosed_on=start + dt.timedelta(days=1),
            recipient=f"Recipient {i}",
            description="Dose",
            purpose="Treatment",
            recorded_by=admin,
        )


def count_queries(client: Client, method: str, url: str, data: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 200
    return len(ctx.captured_queries)


class TestPatientListQueries:
    def test_it_stays_within_the_budget(self, world: World, as_role, django_assert_max_num_queries) -> None:
        add_patients(world, 30)
        client: Client = as_role("counsellor")
        with django_assert_max_num_queries(LIST_MAX):
            response = client.get(reverse("patient_list"))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 25

    def test_a_search_stays_within_the_budget(self, world: World, as_role, django_assert_max_num_queries) -> None:
        add_patients(world, 30)
        client: Client = as_role("nurse")
        with django_assert_max_num_queries(LIST_MAX):
            response = client.post(reverse("patient_list"), {"q": "Family0"})
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 30

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_it_does_not_grow_with_fifty_more_patients(self, method: str, world: World, as_role) -> None:
        client: Client = as_role("counsellor")
        url = reverse("patient_list")
        data = {"q": "Fam"} if method == "post" else {}
        add_patients(world, 5)
        count_queries(client, method, url, data)  # warm up the session and the chain head
        before = count_queries(client, method, url, data)
        add_patients(world, 50, offset=5)
        after = count_queries(client, method, url, data)
        assert after == before


class TestChartQueries:
    def test_it_stays_within_the_budget(self, world: World, as_role, django_assert_max_num_queries) -> None:
        add_patients(world, 10)
        add_history(world, 5)
        client: Client = as_role("counsellor")
        with django_assert_max_num_queries(CHART_MAX):
            response = client.get(reverse("chart", args=[world.patient.pk]))
        assert response.status_code == 200
        assert len(response.context["episodes"]) == 6

    @pytest.mark.parametrize("role", ["counsellor", "nurse", "patient"])
    def test_it_does_not_grow_with_fifty_more_patients(self, role: str, world: World, as_role) -> None:
        client: Client = as_role(role)
        url = reverse("chart", args=[world.patient.pk])
        count_queries(client, "get", url)
        before = count_queries(client, "get", url)
        add_patients(world, 50)
        after = count_queries(client, "get", url)
        assert after == before

    def test_it_does_not_grow_with_the_patients_own_history(self, world: World, as_role) -> None:
        client: Client = as_role("counsellor")
        url = reverse("chart", args=[world.patient.pk])
        count_queries(client, "get", url)
        add_history(world, 1)
        before = count_queries(client, "get", url)
        add_history(world, 10)
        after = count_queries(client, "get", url)
        assert after == before
