"""The program outcomes dashboard (page, CSV) for program directors: Cap.OUTCOMES_READ.

Thin views: the GET form is parsed by forms.OutcomeFilterForm, the figures come from
report.py (computed in the database for the viewer's own program only), the charts from
charts.py (pure shapes drawn as inline SVG by the template). Aggregates, not chart reads;
each page view and each download is still audited once. Bad input: the form's errors,
status 422 (as other forms here), nothing computed.
"""

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from waymark.core import audit
from waymark.core.models import Program, User
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.outcomes import charts, report, table
from waymark.outcomes.forms import DEFAULT_GAP, GROUP_LABELS, MISSING_POSITIVE, OutcomeFilterForm

DEFAULTS = {"group_by": "cohort", "retention_days": "30, 90, 180", "allowed_gap_days": str(DEFAULT_GAP)}
FORM_FIELDS = ("admitted_from", "admitted_to", "group_by", "retention_days", "allowed_gap_days", "missing")


def _reader(request: AuthedRequest) -> tuple[User, Program]:
    user = request.user
    if not user.can(Cap.OUTCOMES_READ):
        raise PermissionDenied("The outcomes dashboard is for program admins and prescribers.")
    return user, user.staff_program


def _form(request: AuthedRequest, program: Program) -> OutcomeFilterForm:
    """The filter as asked; with no filter in the URL, the defaults (every episode, by cohort)."""
    asked = any(name in request.GET for name in FORM_FIELDS)
    data: QueryDict | dict[str, str] = request.GET if asked else {**DEFAULTS, "missing": MISSING_POSITIVE}
    return OutcomeFilterForm(data, today=program.clinic_day())


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    user, program = _reader(request)
    form = _form(request, program)
    context: dict[str, Any] = {"nav": "outcomes", "form": form, "program": program}
    if not form.is_valid():
        return render(request, "outcomes/dashboard.html", context, status=422)
    query = form.query(program.pk)
    groups = report.outcomes(query)
    audit.record(user, "outcomes_view", program_id=program.pk, object_type="outcomes", object_id=query.group_by)
    context.update(
        {
            "query": query,
            "group_label": GROUP_LABELS[query.group_by],
            "data_end": report.resolve_data_end(query),
            "rows": table.rows(groups, query.retention_days),
            "retention_days": query.retention_days,
            "csv_query": request.GET.urlencode() if request.GET else "",
            "charts": [
                charts.retention_chart(
                    [(g.group, g.retention_curve) for g in groups], marks=query.retention_days, key="retention"
                ),
                charts.negativity_chart(report.negativity_by_month(query), key="negativity"),
                charts.census_chart(report.census_by_level_of_care(query), key="census"),
            ],
            "printed_at": timezone.localtime(timezone.now(), program.zone),
        }
    )
    return render(request, "outcomes/dashboard.html", context)


@login_required
@require_GET
def export_csv(request: AuthedRequest) -> HttpResponse:
    user, program = _reader(request)
    form = _form(request, program)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
        )
        return HttpResponse(problems, status=422, content_type="text/plain; charset=utf-8")
    query = form.query(program.pk)
    groups = report.outcomes(query)
    audit.record(user, "outcomes_export_csv", program_id=program.pk, object_type="outcomes", object_id=query.group_by)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = program.clinic_day()
    response["Content-Disposition"] = f'attachment; filename="outcomes-by-{query.group_by}-{day:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(table.csv_header(query.retention_days, query.continuity_days))
    writer.writerows(table.csv_rows(groups, query.retention_days))
    return response


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("export.csv", export_csv, name="export_csv"),
]
