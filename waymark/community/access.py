"""The one gate to a group: the signed-in person's current membership, or nothing.

No one outside a group reads it, staff included: a counsellor who made a cohort group reads its board only
if they added themselves as a member. A group you are not in answers 404, so its existence is not revealed.

`as_the_person_lives` shows every community page in the reader's own language and time zone (their recovery
companion's settings; else their program's zone and the browser's language).
"""

import functools
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone, translation

from waymark.community.models import Membership
from waymark.core.models import User
from waymark.core.types import AuthedRequest


def membership_for(user: User, group_id: int) -> Membership:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in first.")
    member = (
        # The reader's companion and program come along: their language and zone (`settings_of`), no second query.
        Membership.objects.select_related("group", "user__companion", "user__program")
        .filter(group_id=group_id, user=user, left_at__isnull=True, removed_at__isnull=True)
        .first()
    )
    if member is None:
        raise Http404("No such group.")
    return member


def moderator_for(user: User, group_id: int) -> Membership:
    member = membership_for(user, group_id)
    if not member.moderates:
        raise PermissionDenied("Only the group's moderators can do this.")
    return member


def zone_and_language(user: User) -> tuple[zoneinfo.ZoneInfo, str | None]:
    """One query: the person's companion zone and language; else their program's zone (else the server's) and
    no language of their own."""
    row = (
        User.objects.filter(pk=user.pk)
        .values_list("companion__time_zone", "program__time_zone", "companion__language")
        .first()
    )
    return _zone_and_language(*(row or (None, None, None)))


def member_zone_and_language(member: Membership) -> tuple[zoneinfo.ZoneInfo, str | None]:
    """The same from a membership read by `membership_for` (its user's companion and program came with it)."""
    user = member.user
    companion = getattr(user, "companion", None)
    program = user.program
    return _zone_and_language(
        companion.time_zone if companion else None,
        program.time_zone if program else None,
        companion.language if companion else None,
    )


def _zone_and_language(
    companion_zone: str | None, program_zone: str | None, language: str | None
) -> tuple[zoneinfo.ZoneInfo, str | None]:
    for name in (companion_zone, program_zone):
        if name:
            try:
                return zoneinfo.ZoneInfo(name), language
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo(settings.TIME_ZONE), language


def answer_as_they_live(
    request: AuthedRequest, zone: zoneinfo.ZoneInfo, language: str | None, answer: Callable[[], HttpResponse]
) -> HttpResponse:
    """The view's answer made in the person's zone and language (their messages and their page)."""
    # override (not activate): the language must not outlive this request's thread-local state.
    with timezone.override(zone), translation.override(language or translation.get_language()):
        if language:
            request.LANGUAGE_CODE = language
        response = answer()
    if language:
        response.headers["Content-Language"] = language
    return response


def as_the_person_lives(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view (its messages and its page) in the signed-in person's language and time zone."""

    @functools.wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        zone, language = zone_and_language(request.user)
        return answer_as_they_live(request, zone, language, lambda: view(request, *args, **kwargs))

    return wrapped
