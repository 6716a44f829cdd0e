"""The peer groups' part of a person's companion data: their own posts in the export, and what goes when a
self-guided person deletes their account.

Registered with the companion's extension points (`services_data.EXPORTERS` and `ERASERS`) from
`CommunityConfig.ready()`.

- Export: every message the person posted, in every group they were ever in (also groups they left or were
  removed from, and messages a moderator hid): the group's name, when, the kind, the text and the name they
  posted under. Other people's messages are theirs, not this person's, and are left out.
- Delete: their messages go (with the reactions, reports and "I need support now" alerts about them), and so do
  the reactions and reports they made, their blocks and their alerts. Their memberships end at once and their
  chosen name and colour are replaced, but the rows stay: the moderation log names them, and every moderator
  action stays logged (an action about a deleted message keeps its reason, without the message).
"""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.community.models import (
    Block,
    Group,
    Membership,
    Message,
    ModerationAction,
    Reaction,
    Report,
    SupportAlert,
)
from waymark.companion import services_data
from waymark.core import audit
from waymark.core.models import User

EXPORT_KEY = "peer_group_posts"


def export_posts(user: User) -> services_data.ExportSection | None:
    """The person's own posts, oldest first; None if they were never in a group. Two queries at most."""
    rows: list[dict[str, Any]] = [
        {
            "group": m.group.name,
            "posted_at": m.created_at.isoformat(),
            "kind": m.kind,
            "text": m.text,
            "posted_as": m.author.display_name,
            "hidden_by_moderator": m.hidden_at is not None,
        }
        for m in Message.objects.filter(author__user=user)
        .select_related("group", "author")
        .order_by("created_at", "id")
    ]
    if not rows and not Membership.objects.filter(user=user).exists():
        return None
    return services_data.ExportSection(
        key=EXPORT_KEY,
        title=_("Your posts in peer support groups"),
        rows=rows,
        note=_("Only what you posted. The other members' messages are theirs and are not part of your copy."),
    )


@transaction.atomic
def erase_posts(user: User) -> int:
    """Remove the person's peer-group data and end their memberships. Returns the rows removed."""
    members = list(Membership.objects.filter(user=user).select_related("group"))
    member_ids = [m.pk for m in members]
    mine = Message.objects.filter(author_id__in=member_ids)
    # The moderation log keeps every action; one about a message that goes keeps its reason, not the message.
    ModerationAction.objects.filter(message__in=mine).update(message=None)
    removed = 0
    for rows in (
        mine,
        Reaction.objects.filter(member_id__in=member_ids),
        Report.objects.filter(reporter_id__in=member_ids),
        Block.objects.filter(blocker=user),
        SupportAlert.objects.filter(recipient=user),
    ):
        count, _per_model = rows.delete()
        removed += count
    now = timezone.now()
    for member in members:
        if member.is_current:
            audit.record(
                user,
                "community_leave",
                program_id=member.group.program_id,
                object_type="membership",
                object_id=member.pk,
                reason="account deleted",
            )
    Membership.objects.filter(pk__in=member_ids, left_at__isnull=True, removed_at__isnull=True).update(left_at=now)
    Membership.objects.filter(pk__in=member_ids).update(
        display_name=_("Former member"), avatar_colour="slate", show_days=False, muted_until=None
    )
    # Not only new posts: open boards must drop the erased ones (Group.rewritten_version).
    Group.objects.filter(pk__in={m.group_id for m in members}).update(
        version=F("version") + 1, rewritten_version=F("version") + 1
    )
    return removed


def register() -> None:
    """Add the exporter and the eraser to the companion's lists (once, however often it is called)."""
    if export_posts not in services_data.EXPORTERS:
        services_data.EXPORTERS.append(export_posts)
    if erase_posts not in services_data.ERASERS:
        services_data.ERASERS.append(erase_posts)
