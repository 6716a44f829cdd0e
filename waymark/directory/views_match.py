"""Match me from a clinician's placement: open the public treatment finder with the filters that fit the
placement's level of care (matching.filters_for_level) and the person's needs recorded with it.

Staff who decide placements (Cap.PLACEMENT) with the patient in scope (chart.views.patient_for_request: the
program, the care team or break-glass; the read is audited). The link it sends to carries the filters only:
no patient, no placement, no level — and no ZIP code, which the clinician types in the finder."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from waymark.assess.models import PlacementAssessment
from waymark.chart.access import Need
from waymark.chart.views import patient_for_request
from waymark.core.roles import Cap
from waymark.core.types import AuthedRequest
from waymark.directory import matching


def placement_filters(placement: PlacementAssessment) -> list[str]:
    """The decided level, else the recommended one; a recommended withdrawal-management level counts until
    the clinician decides (deciding the main level instead sets it aside)."""
    return matching.filters_for_level(
        placement.edition,
        placement.decided_level or placement.recommended_level,
        withdrawal_level="" if placement.decided_level else placement.recommended_withdrawal_level,
        pregnant=placement.pregnant,
        co_occurring=placement.co_occurring,
        wants_methadone=placement.wants_methadone,
        supervised_withdrawal=placement.needs_supervised_withdrawal,
    )


def finder_url(slugs: list[str]) -> str:
    pairs = [(parameter, slug) for parameter, chosen in matching.by_parameter(slugs).items() for slug in chosen]
    return f"{reverse('public:find_treatment')}?{urlencode(pairs)}"


@login_required
@require_GET
def match_placement(request: AuthedRequest, placement_id: int) -> HttpResponse:
    if not request.user.can(Cap.PLACEMENT):
        raise PermissionDenied(f"Your role ({request.user.role_label}) does not place patients.")
    patient_id = (
        PlacementAssessment.objects.filter(pk=placement_id, patient__program_id=request.user.program_pk)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise Http404("No such placement.")
    patient = patient_for_request(request, patient_id, Need.READ, "placement", placement_id)
    if isinstance(patient, HttpResponse):
        return patient  # break-glass first
    placement = PlacementAssessment.objects.get(pk=placement_id, patient=patient)
    return redirect(finder_url(placement_filters(placement)))


urlpatterns: list[URLPattern] = [
    path("match/placement/<int:placement_id>/", match_placement, name="match_placement"),
]
