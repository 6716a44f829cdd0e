"""services.py for moderation: each action checks the moderator, changes the board (its version goes up so
pollers see it), keeps a ModerationAction row and an audit entry, and does nothing at all when refused."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.community import services
from waymark.community.models import Group, Membership, Message, ModerationAction, Report
from waymark.community.tests.conftest import Cohort, post
from waymark.conftest import make_user
from waymark.core.models import AuditEvent
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def version(cohort: Cohort) -> int:
    return Group.objects.get(pk=cohort.group.pk).version


def member(m: Membership) -> Membership:
    return Membership.objects.get(pk=m.pk)


class TestEveryAction:
    def test_each_is_logged_audited_and_bumps_the_board(self, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        report = services.report_message(cohort.dana, post(cohort.elliot).pk, "other")
        steps = [
            ("hide", lambda: services.hide_message(cohort.moderator, message.pk, "r1")),
            ("unhide", lambda: services.unhide_message(cohort.moderator, message.pk, "r2")),
            ("mute", lambda: services.mute(cohort.moderator, cohort.elliot.pk, 2, "r3")),
            ("unmute", lambda: services.unmute(cohort.moderator, cohort.elliot.pk, "r4")),
            ("dismiss", lambda: services.dismiss_report(cohort.moderator, report.pk, "r5")),
            ("remove", lambda: services.remove_member(cohort.moderator, cohort.elliot.pk, "r6")),
        ]
        for n, (action, step) in enumerate(steps, start=1):
            before = version(cohort)
            step()
            assert version(cohort) > before, action
            row = ModerationAction.objects.get(action=action)
            assert (row.reason, row.moderator) == (f"r{n}", cohort.moderator.user)
            assert AuditEvent.objects.filter(action=f"community_{action}", object_id=str(row.pk)).exists()

    def test_a_long_reason_is_cut_to_300_characters(self, cohort: Cohort) -> None:
        services.hide_message(cohort.moderator, post(cohort.elliot).pk, "x" * 400)
        assert len(ModerationAction.objects.get().reason) == 300

    @pytest.mark.parametrize("who", ["dana", "elliot"])
    def test_a_member_cannot_moderate_and_nothing_changes(self, cohort: Cohort, who: str) -> None:
        actor = getattr(cohort, who)
        message = post(cohort.moderator)
        with pytest.raises(PermissionDenied):
            services.hide_message(actor, message.pk, "")
        with pytest.raises(PermissionDenied):
            services.mute(actor, cohort.dana.pk if who == "elliot" else cohort.elliot.pk, 1, "")
        with pytest.raises(PermissionDenied):
            services.open_reports(actor)
        assert Message.objects.get().hidden_at is None and not ModerationAction.objects.exists()
        assert all(m.muted_until is None for m in Membership.objects.all())


class TestHide:
    def test_it_closes_the_messages_open_reports(self, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        services.report_message(cohort.dana, message.pk, "drugs")
        services.hide_message(cohort.moderator, message.pk, "")
        assert Report.objects.get().resolved_by == cohort.moderator.user
        assert services.open_reports(cohort.moderator) == []

    def test_a_message_of_another_group_is_not_found(self, cohort: Cohort) -> None:
        pair = services.create_pair(cohort.dana.user, as_sponsor=False, display_name="D")
        message = post(pair)
        with pytest.raises(ValidationError, match="No such message"):
            services.hide_message(cohort.moderator, message.pk, "")
        assert Message.objects.get().hidden_at is None

    def test_members_can_no_longer_react_to_or_report_it(self, cohort: Cohort) -> None:
        message = post(cohort.elliot)
        services.hide_message(cohort.moderator, message.pk, "")
        with pytest.raises(ValidationError):
            services.toggle_reaction(cohort.dana, message.pk, "heart")
        with pytest.raises(ValidationError):
            services.report_message(cohort.dana, message.pk, "other")


class TestMute:
    @pytest.mark.parametrize("hours", [0, -1, 721, "24", 1.5])
    def test_the_length_is_a_whole_number_of_hours_from_1_to_720(self, cohort: Cohort, hours: object) -> None:
        with pytest.raises(ValidationError, match="1 to 720 hours"):
            services.mute(cohort.moderator, cohort.elliot.pk, hours, "")  # type: ignore[arg-type]
        assert member(cohort.elliot).muted_until is None

    def test_the_mute_ends_on_its_own(self, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.elliot.pk, 1, "")
        muted = member(cohort.elliot)
        assert muted.muted() and not muted.muted(timezone.now() + dt.timedelta(hours=1, minutes=1))
        Membership.objects.filter(pk=muted.pk).update(muted_until=timezone.now() - dt.timedelta(seconds=1))
        assert post(member(cohort.elliot), "Back again").text == "Back again"

    def test_a_muted_member_cannot_post(self, cohort: Cohort) -> None:
        services.mute(cohort.moderator, cohort.elliot.pk, 24, "")
        with pytest.raises(PermissionDenied, match="muted you"):
            post(member(cohort.elliot), "Hello")
        assert not Message.objects.exists()


class TestRemove:
    def test_moderators_are_not_removed_by_moderators(self, cohort: Cohort) -> None:
        quinn_user = make_user(cohort.group.program, Role.PEER_MODERATOR, "quinn")
        quinn = services.add_to_cohort(cohort.group.created_by, cohort.group, quinn_user, moderator=True)
        with pytest.raises(ValidationError, match="cannot do this to another moderator"):
            services.remove_member(cohort.moderator, quinn.pk, "")
        with pytest.raises(ValidationError, match="themselves"):
            services.remove_member(cohort.moderator, cohort.moderator.pk, "")
        assert Membership.objects.filter(removed_at__isnull=False).count() == 0
        with pytest.raises(ValidationError, match="cannot do this to another moderator"):
            services.mute(cohort.moderator, quinn.pk, 24, "")
        quinn.refresh_from_db()
        assert quinn.muted_until is None

    def test_a_removed_or_departed_member_is_no_longer_a_target(self, cohort: Cohort) -> None:
        services.remove_member(cohort.moderator, cohort.elliot.pk, "")
        services.leave(cohort.dana)
        for target in (cohort.elliot, cohort.dana):
            with pytest.raises(ValidationError, match="No such member"):
                services.mute(cohort.moderator, target.pk, 1, "")
        assert ModerationAction.objects.count() == 1


class TestDismiss:
    def test_only_open_reports_of_the_group(self, cohort: Cohort) -> None:
        report = services.report_message(cohort.dana, post(cohort.elliot).pk, "other")
        services.dismiss_report(cohort.moderator, report.pk)
        with pytest.raises(ValidationError, match="No such open report"):
            services.dismiss_report(cohort.moderator, report.pk)
        open_group = services.create_open_group(cohort.moderator.user, "Elsewhere", "Mod")
        other = services.join_with_code(cohort.outsider, open_group.group.invite_code or "", "C")
        elsewhere = services.report_message(other, post(open_group).pk, "other")
        with pytest.raises(ValidationError):
            services.dismiss_report(cohort.moderator, elsewhere.pk)
        assert Report.objects.get(pk=elsewhere.pk).resolved_at is None
