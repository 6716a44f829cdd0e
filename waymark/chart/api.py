"""Patients, episodes, consents and disclosures over the API.

The same access helper and services as the pages: the same rules, the same
audit rows.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from waymark.chart import services
from waymark.chart.access import Need, disclosures_need, patient_for
from waymark.chart.models import Consent, Disclosure, Episode, LevelOfCare, Patient
from waymark.chart.search import search_patients
from waymark.core.models import User

router = Router(tags=["chart"])

Name = Annotated[str, Field(min_length=1, max_length=100)]
ShortText = Annotated[str, Field(max_length=100)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+() .-]*$")]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# --- Schemas ---------------------------------------------------------------


class PatientIn(Schema):
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


class PatientPatch(Schema):
    mrn: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")] | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    preferred_name: ShortText | None = None
    date_of_birth: dt.date | None = None
    sex_at_birth: Literal["female", "male", "intersex", "unknown"] | None = None
    gender_identity: Annotated[str, Field(max_length=60)] | None = None
    pronouns: Annotated[str, Field(max_length=40)] | None = None
    phone: Phone | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    preferred_language: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    emergency_contact_name: Annotated[str, Field(max_length=120)] | None = None
    emergency_contact_phone: Phone | None = None
    emergency_contact_relationship: Annotated[str, Field(max_length=60)] | None = None


class PatientSummary(Schema):
    id: int
    mrn: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date


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


class SearchIn(Schema):
    q: Annotated[str, Field(max_length=100)] = ""
    page: Annotated[int, Field(ge=1, le=100000)] = 1


LevelCode = LevelOfCare
SubstanceCode = Episode.Substance
SeverityCode = Episode.Severity | Literal[""]
DischargeCode = Episode.DischargeReason | Literal[""]


class EpisodeIn(Schema):
    admitted_on: dt.date
    level_of_care: LevelCode
    primary_substance: SubstanceCode
    severity: SeverityCode = ""
    diagnosis: Annotated[str, Field(max_length=120)] = ""
    cohort: Annotated[str, Field(max_length=60)] = ""
    site_id: int | None = None


class EpisodePatch(Schema):
    admitted_on: dt.date | None = None
    discharged_on: dt.date | None = None
    discharge_reason: DischargeCode | None = None
    level_of_care: LevelCode | None = None
    level_changed_on: dt.date | None = None
    level_change_reason: Annotated[str, Field(max_length=300)] = ""
    primary_substance: SubstanceCode | None = None
    severity: SeverityCode | None = None
    diagnosis: Annotated[str, Field(max_length=120)] | None = None
    cohort: Annotated[str, Field(max_length=60)] | None = None


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


class ConsentIn(Schema):
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
        open_episode = getattr(obj, "_episode_open", True)
        return obj.status_on(obj.patient.program.clinic_day(), episode_open=open_episode)


class RevokeIn(Schema):
    revoked_on: dt.date
    note: Annotated[str, Field(min_length=1, max_length=300)]


class DisclosureIn(Schema):
    consent_id: int | None = None
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


class BreakGlassIn(Schema):
    reason: Annotated[str, Field(min_length=10, max_length=1000)]


class BreakGlassOut(Schema):
    expires_at: dt.datetime


# --- Patients ----------------------------------------------------------------


def _page(user: User, q: str, page: int) -> PatientPage:
    result = search_patients(user, q, page)
    return PatientPage(
        count=result.page.paginator.count,
        page=result.page.number,
        pages=result.page.paginator.num_pages,
        results=list(result.page.object_list),  # type: ignore[arg-type]
    )


@router.get("/patients", response=PatientPage, summary="List patients (no search text in URLs)")
def list_patients(request: HttpRequest, page: Annotated[int, Field(ge=1, le=100000)] = 1) -> PatientPage:
    return _page(_user(request), "", page)


@router.post("/patients/search", response=PatientPage, summary="Search patients by name, MRN or date of birth")
def search(request: HttpRequest, payload: SearchIn) -> PatientPage:
    return _page(_user(request), payload.q, payload.page)


@router.post("/patients", response={201: PatientOut})
def create_patient(request: HttpRequest, payload: PatientIn) -> tuple[int, Patient]:
    user = _user(request)
    if user.program is None:
        raise PermissionDenied("Only program staff can add patients.")
    return 201, services.create_patient(user, user.staff_program, **payload.dict())


@router.get("/patients/{patient_id}", response=PatientOut)
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_for(_user(request), patient_id, Need.READ, object_type="patient")


@router.patch("/patients/{patient_id}", response=PatientOut)
def patch_patient(request: HttpRequest, patient_id: int, payload: PatientPatch) -> Patient:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="patient")
    services.update_patient(user, patient, **payload.dict(exclude_unset=True, exclude_none=True))
    return patient


@router.post("/patients/{patient_id}/break-glass", response={201: BreakGlassOut})
def break_glass(request: HttpRequest, patient_id: int, payload: BreakGlassIn) -> tuple[int, dict]:
    user = _user(request)
    patient = Patient.objects.filter(pk=patient_id, program_id=user.program_pk).first()
    if patient is None:
        raise Http404("No such patient.")
    access = services.break_glass(user, patient, payload.reason)
    return 201, {"expires_at": access.expires_at}


# --- Episodes ------------------------------------------------------------------


@router.get("/patients/{patient_id}/episodes", response=list[EpisodeOut])
def list_episodes(request: HttpRequest, patient_id: int) -> list[Episode]:
    patient = patient_for(_user(request), patient_id, Need.READ, object_type="episodes")
    return list(patient.episodes.prefetch_related("level_history").order_by("-admitted_on"))


@router.post("/patients/{patient_id}/episodes", response={201: EpisodeOut})
def create_episode(request: HttpRequest, patient_id: int, payload: EpisodeIn) -> tuple[int, Episode]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="episodes")
    data = payload.dict()
    site_id = data.pop("site_id")
    if site_id is not None and not patient.program.sites.filter(pk=site_id).exists():
        raise ValidationError({"site_id": f"Site {site_id} is not one of this program's sites."})
    return 201, services.open_episode(user, patient, site_id=site_id, **data)


@router.patch("/patients/{patient_id}/episodes/{episode_id}", response=EpisodeOut)
def patch_episode(request: HttpRequest, patient_id: int, episode_id: int, payload: EpisodePatch) -> Episode:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.WRITE, object_type="episode", object_id=episode_id)
    episode = get_object_or_404(Episode, pk=episode_id, patient=patient)
    data = payload.dict(exclude_unset=True)
    services.update_episode(
        user,
        episode,
        level_change_reason=data.pop("level_change_reason", ""),
        level_changed_on=data.pop("level_changed_on", None),
        **{k: v for k, v in data.items() if v is not None or k == "discharged_on"},
    )
    return episode


# --- Consents and disclosures ----------------------------------------------------


def _consents(patient: Patient) -> list[Consent]:
    open_episode = patient.episodes.filter(discharged_on__isnull=True).exists()
    consents = list(patient.consents.all())
    for consent in consents:
        consent.patient = patient
        consent._episode_open = open_episode  # type: ignore[attr-defined]
    return consents


@router.get("/patients/{patient_id}/consents", response=list[ConsentOut])
def list_consents(request: HttpRequest, patient_id: int) -> list[Consent]:
    patient = patient_for(_user(request), patient_id, Need.READ, object_type="consents")
    return _consents(patient)


@router.post("/patients/{patient_id}/consents", response={201: ConsentOut})
def create_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> tuple[int, Consent]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.CONSENT, object_type="consents")
    return 201, services.record_consent(user, patient, **payload.dict())


@router.post("/patients/{patient_id}/consents/{consent_id}/revoke", response=ConsentOut)
def revoke_consent(request: HttpRequest, patient_id: int, consent_id: int, payload: RevokeIn) -> Consent:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.CONSENT, object_type="consent", object_id=consent_id)
    consent = get_object_or_404(Consent, pk=consent_id, patient=patient)
    return services.revoke_consent(user, patient, consent, revoked_on=payload.revoked_on, note=payload.note)


@router.get("/patients/{patient_id}/disclosures", response=list[DisclosureOut])
def list_disclosures(request: HttpRequest, patient_id: int) -> list[Disclosure]:
    user = _user(request)
    patient = patient_for(user, patient_id, disclosures_need(user), object_type="disclosures")
    return list(patient.disclosures.all())


@router.post("/patients/{patient_id}/disclosures", response={201: DisclosureOut})
def create_disclosure(request: HttpRequest, patient_id: int, payload: DisclosureIn) -> tuple[int, Disclosure]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.DISCLOSE, object_type="disclosures")
    data = payload.dict()
    consent_id = data.pop("consent_id")
    consent = get_object_or_404(Consent, pk=consent_id, patient=patient) if consent_id else None
    return 201, services.record_disclosure(user, patient, consent=consent, **data)
