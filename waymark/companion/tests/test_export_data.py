"""/companion/my-data/: the person downloads everything they wrote, as JSON and as a readable page; never anyone
else's data; audited; the number of queries does not grow with the data; other apps add their part through
services_data.EXPORTERS."""

import datetime as dt
import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waymark.companion import services, services_data
from waymark.companion.models import (
    CompanionProfile,
    MeetingLog,
    MilestoneSeen,
    PlanItem,
    RelapsePlan,
    ReminderSent,
    SupportContact,
)
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import World, sign_in
from waymark.core.models import AuditEvent, User
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

JSON_URL = "/companion/my-data/waymark-companion.json"
HTML_URL = "/companion/my-data/waymark-companion.html"


def write_everything(user: User, profile: CompanionProfile, tag: str) -> None:
    """One of each kind of companion row, every text carrying `tag`."""
    today = services.today_for(profile)
    check_in(user, profile, day=today - dt.timedelta(days=1), craving=4, triggers=("stress",), note=f"{tag} note")
    check_in(user, profile, mood=2, craving=6, own_triggers=f"{tag} own trigger", sleep_hours="6.5")
    check_in(user, profile, mood=4, craving=3, note=f"{tag} changed today")  # today's, changed: one revision
    services.write_journal(user, profile, text=f"{tag} journal entry", prompt="gratitude", client_id=uuid.uuid4())
    plan = RelapsePlan.objects.create(user=user, reasons=f"{tag} my kids\n{tag} my health")
    PlanItem.objects.create(plan=plan, kind="trigger", text=f"{tag} payday", coping=f"{tag} call my sponsor")
    SupportContact.objects.create(user=user, name=f"{tag} Sam", role="sponsor", phone="207-555-0142")
    MeetingLog.objects.create(user=user, day=today, kind="smart", name=f"{tag} Tuesday group")
    MilestoneSeen.objects.create(user=user, key="30_days", reached_on=today)
    ReminderSent.objects.create(user=user, kind="check_in", slot=today.isoformat(), channel="email")


@pytest.fixture
def other(world: World) -> User:
    user = world.user(Role.PATIENT)
    write_everything(user, start(user), "THEIRS")
    return user


def download(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200
    return response


class TestJson:
    def test_it_contains_everything_written(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        user = self_guided_profile.user
        write_everything(user, self_guided_profile, "MINE")
        response = download(person_client, JSON_URL)
        assert response["Content-Disposition"] == 'attachment; filename="waymark-companion.json"'
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert "no-store" in response["Cache-Control"]
        data = json.loads(response.content)
        assert (data["format"], data["version"]) == ("waymark-companion", 1)
        assert data["account"]["username"] == "river" and data["account"]["program"] is None
        assert data["profile"]["time_zone"] == "America/New_York"
        assert data["profile"]["recovery_started_on"] == self_guided_profile.recovery_started_on.isoformat()
        yesterday, today = data["check_ins"]
        assert yesterday["note"] == "MINE note" and yesterday["triggers"] == ["stress"]
        assert (today["mood"], today["craving"], today["note"]) == (4, 3, "MINE changed today")
        [earlier] = today["earlier_versions"]
        assert earlier["values"]["craving"] == 6
        assert earlier["values"]["own_triggers"] == "MINE own trigger"
        assert earlier["values"]["sleep_hours"] == "6.5"
        [entry] = data["journal"]
        assert (entry["text"], entry["prompt"], entry["shared_with_care_team"]) == (
            "MINE journal entry",
            "gratitude",
            False,
        )
        assert data["plan"]["reasons"] == ["MINE my kids", "MINE my health"]
        assert data["plan"]["items"] == [
            {"kind": "trigger", "text": "MINE payday", "coping": "MINE call my sponsor", "position": 0}
        ]
        assert data["support_contacts"] == [
            {"name": "MINE Sam", "role": "sponsor", "phone": "207-555-0142", "on_plan": True}
        ]
        assert data["meetings"][0]["name"] == "MINE Tuesday group"
        assert data["milestones"][0]["key"] == "30_days"
        assert data["reminders_sent"][0]["kind"] == "check_in"
        assert data["not_included"]

    def test_another_persons_data_is_never_included(
        self, person_client: Client, self_guided_profile: CompanionProfile, other: User
    ) -> None:
        write_everything(self_guided_profile.user, self_guided_profile, "MINE")
        for url in (JSON_URL, HTML_URL):
            body = download(person_client, url).content.decode()
            assert "MINE" in body
            assert "THEIRS" not in body
            assert "207-555-0100" not in body  # the other person's chart phone

    def test_an_empty_companion_exports_cleanly(self, person_client: Client) -> None:
        data = json.loads(download(person_client, JSON_URL).content)
        assert data["check_ins"] == [] and data["plan"] is None and data["journal"] == []

    def test_a_program_patient_is_told_alerts_are_left_out(self, patient_client: Client, world: World) -> None:
        data = json.loads(download(patient_client, JSON_URL).content)
        assert data["account"]["program"] == world.program.name
        assert any("Alerts sent to your care team" in note for note in data["not_included"])
        assert "alerts" not in data


class TestReadableCopy:
    def test_it_is_a_download_with_everything(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        write_everything(self_guided_profile.user, self_guided_profile, "MINE")
        response = download(person_client, HTML_URL)
        assert response["Content-Disposition"] == 'attachment; filename="waymark-companion.html"'
        assert response["Content-Type"] == "text/html; charset=utf-8"
        html = response.content.decode()
        assert html.startswith("<!doctype html>")
        for text in ("MINE journal entry", "MINE note", "MINE payday", "MINE call my sponsor", "MINE Sam", "Stress"):
            assert text in html
        assert "<script" not in html and "style=" not in html

    def test_times_are_in_the_persons_zone(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        written = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
        services.write_journal(
            self_guided_profile.user, self_guided_profile, text="yesterday", client_id=uuid.uuid4(), written_at=written
        )
        html = download(person_client, HTML_URL).content.decode()
        assert written.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M") in html
        assert "America/New_York" in html

    def test_text_is_escaped(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        services.write_journal(
            self_guided_profile.user, self_guided_profile, text="<script>alert(1)</script>", client_id=uuid.uuid4()
        )
        html = download(person_client, HTML_URL).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


class TestAudit:
    def test_each_download_is_recorded(self, person_client: Client, self_guided_profile: CompanionProfile) -> None:
        download(person_client, JSON_URL)
        download(person_client, HTML_URL)
        events = AuditEvent.objects.filter(action="companion_export", actor_id=self_guided_profile.user_id)
        assert sorted(events.values_list("reason", flat=True)) == ["html", "json"]

    def test_a_program_patients_export_is_on_their_chart(self, patient_client: Client, world: World) -> None:
        download(patient_client, JSON_URL)
        assert AuditEvent.objects.get(action="companion_export").patient_id == world.patient.pk


class TestQueries:
    def count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            download(client, url)
        return len(queries)

    @pytest.mark.parametrize("url", [JSON_URL, HTML_URL])
    def test_the_query_count_does_not_grow_with_the_data(
        self, person_client: Client, self_guided_profile: CompanionProfile, url: str
    ) -> None:
        user = self_guided_profile.user
        write_everything(user, self_guided_profile, "A")
        few = self.count(person_client, url)
        today = services.today_for(self_guided_profile)
        for back in range(2, 7):
            check_in(user, self_guided_profile, day=today - dt.timedelta(days=back))
            services.write_journal(user, self_guided_profile, text=f"entry {back}", client_id=uuid.uuid4())
            SupportContact.objects.create(user=user, name=f"Friend {back}", role="friend", phone="207-555-0150")
            MeetingLog.objects.create(user=user, day=today - dt.timedelta(days=back), kind="na")
        plan = RelapsePlan.objects.get(user=user)
        PlanItem.objects.create(plan=plan, kind="warning_sign", text="isolating", coping="go to a meeting")
        assert self.count(person_client, url) == few


def dummy_exporter(user: User) -> services_data.ExportSection:
    return services_data.ExportSection(
        key="peer_group_posts",
        title="Peer group posts",
        rows=[{"posted_on": "2026-03-01", "text": f"hi from {user.pk}"}],
    )


class TestExtensionPoint:
    def test_other_apps_add_their_part(
        self, person_client: Client, self_guided_profile: CompanionProfile, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(services_data, "EXPORTERS", [dummy_exporter, lambda user: None])
        data = json.loads(download(person_client, JSON_URL).content)
        assert data["peer_group_posts"] == [
            {"posted_on": "2026-03-01", "text": f"hi from {self_guided_profile.user_id}"}
        ]
        html = download(person_client, HTML_URL).content.decode()
        assert "Peer group posts" in html and f"hi from {self_guided_profile.user_id}" in html

    def test_the_peer_groups_add_their_part(self) -> None:
        assert [e.__module__ for e in services_data.EXPORTERS] == ["waymark.community.exports"]
        assert [e.__module__ for e in services_data.ERASERS] == ["waymark.community.exports"]


class TestPage:
    def test_a_self_guided_person_can_download_and_delete(self, person_client: Client) -> None:
        html = download(person_client, "/companion/my-data/").content.decode()
        assert JSON_URL in html and HTML_URL in html
        assert "/companion/my-data/delete/" in html

    def test_a_program_patient_can_download_and_is_told_why_not_delete(self, patient_client: Client) -> None:
        html = download(patient_client, "/companion/my-data/").content.decode()
        assert JSON_URL in html
        assert "/companion/my-data/delete/" not in html
        assert "treatment program&#x27;s record" in html or "treatment program's record" in html

    def test_reading_the_page_is_audited(self, person_client: Client) -> None:
        download(person_client, "/companion/my-data/")
        assert AuditEvent.objects.filter(action="companion_read", object_type="companion_data").exists()

    @pytest.mark.parametrize("url", ["/companion/my-data/", JSON_URL, HTML_URL])
    def test_staff_are_refused(self, client: Client, world: World, url: str) -> None:
        sign_in(client, world.user(Role.COUNSELLOR))
        assert client.get(url).status_code == 403

    @pytest.mark.parametrize("url", [JSON_URL, HTML_URL])
    def test_signed_out_goes_to_sign_in(self, client: Client, url: str) -> None:
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
