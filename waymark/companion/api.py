"""The companion over the API: the installed app's offline queue posts here when it is back online.

Only the signed-in person, for their own data. Each check-in and journal entry carries a `client_id`
made on the phone; sending the same one again changes nothing and answers 200 with `duplicate: true`.
"""

import datetime as dt
import uuid
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from ninja import Field, Router, Schema, Status

from waymark.chart.api import In, _user
from waymark.companion import services
from waymark.companion.models import CheckIn, CompanionProfile
from waymark.core.models import User

router = Router(tags=["companion"])


def _profile(request: HttpRequest) -> tuple[User, CompanionProfile]:
    user = _user(request)
    if user.is_staff_member:
        raise PermissionDenied("The companion is for people in recovery.")
    profile = services.profile_for(user)
    if profile is None:
        raise PermissionDenied("Set up your companion first (/companion/start/).")
    return user, profile


def _no_store(response: HttpResponse) -> None:
    """The person's own data (their check-ins, the words that raised a crisis): never kept by a cache."""
    patch_cache_control(response, private=True, no_store=True)


class CheckInIn(In):
    client_id: uuid.UUID
    day: dt.date | None = None  # the person's own day it was answered; today if left out
    mood: int
    craving: int
    triggers: Annotated[list[str], Field(max_length=20)] = []
    own_triggers: Annotated[str, Field(max_length=300)] = ""
    sleep_hours: float | None = None
    medication_taken: str = ""
    used_today: bool | None = None
    support_contact: bool = False
    meeting_attended: bool = False
    exercised: bool = False
    regular_meals: bool = False
    mindfulness: bool = False
    note: Annotated[str, Field(max_length=services.MAX_TEXT)] = ""


class CrisisOut(Schema):
    kinds: list[str]
    phrases: list[str]
    help_url: str


class CheckInOut(Schema):
    day: dt.date
    created: bool
    duplicate: bool
    crisis: CrisisOut | None
    early_warning: bool


class JournalIn(In):
    client_id: uuid.UUID
    text: Annotated[str, Field(min_length=1, max_length=services.MAX_JOURNAL)]
    prompt: str = ""
    written_at: dt.datetime | None = None


class JournalOut(Schema):
    id: int
    day: dt.date
    created: bool
    crisis: CrisisOut | None


class CheckInRow(Schema):
    day: dt.date
    mood: int
    craving: int
    triggers: list[str]
    sleep_hours: float | None
    medication_taken: str
    used_today: bool | None
    support_contact: bool
    meeting_attended: bool


def _crisis(found: services.crisis.CrisisAssessment) -> CrisisOut | None:
    if not found.at_risk:
        return None
    return CrisisOut(kinds=sorted(found.kinds), phrases=list(found.phrases), help_url=reverse("companion:crisis"))


@router.post("/companion/check-ins", response={200: CheckInOut, 201: CheckInOut}, summary="Record a check-in")
def post_check_in(request: HttpRequest, response: HttpResponse, body: CheckInIn) -> Status[CheckInOut]:
    _no_store(response)
    user, profile = _profile(request)
    data = services.CheckInInput(**body.model_dump(exclude={"client_id", "day"}))
    saved = services.save_check_in(user, profile, data, client_id=body.client_id, day=body.day)
    out = CheckInOut(
        day=saved.check_in.day,
        created=saved.created,
        duplicate=saved.duplicate,
        crisis=_crisis(saved.crisis),
        early_warning=saved.warning is not None,
    )
    return Status(201 if saved.created else 200, out)


@router.get("/companion/check-ins", response=list[CheckInRow], summary="My check-ins, newest first")
def list_check_ins(
    request: HttpRequest, response: HttpResponse, days: Annotated[int, Field(ge=1, le=3660)] = 90
) -> list[CheckInRow]:
    _no_store(response)
    user, profile = _profile(request)
    since = services.today_for(profile) - dt.timedelta(days=days - 1)
    rows = CheckIn.objects.filter(user=user, day__gte=since).order_by("-day")
    services.audit_read(user, "check_in_list")
    return [
        CheckInRow(
            day=c.day,
            mood=c.mood,
            craving=c.craving,
            triggers=list(c.triggers or []),
            sleep_hours=float(c.sleep_hours) if c.sleep_hours is not None else None,
            medication_taken=c.medication_taken,
            used_today=c.used_today,
            support_contact=c.support_contact,
            meeting_attended=c.meeting_attended,
        )
        for c in rows
    ]


@router.post("/companion/journal", response={200: JournalOut, 201: JournalOut}, summary="Add a journal entry")
def post_journal(request: HttpRequest, response: HttpResponse, body: JournalIn) -> Status[JournalOut]:
    _no_store(response)
    user, profile = _profile(request)
    saved = services.write_journal(
        user, profile, text=body.text, prompt=body.prompt, client_id=body.client_id, written_at=body.written_at
    )
    out = JournalOut(id=saved.entry.pk, day=saved.entry.day, created=saved.created, crisis=_crisis(saved.crisis))
    return Status(201 if saved.created else 200, out)
