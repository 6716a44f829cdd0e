"""A counsellor's caseload: everyone on their current care team, with their open
episode's level of care, when they last came to a session, their next session,
their no-show streak and when their treatment plan is due for review.

The list is read in a constant number of queries whatever its size: one for the
people with their attendance figures worked out in SQL (correlated subqueries on
the attendance index, each reading a handful of rows, never a person's whole
history), one for their open episodes' levels, and three for the plan reviews
(reviews.review_statuses). What the
figures mean (not seen in N days, streaks, review due) is schedules.py.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from waymark.care import reviews, schedules
from waymark.care.models import Attendance
from waymark.chart.access import chart_patients
from waymark.chart.models import Episode, LevelOfCare
from waymark.core.models import Program, User

# "Reviews due soon": overdue, due today, or due within this many days.
REVIEWS_SOON_DAYS = 14
ATTENDED = sorted(schedules.ATTENDED)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

FILTERS = {
    "all": "Everyone",
    "not_seen": "Not seen",
    "reviews": f"Reviews overdue or due in {REVIEWS_SOON_DAYS} days",
    "streak": f"No-show streak of {schedules.STREAK_SHOWN_FROM} or more",
}
SORTS = {
    "attention": "Needs attention first",
    "name": "Name",
    "last_seen": "Longest since seen",
    "review": "Review due date",
    "next": "Next session",
}


class DaysError(ValueError):
    pass


def parse_days(raw: str | None) -> int:
    """The "not seen in N days" figure from the page's ?days=; a bad value raises DaysError saying why."""
    low, high = schedules.NOT_SEEN_RANGE
    if raw is None or raw.strip() == "":
        return schedules.DEFAULT_NOT_SEEN_DAYS
    value = raw.strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise DaysError(
            f"“Not seen in” takes a whole number of days from {low} to {high}; {raw[:20]!r} is not one. "
            f"Showing {schedules.DEFAULT_NOT_SEEN_DAYS} days."
        )
    return int(value)


@dataclass(frozen=True)
class CaseloadRow:
    patient_id: int
    name: str
    mrn: str
    sort_name: tuple[str, str]
    level: str  # the open episode's level of care; "" without an open episode
    level_label: str
    last_seen: dt.date | None  # the clinic day of the latest attended or late session
    days_since: int | None
    not_seen: bool
    next_session: dt.datetime | None  # the next session they are expected at
    streak: int
    review: schedules.ReviewStatus | None  # None: no signed plan

    @property
    def streak_shown(self) -> bool:
        return self.streak >= schedules.STREAK_SHOWN_FROM

    @property
    def review_overdue(self) -> bool:
        return self.review is not None and self.review.state == "overdue"

    @property
    def review_soon(self) -> bool:
        """Overdue, due today, or due within REVIEWS_SOON_DAYS."""
        return self.review is not None and (self.review.state != "upcoming" or self.review.days <= REVIEWS_SOON_DAYS)

    @property
    def attention(self) -> bool:
        return self.review_overdue or self.not_seen or self.streak_shown


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]  # filtered and sorted
    days: int
    total: int
    not_seen: int
    reviews_overdue: int
    reviews_soon: int
    streaks: int


def _people(user: User, now: dt.datetime) -> Iterable[Any]:
    """The viewer's current care team with each person's figures, in one query."""
    attendances = Attendance.objects.filter(patient=OuterRef("pk")).order_by()
    last_seen = attendances.filter(status__in=ATTENDED, starts_at__lte=now).order_by("-starts_at")
    upcoming = attendances.filter(status=Attendance.Status.EXPECTED, starts_at__gt=now).order_by("starts_at")
    # No-shows since the last attended session (cancelled and unrecorded ones in between are skipped):
    # schedules.no_show_streak, read from the index from the last attended session on.
    since = Coalesce(OuterRef("last_seen_at"), Value(EPOCH, output_field=DateTimeField()))
    no_shows = (
        attendances.filter(status=Attendance.Status.NO_SHOW, starts_at__gt=since, starts_at__lte=now)
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        chart_patients(user)
        .only("id", "given_name", "family_name", "preferred_name", "mrn")
        .annotate(
            last_seen_at=Subquery(last_seen.values("starts_at")[:1]),
            next_at=Subquery(upcoming.values("starts_at")[:1]),
        )
        .annotate(streak=Coalesce(Subquery(no_shows), 0))
    )


def _open_levels(patient_ids: list[int]) -> dict[int, str]:
    """patient id → their open episode's level of care (the newest, should there be two), in one query."""
    rows = (
        Episode.objects.filter(patient_id__in=patient_ids, discharged_on__isnull=True)
        .order_by("patient_id", "admitted_on", "pk")
        .values_list("patient_id", "level_of_care")
    )
    return dict(rows)  # the newest of a person's open episodes comes last and stands


def caseload(
    user: User,
    program: Program,
    not_seen_days: int,
    *,
    show: str = "all",
    sort: str = "attention",
    now: dt.datetime | None = None,
) -> Caseload:
    """The people on `user`'s current care team (chart.access.chart_patients: care-team scope), each with
    their figures; the counts are over everyone, the rows filtered by `show` and ordered by `sort`."""
    now = now or timezone.now()
    zone = program.zone
    today = program.clinic_day(now)
    people = list(_people(user, now))
    ids = [p.pk for p in people]
    levels = _open_levels(ids)
    statuses = reviews.review_statuses(ids, today)
    labels = dict(LevelOfCare.choices)
    rows = []
    for p in people:
        last_seen = p.last_seen_at.astimezone(zone).date() if p.last_seen_at is not None else None
        rows.append(
            CaseloadRow(
                patient_id=p.pk,
                name=p.display_name,
                mrn=p.mrn,
                sort_name=(p.family_name.casefold(), p.given_name.casefold()),
                level=levels.get(p.pk, ""),
                level_label=labels.get(levels.get(p.pk, ""), ""),
                last_seen=last_seen,
                days_since=schedules.days_since(last_seen, today),
                not_seen=schedules.not_seen(last_seen, today, not_seen_days),
                next_session=p.next_at,
                streak=p.streak,
                review=statuses.get(p.pk),
            )
        )
    shown = [r for r in rows if _matches(r, show)]
    return Caseload(
        rows=sorted(shown, key=_SORT_KEYS.get(sort, _attention)),
        days=not_seen_days,
        total=len(rows),
        not_seen=sum(r.not_seen for r in rows),
        reviews_overdue=sum(r.review_overdue for r in rows),
        reviews_soon=sum(r.review_soon for r in rows),
        streaks=sum(r.streak_shown for r in rows),
    )


def _matches(row: CaseloadRow, show: str) -> bool:
    if show == "not_seen":
        return row.not_seen
    if show == "reviews":
        return row.review_soon
    if show == "streak":
        return row.streak_shown
    return True


NEVER = 10**6


def _attention(r: CaseloadRow) -> tuple[Any, ...]:
    """Overdue reviews, then not seen (longest first, never seen before anyone), then streaks, then the rest."""
    since = NEVER if r.days_since is None else r.days_since
    return (not r.review_overdue, not r.not_seen, not r.streak_shown, -since, -r.streak, r.sort_name)


def _last_seen(r: CaseloadRow) -> tuple[Any, ...]:
    return (-(NEVER if r.days_since is None else r.days_since), r.sort_name)


def _review(r: CaseloadRow) -> tuple[Any, ...]:
    return (r.review is None, r.review.due_on if r.review else dt.date.max, r.sort_name)


def _next(r: CaseloadRow) -> tuple[Any, ...]:
    return (r.next_session is None, r.next_session or EPOCH, r.sort_name)


_SORT_KEYS = {
    "attention": _attention,
    "name": lambda r: r.sort_name,
    "last_seen": _last_seen,
    "review": _review,
    "next": _next,
}
