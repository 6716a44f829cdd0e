"""A group's board: the newest messages (live, by HTMX polling), posting and "I need support now",
reactions, reporting a message, blocking a member, my name and colour in the group, leaving, the guidelines.

Every group URL passes `access.membership_for` (the one gate): anyone not a current member gets 404, so a
group's existence is not revealed, and leaving or removal ends access at the next request. The message list
is the partial `community/board.html#message_list`, polled by `messages` every few seconds with the ETag of the
copy shown (`services.BoardTag`: the board's version and the newest message in the copy). A copy that is
current gets 304 from one small read; one that only lacks new posts gets those alone, put at the top of the
list; after anything else (a hidden message, a reaction, a block) the whole list again. Nothing here is cached
by the browser or a proxy.
"""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.community import access, services
from waymark.community.forms_board import (
    COLOUR_LABELS,
    MUTE_CHOICES,
    REACTION_LABELS,
    REASON_LABELS,
    PostForm,
    ProfileForm,
    ReportForm,
    SupportNowForm,
    fresh_post_forms,
)
from waymark.community.models import REACTIONS, Block, Group, Membership, Message
from waymark.companion import progress
from waymark.companion.models import CompanionProfile
from waymark.core.types import AuthedRequest
from waymark.core.views import _form_errors

P = ParamSpec("P")
MemberView = Callable[Concatenate[AuthedRequest, Membership, P], HttpResponse]

KIND_LABELS: dict[str, Any] = {
    Group.Kind.COHORT.value: gettext_lazy("Program group"),
    Group.Kind.OPEN.value: gettext_lazy("Open group"),
    Group.Kind.PAIR.value: gettext_lazy("Sponsor and mentee"),
}


def _htmx(request: AuthedRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def member_view(view: MemberView[P]) -> Callable[..., HttpResponse]:
    """Signed in and a current member of the group, or no further: anonymous people are sent to sign in (an
    HTMX request is told to load the sign-in page, not given it to put inside the board); everyone else who is
    not a current member gets 404. Every answer is private and not stored."""

    @functools.wraps(view)
    def wrapped(request: AuthedRequest, group_id: int, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            board_url = reverse("community:board", args=[group_id])
            if _htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': board_url})}"
                return _private(response)
            return redirect_to_login(request.get_full_path() if request.method == "GET" else board_url)
        member = access.membership_for(request.user, group_id)
        zone, language = access.member_zone_and_language(member)
        return _private(
            access.answer_as_they_live(request, zone, language, lambda: view(request, member, *args, **kwargs))
        )

    return wrapped


# --- What the board shows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReactionButton:
    kind: str
    label: str
    count: int
    pressed: bool


@dataclass(frozen=True)
class Line:
    """One message as the board draws it."""

    item: services.BoardMessage
    days: int | None  # the author's days in recovery, when they chose to show them and use the companion
    reactions: list[ReactionButton]
    can_remove: bool  # a moderator may mute or remove the author (a current member, not a moderator)

    @property
    def message(self) -> Message:
        return self.item.message

    @property
    def author(self) -> Membership:
        return self.item.author

    @property
    def days_label(self) -> str:
        if self.days is None:
            return ""
        return ngettext("%(n)d day in recovery", "%(n)d days in recovery", self.days) % {"n": self.days}


def _days_in_recovery(items: list[services.BoardMessage]) -> dict[int, int]:
    """Days in recovery of the authors who chose to show them and use the recovery companion (user id → days),
    in one query whatever the number of authors or check-ins: each profile with its count of use days since
    recovery began. Total days in recovery = days since the start − use days (rule
    companion.progress.time_in_recovery; a check-in is never for a day after the person's today)."""
    user_ids = {item.author.user_id for item in items if item.author.show_days}
    if not user_ids:
        return {}
    rows = (
        CompanionProfile.objects.filter(user_id__in=user_ids)
        .annotate(
            uses=Count(
                "user__check_ins",
                filter=Q(user__check_ins__used_today=True, user__check_ins__day__gte=F("recovery_started_on")),
            )
        )
        .values_list("user_id", "recovery_started_on", "time_zone", "uses")
    )
    now = timezone.now()
    days: dict[int, int] = {}
    for user_id, started, zone, uses in rows:
        time = progress.recovery_time(started, (), progress.local_day(now, zone))
        if not time.not_started:
            days[user_id] = max(time.days_since_start - uses, 0)
    return days


def _lines(member: Membership, items: list[services.BoardMessage]) -> list[Line]:
    """Messages (oldest first) ready to draw, newest first (a fixed number of queries whatever their number)."""
    days = _days_in_recovery(items)
    lines = []
    for item in reversed(items):
        counts = {kind: (count, mine) for kind, count, mine in item.reactions}
        reactions = [
            ReactionButton(kind, str(REACTION_LABELS[kind]), *counts.get(kind, (0, False)))
            for kind, _label in REACTIONS
        ]
        author = item.author
        lines.append(
            Line(
                item=item,
                days=days.get(author.user_id) if author.show_days else None,
                reactions=reactions,
                can_remove=author.is_current and not author.moderates and not item.mine,
            )
        )
    return lines


def _list_context(member: Membership, items: list[services.BoardMessage]) -> dict[str, Any]:
    return {
        "member": member,
        "group": member.group,
        "lines": _lines(member, items),
        "mute_choices": MUTE_CHOICES,
    }


def _read_board(
    member: Membership, state: services.BoardState | None = None
) -> tuple[list[services.BoardMessage], str]:
    """The board and its ETag. The state is read first: a post landing in between shows now, and its new
    version keeps the next poll from being a 304."""
    state = state or services.board_state(member)
    items = services.board(member)
    return items, str(state.tag(items[-1].message.pk if items else 0))


def _compose_context(
    member: Membership, post_form: PostForm | None = None, support_form: SupportNowForm | None = None
) -> dict[str, Any]:
    fresh_post, fresh_support = fresh_post_forms()
    return {
        "member": member,
        "group": member.group,
        "muted": member.muted(),
        "post_form": post_form or fresh_post,
        "support_form": support_form or fresh_support,
    }


def _render(request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)  # in the reader's zone (access.as_the_person_lives)


def _board_page(
    request: AuthedRequest,
    member: Membership,
    status: int = 200,
    post_form: PostForm | None = None,
    support_form: SupportNowForm | None = None,
) -> HttpResponse:
    items, etag = _read_board(member)
    context = {
        **_compose_context(member, post_form, support_form),
        **_list_context(member, items),
        "nav": "community",
        "kind_label": KIND_LABELS.get(member.group.kind, ""),
        "etag": etag,
        "poll_seconds": settings.WAYMARK_BOARD_POLL_SECONDS,
    }
    return _render(request, "community/board.html", context, status=status)


def _list_response(
    request: AuthedRequest, member: Membership, state: services.BoardState | None = None
) -> HttpResponse:
    items, etag = _read_board(member, state)
    response = _render(request, "community/board.html#message_list", _list_context(member, items))
    response["ETag"] = etag
    return response


# --- The board and its live list ----------------------------------------------------------------------------


@member_view
@require_GET
def board(request: AuthedRequest, member: Membership) -> HttpResponse:
    services.mark_alerts_seen(member)
    return _board_page(request, member)


@require_GET
def messages(request: AuthedRequest, group_id: int) -> HttpResponse:
    """The message list, for polling with the ETag of the copy shown: 304 while it is current; only the new
    posts (put at the top of the list) when nothing else changed since; else the whole list.

    Every open board asks this every few seconds, so the 304 is answered from one query (the membership, the
    board's versions and the reader's blocks) before anything else is read; `_poll_changed` is `member_view`."""
    if not request.user.is_authenticated:
        return _poll_changed(request, group_id)  # sign in (member_view)
    state = services.current_board_state(request.user.pk, group_id)
    if state is None:
        raise Http404("No such group.")
    for sent in services.BoardTag.parse(request.headers.get("If-None-Match", "")):
        if state.unchanged_for(sent):
            response = HttpResponse(status=304)
            response["ETag"] = str(sent)
            return _private(response)
    return _poll_changed(request, group_id, state)


@member_view
def _poll_changed(request: AuthedRequest, member: Membership, state: services.BoardState | None = None) -> HttpResponse:
    state = state or services.board_state(member)
    for sent in services.BoardTag.parse(request.headers.get("If-None-Match", "")):
        # A copy with no message shows "No messages yet" and no list to put new ones in: the whole list.
        if sent.last and state.only_new_posts_for(sent):
            items, more = services.board_since(member, sent.last, blocks=state.blocks)
            if not more:
                new_last = items[-1].message.pk if items else sent.last
                return _new_posts_response(request, member, items, str(state.tag(new_last)))
    return _list_response(request, member, state)


def _new_posts_response(
    request: AuthedRequest, member: Membership, items: list[services.BoardMessage], etag: str
) -> HttpResponse:
    """New posts, put at the top of the reader's list (HX-Retarget and HX-Reswap); nothing new to show (the
    posts were hidden or from someone the reader blocked) is a 204 with the new ETag."""
    if items:
        response = _render(request, "community/board.html#new_lines", _list_context(member, items))
        response["HX-Retarget"] = "#board-list"
        response["HX-Reswap"] = "afterbegin"
    else:
        response = HttpResponse(status=204)
    response["ETag"] = etag
    return response


@member_view
@require_POST
def post(request: AuthedRequest, member: Membership) -> HttpResponse:
    """A post or an "I need support now" post. A muted member is refused (403) with the reason; the same
    client id posts once. With HTMX the answer is the refreshed list plus fresh forms; without, a redirect."""
    support = request.POST.get("kind") == Message.Kind.SUPPORT_NOW
    post_form = None if support else PostForm(request.POST)
    support_form = SupportNowForm(request.POST) if support else None
    form: PostForm | SupportNowForm = support_form or post_form  # type: ignore[assignment]
    refused = member.muted() and not support  # "I need support now" is never silenced
    if not refused and form.is_valid():
        try:
            posted = services.post_message(
                member,
                form.cleaned_data.get("text", ""),
                client_id=form.cleaned_data["client_id"],
                kind=Message.Kind.SUPPORT_NOW if support else Message.Kind.POST,
            )
        except PermissionDenied:
            refused = True
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _posted(request, member, posted, support)
    if refused:
        member.refresh_from_db(fields=["muted_until"])
        return _compose_refused(request, member, 403, None, None)
    return _compose_refused(request, member, 422, post_form, support_form)


def _posted(request: AuthedRequest, member: Membership, posted: services.Posted, support: bool) -> HttpResponse:
    if not posted.created:
        note = _("This message was already posted.")
    elif support:
        note = _("Your message is posted and everyone in the group has been told you need support.")
    else:
        note = _("Your message is posted.")
    if not _htmx(request):
        flash.success(request, note)
        return redirect("community:board", group_id=member.group_id)
    items, etag = _read_board(member)
    context = {**_compose_context(member), **_list_context(member, items), "note": note}
    response = _render(request, "community/board_posted.html", context)
    response["ETag"] = etag
    return response


def _compose_refused(
    request: AuthedRequest,
    member: Membership,
    status: int,
    post_form: PostForm | None,
    support_form: SupportNowForm | None,
) -> HttpResponse:
    """A refused post: the whole board again (without JS), or only the writing area (HTMX; community.js
    lets a 403 or 422 answer that names its target replace the area)."""
    if not _htmx(request):
        return _board_page(request, member, status, post_form, support_form)
    context = _compose_context(member, post_form, support_form)
    response = _render(request, "community/board.html#compose", context, status=status)
    response["HX-Retarget"] = "#board-compose"
    response["HX-Reswap"] = "outerHTML"
    return response


def _back_to_board(request: AuthedRequest, member: Membership, anchor: str = "") -> HttpResponse:
    """After a change made from the list: the refreshed list (HTMX) or the board (no JS)."""
    if _htmx(request):
        return _list_response(request, member)
    return redirect(reverse("community:board", args=[member.group_id]) + anchor)


@member_view
@require_POST
def react(request: AuthedRequest, member: Membership, message_id: int) -> HttpResponse:
    try:
        services.toggle_reaction(member, message_id, request.POST.get("kind", ""))
    except ValidationError as exc:
        if "message" in exc.message_dict:
            # Hidden (or gone) since the reader's copy: the board without it, not a 404 (which the board's
            # script reads as "no longer in this group").
            if not _htmx(request):
                flash.info(request, _("That message is no longer on the board."))
            return _back_to_board(request, member)
        return HttpResponse(" ".join(exc.messages), status=422, content_type="text/plain; charset=utf-8")
    return _back_to_board(request, member, f"#message-{message_id}")


def _reportable(member: Membership, message_id: int) -> Message:
    """A message this member sees on the board (not hidden, not from someone they blocked), or 404."""
    blocked = Block.objects.filter(blocker=member.user_id).values_list("blocked_id", flat=True)
    message = (
        Message.objects.filter(pk=message_id, group=member.group_id, hidden_at__isnull=True)
        .exclude(author__user_id__in=blocked)
        .select_related("author")
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    return message


@member_view
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest, member: Membership, message_id: int) -> HttpResponse:
    message = _reportable(member, message_id)
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_message(member, message.pk, form.cleaned_data["reason"], form.cleaned_data["note"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                flash.success(request, _("Thanks — the moderators will look at it."))
                return redirect("community:board", group_id=member.group_id)
        status = 422
    context = {
        "member": member,
        "group": member.group,
        "message": message,
        "form": form,
        "nav": "community",
        "no_moderator": services.NO_MODERATOR if not services.has_moderator(member.group_id) else "",
    }
    return _render(request, "community/report.html", context, status=status)


@member_view
@require_POST
def block(request: AuthedRequest, member: Membership, member_id: int) -> HttpResponse:
    """Block the person behind one of this group's members: their messages vanish for the blocker, in every
    group, until they unblock them on the blocked people page."""
    other = Membership.objects.filter(pk=member_id, group=member.group_id).first()
    if other is None:
        raise Http404("No such member.")
    try:
        services.block(request.user, other)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=422, content_type="text/plain; charset=utf-8")
    if not _htmx(request):
        flash.success(
            request,
            _(
                "You blocked %(name)s. You will not see their messages in any group. You can undo this on the "
                "Blocked people page."
            )
            % {"name": other.display_name},
        )
    return _back_to_board(request, member)


@member_view
@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest, member: Membership) -> HttpResponse:
    initial = {
        "display_name": member.display_name,
        "avatar_colour": member.avatar_colour,
        "show_days": member.show_days,
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_profile(member, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                flash.success(request, _("Saved. This is what others in the group see."))
                return redirect("community:board", group_id=member.group_id)
        status = 422
    context = {
        "member": member,
        "group": member.group,
        "form": form,
        "nav": "community",
        "uses_companion": CompanionProfile.objects.filter(user=request.user).exists(),
        "colour_labels": COLOUR_LABELS,
    }
    return _render(request, "community/profile.html", context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def leave(request: AuthedRequest, member: Membership) -> HttpResponse:
    refused = ""
    if request.method == "POST":
        try:
            services.leave(member)
        except ValidationError as exc:
            refused = " ".join(exc.messages)
        else:
            flash.success(request, _("You left %(group)s. You no longer see its messages.") % {"group": member.group})
            return redirect("community:groups")
    context = {"member": member, "group": member.group, "nav": "community", "refused": refused}
    return _render(request, "community/board_leave.html", context, status=422 if refused else 200)


@member_view
@require_GET
def guidelines(request: AuthedRequest, member: Membership) -> HttpResponse:
    context = {"member": member, "group": member.group, "nav": "community", "reasons": list(REASON_LABELS.values())}
    return _render(request, "community/guidelines.html", context)


# --- Blocked people (across groups) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocked:
    user_id: int
    names: list[str]  # "Sam (Tuesday evening group)": how the person appeared in groups shared with the blocker
    since: dt.datetime


@login_required
@access.as_the_person_lives
@require_GET
def blocks(request: AuthedRequest) -> HttpResponse:
    user = request.user
    rows = list(Block.objects.filter(blocker=user).order_by("-created_at"))
    # The names the blocked people have in the blocker's current groups (not in groups the blocker left).
    mine = Membership.objects.filter(user=user, left_at__isnull=True, removed_at__isnull=True).values_list(
        "group_id", flat=True
    )
    names: dict[int, list[str]] = {}
    for other in (
        Membership.objects.filter(user_id__in=[b.blocked_id for b in rows], group_id__in=mine)
        .select_related("group")
        .order_by("group__name", "id")
    ):
        names.setdefault(other.user_id, []).append(f"{other.display_name} ({other.group.name})")
    context = {
        "blocked": [Blocked(b.blocked_id, names.get(b.blocked_id, []), b.created_at) for b in rows],
        "nav": "community",
    }
    return _private(_render(request, "community/blocks.html", context))


@login_required
@access.as_the_person_lives
@require_POST
def unblock(request: AuthedRequest, user_id: int) -> HttpResponse:
    services.unblock(request.user, user_id)
    flash.success(request, _("Unblocked. You will see their messages again."))
    return _private(redirect("community:blocks"))
