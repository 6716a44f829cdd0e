"""The companion demo (companion/demo.py) on a small demo program: the demo program patient and the self-guided
"river" each get companion settings, 120 days of check-ins up to yesterday with one lapse that leaves total
days in recovery intact, journal entries (some of the patient's shared), a plan, contacts and meetings; the
planted patterns are what the insights find (Friday cravings, conflict and short nights before high craving);
the home and insights pages open for both; loading again adds nothing; the data is the same for a seed."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from waymark.chart import demo as chart_demo
from waymark.companion import demo, insights, services
from waymark.companion import today as today_mod
from waymark.companion.models import (
    CareTeamAlert,
    CheckIn,
    CompanionProfile,
    JournalEntry,
    MeetingLog,
    MilestoneSeen,
    PlanItem,
    SupportContact,
)
from waymark.conftest import make_user, sign_in
from waymark.core.models import Program, Site, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db: None) -> list[CompanionProfile]:
    program = Program.objects.create(name=chart_demo.PROGRAM_NAME, time_zone="America/New_York")
    Site.objects.create(program=program, name="Harbor Street Clinic")
    accounts = {name: make_user(program, role, name) for name, role, *_ in chart_demo.DEMO_ACCOUNTS}
    chart_demo._add_patients(program, accounts, start=0, count=3, seed=demo.SEED)
    return demo.load_demo_companion()


def counts() -> tuple[int, ...]:
    models: list[Any] = [CompanionProfile, CheckIn, JournalEntry, PlanItem, SupportContact, MeetingLog, MilestoneSeen]
    return tuple(m.objects.count() for m in models)


class TestDemoCompanion:
    def test_both_people_get_120_days_with_one_lapse(self, loaded: list[CompanionProfile]) -> None:
        assert sorted(p.user.username for p in loaded) == ["patient", "river"]
        river = User.objects.get(username="river")
        assert (river.role, river.program_id) == ("patient", None)
        assert river.check_password("river-waymark-demo")
        for profile in loaded:
            today = services.today_for(profile)
            days = list(CheckIn.objects.filter(user=profile.user).values_list("day", flat=True))
            assert len(days) == demo.DAYS
            assert max(days) == today - dt.timedelta(days=1)  # today's check-in is left to do
            assert CheckIn.objects.filter(user=profile.user, used_today=True).count() == 1
            recovery = today_mod.recovery_for(profile.user, profile, today)
            # The lapse resets days since last use, not the total.
            assert recovery.time.total_days_in_recovery == recovery.time.days_since_start - 1
            assert recovery.time.days_since_last_use < recovery.time.total_days_in_recovery
            assert SupportContact.objects.filter(user=profile.user, on_plan=True).exists()
            assert PlanItem.objects.filter(plan__user=profile.user).count() >= 4
            assert (
                MeetingLog.objects.filter(user=profile.user).count()
                == CheckIn.objects.filter(user=profile.user, meeting_attended=True).count()
            )

    def test_only_the_program_patient_shares_and_gets_an_alert(self, loaded: list[CompanionProfile]) -> None:
        patient = next(p for p in loaded if p.user.username == "patient")
        river = next(p for p in loaded if p.user.username == "river")
        assert patient.share_trends and patient.alert_care_team
        assert not river.share_trends and not river.alert_care_team
        assert JournalEntry.objects.filter(user=patient.user, shared_with_care_team=True).count() >= 2
        assert not JournalEntry.objects.filter(user=river.user, shared_with_care_team=True).exists()
        alert = CareTeamAlert.objects.get()
        assert alert.patient.user_id == patient.user_id and alert.kind == "early_warning"

    def test_the_planted_patterns_are_found(self, loaded: list[CompanionProfile]) -> None:
        for profile in loaded:
            found = insights.summarise(services.day_records(profile.user, profile), services.today_for(profile))
            assert found.top_weekday is not None and found.top_weekday.key == "friday"
            links = {link.trigger: link for link in found.trigger_links}
            assert links["conflict"].difference is not None and links["conflict"].difference > 0.2
            assert found.sleep.difference is not None and found.sleep.difference > 0.5
            assert found.meeting.difference is not None and found.meeting.difference < 0

    def test_the_pages_open_for_both(self, loaded: list[CompanionProfile], client: Client) -> None:
        # River's newest milestone is waiting to be celebrated; Jordan's were seen.
        river = sign_in(Client(), User.objects.get(username="river"))
        assert 'id="celebration-h"' in river.get(reverse("companion:home")).content.decode()
        jordan = sign_in(Client(), User.objects.get(username="patient"))
        assert 'id="celebration-h"' not in jordan.get(reverse("companion:home")).content.decode()
        for profile in loaded:
            client = sign_in(Client(), profile.user)
            for name in ("companion:home", "companion:insights", "companion:milestones", "companion:crisis"):
                assert client.get(reverse(name)).status_code == 200, name

    def test_loading_again_adds_nothing(self, loaded: list[CompanionProfile]) -> None:
        before = counts()
        assert demo.load_demo_companion() == []
        assert counts() == before

    def test_it_is_the_same_for_a_seed(self, loaded: list[CompanionProfile]) -> None:
        def cravings() -> list[tuple[str, dt.date, int, bool | None]]:
            return list(
                CheckIn.objects.order_by("user__username", "day").values_list(
                    "user__username", "day", "craving", "used_today"
                )
            )

        first = cravings()
        CheckIn.objects.all().delete()
        for model in (MeetingLog, MilestoneSeen, SupportContact, JournalEntry, CareTeamAlert, CompanionProfile):
            model.objects.all().delete()
        from waymark.companion.models import RelapsePlan

        RelapsePlan.objects.all().delete()
        demo.load_demo_companion()
        assert cravings() == first
