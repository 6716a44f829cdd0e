"""Peer support groups over the API: my groups, a board's messages newer than the last one I have, and posting.

Every group route goes through `access.membership_for` (a group I am not a current member of answers 404, as on
the pages, so its existence is not revealed) and the community services: the same rules as the pages (a muted
member cannot post, a client id posts once, "I need support now" tells the other members once).

Polling a board: GET …/messages?after=<the last id I have> answers the messages newer than it that I may see
(oldest first, at most 100; without `after`, the newest 100) and an ETag, also in the body as `etag`. Send it
back as If-None-Match with the next poll (`after` = the last id received): the answer is 304, from the group's
version alone without reading a message, while nothing on the board changed for me. The ETag names the board's
state and where the answer ends (its last id, or `after` when it is empty); an answer cut at 100 (`more: true`)
ends its ETag differently, so asking for the rest is never a 304. When something other than new posts changed
since the copy the sent ETag names (a moderator hid a message, a reaction, a name, a block), the answer is the
board's newest messages with `reset: true`: replace the copy with them.
"""

import datetime as dt
import uuid
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from ninja import Field, Router, Schema, Status

from waymark.chart.api import Id, In, _user
from waymark.community import services
from waymark.community.access import membership_for
from waymark.community.models import Membership

router = Router(tags=["community"])

PAGE = 100  # messages in one answer at most
MessageKind = Literal["post", "support_now"]  # Message.Kind; a test keeps them equal


def _private(response: HttpResponse) -> None:
    """What people in recovery say to each other: never kept by a cache."""
    patch_cache_control(response, private=True, no_store=True)


# --- Schemas ---------------------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    name: str
    kind: str = Field(description="cohort (a program's group), open (joined with a code) or pair (sponsor/mentee).")
    guidelines: str
    member_id: int = Field(description="My membership: the id other members' messages name as their author.")
    role: str = Field(description="My role in the group: member, moderator, sponsor or mentee.")
    display_name: str
    avatar_colour: str
    show_days: bool
    muted_until: dt.datetime | None = Field(description="Set while a moderator has muted me: I cannot post.")
    joined_at: dt.datetime


class AuthorOut(Schema):
    member_id: int
    display_name: str = Field(description="The name the member chose; it need not be their real name.")
    avatar_colour: str
    role: str


class ReactionOut(Schema):
    kind: str
    count: int
    mine: bool


class MessageOut(Schema):
    id: int
    kind: MessageKind
    text: str
    created_at: dt.datetime
    author: AuthorOut
    mine: bool
    hidden: bool = Field(description="Hidden by a moderator; only moderators receive hidden messages.")
    reactions: list[ReactionOut]


class MessagesOut(Schema):
    group_id: int
    etag: str = Field(description="The same as the ETag header: send it as If-None-Match with the next poll.")
    more: bool = Field(description="More messages are waiting: ask again with after = the last id here.")
    reset: bool = Field(
        description="Something other than new posts changed since the copy the sent ETag names (a message hidden, "
        "a reaction, a name, a block, a deleted account): these are the board's newest messages, to replace the "
        "copy, not to add to it."
    )
    messages: list[MessageOut]


class PostIn(In):
    client_id: uuid.UUID = Field(description="Made by the client; sending the same one again posts nothing new.")
    text: Annotated[str, Field(max_length=services.MAX_MESSAGE)] = ""
    kind: MessageKind = "post"


class PostOut(Schema):
    id: int
    group_id: int
    kind: MessageKind
    text: str
    created_at: dt.datetime
    created: bool = Field(description="false: this client_id was posted before; nothing new was posted.")
    alerted: int = Field(description='Members told of an "I need support now" post (0 for a repeat).')


# --- Reading ---------------------------------------------------------------------------------------------


def _group_out(member: Membership) -> GroupOut:
    group = member.group
    return GroupOut(
        id=group.pk,
        name=group.name,
        kind=group.kind,
        guidelines=group.guidelines,
        member_id=member.pk,
        role=member.role,
        display_name=member.display_name,
        avatar_colour=member.avatar_colour,
        show_days=member.show_days,
        muted_until=member.muted_until if member.muted() else None,
        joined_at=member.joined_at,
    )


def _message_out(item: services.BoardMessage) -> MessageOut:
    m, author = item.message, item.author
    return MessageOut(
        id=m.pk,
        kind=m.kind,  # type: ignore[arg-type]
        text=m.text,
        created_at=m.created_at,
        author=AuthorOut(
            member_id=author.pk,
            display_name=author.display_name,
            avatar_colour=author.avatar_colour,
            role=author.role,
        ),
        mine=item.mine,
        hidden=item.hidden,
        reactions=[ReactionOut(kind=k, count=n, mine=mine) for k, n, mine in item.reactions],
    )


def _not_modified(request: HttpRequest, etag: str) -> bool:
    sent = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
    return etag in sent or "*" in sent


@router.get("/community/groups", response=list[GroupOut], summary="My groups")
def list_groups(request: HttpRequest, response: HttpResponse) -> list[GroupOut]:
    _private(response)
    return [_group_out(member) for member in services.my_groups(_user(request))]


@router.get(
    "/community/groups/{group_id}/messages",
    response={200: MessagesOut, 304: None},
    summary="A board's messages newer than `after` (304 while nothing changed)",
)
def list_messages(
    request: HttpRequest,
    response: HttpResponse,
    group_id: Id,
    after: Annotated[int | None, Field(ge=0, le=2**63 - 1)] = None,
) -> MessagesOut | HttpResponse:
    _private(response)
    member = membership_for(_user(request), group_id)
    state = services.board_state(member)  # before the messages (services.BoardState)
    if after is not None and _not_modified(request, str(state.tag(after))):
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = str(state.tag(after))
        _private(not_modified)
        return not_modified
    sent = [tag for tag in services.BoardTag.parse(request.headers.get("If-None-Match", "")) if tag.last == after]
    reset = bool(sent) and not any(state.only_new_posts_for(tag) for tag in sent)
    if after is None or reset:
        board, more = services.board(member, limit=PAGE), False
    else:
        board, more = services.board_since(member, after, PAGE)
    end = board[-1].message.pk if board else (0 if reset else after or 0)
    etag = str(state.tag(end, more))
    response["ETag"] = etag
    messages = [_message_out(b) for b in board]
    return MessagesOut(group_id=member.group_id, etag=etag, more=more, reset=reset, messages=messages)


# --- Posting ---------------------------------------------------------------------------------------------


@router.post(
    "/community/groups/{group_id}/messages",
    response={200: PostOut, 201: PostOut},
    summary='Post a message or "I need support now"',
)
def post_message(request: HttpRequest, response: HttpResponse, group_id: Id, body: PostIn) -> Status[PostOut]:
    _private(response)
    member = membership_for(_user(request), group_id)
    posted = services.post_message(member, body.text, client_id=body.client_id, kind=body.kind)
    m = posted.message
    out = PostOut(
        id=m.pk,
        group_id=m.group_id,
        kind=m.kind,  # type: ignore[arg-type]
        text=m.text,
        created_at=m.created_at,
        created=posted.created,
        alerted=posted.alerted,
    )
    return Status(201 if posted.created else 200, out)
