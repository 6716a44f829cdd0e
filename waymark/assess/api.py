"""Instruments over the API.

Stateless and anonymous (the public self-check and any client may use them;
nothing is stored, nothing about the caller is kept): the list of instruments,
one instrument's definition, and scoring a set of answers. Answers outside an
item's allowed set, missing items, unknown items and answers of the wrong type
are a 422 naming the item (`answers.<item id>`).

Signed in, with the same access checks and audit as the pages: a patient's
recorded instruments, and recording one (idempotent by the Idempotency-Key
header, like drug tests)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import AwareDatetime, StrictBool

from waymark.api_errors import problem
from waymark.assess import instruments, services
from waymark.assess.instruments import Instrument, UnknownInstrument
from waymark.assess.models import InstrumentRecord
from waymark.chart.access import Need, patient_for
from waymark.chart.api import In, _user

router = Router(tags=["instruments"])

InstrumentCode = Literal["dsm5-oud", "cows", "sows", "phq9", "gad7"]
Language = Literal["en", "es"]
Remission = Literal["early", "sustained"]
Specifier = Literal["on_maintenance_therapy", "in_controlled_environment"]
ContextCode = Literal["screening", "intake", "detox_check", "induction", "follow_up"]
# Checked item by item against the definition (allowed values and their type), not by the schema,
# so that each error names its item.
Answers = Annotated[
    list[Any] | dict[str, Any],
    Field(
        description="A list in item order, or an object keyed by item id. Whole-number scores from each item's "
        "allowed set; true/false for the DSM-5 checklist."
    ),
]
Value = bool | int


# --- Schemas ----------------------------------------------------------------------------------------------------


class ChoiceOut(Schema):
    value: Value
    label: str


class ItemOut(Schema):
    id: str
    text: str
    allowed: list[Value]
    choices: list[ChoiceOut]


class BandOut(Schema):
    code: str
    low: int
    high: int
    label: str


class InstrumentSummaryOut(Schema):
    code: str
    name: str
    short_name: str
    items: list[ItemOut]


class InstrumentOut(InstrumentSummaryOut):
    instructions: str
    boolean: bool = Field(description="True for the DSM-5 checklist: answers are true/false.")
    max_total: int
    bands: list[BandOut] = Field(description="Empty for SOWS, which has no published bands (REFERENCE.md §2).")
    citation: str
    languages: list[str]
    remission: list[str] = Field(description="DSM-5 only: the remission specifiers a score may carry.")
    specifiers: list[str] = Field(description="DSM-5 only: qualifiers of remission.")


class ScoreIn(In):
    answers: Answers
    under_medical_supervision: StrictBool = Field(
        False, description="DSM-5 only: tolerance and withdrawal are then not counted (REFERENCE.md §3)."
    )
    remission: Remission | None = Field(None, description="DSM-5 only.")
    specifiers: Annotated[list[Specifier], Field(max_length=2, description="DSM-5 only.")] = []
    lang: Language = "en"


class FlagOut(Schema):
    code: str
    message: str
    urgent: bool


class ScoreOut(Schema):
    instrument: str
    total: int
    max_total: int
    band: str | None = Field(description="null for SOWS (no bands).")
    band_label: str
    flags: list[FlagOut]
    interpretation: str
    answers: dict[str, Value]
    remission: str | None
    specifiers: list[str]


class RecordIn(In):
    instrument: InstrumentCode
    answers: Answers
    administered_at: AwareDatetime = Field(
        description="When it was given, with its UTC offset: not in the future, and within the program's limit "
        "(30 days unless the program set another)."
    )
    context: ContextCode = "screening"
    under_medical_supervision: StrictBool = False
    remission: Remission | None = None
    specifiers: Annotated[list[Specifier], Field(max_length=2)] = []
    last_use_at: AwareDatetime | None = Field(
        None, description="When the person last used opioids, as reported (COWS is charted against it)."
    )
    language: Language = "en"
    notes: Annotated[str, Field(max_length=2000)] = ""


class RecordOut(Schema):
    id: int
    instrument: str
    context: str
    administered_at: dt.datetime
    total: int
    max_total: int
    band: str | None
    band_label: str
    flags: list[FlagOut]
    interpretation: str
    answers: dict[str, Value]
    under_medical_supervision: bool
    remission: str | None
    specifiers: list[str]
    last_use_at: dt.datetime | None
    language: str
    notes: str
    episode_id: int | None
    recorded_by: str
    recorded_at: dt.datetime


# --- Building the output ------------------------------------------------------------------------------------


def _items(instrument: Instrument) -> list[ItemOut]:
    return [
        ItemOut(
            id=item.id,
            text=item.text,
            allowed=list(item.allowed()),
            choices=[ChoiceOut(value=c.value, label=c.label) for c in item.choices],
        )
        for item in instrument.items
    ]


def _instrument(code: str) -> Instrument:
    try:
        return instruments.to_give(code)
    except UnknownInstrument:
        raise Http404(f"No instrument {code!r}; use one of: {', '.join(instruments.INSTRUMENTS)}.") from None


def _flags(flags: tuple[instruments.Flag, ...]) -> list[FlagOut]:
    return [FlagOut(code=f.code, message=f.message, urgent=f.urgent) for f in flags]


def _record_out(record: InstrumentRecord) -> RecordOut:
    view = services.describe(record)
    recorder = record.recorded_by
    return RecordOut(
        id=record.pk,
        instrument=record.instrument,
        context=record.context,
        administered_at=record.administered_at,
        total=record.total,
        max_total=view.instrument.max_total,
        band=record.band or None,
        band_label=view.band_label,
        flags=_flags(view.flags),
        interpretation=view.interpretation,
        answers=record.answers,
        under_medical_supervision=record.under_medical_supervision,
        remission=record.remission or None,
        specifiers=list(record.specifiers),
        last_use_at=record.last_use_at,
        language=record.language,
        notes=record.notes,
        episode_id=record.episode_id,
        recorded_by=recorder.get_full_name() or recorder.username,
        recorded_at=record.recorded_at,
    )


# --- Stateless, anonymous ---------------------------------------------------------------------------------


@router.get(
    "/instruments",
    auth=None,
    response=list[InstrumentSummaryOut],
    summary="The instruments, each with its items in order (no sign-in needed)",
)
def list_instruments(request: HttpRequest, lang: Language = "en") -> list[InstrumentSummaryOut]:
    return [
        InstrumentSummaryOut(code=i.code, name=t.name, short_name=i.short_name, items=_items(t))
        for i in instruments.INSTRUMENTS.values()
        for t in (i.translated(lang),)
    ]


@router.get(
    "/instruments/{code}",
    auth=None,
    response=InstrumentOut,
    summary="One instrument's definition: items in order with their ids and allowed scores, bands, citation",
)
def get_instrument(request: HttpRequest, code: str, lang: Language = "en") -> InstrumentOut:
    instrument = _instrument(code)
    worded = instrument.translated(lang)
    return InstrumentOut(
        code=instrument.code,
        name=worded.name,
        short_name=instrument.short_name,
        items=_items(worded),
        instructions=worded.instructions,
        boolean=instrument.boolean,
        max_total=instrument.max_total,
        bands=[BandOut(code=b.code, low=b.low, high=b.high, label=b.label) for b in worded.bands],
        citation=instrument.citation,
        languages=list(instrument.languages),
        remission=list(instruments.REMISSION) if instrument.boolean else [],
        specifiers=list(instruments.SPECIFIERS) if instrument.boolean else [],
    )


@router.post(
    "/instruments/{code}/score",
    auth=None,
    response=ScoreOut,
    summary="Score a set of answers (no sign-in needed; nothing is stored)",
    description=(
        "Answers as a list in item order or an object keyed by item id. An answer outside an item's allowed set, "
        "of the wrong type, a missing item or an unknown item is a 422 whose errors name the item "
        "(field `answers.<item id>`). For `dsm5-oud` answers are true/false, `under_medical_supervision` leaves "
        "tolerance and withdrawal uncounted, and `band` is none|mild|moderate|severe."
    ),
)
def score_answers(request: HttpRequest, code: str, payload: ScoreIn) -> ScoreOut:
    instrument = _instrument(code)
    result = services.score(
        instrument.code,
        payload.answers,
        under_medical_supervision=payload.under_medical_supervision,
        remission=payload.remission,
        specifiers=payload.specifiers,
        lang=payload.lang,
    )
    return ScoreOut(
        instrument=result.instrument,
        total=result.total,
        max_total=instrument.max_total,
        band=result.band,
        band_label=result.band_label,
        flags=_flags(result.flags),
        interpretation=result.interpretation,
        answers=result.answers,
        remission=result.remission,
        specifiers=list(result.specifiers),
    )


# --- A patient's instruments ---------------------------------------------------------------------------------


@router.get(
    "/patients/{patient_id}/instruments",
    response=list[RecordOut],
    summary="Instruments given to the patient, newest first, with what they mean (audited)",
)
def list_records(
    request: HttpRequest,
    patient_id: int,
    instrument: InstrumentCode | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RecordOut]:
    patient = patient_for(_user(request), patient_id, Need.READ, action="read", object_type="instruments")
    return [_record_out(r) for r in services.patient_records(patient, instrument)[:limit]]


@router.post(
    "/patients/{patient_id}/instruments",
    response={200: RecordOut, 201: RecordOut},
    summary="Record an instrument given to the patient (idempotent)",
    description=(
        "Send a new Idempotency-Key per administration; the same key again returns the first record (200). "
        "Invalid answers are a 422 naming the item, and nothing is stored."
    ),
)
def record_instrument(
    request: HttpRequest,
    patient_id: int,
    payload: RecordIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=80)],
) -> HttpResponse | Status[RecordOut]:
    user = _user(request)
    patient = patient_for(user, patient_id, Need.ASSESS, action="write", object_type="instrumentrecord")
    data = services.InstrumentInput(
        instrument=payload.instrument,
        answers=payload.answers,
        administered_at=payload.administered_at,
        idempotency_key=idempotency_key,
        context=payload.context,
        under_medical_supervision=payload.under_medical_supervision,
        remission=payload.remission,
        specifiers=payload.specifiers,
        last_use_at=payload.last_use_at,
        language=payload.language,
        notes=payload.notes,
    )
    try:
        recorded = services.record_instrument(user, patient, data)
    except services.KeyReused as exc:
        return problem(422, "Idempotency-Key reused", exc.messages[0])
    stored = InstrumentRecord.objects.select_related("recorded_by").get(pk=recorded.record.pk)
    return Status(201 if recorded.created else 200, _record_out(stored))
