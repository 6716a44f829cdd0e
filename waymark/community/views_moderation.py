"""A group's moderation page (/community/<id>/moderation/): open reports with Hide and Dismiss, the members
with Mute, Unmute and Remove, and the moderation log. Only the group's moderators (access.moderator_for: a
member is refused, anyone else is told the group does not exist).

Each action is a POST with an optional reason, calls services.py (which keeps a ModerationAction row and an
audit entry) and goes back to `next` when it is a page of the same group, else to the moderation page. An
HTMX request gets 204 and an `HX-Trigger: communityModerated` event (422 and `communityModerationError` if the
action was refused), so the board can refresh itself."""

import json
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from waymark.community import access, services
from waymark.community.forms_moderation import MuteForm, ReasonForm
from waymark.community.models import Membership, ModerationAction
from waymark.core.types import AuthedRequest

LOG_SHOWN = 100


def _zone(request: AuthedRequest, member: Membership) -> zoneinfo.ZoneInfo:
    """A cohort's program's zone; for open groups and pairs, the moderator's program's (else the server's)."""
    program = member.group.program or request.user.program
    return program.zone if program is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- The page ------------------------------------------------------------------------------------------------


@login_required
@access.as_the_person_lives
@require_GET
def moderation(request: AuthedRequest, group_id: int) -> HttpResponse:
    moderator = access.moderator_for(request.user, group_id)
    group = moderator.group
    members = list(
        Membership.objects.filter(group=group, left_at__isnull=True, removed_at__isnull=True).order_by(
            "display_name", "pk"
        )
    )
    log = list(
        ModerationAction.objects.filter(group=group)
        .select_related("member", "message__author")
        .order_by("-at", "-id")[:LOG_SHOWN]
    )
    # Who did it, by the name they use in this group (one query for every moderator in the log).
    names = dict(
        Membership.objects.filter(group=group, user_id__in={row.moderator_id for row in log})
        .order_by("joined_at")
        .values_list("user_id", "display_name")
    )
    context: dict[str, Any] = {
        "nav": "community",
        "group": group,
        "me": moderator,
        "reports": services.open_reports(moderator),
        "members": members,
        "log": [(row, names.get(row.moderator_id, _("A moderator"))) for row in log],
        "zone": _zone(request, moderator),
        "max_hours": services.MAX_MUTE_HOURS,
    }
    return render(request, "community/moderation.html", context)


# --- The actions ---------------------------------------------------------------------------------------------


def _back(request: AuthedRequest, group_id: int) -> str:
    """`next` if it is a page of this group on this site, else the moderation page."""
    default = reverse("community:moderation", args=[group_id])
    target = request.POST.get("next") or ""
    prefix = reverse("community:board", args=[group_id])
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    if safe and target.startswith(prefix) and ".." not in target and "\\" not in target:
        return target
    return default


def _answer(request: AuthedRequest, group_id: int, action: str, error: str, done: str, **ids: int) -> HttpResponse:
    """Redirect back with a message, or answer an HTMX request with an event."""
    if request.headers.get("HX-Request"):
        if error:
            response = HttpResponse(f'<p class="error" role="alert">{escape(error)}</p>', status=422)
            response["HX-Trigger"] = json.dumps({"communityModerationError": {"action": action, "error": error}})
        else:
            response = HttpResponse(status=204)
            response["HX-Trigger"] = json.dumps({"communityModerated": {"action": action, **ids}})
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_back(request, group_id))


def _first_error(form: ReasonForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _act(
    request: AuthedRequest,
    group_id: int,
    action: str,
    form: ReasonForm,
    do: Callable[[Membership, dict[str, Any]], str],
    **ids: int,
) -> HttpResponse:
    """The shared shape of a moderator's action: check the moderator, read the form, call the service."""
    moderator = access.moderator_for(request.user, group_id)
    error = done = ""
    if not form.is_valid():
        error = _first_error(form)
    else:
        try:
            done = do(moderator, form.cleaned_data)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return _answer(request, group_id, action, error, done, **ids)


def _name(moderator: Membership, member_id: int) -> str:
    name = Membership.objects.filter(pk=member_id, group=moderator.group_id).values_list("display_name", flat=True)
    return name.first() or _("The member")


@login_required
@access.as_the_person_lives
@require_POST
def hide(request: AuthedRequest, group_id: int, message_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        services.hide_message(moderator, message_id, data["reason"])
        return _("Message hidden. Members no longer see it.")

    return _act(request, group_id, "hide", ReasonForm(request.POST), do, message=message_id)


@login_required
@access.as_the_person_lives
@require_POST
def unhide(request: AuthedRequest, group_id: int, message_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        services.unhide_message(moderator, message_id, data["reason"])
        return _("Message shown again.")

    return _act(request, group_id, "unhide", ReasonForm(request.POST), do, message=message_id)


@login_required
@access.as_the_person_lives
@require_POST
def mute(request: AuthedRequest, group_id: int, member_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        member = services.mute(moderator, member_id, data["mute_hours"], data["reason"])
        until = timezone.localtime(member.muted_until or timezone.now(), _zone(request, moderator))
        return _("%(name)s is muted until %(until)s.") % {
            "name": member.display_name,
            "until": f"{until:%Y-%m-%d %H:%M}",
        }

    return _act(request, group_id, "mute", MuteForm(request.POST), do, member=member_id)


@login_required
@access.as_the_person_lives
@require_POST
def unmute(request: AuthedRequest, group_id: int, member_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        services.unmute(moderator, member_id, data["reason"])
        return _("%(name)s can post again.") % {"name": _name(moderator, member_id)}

    return _act(request, group_id, "unmute", ReasonForm(request.POST), do, member=member_id)


@login_required
@access.as_the_person_lives
@require_POST
def remove(request: AuthedRequest, group_id: int, member_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        services.remove_member(moderator, member_id, data["reason"])
        return _("%(name)s was removed from the group and cannot rejoin.") % {"name": _name(moderator, member_id)}

    return _act(request, group_id, "remove", ReasonForm(request.POST), do, member=member_id)


@login_required
@access.as_the_person_lives
@require_POST
def dismiss(request: AuthedRequest, group_id: int, report_id: int) -> HttpResponse:
    def do(moderator: Membership, data: dict[str, Any]) -> str:
        services.dismiss_report(moderator, report_id, data["reason"])
        return _("Report closed without action.")

    return _act(request, group_id, "dismiss", ReasonForm(request.POST), do, report=report_id)
