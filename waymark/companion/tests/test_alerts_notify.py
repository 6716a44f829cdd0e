"""tasks.notify_care_team: one generic email to each current care-team member with an email address, once per
alert however often the task runs; audited; nothing for an acknowledged or missing alert."""

import datetime as dt

import pytest
from django.core import mail

from waymark.chart.models import CareTeamMember
from waymark.companion import services, tasks
from waymark.companion.models import CareTeamAlert, ReminderSent
from waymark.conftest import World, make_user
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def with_emails(world: World) -> None:
    for role in (Role.COUNSELLOR, Role.PRESCRIBER, Role.NURSE):
        user = world.user(role)
        user.email = f"{role.value}@example.org"
        user.save()


def alert(world: World) -> CareTeamAlert:
    raised = services.raise_alert(world.patient, CareTeamAlert.Kind.CRISIS, dt.date(2026, 3, 2), "Words about suicide.")
    assert raised is not None
    return raised


class TestNotify:
    def test_each_current_member_is_emailed_once(self, world: World) -> None:
        with_emails(world)
        raised = alert(world)
        assert tasks.notify_care_team.call(raised.pk) == 2
        assert tasks.notify_care_team.call(raised.pk) == 0  # a retried task sends nothing more
        assert sorted(m.to[0] for m in mail.outbox) == ["counsellor@example.org", "prescriber@example.org"]
        assert ReminderSent.objects.filter(kind=tasks.CARE_ALERT, slot=f"alert-{raised.pk}").count() == 2

    def test_the_message_names_no_one(self, world: World) -> None:
        with_emails(world)
        tasks.email_care_team(alert(world).pk)
        for message in mail.outbox:
            assert message.subject == tasks.ALERT_SUBJECT
            assert message.body == tasks.ALERT_BODY
            for private in ("Dana", "Whitlock", "HR-1", "suicide"):
                assert private not in message.subject + message.body

    def test_former_members_inactive_accounts_and_no_address_are_skipped(self, world: World) -> None:
        with_emails(world)
        CareTeamMember.objects.filter(user=world.user(Role.PRESCRIBER)).update(ended_on=dt.date(2026, 2, 1))
        disabled = make_user(world.program, Role.COUNSELLOR, "away")
        disabled.email, disabled.is_active = "away@example.org", False
        disabled.save()
        no_email = make_user(world.program, Role.COUNSELLOR, "noemail")
        for user in (disabled, no_email):
            CareTeamMember.objects.create(patient=world.patient, user=user, role="counsellor")
        assert tasks.email_care_team(alert(world).pk) == 1
        assert [m.to for m in mail.outbox] == [["counsellor@example.org"]]

    def test_program_staff_off_the_care_team_are_not_emailed(self, world: World) -> None:
        with_emails(world)  # the nurse has an address but is not on the care team
        tasks.email_care_team(alert(world).pk)
        assert "nurse@example.org" not in [m.to[0] for m in mail.outbox]

    def test_it_is_audited(self, world: World) -> None:
        with_emails(world)
        raised = alert(world)
        tasks.email_care_team(raised.pk)
        event = AuditEvent.objects.get(action="companion_alert_notify")
        assert (event.patient_id, event.object_id, event.program_id) == (
            world.patient.pk,
            str(raised.pk),
            world.program.pk,
        )

    def test_an_acknowledged_or_missing_alert_sends_nothing(self, world: World) -> None:
        with_emails(world)
        raised = alert(world)
        CareTeamAlert.objects.filter(pk=raised.pk).update(acknowledged_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        assert tasks.email_care_team(raised.pk) == 0
        assert tasks.email_care_team(999999) == 0
        assert mail.outbox == []
