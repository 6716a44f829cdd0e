"""/companion/care/<patient_id>/: the care team sees a person's check-in trends only while the person shares them,
the journal entries and plan the person shared, and nothing else of theirs; reached only through patient_for
(care team, program scope or break-glass), audited."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart import services as chart_services
from waymark.companion import insights, services, services_data
from waymark.companion.models import CompanionProfile, MeetingLog, PlanItem, RelapsePlan
from waymark.companion.tests.conftest import check_in
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db

NOT_SHARED = "has not shared their check-in trends"


def url(patient_id: int) -> str:
    return f"/companion/care/{patient_id}/"


def share(profile: CompanionProfile, trends: bool) -> None:
    services.set_sharing(profile.user, profile, share_trends=trends, alert_care_team=profile.alert_care_team)


def page(client: Client, world: World, role: Role = Role.COUNSELLOR) -> str:
    sign_in(client, world.user(role))
    response = client.get(url(world.patient.pk))
    assert response.status_code == 200
    return response.content.decode()


class TestConsentGating:
    def test_trends_are_hidden_until_shared(
        self, client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        check_in(patient_profile.user, patient_profile, craving=7, mood=2)
        html = page(client, world)
        assert NOT_SHARED in html
        assert "<meter" not in html

    def test_trends_show_once_shared_and_hide_again_when_turned_off(
        self, client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        check_in(patient_profile.user, patient_profile, craving=7, mood=2)
        share(patient_profile, True)
        html = page(client, world)
        assert NOT_SHARED not in html
        assert "Check-in trends, last 8 weeks" in html and "<meter" in html
        share(patient_profile, False)
        html = page(client, world)
        assert NOT_SHARED in html and "<meter" not in html

    def test_the_persons_notes_are_never_shown(
        self, client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        share(patient_profile, True)
        check_in(patient_profile.user, patient_profile, note="private words", own_triggers="my brother")
        html = page(client, world)
        assert "private words" not in html and "my brother" not in html

    def test_only_shared_journal_entries_are_listed(
        self, client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        user = patient_profile.user
        shared = services.write_journal(user, patient_profile, text="I told my sister", client_id=uuid.uuid4()).entry
        services.write_journal(user, patient_profile, text="kept to myself", client_id=uuid.uuid4())
        services.share_journal_entry(user, shared, True)
        html = page(client, world)
        assert "I told my sister" in html and "kept to myself" not in html

    def test_the_plan_only_when_shared(self, client: Client, world: World, patient_profile: CompanionProfile) -> None:
        plan = RelapsePlan.objects.create(user=patient_profile.user, reasons="my daughter")
        PlanItem.objects.create(plan=plan, kind="warning_sign", text="skipping meals", coping="call Sam")
        html = page(client, world)
        assert "my daughter" not in html and "has not shared their plan" in html
        plan.shared_with_care_team = True
        plan.save()
        html = page(client, world)
        assert "my daughter" in html and "skipping meals" in html and "call Sam" in html

    def test_a_person_without_the_companion(self, client: Client, world: World) -> None:
        html = page(client, world)
        assert "does not use the recovery companion" in html


class TestWeeklyTrends:
    def test_weeks_end_today_and_count_what_happened(self) -> None:
        today = dt.date(2026, 3, 2)
        records = [
            insights.DayRecord(day=today, craving=8, mood=2, used=True),
            insights.DayRecord(day=today - dt.timedelta(days=1), craving=4, mood=4, meeting=True),
            insights.DayRecord(day=today - dt.timedelta(days=7), craving=1, mood=5),
            insights.DayRecord(day=today - dt.timedelta(days=60), craving=10, mood=1),  # before the 8 weeks
            insights.DayRecord(day=today + dt.timedelta(days=1), craving=10, mood=1),  # not yet
        ]
        weeks = services_data.weekly_trends(
            records, [today - dt.timedelta(days=2), today - dt.timedelta(days=1)], today
        )
        assert len(weeks) == 8
        last, before = weeks[-1], weeks[-2]
        assert (last.start, last.end) == (today - dt.timedelta(days=6), today)
        assert (last.check_in_days, last.craving_mean, last.craving_high, last.mood_mean) == (2, 6.0, 8, 3.0)
        assert (last.meeting_days, last.use_days) == (2, 1)
        assert (before.check_in_days, before.craving_mean, before.end) == (1, 1.0, today - dt.timedelta(days=7))
        assert weeks[0].start == today - dt.timedelta(days=55)
        assert all(w.check_in_days == 0 and w.craving_mean is None for w in weeks[:-2])

    def test_the_page_shows_the_numbers(self, client: Client, world: World, patient_profile: CompanionProfile) -> None:
        share(patient_profile, True)
        today = services.today_for(patient_profile)
        check_in(patient_profile.user, patient_profile, day=today - dt.timedelta(days=1), craving=3, mood=4)
        check_in(patient_profile.user, patient_profile, craving=6, mood=2, used_today=True)
        MeetingLog.objects.create(user=patient_profile.user, day=today, kind="na")
        html = page(client, world)
        assert "4.5 (6)" in html  # mean craving (highest) this week
        assert "2 / 7" in html


class TestAccess:
    def test_the_care_team_reads_it_and_it_is_audited(
        self, client: Client, world: World, patient_profile: CompanionProfile
    ) -> None:
        page(client, world)
        event = AuditEvent.objects.filter(action="read", object_type="companion").get()
        assert (event.actor_id, event.patient_id) == (world.user(Role.COUNSELLOR).pk, world.patient.pk)

    @pytest.mark.parametrize("role", [Role.NURSE, Role.PROGRAM_ADMIN, Role.PRESCRIBER])
    def test_other_chart_readers_of_the_program(self, client: Client, world: World, role: Role) -> None:
        page(client, world, role)

    def test_outsider_program_staff_get_404(self, client: Client, world: World) -> None:
        sign_in(client, world.outsider_staff[Role.NURSE])
        assert client.get(url(world.patient.pk)).status_code == 404
        sign_in(client, world.user(Role.NURSE))
        assert client.get(url(world.outsider_patient.pk)).status_code == 404

    def test_a_counsellor_off_the_care_team_must_break_the_glass(self, client: Client, world: World) -> None:
        sign_in(client, make_user(world.program, Role.COUNSELLOR, "second-counsellor"))
        response = client.get(url(world.patient.pk))
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[world.patient.pk])
        assert not AuditEvent.objects.filter(object_type="companion").exists()

    def test_after_breaking_the_glass_the_access_is_flagged(self, client: Client, world: World) -> None:
        counsellor = make_user(world.program, Role.COUNSELLOR, "second-counsellor")
        chart_services.break_glass(counsellor, world.patient, "Covering for a colleague today, alert follow-up")
        sign_in(client, counsellor)
        response = client.get(url(world.patient.pk))
        assert response.status_code == 200
        assert "Emergency access" in response.content.decode()
        assert AuditEvent.objects.get(object_type="companion", actor_id=counsellor.pk).break_glass

    def test_the_patient_is_refused(self, client: Client, world: World, patient_profile: CompanionProfile) -> None:
        sign_in(client, world.user(Role.PATIENT))
        assert client.get(url(world.patient.pk)).status_code == 403

    @pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.PEER_MODERATOR])
    def test_roles_without_chart_access_are_refused(self, client: Client, world: World, role: Role) -> None:
        sign_in(client, world.user(role))
        assert client.get(url(world.patient.pk)).status_code == 403

    def test_signed_out_goes_to_sign_in(self, client: Client, world: World) -> None:
        response = client.get(url(world.patient.pk))
        assert response.status_code == 302 and "login" in response["Location"]
