"""Companion alerts for staff: listed on the person's companion page and on /companion/care/alerts/ (the staff
member's own care team, or the program for program-scoped roles), acknowledged once with an optional note,
audited; and the chart page's panel."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from waymark.chart.models import Patient
from waymark.companion import services, services_data
from waymark.companion.models import CareTeamAlert, CompanionProfile
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/companion/care/alerts/"
DAY = dt.date(2026, 3, 2)


def raise_for(patient: Patient, kind: str = "crisis", day: dt.date = DAY) -> CareTeamAlert:
    alert = services.raise_alert(patient, kind, day, f"Summary for {patient.mrn} {kind}.")
    assert alert is not None
    return alert


def ack_url(alert: CareTeamAlert, patient_id: int | None = None) -> str:
    return f"/companion/care/{patient_id or alert.patient_id}/alerts/{alert.pk}/acknowledge/"


class TestAcknowledge:
    def test_the_care_team_acknowledges_with_a_note(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        counsellor = world.user(Role.COUNSELLOR)
        sign_in(client, counsellor)
        response = client.post(ack_url(alert), {"note": "Called, she is safe, seeing her tomorrow"})
        assert response.status_code == 302 and response["Location"] == f"/companion/care/{world.patient.pk}/"
        alert.refresh_from_db()
        assert alert.acknowledged_by == counsellor
        assert alert.acknowledged_at is not None
        assert alert.acknowledged_note == "Called, she is safe, seeing her tomorrow"
        event = AuditEvent.objects.get(action="companion_alert_acknowledge")
        assert (event.actor_id, event.patient_id, event.object_id) == (counsellor.pk, world.patient.pk, str(alert.pk))
        html = client.get(f"/companion/care/{world.patient.pk}/").content.decode()
        assert "Acknowledged by" in html and "seeing her tomorrow" in html

    def test_without_a_note(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.PROGRAM_ADMIN))  # program scope, writes charts
        assert client.post(ack_url(alert)).status_code == 302
        alert.refresh_from_db()
        assert alert.acknowledged_by == world.user(Role.PROGRAM_ADMIN) and alert.acknowledged_note == ""

    def test_a_dispensing_nurse_reads_but_cannot_mark_it_handled(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.NURSE))  # program scope, reads charts only
        assert client.get(f"/companion/care/{world.patient.pk}/").status_code == 200
        assert client.post(ack_url(alert)).status_code == 403
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_it_is_acknowledged_once(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        client.post(ack_url(alert), {"note": "first"})
        sign_in(client, world.user(Role.PRESCRIBER))
        response = client.post(ack_url(alert), {"note": "second"}, follow=True)
        assert "already acknowledged" in response.content.decode()
        alert.refresh_from_db()
        assert (alert.acknowledged_by, alert.acknowledged_note) == (world.user(Role.COUNSELLOR), "first")
        assert AuditEvent.objects.filter(action="companion_alert_acknowledge").count() == 1

    def test_a_too_long_note_is_shown_and_nothing_saved(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        response = client.post(ack_url(alert), {"note": "x" * 301})
        assert response.status_code == 422
        assert "under 300 characters" in response.content.decode()
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_another_patients_alert_through_this_patients_url_is_404(self, client: Client, world: World) -> None:
        other = raise_for(world.other_patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.post(ack_url(other, world.patient.pk)).status_code == 404
        other.refresh_from_db()
        assert other.acknowledged_at is None

    def test_outsiders_patients_and_off_team_counsellors_cannot(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.outsider_staff[Role.COUNSELLOR])
        assert client.post(ack_url(alert)).status_code == 404
        sign_in(client, world.user(Role.PATIENT))
        assert client.post(ack_url(alert)).status_code == 403
        sign_in(client, make_user(world.program, Role.COUNSELLOR, "second-counsellor"))
        assert client.post(ack_url(alert)).status_code == 302  # to break the glass
        sign_in(client, world.user(Role.PRIVACY_OFFICER))
        assert client.post(ack_url(alert)).status_code == 403
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_get_is_not_allowed(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(ack_url(alert)).status_code == 405


class TestAlertList:
    def test_a_counsellor_sees_their_care_teams_open_alerts(self, client: Client, world: World) -> None:
        mine = raise_for(world.patient)
        raise_for(world.other_patient)  # same program, not on the counsellor's care team
        raise_for(world.outsider_patient)
        done = raise_for(world.patient, "early_warning")
        CareTeamAlert.objects.filter(pk=done.pk).update(acknowledged_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        sign_in(client, world.user(Role.COUNSELLOR))
        response = client.get(LIST)
        assert response.status_code == 200
        assert [a.pk for a in response.context["alerts"]] == [mine.pk]
        html = response.content.decode()
        assert "Dana" in html and "Elliot" not in html and "Frankie" not in html

    def test_program_scoped_roles_see_the_programs(self, client: Client, world: World) -> None:
        raise_for(world.patient)
        raise_for(world.other_patient)
        raise_for(world.outsider_patient)
        sign_in(client, world.user(Role.NURSE))
        patients = {a.patient_id for a in client.get(LIST).context["alerts"]}
        assert patients == {world.patient.pk, world.other_patient.pk}

    def test_acknowledging_from_the_list_returns_to_it(self, client: Client, world: World) -> None:
        alert = raise_for(world.patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        response = client.post(ack_url(alert), {"back": "alerts"})
        assert response["Location"] == LIST
        assert list(client.get(LIST).context["alerts"]) == []

    def test_reading_the_list_is_audited(self, client: Client, world: World) -> None:
        raise_for(world.patient)
        sign_in(client, world.user(Role.COUNSELLOR))
        client.get(LIST)
        event = AuditEvent.objects.get(object_type="companion_alerts")
        assert event.actor_id == world.user(Role.COUNSELLOR).pk and event.reason == "1 open alerts"

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
    def test_others_are_refused(self, client: Client, world: World, role: Role) -> None:
        sign_in(client, world.user(role))
        assert client.get(LIST).status_code == 403

    def test_the_query_count_does_not_grow_per_alert(self, client: Client, world: World) -> None:
        sign_in(client, world.user(Role.NURSE))
        client.get(LIST)  # the first request after signing in also writes the session
        for n in range(12):
            raise_for(world.patient, day=DAY - dt.timedelta(days=n))
        with CaptureQueriesContext(connection) as few:
            client.get(LIST)
        for n in range(12, 30):
            raise_for(world.other_patient, day=DAY - dt.timedelta(days=n))
        with CaptureQueriesContext(connection) as many:
            client.get(LIST)
        assert len(many) == len(few)


class TestChartPanel:
    def test_it_counts_open_alerts_and_links_to_the_page(self, world: World, patient_profile: CompanionProfile) -> None:
        raise_for(world.patient)
        raise_for(world.patient, "early_warning")
        panel = services_data.care_panel(world.patient)
        assert (panel.uses_companion, panel.shares_trends, panel.open_alerts) == (True, False, 2)
        html = render_to_string("companion/_care_panel.html", {"panel": panel})
        assert "2 open alerts" in html and f'href="/companion/care/{world.patient.pk}/"' in html
        assert "Check-in trends not shared." in html

    def test_a_person_without_the_companion(self, world: World) -> None:
        panel = services_data.care_panel(world.other_patient)
        assert not panel.uses_companion and panel.open_alerts == 0
        assert "Not using the recovery companion." in render_to_string("companion/_care_panel.html", {"panel": panel})

    def test_open_alert_count(self, world: World) -> None:
        raise_for(world.patient)
        assert services_data.open_alert_count(world.patient) == 1
        assert services_data.open_alert_count(world.other_patient) == 0


class TestNurseView:
    def test_a_dispensing_nurse_sees_alerts_without_the_acknowledge_form(self, client: Client, world: World) -> None:
        raise_for(world.patient)
        sign_in(client, world.user(Role.NURSE))
        for url in (f"/companion/care/{world.patient.pk}/", "/companion/care/alerts/"):
            html = client.get(url).content.decode()
            assert "acknowledge/" not in html, url
        sign_in(client, world.user(Role.COUNSELLOR))
        assert "acknowledge/" in client.get(f"/companion/care/{world.patient.pk}/").content.decode()
