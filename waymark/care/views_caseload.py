"""The counsellor's caseload page: who on their care team has not been seen in N
days, whose plan review is overdue or coming up, and who has missed sessions in a
row. Counselling attendance never touches medication (REFERENCE.md §5): the page
prompts outreach, nothing else.

Each row is turned into plain strings here (dates, links) so the template prints
them: 150 rows of template logic and {% url %} tags cost more than the query."""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from waymark.care import schedules, services_caseload
from waymark.core import audit
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest


def _link(name: str) -> Callable[[int], str]:
    """patient id → the page's URL, reversed once (a placeholder id replaced), not once per row."""
    placeholder = 987654321
    pattern = reverse(name, args=[placeholder])
    return lambda pk: pattern.replace(str(placeholder), str(pk))


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class RowView:
    row: services_caseload.CaseloadRow
    chart_url: str
    sessions_url: str
    plan_url: str
    levels_url: str
    last_seen: str  # "2026-03-02 (6 days ago)" or "Never"
    next_session: str  # "2026-03-09 14:00" or "None booked"
    review: str  # the review label, or ""
    review_badge: str  # CSS class of the review label
    review_due: str


def _view(
    row: services_caseload.CaseloadRow, zone: zoneinfo.ZoneInfo, links: dict[str, Callable[[int], str]]
) -> RowView:
    review = row.review
    return RowView(
        row=row,
        chart_url=links["chart"](row.patient_id),
        sessions_url=links["care:sessions"](row.patient_id),
        plan_url=links["care:plan"](row.patient_id),
        levels_url=links["care:levels"](row.patient_id),
        last_seen=f"{row.last_seen:%Y-%m-%d} ({_days(row.days_since or 0)} ago)" if row.last_seen else "Never",
        next_session=f"{row.next_session.astimezone(zone):%Y-%m-%d %H:%M}" if row.next_session else "None booked",
        review=review.label if review else "",
        review_badge={"overdue": "badge flag", "due": "badge late"}.get(review.state, "") if review else "",
        review_due=f"{review.due_on:%Y-%m-%d}" if review else "",
    )


@login_required
@require_GET
def caseload(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not (user.can(Cap.SESSIONS) or user.can(Cap.CARE_PLAN)) or user.program_id is None:
        raise PermissionDenied("The caseload is for counsellors and prescribers: the people on their care team.")
    program = user.staff_program
    try:
        days = services_caseload.parse_days(request.GET.get("days"))
        days_error = ""
    except services_caseload.DaysError as exc:
        days, days_error = schedules.DEFAULT_NOT_SEEN_DAYS, str(exc)
    show = request.GET.get("show", "all")
    show = show if show in services_caseload.FILTERS else "all"
    sort = request.GET.get("sort", "attention")
    sort = sort if sort in services_caseload.SORTS else "attention"
    filters = {**services_caseload.FILTERS, "not_seen": f"Not seen in {days} day{'s' if days != 1 else ''}"}
    result = services_caseload.caseload(user, program, days, show=show, sort=sort)
    links = {name: _link(name) for name in ("chart", "care:sessions", "care:plan", "care:levels")}
    audit.record(user, "caseload", program_id=program.pk, object_type="caseload")
    context = {
        "nav": "caseload",
        "program": program,
        "caseload": result,
        "rows": [_view(r, program.zone, links) for r in result.rows],
        "days_error": days_error,
        "days_range": schedules.NOT_SEEN_RANGE,
        "show": show,
        "sort": sort,
        "show_label": filters[show].lower(),
        "sort_label": services_caseload.SORTS[sort],
        "filters": filters,
        "not_seen_label": filters["not_seen"],
        "sorts": services_caseload.SORTS,
        "soon_days": services_caseload.REVIEWS_SOON_DAYS,
        "streak_from": schedules.STREAK_SHOWN_FROM,
    }
    return render(request, "care/caseload.html", context)


urlpatterns: list[URLPattern] = [
    path("caseload/", caseload, name="caseload"),
]
