"""The treatment directory over the API: facilities near a ZIP code or a point, and one facility.

Public, like the finder page: the directory is public information (SAMHSA's, in the public domain) and a search
is about places, not people, so no sign-in is needed and nothing about the caller is kept. A bad parameter (an
unknown ZIP or code, a code of another parameter, a radius or limit out of range) is a 422 problem whose
`errors` name the parameter. Claimed, verified and advertiser are reported as what they are; none of them
changes the order, which is by distance (ties by id)."""

import datetime as dt
from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Query, Router
from pydantic import BaseModel, Field

from waymark.api_errors import problem
from waymark.directory import codes as code_key
from waymark.directory import search, zips
from waymark.directory.models import DirectoryImport, Facility

router = Router(tags=["directory"], auth=None)

SOURCE = "SAMHSA National Directory of Drug and Alcohol Use Treatment Facilities (public domain)"

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
_FRIENDLY = {
    parameter: ", ".join(f.slug for f in code_key.FILTERS if f.parameter == parameter)
    for parameter in code_key.PARAMETER_CATEGORIES
}


def _codes_help(parameter: str) -> str:
    return (
        f"Friendly filters ({_FRIENDLY[parameter]}) or codes of the code key in the "
        f"{parameter} categories; repeat the parameter or separate values with commas. Any of the values will "
        "do (OR); every parameter given must hold (AND)."
    )


# --- Schemas ----------------------------------------------------------------------------------------------------
# Plain pydantic models, not ninja's Schema: output only, built here, so they need none of Schema's reading of
# attributes from Django objects, which costs more than the search itself for 20 results.


class NearOut(BaseModel):
    lat: float
    lon: float
    label: str = Field(description="“ZIP 10001” or the point searched from.")


class ResultOut(BaseModel):
    id: int
    name: str
    name_detail: str = Field(description="A program or branch name; may be empty.")
    address: str
    phone: str
    intake_phones: list[str]
    distance_miles: float = Field(description="From the search's point to the facility, to 0.1 mile.")
    service_codes: list[str] = Field(description="Every code of the listing, in the source's order.")
    matched: list[str] = Field(description="Why it matches: the code key's words for each code asked for it has.")
    verified: bool
    claimed: bool = Field(description="Claimed by the program that runs it.")
    advertiser: bool = Field(description="Labelled as such; never changes the order.")
    url: str = Field(description="The facility's public page.")


class SearchOut(BaseModel):
    near: NearOut
    radius_miles: float
    results: list[ResultOut] = Field(description="Nearest first; ties by id.")
    source: str
    source_date: dt.date | None = Field(description="The date of the directory data last imported.")
    credit: str


class CodeOut(BaseModel):
    code: str
    label: str


class CategoryOut(BaseModel):
    category: str
    name: str
    codes: list[CodeOut]


class FacilityOut(BaseModel):
    id: int
    name: str
    name_detail: str
    address: str
    street1: str
    street2: str
    city: str
    state: str
    zip: str
    phone: str
    intake_phones: list[str]
    website: str
    latitude: float | None = Field(description="The ZIP code's centre; null when the listing could not be placed.")
    longitude: float | None
    service_codes: list[str]
    services: list[CategoryOut] = Field(description="The codes with their labels, by category of the code key.")
    verified: bool
    verified_what: str
    verified_on: dt.date | None
    claimed: bool
    advertiser: bool
    source: str
    source_date: dt.date | None
    url: str
    credit: str


# --- Endpoints --------------------------------------------------------------------------------------------------


@router.get(
    "/facilities",
    response=SearchOut,
    summary="Treatment facilities near a ZIP code or a point, nearest first (no sign-in needed)",
    description=(
        "Substance use treatment facilities within `radius` miles of `near`, offering what the filters ask for, "
        "nearest first (ties by id), at most `limit`. An unknown ZIP or code, a code given to the wrong parameter, "
        "or a radius or limit out of range is a 422 whose `errors` name the parameter. Listings that could not "
        "be placed (unknown ZIP) are not in results; they have their own page."
    ),
)
def search_facilities(
    request: HttpRequest,
    near: Annotated[str, Query(description="A 5-digit ZIP code, or “latitude,longitude” in decimal degrees.")],
    radius: Annotated[
        float,
        Query(ge=search.RADIUS_MIN_MILES, le=search.RADIUS_MAX_MILES, description="Miles from `near`."),
    ] = search.DEFAULT_RADIUS_MILES,
    services: Annotated[list[str], Query(description=_codes_help("services"))] = [],  # noqa: B006
    payment: Annotated[list[str], Query(description=_codes_help("payment"))] = [],  # noqa: B006
    population: Annotated[list[str], Query(description=_codes_help("population"))] = [],  # noqa: B006
    language: Annotated[list[str], Query(description=_codes_help("language"))] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = search.DEFAULT_LIMIT,
) -> HttpResponse | SearchOut:
    params = {
        "near": [near],
        "radius": [repr(radius)],
        "limit": [str(limit)],
        "services": services,
        "payment": payment,
        "population": population,
        "language": language,
    }
    try:
        query = search.parse_query(params)
    except search.SearchError as error:
        return problem(
            422,
            "Invalid input",
            "Fix the parameters listed in errors.",
            [{"field": error.parameter, "message": error.message}],
        )
    with translation.override(None):  # the pages' addresses in the default language, whatever Accept-Language
        results = [_result(r) for r in search.search(query)]
    return SearchOut(
        near=NearOut(lat=query.origin.lat, lon=query.origin.lon, label=query.origin_label),
        radius_miles=query.radius_miles,
        results=results,
        source=SOURCE,
        source_date=_source_date(),
        credit=zips.GEONAMES_CREDIT,
    )


@router.get(
    "/facilities/{facility_id}",
    response=FacilityOut,
    summary="One treatment facility: contact details, services by category, listing flags (no sign-in needed)",
)
def get_facility(request: HttpRequest, facility_id: Id) -> FacilityOut:
    facility = Facility.objects.filter(pk=facility_id, directory_type="substance").first()
    if facility is None:
        raise Http404(f"No facility {facility_id} in the directory.")
    return FacilityOut(
        id=facility.pk,
        name=facility.name,
        name_detail=facility.name_detail,
        address=facility.address,
        street1=facility.street1,
        street2=facility.street2,
        city=facility.city,
        state=facility.state,
        zip=facility.zip,
        phone=facility.phone,
        intake_phones=facility.intake_phones,
        website=facility.website,
        latitude=facility.latitude,
        longitude=facility.longitude,
        service_codes=facility.codes,
        services=_services(facility.codes),
        verified=facility.verified,
        verified_what=facility.verified_what,
        verified_on=facility.verified_on,
        claimed=facility.claimed_by_id is not None,
        advertiser=facility.advertiser,
        source=facility.get_source_display(),
        source_date=facility.source_date,
        url=_page_url(facility.pk),
        credit=zips.GEONAMES_CREDIT,
    )


# --- Building the output ----------------------------------------------------------------------------------------


def _result(result: search.Result) -> ResultOut:
    facility = result.facility
    return ResultOut(
        id=facility.pk,
        name=facility.name,
        name_detail=facility.name_detail,
        address=facility.address,
        phone=facility.phone,
        intake_phones=facility.intake_phones,
        distance_miles=result.distance_miles,
        service_codes=facility.codes,
        matched=result.matched,
        verified=facility.verified,
        claimed=facility.claimed_by_id is not None,
        advertiser=facility.advertiser,
        url=reverse("public:facility", args=[facility.pk]),
    )


def _services(codes: list[str]) -> list[CategoryOut]:
    """The codes by category, in the order of codes.CATEGORIES (codes a later key adds: "Other services")."""
    return [
        CategoryOut(
            category=category.slug,
            name=category.name,
            codes=[CodeOut(code=c, label=search.label_of(c)) for c in group],
        )
        for category, group in code_key.by_category(codes)
    ]


def _page_url(facility_id: int) -> str:
    """The facility's public page, in the default language whatever the caller's Accept-Language."""
    with translation.override(None):
        return reverse("public:facility", args=[facility_id])


def _source_date() -> dt.date | None:
    runs = DirectoryImport.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-pk")
    return runs.values_list("source_date", flat=True).first()
