"""Peer support groups: a program's cohort, open groups for self-guided people, and sponsor/mentee pairs.

Only a group's current members read or post in it (`access.membership_for` is the one gate). Messages
are encrypted at rest. Every moderator action is a `ModerationAction` row and an audit entry.
`Group.version` goes up with every change to the board (a post, a hide, a reaction, a member leaving),
so a polling browser is answered "nothing new" from one small read.
"""

import datetime as dt
import secrets
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waymark.core.crypto import EncryptedTextField
from waymark.core.models import Program, User

DEFAULT_GUIDELINES = """\
Be kind. Everyone here is working on their recovery, at their own pace.
What is said here stays here. Do not share anyone's story outside the group.
Use the name you chose; you do not have to use your real name.
No selling, sharing or encouraging drug use, and no details of where to get drugs.
A lapse is not a failure. Offer support, not judgement.
If you are in danger, call 911. For a mental-health crisis, call or text 988.
Moderators may hide messages and mute or remove members who break these guidelines."""

# Colours a member can pick for their initial (all with white text at WCAG AA contrast).
AVATAR_COLOURS: tuple[tuple[str, str], ...] = (
    ("teal", "Teal"),
    ("blue", "Blue"),
    ("purple", "Purple"),
    ("plum", "Plum"),
    ("red", "Red"),
    ("brown", "Brown"),
    ("green", "Green"),
    ("slate", "Slate"),
)

REACTIONS: tuple[tuple[str, str], ...] = (
    ("heart", "Sending love"),
    ("strength", "Stay strong"),
    ("thanks", "Thank you"),
    ("same", "Same here"),
)


def new_invite_code() -> str:
    # 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L): easy to read out, ~50 bits.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Group(models.Model):
    class Kind(models.TextChoices):
        COHORT = "cohort", "Program group (members added by staff)"
        OPEN = "open", "Open group (join with an invitation code)"
        PAIR = "pair", "Sponsor and mentee"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=80)
    # Cohort groups belong to a program; open groups and pairs to no program.
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    guidelines = models.TextField(default=DEFAULT_GUIDELINES)
    invite_code = models.CharField(max_length=10, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveBigIntegerField(default=0)
    # The version of the last change other than a new post (a hidden message, a reaction, a name, a member
    # muted or gone): a poller whose copy is at least this version only needs the messages newer than its own.
    rewritten_version = models.PositiveBigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="cohort") | Q(program__isnull=False), name="cohort_group_has_program"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def bump(self, *, new_post: bool = False) -> None:
        """Mark the board changed (pollers see a new version). Anything but a new post rewrites what is shown.

        The UPDATE takes the group's row lock until the transaction ends, so a post that bumps first and then
        inserts gets its id after every earlier post of the group has committed: within a group, message ids
        follow commit order, and "the messages newer than id N" never skips one that committed late."""
        if new_post:
            Group.objects.filter(pk=self.pk).update(version=F("version") + 1)
        else:
            Group.objects.filter(pk=self.pk).update(version=F("version") + 1, rewritten_version=F("version") + 1)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MODERATOR = "moderator", "Moderator"
        SPONSOR = "sponsor", "Sponsor"
        MENTEE = "mentee", "Mentee"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # What others see: a chosen name (need not be a real one), a colour, and days in recovery if the person wants.
    display_name = models.CharField(max_length=40)
    avatar_colour = models.CharField(max_length=8, choices=AVATAR_COLOURS, default="teal")
    show_days = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    muted_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(left_at__isnull=True, removed_at__isnull=True),
                name="one_current_membership",
            ),
        ]
        indexes = [models.Index(fields=["user", "group"], name="membership_user_group")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_current(self) -> bool:
        return self.left_at is None and self.removed_at is None

    @property
    def moderates(self) -> bool:
        return self.role == self.Role.MODERATOR

    def muted(self, now: dt.datetime | None = None) -> bool:
        return self.muted_until is not None and self.muted_until > (now or timezone.now())


class Message(models.Model):
    class Kind(models.TextChoices):
        POST = "post", "Message"
        SUPPORT_NOW = "support_now", "I need support now"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.POST)
    text = EncryptedTextField()
    client_id = models.UUIDField(unique=True, default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["group", "id"], name="message_group_id")]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=REACTIONS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "member", "kind"], name="react_once")]


class Report(models.Model):
    class Reason(models.TextChoices):
        UNKIND = "unkind", "Unkind or judgemental"
        DRUGS = "drugs", "Selling, sharing or encouraging drug use"
        PRIVACY = "privacy", "Shares someone's private information"
        SAFETY = "safety", "Someone may be in danger"
        OTHER = "other", "Something else"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="report_once")]


class Block(models.Model):
    """The blocker no longer sees the blocked person's messages, in any group."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_blocking_oneself"),
        ]


class ModerationAction(models.Model):
    class Action(models.TextChoices):
        HIDE = "hide", _("Hid a message")
        UNHIDE = "unhide", _("Showed a hidden message again")
        MUTE = "mute", _("Muted a member")
        UNMUTE = "unmute", _("Unmuted a member")
        REMOVE = "remove", _("Removed a member")
        DISMISS = "dismiss", _("Closed a report without action")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="moderation")
    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class SupportAlert(models.Model):
    """An "I need support now" post, told to each other member once (unique per message and recipient)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="alerts")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="support_alerts")
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "recipient"], name="support_alert_once")]
        indexes = [models.Index(fields=["recipient", "seen_at"], name="support_alert_inbox")]
