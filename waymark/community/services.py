"""The peer groups' writes and the board's read: one function per use case, in a transaction.

Membership changes and every moderator action are audited (and moderator actions are also kept as
`ModerationAction` rows the group's moderators can read). Posts and board reads are not written to the
audit chain: a board is read every few seconds by every member, and posts are peer conversation, not the
clinical record; they are encrypted at rest and part of the author's own data export.
"""

import datetime as dt
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waymark.chart.models import Patient
from waymark.community.models import (
    AVATAR_COLOURS,
    REACTIONS,
    Block,
    Group,
    Membership,
    Message,
    ModerationAction,
    Reaction,
    Report,
    SupportAlert,
    new_invite_code,
)
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Cap, Role

MAX_MESSAGE = 2000
MAX_NAME = 40
BOARD_SIZE = 50  # the newest messages shown on the board
MAX_MUTE_HOURS = 24 * 30
COLOUR_KEYS = frozenset(key for key, _label in AVATAR_COLOURS)
REACTION_KEYS = frozenset(key for key, _label in REACTIONS)


def _audit(actor: User, action: str, group: Group, obj: object = None, reason: str = "") -> None:
    audit.record(
        actor,
        action,
        program_id=group.program_id,
        object_type=type(obj).__name__.lower() if obj is not None else "group",
        object_id=getattr(obj, "pk", None) or group.pk,
        reason=reason,
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(
            {"display_name": _("Choose a name to show in the group (it need not be your real name).")}
        )
    if len(name) > MAX_NAME:
        raise ValidationError({"display_name": _("Keep the name under %(n)s characters.") % {"n": MAX_NAME}})
    return name


# --- Groups and members --------------------------------------------------------------------------------


def can_manage_cohorts(user: User) -> bool:
    return user.is_staff_member and (user.can(Cap.SESSIONS) or user.can(Cap.PROGRAM_ADMIN))


@transaction.atomic
def create_cohort_group(actor: User, name: str) -> Group:
    """A program's cohort or treatment group; staff add the members (counsellors and program admins)."""
    if not can_manage_cohorts(actor):
        raise PermissionDenied("Only counsellors and program admins create program groups.")
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the group a name of up to 80 characters.")})
    group = Group.objects.create(kind=Group.Kind.COHORT, name=name, program=actor.staff_program, created_by=actor)
    _audit(actor, "community_group_create", group, group)
    return group


@transaction.atomic
def add_to_cohort(actor: User, group: Group, user: User, *, moderator: bool = False) -> Membership:
    """Staff add a patient of the program (with an account) as a member, or a peer moderator of the program
    as a moderator. The shown name starts neutral ("Member 3"); the person changes it."""
    if not can_manage_cohorts(actor) or group.kind != Group.Kind.COHORT or group.program_id != actor.program_id:
        raise PermissionDenied("Only the program's counsellors and admins add people to its groups.")
    if moderator:
        if user.role != Role.PEER_MODERATOR or user.program_id != group.program_id or not user.is_active:
            raise ValidationError({"user": _("Moderators are the program's peer moderators.")})
    elif (
        group.program_id is None
        or not Patient.objects.filter(user=user, program_id=group.program_id).exists()
        or not user.is_active
    ):
        raise ValidationError({"user": _("Only the program's patients with an account can be added.")})
    if Membership.objects.filter(group=group, user=user, left_at__isnull=True, removed_at__isnull=True).exists():
        raise ValidationError({"user": _("This person is already in the group.")})
    count = Membership.objects.filter(group=group).count()
    member = Membership.objects.create(
        group=group,
        user=user,
        role=Membership.Role.MODERATOR if moderator else Membership.Role.MEMBER,
        display_name=_("Moderator %(n)s") % {"n": count + 1} if moderator else _("Member %(n)s") % {"n": count + 1},
    )
    group.bump()
    _audit(actor, "community_member_add", group, member)
    return member


@transaction.atomic
def create_open_group(actor: User, name: str, display_name: str) -> Membership:
    """An open group for self-guided people, made by a peer moderator, who moderates it; people join with
    its invitation code."""
    if not actor.can(Cap.COMMUNITY_MODERATE):
        raise PermissionDenied("Only peer moderators start open groups.")
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the group a name of up to 80 characters.")})
    group = Group.objects.create(kind=Group.Kind.OPEN, name=name, invite_code=new_invite_code(), created_by=actor)
    member = Membership.objects.create(
        group=group, user=actor, role=Membership.Role.MODERATOR, display_name=_clean_name(display_name)
    )
    _audit(actor, "community_group_create", group, group)
    return member


@transaction.atomic
def create_pair(actor: User, *, as_sponsor: bool, display_name: str) -> Membership:
    """A sponsor/mentee pair: the person makes a code and gives it to their sponsor (or mentee)."""
    if actor.role != Role.PATIENT:
        raise PermissionDenied("Pairs are for people in recovery and their sponsors.")
    group = Group.objects.create(
        kind=Group.Kind.PAIR, name=_("Sponsor and mentee"), invite_code=new_invite_code(), created_by=actor
    )
    member = Membership.objects.create(
        group=group,
        user=actor,
        role=Membership.Role.SPONSOR if as_sponsor else Membership.Role.MENTEE,
        display_name=_clean_name(display_name),
    )
    _audit(actor, "community_group_create", group, group)
    return member


@transaction.atomic
def join_with_code(user: User, code: str, display_name: str) -> Membership:
    """Join an open group or a pair with its invitation code. A wrong code and a full pair say the same."""
    if user.role != Role.PATIENT and not user.can(Cap.COMMUNITY_MODERATE):
        raise PermissionDenied("Groups are for people in recovery and peer moderators.")
    code = "".join((code or "").split()).upper()
    group = (
        Group.objects.select_for_update()
        .filter(invite_code=code, kind__in=[Group.Kind.OPEN, Group.Kind.PAIR], closed_at__isnull=True)
        .first()
        if code
        else None
    )
    current = Membership.objects.filter(group=group, left_at__isnull=True, removed_at__isnull=True) if group else None
    if group is None or current is None or (group.kind == Group.Kind.PAIR and current.count() >= 2):
        raise ValidationError({"code": _("That code does not open a group. Check it with the person who gave it.")})
    if current.filter(user=user).exists():
        raise ValidationError({"code": _("You are already in this group.")})
    if Membership.objects.filter(group=group, user=user, removed_at__isnull=False).exists():
        raise ValidationError({"code": _("A moderator removed you from this group.")})
    role = Membership.Role.MEMBER
    if group.kind == Group.Kind.PAIR:
        other = current.first()
        role = Membership.Role.MENTEE if other and other.role == Membership.Role.SPONSOR else Membership.Role.SPONSOR
    member = Membership.objects.create(group=group, user=user, role=role, display_name=_clean_name(display_name))
    if group.kind == Group.Kind.PAIR:
        # The pair is made: its code opens nothing any more, even after one of the two leaves (its history is
        # theirs alone).
        Group.objects.filter(pk=group.pk).update(invite_code=None)
    group.bump()
    _audit(user, "community_join", group, member)
    return member


def has_moderator(group_id: int) -> bool:
    return Membership.objects.filter(
        group_id=group_id, role=Membership.Role.MODERATOR, left_at__isnull=True, removed_at__isnull=True
    ).exists()


NO_MODERATOR = gettext_lazy(
    "No one moderates this group at the moment, so a report would reach nobody. If someone is in danger now, "
    "call 911. For a mental-health crisis, call or text 988."
)


@transaction.atomic
def leave(member: Membership) -> None:
    """Leaving ends access at once (the next request is refused). An open group's last moderator cannot leave:
    its reports would reach nobody (a peer moderator hands it on first)."""
    if member.moderates and member.group.kind == Group.Kind.OPEN:
        others = Membership.objects.filter(
            group=member.group_id, role=Membership.Role.MODERATOR, left_at__isnull=True, removed_at__isnull=True
        ).exclude(pk=member.pk)
        if not others.exists():
            raise ValidationError(
                _("You are this group's only moderator. Ask another peer moderator to join it before you leave.")
            )
    Membership.objects.filter(pk=member.pk).update(left_at=timezone.now())
    member.group.bump()
    _audit(member.user, "community_leave", member.group, member)


@transaction.atomic
def update_profile(member: Membership, *, display_name: str, avatar_colour: str, show_days: bool) -> None:
    errors: dict[str, str] = {}
    try:
        display_name = _clean_name(display_name)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if avatar_colour not in COLOUR_KEYS:
        errors["avatar_colour"] = _("Choose one of the colours.")
    if member.muted() and display_name != member.display_name and "display_name" not in errors:
        # A name shows on every message: changing it while muted would be a way to post.
        errors["display_name"] = _("While a moderator has muted you, your name stays as it is.")
    if errors:
        raise ValidationError(errors)
    member.display_name, member.avatar_colour, member.show_days = display_name, avatar_colour, bool(show_days)
    member.save(update_fields=["display_name", "avatar_colour", "show_days"])
    member.group.bump()


# --- Posting, reactions, reports, blocks ---------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool
    alerted: int = 0  # members told of an "I need support now" post


def post_message(member: Membership, text: str, *, client_id: uuid.UUID, kind: str = Message.Kind.POST) -> Posted:
    """Post to the board. A muted member cannot post; the same client id posts once."""
    if not member.is_current:
        raise PermissionDenied("You are no longer in this group.")
    # A muted member can still ask for help: "I need support now" is never silenced (safety first).
    if member.muted() and kind != Message.Kind.SUPPORT_NOW:
        raise PermissionDenied(
            _("A moderator muted you in this group until %(until)s.")
            % {"until": formats.date_format(timezone.localtime(member.muted_until), "DATETIME_FORMAT")}
        )
    text = (text or "").strip()
    if kind not in Message.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of message.")})
    if not text and kind == Message.Kind.SUPPORT_NOW:
        text = _("I need support now.")
    if not text:
        raise ValidationError({"text": _("Write a message first.")})
    if len(text) > MAX_MESSAGE:
        raise ValidationError({"text": _("Keep a message under %(n)s characters.") % {"n": MAX_MESSAGE}})
    if "\x00" in text:
        raise ValidationError({"text": _("This text contains a character that cannot be saved.")})
    existing = Message.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.author_id != member.pk:
            raise ValidationError({"client_id": _("This submission id is already in use.")})
        return Posted(existing, created=False)
    try:
        with transaction.atomic():
            member.group.bump(new_post=True)  # first: the group's lock orders the message ids (Group.bump)
            message = Message.objects.create(
                group=member.group, author=member, kind=kind, text=text, client_id=client_id
            )
            alerted = _alert_members(message) if kind == Message.Kind.SUPPORT_NOW else 0
    except IntegrityError:
        existing = Message.objects.filter(client_id=client_id, author=member).first()
        if existing is None:
            raise
        return Posted(existing, created=False)
    return Posted(message, created=True, alerted=alerted)


def _alert_members(message: Message) -> int:
    """Tell every other current member once (not those who blocked the author)."""
    blocked_by = set(Block.objects.filter(blocked=message.author.user_id).values_list("blocker_id", flat=True))
    recipients = [
        user_id
        for user_id in Membership.objects.filter(
            group=message.group_id, left_at__isnull=True, removed_at__isnull=True
        ).values_list("user_id", flat=True)
        if user_id != message.author.user_id and user_id not in blocked_by
    ]
    SupportAlert.objects.bulk_create(
        [SupportAlert(message=message, recipient_id=user_id) for user_id in recipients], ignore_conflicts=True
    )
    return len(recipients)


def _visible_message(member: Membership, message_id: int) -> Message:
    message = Message.objects.filter(pk=message_id, group=member.group_id).select_related("author").first()
    if message is None or (message.hidden_at is not None and not member.moderates):
        raise ValidationError({"message": _("No such message.")})
    return message


@transaction.atomic
def toggle_reaction(member: Membership, message_id: int, kind: str) -> bool:
    """Add the reaction, or take it back if it was there. Returns whether it is there now."""
    if kind not in REACTION_KEYS:
        raise ValidationError({"kind": _("Unknown reaction.")})
    message = _visible_message(member, message_id)
    member.group.bump()  # first: the group's lock makes two quick taps one after the other, not a clash
    deleted, _rows = Reaction.objects.filter(message=message, member=member, kind=kind).delete()
    if not deleted:
        Reaction.objects.create(message=message, member=member, kind=kind)
    return not deleted


@transaction.atomic
def report_message(member: Membership, message_id: int, reason: str, note: str = "") -> Report:
    """Report a message to the group's moderators (once per member and message). Refused when no one
    moderates the group: a report nobody reads must not be taken."""
    message = _visible_message(member, message_id)
    if not has_moderator(member.group_id):
        raise ValidationError(NO_MODERATOR)
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    note = (note or "").strip()
    if len(note) > 500 or "\x00" in note:
        raise ValidationError({"note": _("Keep the note under 500 characters.")})
    report, created = Report.objects.get_or_create(
        message=message, reporter=member, defaults={"reason": reason, "note": note}
    )
    if created:
        _audit(member.user, "community_report", member.group, report, reason=reason)
    return report


@transaction.atomic
def block(user: User, member_to_block: Membership) -> None:
    if member_to_block.user_id == user.pk:
        raise ValidationError(_("You cannot block yourself."))
    Block.objects.get_or_create(blocker=user, blocked_id=member_to_block.user_id)


@transaction.atomic
def unblock(user: User, blocked_user_id: int) -> None:
    Block.objects.filter(blocker=user, blocked_id=blocked_user_id).delete()


# --- Moderation ----------------------------------------------------------------------------------------


def _moderate(moderator: Membership, action: str, *, message: Message | None = None,
              member: Membership | None = None, reason: str = "") -> ModerationAction:  # fmt: skip
    if not moderator.moderates or not moderator.is_current:
        raise PermissionDenied("Only the group's moderators can do this.")
    reason = (reason or "").strip()[:300]
    row = ModerationAction.objects.create(
        group=moderator.group, moderator=moderator.user, action=action, message=message, member=member, reason=reason
    )
    _audit(moderator.user, f"community_{action}", moderator.group, row, reason=reason)
    moderator.group.bump()
    return row


def _target_member(moderator: Membership, member_id: int) -> Membership:
    member = Membership.objects.filter(
        pk=member_id, group=moderator.group_id, left_at__isnull=True, removed_at__isnull=True
    ).first()
    if member is None:
        raise ValidationError({"member": _("No such member.")})
    if member.pk == moderator.pk:
        raise ValidationError({"member": _("Moderators cannot do this to themselves.")})
    if member.moderates:
        raise ValidationError({"member": _("A moderator cannot do this to another moderator.")})
    return member


@transaction.atomic
def hide_message(moderator: Membership, message_id: int, reason: str) -> None:
    message = Message.objects.select_for_update().filter(pk=message_id, group=moderator.group_id).first()
    if message is None:
        raise ValidationError({"message": _("No such message.")})
    if message.hidden_at is None:
        Message.objects.filter(pk=message.pk).update(hidden_at=timezone.now(), hidden_by=moderator.user)
        Report.objects.filter(message=message, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=moderator.user
        )
        _moderate(moderator, ModerationAction.Action.HIDE, message=message, reason=reason)


@transaction.atomic
def unhide_message(moderator: Membership, message_id: int, reason: str = "") -> None:
    message = Message.objects.select_for_update().filter(pk=message_id, group=moderator.group_id).first()
    if message is None:
        raise ValidationError({"message": _("No such message.")})
    if message.hidden_at is not None:
        Message.objects.filter(pk=message.pk).update(hidden_at=None, hidden_by=None)
        _moderate(moderator, ModerationAction.Action.UNHIDE, message=message, reason=reason)


@transaction.atomic
def mute(moderator: Membership, member_id: int, hours: int, reason: str) -> Membership:
    member = _target_member(moderator, member_id)
    if not isinstance(hours, int) or not 1 <= hours <= MAX_MUTE_HOURS:
        raise ValidationError({"hours": _("Mute for 1 to %(n)s hours.") % {"n": MAX_MUTE_HOURS}})
    member.muted_until = timezone.now() + dt.timedelta(hours=hours)
    member.save(update_fields=["muted_until"])
    _moderate(moderator, ModerationAction.Action.MUTE, member=member, reason=reason)
    return member


@transaction.atomic
def unmute(moderator: Membership, member_id: int, reason: str = "") -> None:
    member = _target_member(moderator, member_id)
    Membership.objects.filter(pk=member.pk).update(muted_until=None)
    _moderate(moderator, ModerationAction.Action.UNMUTE, member=member, reason=reason)


@transaction.atomic
def remove_member(moderator: Membership, member_id: int, reason: str) -> None:
    """Removal ends the person's access at once; they cannot rejoin with the code."""
    member = _target_member(moderator, member_id)
    Membership.objects.filter(pk=member.pk).update(removed_at=timezone.now())
    _moderate(moderator, ModerationAction.Action.REMOVE, member=member, reason=reason)


@transaction.atomic
def dismiss_report(moderator: Membership, report_id: int, reason: str = "") -> None:
    report = Report.objects.filter(pk=report_id, message__group=moderator.group_id, resolved_at__isnull=True).first()
    if report is None:
        raise ValidationError({"report": _("No such open report.")})
    Report.objects.filter(pk=report.pk).update(resolved_at=timezone.now(), resolved_by=moderator.user)
    _moderate(moderator, ModerationAction.Action.DISMISS, message=report.message, reason=reason)


def open_reports(moderator: Membership) -> list[Report]:
    if not moderator.moderates:
        raise PermissionDenied("Only the group's moderators see reports.")
    return list(
        Report.objects.filter(message__group=moderator.group_id, resolved_at__isnull=True)
        .select_related("message__author", "reporter")
        .order_by("created_at")
    )


# --- The board -----------------------------------------------------------------------------------------


@dataclass
class BoardMessage:
    message: Message
    author: Membership
    mine: bool
    hidden: bool  # only moderators see hidden messages, marked as hidden
    reactions: list[tuple[str, int, bool]] = field(default_factory=list)  # (kind, count, mine)


@dataclass(frozen=True)
class BoardTag:
    """The ETag of a board answer: which board, at which version, for which member with which blocks (how many,
    and the newest one's id: block ids only grow, so any change to the set changes the pair), and the newest
    message id in the reader's copy (`more`: the answer was cut, more are waiting)."""

    group_id: int
    version: int
    member_id: int
    blocks: int
    newest_block: int
    last: int
    more: bool = False

    def __str__(self) -> str:
        numbers = (self.group_id, self.version, self.member_id, self.blocks, self.newest_block, self.last)
        return f'"{".".join(str(n) for n in numbers)}{"+" if self.more else ""}"'

    @classmethod
    def parse(cls, header: str) -> list["BoardTag"]:
        """The board tags in an If-None-Match header (anything else in it is ignored)."""
        tags = []
        for match in BOARD_TAG.finditer(header or ""):
            group_id, version, member_id, blocks, newest_block, last = (int(n) for n in match.groups()[:6])
            tags.append(cls(group_id, version, member_id, blocks, newest_block, last, bool(match.group(7))))
        return tags


BOARD_TAG = re.compile(r'"(\d{1,19})\.(\d{1,19})\.(\d{1,19})\.(\d{1,19})\.(\d{1,19})\.(\d{1,19})(\+?)"')


@dataclass(frozen=True)
class BoardState:
    """What a member's board is at now, read before its messages (a post landing in between is then shown
    now and its new version keeps the next poll from being a 304)."""

    group_id: int
    member_id: int
    version: int
    rewritten_version: int
    blocks: int
    newest_block: int

    def tag(self, last: int, more: bool = False) -> BoardTag:
        return BoardTag(self.group_id, self.version, self.member_id, self.blocks, self.newest_block, last, more)

    def unchanged_for(self, sent: BoardTag) -> bool:
        """The reader's copy is current (a 304)."""
        return sent == self.tag(sent.last)  # an answer cut short (`more`) is never current

    def only_new_posts_for(self, sent: BoardTag) -> bool:
        """Since the reader's copy, only new posts: sending the messages after its newest one brings it up to
        date. Not when their blocks changed or anything was rewritten since (then the whole board)."""
        reader = (sent.group_id, sent.member_id, sent.blocks, sent.newest_block)
        same_reader = reader == (self.group_id, self.member_id, self.blocks, self.newest_block)
        return same_reader and self.rewritten_version <= sent.version <= self.version


def board_state(member: Membership) -> BoardState:
    """The member's board state (one query). A member who left or was removed meanwhile: Http404."""
    state = current_board_state(member.user_id, member.group_id)
    if state is None:
        raise Http404("No such group.")
    return state


def current_board_state(user_id: int, group_id: int) -> BoardState | None:
    """One query, for the board's polls: the person's current membership of the group, the group's versions and
    their blocks; None when they are not a current member (the poll answers 404).

    Written in SQL: every open board asks this every few seconds, and building it with the ORM cost more than
    running it (about 3 ms of the 304's 10, measured with cProfile; bench/community.py)."""
    if not 0 < group_id < 2**63:  # a URL's number too big for the database is no group
        return None
    with connection.cursor() as cursor:
        cursor.execute(CURRENT_BOARD_STATE, [user_id, user_id, group_id, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    member_id, version, rewritten_version, blocks, newest_block = row
    return BoardState(group_id, member_id, version, rewritten_version, blocks, newest_block)


CURRENT_BOARD_STATE = f"""
    SELECT m.id, g.version, g.rewritten_version,
        (SELECT COUNT(*) FROM {Block._meta.db_table} b WHERE b.blocker_id = %s),
        (SELECT COALESCE(MAX(b.id), 0) FROM {Block._meta.db_table} b WHERE b.blocker_id = %s)
    FROM {Membership._meta.db_table} m JOIN {Group._meta.db_table} g ON g.id = m.group_id
    WHERE m.group_id = %s AND m.user_id = %s AND m.left_at IS NULL AND m.removed_at IS NULL
"""  # noqa: S608 (table names from the models; values are parameters)


def _visible_rows(member: Membership, blocks: int | None = None) -> QuerySet[Message]:
    """The messages this member may see: hidden ones only for moderators, nothing from people they blocked
    (`blocks`: how many they blocked, when known already; 0 leaves the blocks out of the query)."""
    rows = Message.objects.filter(group=member.group_id)
    if blocks != 0:
        blocked = Block.objects.filter(blocker=member.user_id).values_list("blocked_id", flat=True)
        rows = rows.exclude(author__user_id__in=blocked)
    if not member.moderates:
        rows = rows.filter(hidden_at__isnull=True)
    return rows.select_related("author")


def _with_reactions(member: Membership, messages: list[Message]) -> list[BoardMessage]:
    counts: Counter[tuple[int, str]] = Counter()
    mine: defaultdict[int, set[str]] = defaultdict(set)
    if messages:
        for message_id, kind, member_id in Reaction.objects.filter(message__in=[m.pk for m in messages]).values_list(
            "message_id", "kind", "member_id"
        ):
            counts[(message_id, kind)] += 1
            if member_id == member.pk:
                mine[message_id].add(kind)
    return [
        BoardMessage(
            message=m,
            author=m.author,
            mine=m.author_id == member.pk,
            hidden=m.hidden_at is not None,
            reactions=[(k, counts[(m.pk, k)], k in mine[m.pk]) for k, _label in REACTIONS if counts[(m.pk, k)]],
        )
        for m in messages
    ]


def board(member: Membership, limit: int = BOARD_SIZE) -> list[BoardMessage]:
    """The newest messages this member may see, oldest first. A fixed number of queries whatever the board's
    size."""
    return _with_reactions(member, list(_visible_rows(member).order_by("-id")[:limit])[::-1])


def board_since(
    member: Membership, after: int, limit: int = BOARD_SIZE, blocks: int | None = None
) -> tuple[list[BoardMessage], bool]:
    """The messages newer than id `after` this member may see, oldest first, at most `limit`, and whether more
    are waiting. Message ids follow commit order within a group (Group.bump), so none is skipped."""
    found = list(_visible_rows(member, blocks).filter(id__gt=after).order_by("id")[: limit + 1])
    return _with_reactions(member, found[:limit]), len(found) > limit


def my_groups(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, left_at__isnull=True, removed_at__isnull=True)
        .select_related("group")
        .order_by("group__name")
    )


def moderated_groups(user: User) -> list[tuple[Group, int]]:
    """The groups this person currently moderates, each with its number of open reports (one query)."""
    rows = (
        Group.objects.filter(
            memberships__user=user,
            memberships__role=Membership.Role.MODERATOR,
            memberships__left_at__isnull=True,
            memberships__removed_at__isnull=True,
        )
        .annotate(open_reports=Count("messages__reports", filter=Q(messages__reports__resolved_at__isnull=True)))
        .order_by("name", "pk")
    )
    return [(group, group.open_reports) for group in rows]


def unseen_support_alerts(user: User) -> list[SupportAlert]:
    """ "I need support now" posts in the person's groups they have not opened yet (still a member)."""
    return list(
        SupportAlert.objects.filter(recipient=user, seen_at__isnull=True, message__hidden_at__isnull=True)
        .exclude(message__author__user_id__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .filter(
            Q(message__group__memberships__user=user)
            & Q(message__group__memberships__left_at__isnull=True)
            & Q(message__group__memberships__removed_at__isnull=True)
        )
        .select_related("message__group", "message__author")
        .order_by("-created_at")[:20]
    )


def mark_alerts_seen(member: Membership) -> None:
    SupportAlert.objects.filter(recipient=member.user_id, message__group=member.group_id, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
