"""Patients, episodes, consents and disclosures over the API.

The same access helper and services as the pages: the same rules, the same
audit rows.
"""

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema

from waymark.chart import services
from waymark.chart.access import Need, disclosures_need, patient_for
from waymark.chart.models import Consent, Disclosure, Episode, LevelOfCare, Patient
from waymark.chart.search import search_patients
from waymark.core.models import User
from waymark.core.roles import Cap
from waymark.meds.medications import family_members

router = Router(tags=["chart"])

# Ids fit a 64-bit integer column; larger numbers are a client error, not a lookup.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
ShortText = Annotated[str, Field(max_length=100)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+() .-]*$")]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# --- Schemas ---------------------------------------------------------------


class In(Schema):
    """Input: unknown fields are refused (a typo must not be silently ignored),
    text is stripped as the forms do, and NUL characters are refused (PostgreSQL
    cannot store them; Django forms refuse them too)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Null characters are not allowed.")
        return value


class Patch(In):
    """Partial update: send only the fields to change. null is refused except
    where it means something (a field listed in NULLABLE)."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("May not be null; leave the field out to keep its value.")
        return value


class PatientIn(In):
    mrn: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
    given_name: Name
    family_name: Name
    preferred_name: ShortText = ""
    date_of_birth: dt.date
    sex_at_birth: Literal["female", "male", "intersex", "unknown"] = "unknown"
    gender_identity: Annotated[str, Field(max_length=60)] = ""
    pronouns: Annotated[str, Field(max_length=40)] = ""
    phone: Phone = ""
    email: Annotated[str, Field(max_length=254)] = ""
    address: Annotated[str, Field(max_length=500)] = ""
    preferred_language: Annotated[str, Field(min_length=1, max_length=40)] = "English"
    emergency_contact_name: Annotated[str, Field(max_length=120)] = ""
    emergency_contact_phone: Phone = ""
    emergency_contact_relationship: Annotated[str, Field(max_length=60)] = ""


class PatientPatch(Patch):
    mrn: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")] | SkipJsonSchema[None] = None
    given_name: Name | SkipJsonSchema[None] = None
    family_name: Name | SkipJsonSchema[None] = None
    preferred_name: ShortText | SkipJsonSchema[None] = None
    date_of_birth: dt.date | SkipJsonSchema[None] = None
    sex_at_birth: Literal["female", "male", "intersex", "unknown"] | SkipJsonSchema[None] = None
    gender_identity: Annotated[str, Field(max_length=60)] | SkipJsonSchema[None] = None
    pronouns: Annotated[str, Field(max_length=40)] | SkipJsonSchema[None] = None
    phone: Phone | SkipJsonSchema[None] = None
    email: Annotated[str, Field(max_length=254)] | SkipJsonSchema[None] = None
    address: Annotated[str, Field(max_length=500)] | SkipJsonSchema[None] = None
    preferred_language: Annotated[str, Field(min_length=1, max_length=40)] | SkipJsonSchema[None] = None
    emergency_contact_name: Annotated[str, Field(max_length=120)] | SkipJsonSchema[None] = None
    emergency_contact_phone: Phone | SkipJsonSchema[None] = None
    emergency_contact_relationship: Annotated[str, Field(max_length=60)] | SkipJsonSchema[None] = None


class PatientSummary(Schema):
    id: int
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date | None  # None only for imported records that did not hold it


class PatientOut(PatientSummary):
    sex_at_birth: str
    gender_identity: str
    pronouns: str
    phone: str
    email: str
    address: str
    preferred_language: str
    emergency_contact_name: str
    emergency_contact_phone: str
    emergency_contact_relationship: str
    has_photo: bool

    @staticmethod
    def resolve_has_photo(obj: Patient) -> bool:
        return bool(obj.photo_content_type)


class PatientPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PatientSummary]


class SearchIn(In):
    q: Annotated[str, Field(max_length=100)] = ""
    page: Annotated[int, Field(ge=1, le=100000)] = 1


LevelCode = LevelOfCare
SubstanceCode = Episode.Substance
# Literals, not the model's enums plus "": a union would report one error per
# member. test_openapi keeps these equal to the models' choices.
SeverityCode = Literal["", "mild", "moderate", "severe"]
DischargeCode = Literal["", "completed", "transferred", "left", "administrative", "incarcerated", "died", "other"]


class EpisodeIn(In):
    admitted_on: dt.date
    level_of_care: LevelCode
    primary_substance: SubstanceCode
    severity: SeverityCode = ""
    diagnosis: Annotated[str, Field(max_length=120)] = ""
    cohort: Annotated[str, Field(max_length=60)] = ""
    site_id: Id | None = None


class EpisodePatch(Patch):
    NULLABLE = frozenset({"discharged_on"})

    admitted_on: dt.date | SkipJsonSchema[None] = None
    discharged_on: dt.date | None = None
    discharge_reason: DischargeCode | SkipJsonSchema[None] = None
    level_of_care: LevelCode | SkipJsonSchema[None] = None
    level_changed_on: dt.date | SkipJsonSchema[None] = None
    level_change_reason: Annotated[str, Field(max_length=300)] = ""
    primary_substance: SubstanceCode | SkipJsonSchema[None] = None
    severity: SeverityCode | SkipJsonSchema[None] = None
    diagnosis: Annotated[str, Field(max_length=120)] | SkipJsonSchema[None] = None
    cohort: Annotated[str, Field(max_length=60)] | SkipJsonSchema[None] = None


class LevelChangeOut(Schema):
    level_of_care: str
    started_on: dt.date
    reason: str


class EpisodeOut(Schema):
    id: int
    admitted_on: dt.date
    discharged_on: dt.date | None
    discharge_reason: str
    level_of_care: str
    primary_substance: str
    severity: str
    diagnosis: str
    cohort: str
    site_id: int | None
    level_history: list[LevelChangeOut]

    @staticmethod
    def resolve_level_history(obj: Episode) -> list[LevelChangeOut]:
        return list(obj.level_history.all())  # type: ignore[arg-type]


class ConsentIn(In):
    kind: Literal["tpo", "specific", "counselling_notes"]
    disclosing_party: Annotated[str, Field(min_length=1, max_length=200)]
    information_description: Annotated[str, Field(min_length=1, max_length=2000)]
    recipients: Annotated[str, Field(min_length=1, max_length=2000)]
    purpose: Annotated[str, Field(min_length=1, max_length=2000)]
    expiry_kind: Literal["date", "end_of_treatment", "none"]
    expires_on: dt.date | None = None
    right_to_revoke_explained: bool
    signed_by: Annotated[str, Field(min_length=1, max_length=200)]
    signed_on: dt.date
    signed_by_representative: bool = False


class ConsentOut(Schema):
    id: int
    kind: str
    disclosing_party: str
    information_description: str
    recipients: str
    purpose: str
    expiry_kind: str
    expires_on: dt.date | None
    right_to_revoke_explained: bool
    signed_by: str
    signed_on: dt.date
    signed_by_representative: bool
    revoked_on: dt.date | None
    revocation_note: str
    status: str

    @staticmethod
    def resolve_status(obj: Consent) -> str:
        today = obj.patient.program.clinic_day()
        in_treatment = getattr(obj, "_in_treatment", None)
        if in_treatment is None:
            in_treatment = obj.patient.in_treatment_on(today)
        return obj.status_on(today, in_treatment=in_treatment)


class RevokeIn(In):
    revoked_on: dt.date
    note: Annotated[str, Field(min_length=1, max_length=300)]


class DisclosureIn(In):
    consent_id: Id | None = None
    disclosed_on: dt.date
    recipient: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    purpose: Annotated[str, Field(min_length=1, max_length=2000)]
    notice_included: bool = True


class DisclosureOut(Schema):
    id: int
    consent_id: int | None
    disclosed_on: dt.date
    recipient: str
    description: str
    purpose: str
    notice_included: bool


class BreakGlassIn(In):
    reason: Annotated[str, Field(min_length=10, max_length=1000)]


class BreakGlassOut(Schema):
    expires_at: dt.datetime


# --- Patients ----------------------------------------------------------------


def _require(user: User, cap: Cap, message: str) -> None:
    if not user.can(cap):
        raise PermissionDenied(message)


def _page(user: User, q: str, page: int, medications: list[str] | None = None) -> PatientPage:
    _require(user, Cap.PATIENT_SEARCH, f"Your role ({user.role_label}) cannot search patients.")
    result = search_patients(user, q, page, medications=medications)
    return PatientPage(
        count=result.page.paginator.count,
        page=result.page.number,
        pages=result.page.paginator.num_pages,
        results=list(result.page.object_list),  # type: ignore[arg-type]
    )


@router.get("/patients", response=PatientPage, summary="List patients (no search text in URLs)")
def list_patients(
    request: HttpRequest,
    page: Annotated[int, Field(ge=1, le=100000)] = 1,
    medication: Annotated[
        Literal["methadone", "buprenorphine", "naltrexone"] | None,
        Field(description="Only patients with an active order for this medication family."),
    ] = None,
) -> PatientPage:
    medications = [m.value for m in family_members(medication)] if medication else None
    return _page(_user(request), "", page, medications)


@router.post("/patients/search", response=PatientPage, summary="Search patients by name, MRN or date of birth")
def search(request: HttpRequest, payload: SearchIn) -> PatientPage:
    return _page(_user(request), payload.q, payload.page)


@router.post("/patients", response={201: PatientOut}, summary="Add a patient to your program")
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[Patient]:
    user = _user(request)
    _require(user, Cap.PATIENT_CREATE, f"Your role ({user.role_label}) cannot add patients.")
    return Status(201, services.create_patient(user, user.staff_program, **payload.dict()))


@router.get("/patients/{patient_id}", response=PatientOut, summary="Read a patient's demographics (audited)")
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_for(_user(request), patient_id, Need.READ, object_type="patient")


@router.patch("/patients/{patient_id}", response=PatientOut, summary="Change a patient's demographics")
def patch_patient(request: HttpRequest, patient_id: int, payload: PatientPatch) -> Patient:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="patient")
    services.update_patient(user, patient, **payload.dict(exclude_unset=True))
    return patient


@router.post(
    "/patients/{patient_id}/break-glass",
    response={201: BreakGlassOut},
    summary="Emergency access to a chart outside your care team (reason required, reviewed)",
)
def break_glass(request: HttpRequest, patient_id: int, payload: BreakGlassIn) -> Status[dict[str, dt.datetime]]:
    user = _user(request)
    _require(user, Cap.BREAK_GLASS, f"Your role ({user.role_label}) cannot use emergency access.")
    patient = Patient.objects.filter(pk=patient_id, program_id=user.program_pk).first()
    if patient is None:
        raise Http404("No such patient.")
    access = services.break_glass(user, patient, payload.reason)
    return Status(201, {"expires_at": access.expires_at})


# --- Episodes ------------------------------------------------------------------


@router.get("/patients/{patient_id}/episodes", response=list[EpisodeOut], summary="List episodes of care")
def list_episodes(request: HttpRequest, patient_id: int) -> list[Episode]:
    patient = patient_for(_user(request), patient_id, Need.READ, object_type="episodes")
    return list(patient.episodes.prefetch_related("level_history").order_by("-admitted_on"))


@router.post("/patients/{patient_id}/episodes", response={201: EpisodeOut}, summary="Admit: open an episode")
def create_episode(request: HttpRequest, patient_id: int, payload: EpisodeIn) -> Status[Episode]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="episodes")
    data = payload.dict()
    site_id = data.pop("site_id")
    if site_id is not None and not patient.program.sites.filter(pk=site_id).exists():
        raise ValidationError({"site_id": f"Site {site_id} is not one of this program's sites."})
    return Status(201, services.open_episode(user, patient, site_id=site_id, **data))


@router.patch(
    "/patients/{patient_id}/episodes/{episode_id}",
    response=EpisodeOut,
    summary="Change an episode: level of care (recorded in its history), discharge",
)
def patch_episode(request: HttpRequest, patient_id: int, episode_id: int, payload: EpisodePatch) -> Episode:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="episode", object_id=episode_id)
    episode = get_object_or_404(Episode, pk=episode_id, patient=patient)
    data = payload.dict(exclude_unset=True)
    for field in ("level_changed_on", "level_change_reason"):
        if field in data and "level_of_care" not in data:
            raise ValidationError({field: "Send it with the new level_of_care; alone it would change nothing."})
    if "discharged_on" in data and data["discharged_on"] is None:
        # Reopening: an open episode has no discharge reason.
        data.setdefault("discharge_reason", "")
    services.update_episode(
        user,
        episode,
        level_change_reason=data.pop("level_change_reason", ""),
        level_changed_on=data.pop("level_changed_on", None),
        **data,
    )
    return episode


# --- Consents and disclosures ----------------------------------------------------


def _consents(patient: Patient) -> list[Consent]:
    in_treatment = patient.in_treatment_on(patient.program.clinic_day())
    consents = list(patient.consents.all())
    for consent in consents:
        consent.patient = patient
        consent._in_treatment = in_treatment  # type: ignore[attr-defined]
    return consents


@router.get("/patients/{patient_id}/consents", response=list[ConsentOut], summary="List 42 CFR Part 2 consents")
def list_consents(request: HttpRequest, patient_id: int) -> list[Consent]:
    patient = patient_for(_user(request), patient_id, Need.READ, object_type="consents")
    return _consents(patient)


@router.post("/patients/{patient_id}/consents", response={201: ConsentOut}, summary="Record a signed consent")
def create_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Status[Consent]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.CONSENT, object_type="consents")
    return Status(201, services.record_consent(user, patient, **payload.dict()))


@router.post(
    "/patients/{patient_id}/consents/{consent_id}/revoke", response=ConsentOut, summary="Record a consent's revocation"
)
def revoke_consent(request: HttpRequest, patient_id: int, consent_id: int, payload: RevokeIn) -> Consent:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.CONSENT, object_type="consent", object_id=consent_id)
    consent = get_object_or_404(Consent, pk=consent_id, patient=patient)
    return services.revoke_consent(user, patient, consent, revoked_on=payload.revoked_on, note=payload.note)


@router.get("/patients/{patient_id}/disclosures", response=list[DisclosureOut], summary="The accounting of disclosures")
def list_disclosures(request: HttpRequest, patient_id: int) -> list[Disclosure]:
    user = _user(request)
    patient = patient_for(user, patient_id, disclosures_need(user), object_type="disclosures")
    return list(patient.disclosures.all())


@router.post("/patients/{patient_id}/disclosures", response={201: DisclosureOut}, summary="Record a disclosure")
def create_disclosure(request: HttpRequest, patient_id: int, payload: DisclosureIn) -> Status[Disclosure]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.DISCLOSE, object_type="disclosures")
    data = payload.dict()
    consent_id = data.pop("consent_id")
    consent = None
    if consent_id is not None:
        consent = patient.consents.filter(pk=consent_id).first()
        if consent is None:
            raise ValidationError({"consent_id": f"Consent {consent_id} is not one of this patient's consents."})
    try:
        return Status(201, services.record_disclosure(user, patient, consent=consent, **data))
    except ValidationError as exc:
        # The service names the model field; the client sent consent_id.
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {"consent_id" if f == "consent" else f: e for f, e in exc.error_dict.items()}
            ) from None
        raise
