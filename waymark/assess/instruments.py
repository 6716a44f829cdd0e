"""The instruments, each defined once: items with ids, wording, allowed scores,
scoring, bands, flags, citation and language versions. The same definition
drives the chart's forms, the scoring API, the public self-check and the
history display. Pure module: no Django.

Sources (../shared/clinical/REFERENCE.md):
- COWS: §1 (Wesson & Ling 2003). Item ids and order as there; bands 5–12 mild,
  13–24 moderate, 25–36 moderately severe, >36 severe, 0–4 "below mild".
- SOWS: §2 (Handelsman 1987). 16 items 0–4; no published bands, so none here.
- DSM-5 opioid use disorder: §3. 11 criteria; tolerance and withdrawal do not
  count under appropriate medical supervision; 0–1 none, 2–3 mild, 4–5
  moderate, 6+ severe; remission specifiers.
- PHQ-9 and GAD-7: §4 (Kroenke 2001; GAD-7 scoring). Any non-zero PHQ-9 item 9
  is a safety flag whatever the total.

Scores outside an item's allowed set are invalid input, never rounded (§1).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from waymark.core.rule_info import RuleInfo

Value = int | bool

REMISSION = ("early", "sustained")
SPECIFIERS = ("on_maintenance_therapy", "in_controlled_environment")
SPECIFIER_LABELS = {
    "on_maintenance_therapy": "on maintenance therapy",
    "in_controlled_environment": "in a controlled environment",
}
CRISIS_LINES = "Call or text 988 (Suicide & Crisis Lifeline) now, or 911 in an emergency (REFERENCE.md §12)."


class AnswerError(ValueError):
    """Invalid answers. `errors` maps each item id at fault (or "answers") to a message naming it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class UnknownInstrument(KeyError):
    pass


@dataclass(frozen=True)
class Choice:
    value: Value
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    choices: tuple[Choice, ...]

    def allowed(self) -> tuple[Value, ...]:
        return tuple(c.value for c in self.choices)

    def label_for(self, value: Value) -> str:
        for choice in self.choices:
            if choice.value == value and type(choice.value) is type(value):
                return choice.label
        return str(value)


@dataclass(frozen=True)
class Band:
    code: str
    low: int
    high: int  # inclusive
    label: str


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    urgent: bool


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    short_name: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    citation: str
    languages: tuple[str, ...]
    boolean: bool = False
    instructions: str = ""
    # Wording in other languages: language → {"name", "instructions", item id → text,
    # "choice:<value>" → label}. Ids and values never change between languages.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    @property
    def max_total(self) -> int:
        return sum(max(int(v) for v in item.allowed()) for item in self.items)

    def band_for(self, total: int) -> Band | None:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band
        return None

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def translated(self, lang: str) -> "Instrument":
        """The same instrument worded in `lang` (English where no translation exists)."""
        words = self.translations.get(lang)
        if not words:
            return self
        items = tuple(
            replace(
                item,
                text=words.get(item.id, item.text),
                choices=tuple(replace(c, label=words.get(f"choice:{_key(c.value)}", c.label)) for c in item.choices),
            )
            for item in self.items
        )
        return replace(
            self,
            name=words.get("name", self.name),
            instructions=words.get("instructions", self.instructions),
            items=items,
            bands=tuple(replace(b, label=words.get(f"band:{b.code}", b.label)) for b in self.bands),
        )


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int
    band: str | None
    band_label: str
    flags: tuple[Flag, ...]
    interpretation: str
    answers: dict[str, Value]
    remission: str | None = None
    specifiers: tuple[str, ...] = ()


def _key(value: Value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _choices(*pairs: tuple[int, str]) -> tuple[Choice, ...]:
    return tuple(Choice(v, label) for v, label in pairs)


# --- COWS (REFERENCE.md §1) ------------------------------------------------------------------------------

COWS = Instrument(
    code="cows",
    name="Clinical Opiate Withdrawal Scale",
    short_name="COWS",
    instructions="Clinician-rated. Score each item from what you observe; baseline, then after dosing "
    "(e.g. 30 minutes, 2 hours).",
    items=(
        Item(
            "pulse",
            "Resting pulse rate after the person has sat or lain down for one minute",
            _choices((0, "80 or below"), (1, "81–100"), (2, "101–120"), (4, "Above 120")),
        ),
        Item(
            "sweating",
            "Sweating over the last 30 minutes, not explained by room temperature or activity",
            _choices(
                (0, "No report of chills or flushing"),
                (1, "Subjective report of chills or flushing"),
                (2, "Flushed or observable moistness on face"),
                (3, "Beads of sweat on brow or face"),
                (4, "Sweat streaming off face"),
            ),
        ),
        Item(
            "restlessness",
            "Restlessness, observed during the assessment",
            _choices(
                (0, "Able to sit still"),
                (1, "Reports difficulty sitting still, but is able to do so"),
                (3, "Frequent shifting or extraneous movements of legs or arms"),
                (5, "Unable to sit still for more than a few seconds"),
            ),
        ),
        Item(
            "pupils",
            "Pupil size",
            _choices(
                (0, "Pupils pinned or normal size for room light"),
                (1, "Pupils possibly larger than normal for room light"),
                (2, "Pupils moderately dilated"),
                (5, "Pupils so dilated that only the rim of the iris is visible"),
            ),
        ),
        Item(
            "aches",
            "Bone or joint aches (score only the part added by opioid withdrawal)",
            _choices(
                (0, "Not present"),
                (1, "Mild diffuse discomfort"),
                (2, "Reports severe diffuse aching of joints or muscles"),
                (4, "Rubbing joints or muscles and unable to sit still because of discomfort"),
            ),
        ),
        Item(
            "rhinorrhea",
            "Runny nose or tearing, not from cold symptoms or allergies",
            _choices(
                (0, "Not present"),
                (1, "Nasal stuffiness or unusually moist eyes"),
                (2, "Nose running or tearing"),
                (4, "Nose constantly running or tears streaming down cheeks"),
            ),
        ),
        Item(
            "gi_upset",
            "Gastrointestinal upset over the last 30 minutes",
            _choices(
                (0, "No gastrointestinal symptoms"),
                (1, "Stomach cramps"),
                (2, "Nausea or loose stool"),
                (3, "Vomiting or diarrhoea"),
                (5, "Multiple episodes of diarrhoea or vomiting"),
            ),
        ),
        Item(
            "tremor",
            "Tremor, observed with outstretched hands",
            _choices(
                (0, "No tremor"),
                (1, "Tremor can be felt, but not observed"),
                (2, "Slight tremor observable"),
                (4, "Gross tremor or muscle twitching"),
            ),
        ),
        Item(
            "yawning",
            "Yawning, observed during the assessment",
            _choices(
                (0, "No yawning"),
                (1, "Yawning once or twice"),
                (2, "Yawning three or more times"),
                (4, "Yawning several times a minute"),
            ),
        ),
        Item(
            "anxiety",
            "Anxiety or irritability",
            _choices(
                (0, "None"),
                (1, "Reports increasing irritability or anxiousness"),
                (2, "Obviously irritable or anxious"),
                (4, "So irritable or anxious that participation in the assessment is difficult"),
            ),
        ),
        Item(
            "gooseflesh",
            "Gooseflesh skin (piloerection)",
            _choices(
                (0, "Skin is smooth"),
                (3, "Piloerection can be felt, or hairs standing up on arms"),
                (5, "Prominent piloerection"),
            ),
        ),
    ),
    bands=(
        Band("below-mild", 0, 4, "Below mild (0–4)"),
        Band("mild", 5, 12, "Mild (5–12)"),
        Band("moderate", 13, 24, "Moderate (13–24)"),
        Band("moderately-severe", 25, 36, "Moderately severe (25–36)"),
        Band("severe", 37, 48, "Severe (more than 36)"),
    ),
    citation="Wesson DR, Ling W. The Clinical Opiate Withdrawal Scale (COWS). J Psychoactive Drugs "
    "2003;35(2):253–9. REFERENCE.md §1.",
    languages=("en",),
)

# --- SOWS (REFERENCE.md §2) ------------------------------------------------------------------------------

_SOWS_SCALE = _choices((0, "Not at all"), (1, "A little"), (2, "Moderately"), (3, "Quite a bit"), (4, "Extremely"))
SOWS = Instrument(
    code="sows",
    name="Subjective Opiate Withdrawal Scale",
    short_name="SOWS",
    instructions="Self-rated. How do you feel right now? Choose one answer for each line.",
    items=tuple(
        Item(item_id, text, _SOWS_SCALE)
        for item_id, text in (
            ("anxious", "I feel anxious"),
            ("yawning", "I am yawning"),
            ("perspiring", "I am perspiring"),
            ("eyes_tearing", "My eyes are tearing"),
            ("nose_running", "My nose is running"),
            ("goose_flesh", "I have goose flesh"),
            ("shaking", "I am shaking"),
            ("hot_flashes", "I have hot flashes"),
            ("cold_flashes", "I have cold flashes"),
            ("aches", "My bones and muscles ache"),
            ("restless", "I feel restless"),
            ("nauseous", "I feel nauseous"),
            ("like_vomiting", "I feel like vomiting"),
            ("muscles_twitch", "My muscles twitch"),
            ("stomach_cramps", "I have stomach cramps"),
            ("feel_like_using", "I feel like using now"),
        )
    ),
    bands=(),
    citation="Handelsman L, Cochrane KJ, Aronson MJ, et al. Two new rating scales for opiate withdrawal. "
    "Am J Drug Alcohol Abuse 1987;13(3):293–308. REFERENCE.md §2 (no published severity bands: total and trend only).",
    languages=("en",),
)

# --- DSM-5 opioid use disorder (REFERENCE.md §3) ------------------------------------------------------

_YES_NO = (Choice(True, "Yes"), Choice(False, "No"))
_DSM5_SUPERVISION_ITEMS = ("tolerance", "withdrawal")
DSM5_OUD = Instrument(
    code="dsm5-oud",
    name="DSM-5 opioid use disorder checklist",
    short_name="DSM-5 OUD",
    instructions="In the past 12 months:",
    boolean=True,
    items=(
        Item(
            "larger_longer", "Have you often used opioids in larger amounts or for longer than you meant to?", _YES_NO
        ),
        Item(
            "cut_down",
            "Have you wanted to cut down or stop, or tried and not managed to?",
            _YES_NO,
        ),
        Item(
            "time_spent",
            "Have you spent a lot of time getting opioids, using them, or recovering from their effects?",
            _YES_NO,
        ),
        Item("craving", "Have you had strong cravings or urges to use opioids?", _YES_NO),
        Item(
            "role_failure",
            "Has using opioids often kept you from doing what you need to at work, school or home?",
            _YES_NO,
        ),
        Item(
            "social_problems",
            "Have you kept using even though it caused or worsened problems with family or friends?",
            _YES_NO,
        ),
        Item(
            "activities_given_up",
            "Have you given up or cut back on important activities (work, social, hobbies) because of using?",
            _YES_NO,
        ),
        Item(
            "hazardous_use",
            "Have you used opioids again and again in situations where it was physically dangerous, such as driving?",
            _YES_NO,
        ),
        Item(
            "physical_psychological",
            "Have you kept using even though you knew it was causing or worsening a physical or mental health problem?",
            _YES_NO,
        ),
        Item(
            "tolerance",
            "Have you needed much more to get the same effect, or found the same amount had much less effect?",
            _YES_NO,
        ),
        Item(
            "withdrawal",
            "When the effects wore off, have you had withdrawal (such as aches, sweating, runny nose, "
            "diarrhoea, restlessness), or used opioids to avoid it?",
            _YES_NO,
        ),
    ),
    bands=(
        Band("none", 0, 1, "No opioid use disorder indicated (0–1 criteria)"),
        Band("mild", 2, 3, "Mild (2–3 criteria)"),
        Band("moderate", 4, 5, "Moderate (4–5 criteria)"),
        Band("severe", 6, 11, "Severe (6 or more criteria)"),
    ),
    citation="American Psychiatric Association, DSM-5 (2013), opioid use disorder criteria and severity. "
    "REFERENCE.md §3. Wording here is Waymark's plain-language version for self-check and interview.",
    languages=("en", "es"),
    translations={
        "es": {
            "name": "Lista de verificación del DSM-5 para el trastorno por consumo de opioides",
            "instructions": "En los últimos 12 meses:",
            "choice:yes": "Sí",
            "choice:no": "No",
            "band:none": "No indica un trastorno por consumo de opioides (0–1 criterios)",
            "band:mild": "Leve (2–3 criterios)",
            "band:moderate": "Moderado (4–5 criterios)",
            "band:severe": "Grave (6 o más criterios)",
            "larger_longer": "¿Ha consumido opioides a menudo en mayor cantidad o durante más tiempo del que quería?",
            "cut_down": "¿Ha querido reducir o dejar el consumo, o lo ha intentado sin lograrlo?",
            "time_spent": "¿Ha pasado mucho tiempo consiguiendo opioides, consumiéndolos o recuperándose de sus "
            "efectos?",
            "craving": "¿Ha tenido ansias o deseos intensos de consumir opioides?",
            "role_failure": "¿El consumo de opioides le ha impedido a menudo cumplir con lo que debe hacer en el "
            "trabajo, los estudios o la casa?",
            "social_problems": "¿Ha seguido consumiendo aunque le causara o empeorara problemas con su familia o "
            "amistades?",
            "activities_given_up": "¿Ha dejado o reducido actividades importantes (trabajo, vida social, "
            "aficiones) por el consumo?",
            "hazardous_use": "¿Ha consumido opioides una y otra vez en situaciones en las que era físicamente "
            "peligroso, como al conducir?",
            "physical_psychological": "¿Ha seguido consumiendo aunque sabía que le causaba o empeoraba un problema "
            "de salud física o mental?",
            "tolerance": "¿Ha necesitado mucha más cantidad para sentir el mismo efecto, o la misma cantidad le "
            "hacía mucho menos efecto?",
            "withdrawal": "Al pasarse el efecto, ¿ha tenido síntomas de abstinencia (como dolores, sudor, "
            "moqueo, diarrea, inquietud), o ha consumido opioides para evitarlos?",
        }
    },
)

# --- PHQ-9 and GAD-7 (REFERENCE.md §4) ------------------------------------------------------------------

_FREQUENCY = _choices((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))
_TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire-9",
    short_name="PHQ-9",
    instructions=_TWO_WEEKS,
    items=tuple(
        Item(item_id, text, _FREQUENCY)
        for item_id, text in (
            ("interest", "Little interest or pleasure in doing things"),
            ("depressed", "Feeling down, depressed, or hopeless"),
            ("sleep", "Trouble falling or staying asleep, or sleeping too much"),
            ("tired", "Feeling tired or having little energy"),
            ("appetite", "Poor appetite or overeating"),
            (
                "failure",
                "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            ),
            ("concentration", "Trouble concentrating on things, such as reading the newspaper or watching television"),
            (
                "psychomotor",
                "Moving or speaking so slowly that other people could have noticed; or the opposite — being so "
                "fidgety or restless that you have been moving around a lot more than usual",
            ),
            ("self_harm", "Thoughts that you would be better off dead, or of hurting yourself in some way"),
        )
    ),
    bands=(
        Band("minimal", 0, 4, "Minimal (0–4)"),
        Band("mild", 5, 9, "Mild (5–9)"),
        Band("moderate", 10, 14, "Moderate (10–14)"),
        Band("moderately-severe", 15, 19, "Moderately severe (15–19)"),
        Band("severe", 20, 27, "Severe (20–27)"),
    ),
    citation="Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med 2001;16(9):606–13. REFERENCE.md §4.",
    languages=("en",),
)

GAD7 = Instrument(
    code="gad7",
    name="Generalized Anxiety Disorder 7-item scale",
    short_name="GAD-7",
    instructions=_TWO_WEEKS,
    items=tuple(
        Item(item_id, text, _FREQUENCY)
        for item_id, text in (
            ("nervous", "Feeling nervous, anxious, or on edge"),
            ("control_worry", "Not being able to stop or control worrying"),
            ("worry_too_much", "Worrying too much about different things"),
            ("trouble_relaxing", "Trouble relaxing"),
            ("restless", "Being so restless that it is hard to sit still"),
            ("irritable", "Becoming easily annoyed or irritable"),
            ("afraid", "Feeling afraid, as if something awful might happen"),
        )
    ),
    bands=(
        Band("minimal", 0, 4, "Minimal (0–4)"),
        Band("mild", 5, 9, "Mild (5–9)"),
        Band("moderate", 10, 14, "Moderate (10–14)"),
        Band("severe", 15, 21, "Severe (15–21)"),
    ),
    citation="Spitzer RL, Kroenke K, Williams JB, Löwe B. A brief measure for assessing generalized anxiety "
    "disorder: the GAD-7. Arch Intern Med 2006;166(10):1092–7. REFERENCE.md §4.",
    languages=("en",),
)

# --- Imported only: ratings that arrive with historical records and are never given in Waymark ----------

CTN_WITHDRAWAL = Instrument(
    code="ctn-wd",
    name="Withdrawal severity, CTN-0094 harmonised (0–3)",
    short_name="CTN withdrawal",
    instructions="Imported from the CTN-0094 harmonised trial tables; not given in Waymark.",
    items=(Item("withdrawal", "Withdrawal severity", _choices((0, "0"), (1, "1"), (2, "2"), (3, "3"))),),
    bands=(),
    citation="CTN-0094 harmonised `withdrawal` table: one 0–3 severity per visit (../shared/data/README.md). "
    "Its scale has no published bands here: total and trend only.",
    languages=("en",),
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (DSM5_OUD, COWS, SOWS, PHQ9, GAD7)}
# Read back (chart history, export) like the others, but refused when someone tries to give one.
IMPORTED_ONLY: dict[str, Instrument] = {CTN_WITHDRAWAL.code: CTN_WITHDRAWAL}
ALL_INSTRUMENTS: dict[str, Instrument] = {**INSTRUMENTS, **IMPORTED_ONLY}


def get(code: str) -> Instrument:
    """Any instrument a record may hold, including imported-only ones."""
    try:
        return ALL_INSTRUMENTS[code]
    except KeyError:
        known = ", ".join(INSTRUMENTS)
        raise UnknownInstrument(f"No instrument {code!r}; known: {known}.") from None


def to_give(code: str) -> Instrument:
    """An instrument a clinician or a person can fill in now (imported-only ones are refused)."""
    try:
        return INSTRUMENTS[code]
    except KeyError:
        known = ", ".join(INSTRUMENTS)
        raise UnknownInstrument(f"No instrument {code!r}; known: {known}.") from None


# --- Scoring ------------------------------------------------------------------------------------------------


def _allowed_text(item: Item) -> str:
    return ", ".join(_key(v) if isinstance(v, bool) else str(v) for v in item.allowed())


def _check_value(instrument: Instrument, item: Item, value: object) -> str | None:
    """None if `value` is one of the item's allowed scores (of the right type), else the message."""
    if instrument.boolean:
        if not isinstance(value, bool):
            return f"answer {value!r} must be true or false."
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"answer {value!r} is not a whole-number score; allowed: {_allowed_text(item)}."
    if value not in item.allowed():
        return f"{value} is not an allowed score for this item; allowed: {_allowed_text(item)}."
    return None


def parse_answers(instrument: Instrument, answers: Sequence[object] | Mapping[str, object]) -> dict[str, Value]:
    """Answers in item order (a list) or keyed by item id, checked against the
    definition. Every error names its item; nothing is guessed or rounded."""
    errors: dict[str, str] = {}
    ids = [item.id for item in instrument.items]
    if isinstance(answers, Mapping):
        given = dict(answers)
        for key in given:
            if key not in ids:
                errors[str(key)] = f"no item {key!r} in {instrument.short_name}; items: {', '.join(ids)}."
    elif isinstance(answers, Sequence) and not isinstance(answers, str | bytes):
        if len(answers) != len(ids):
            raise AnswerError(
                {
                    "answers": f"{instrument.short_name} has {len(ids)} items; {len(answers)} answers were given "
                    f"(in item order: {', '.join(ids)})."
                }
            )
        given = dict(zip(ids, answers, strict=True))
    else:
        raise AnswerError({"answers": "Give the answers as a list in item order or an object keyed by item id."})
    parsed: dict[str, Value] = {}
    for item in instrument.items:
        if item.id not in given or given[item.id] is None:
            errors[item.id] = "missing answer."
            continue
        problem = _check_value(instrument, item, given[item.id])
        if problem:
            errors[item.id] = problem
        else:
            parsed[item.id] = given[item.id]  # type: ignore[assignment]
    if errors:
        raise AnswerError(errors)
    return parsed


def score(
    code: str,
    answers: Sequence[object] | Mapping[str, object],
    *,
    under_medical_supervision: bool = False,
    remission: str | None = None,
    specifiers: Sequence[str] = (),
    lang: str = "en",
) -> Score:
    """Score one administration. Raises AnswerError (naming each item at fault) or UnknownInstrument."""
    instrument = get(code)
    parsed = parse_answers(instrument, answers)
    if instrument.code == DSM5_OUD.code:
        return _score_dsm5(parsed, under_medical_supervision, remission, tuple(specifiers), lang)
    if remission or specifiers or under_medical_supervision:
        raise AnswerError(
            {"answers": "Remission, specifiers and medical supervision apply to the DSM-5 checklist only."}
        )
    total = sum(int(v) for v in parsed.values())
    band = instrument.translated(lang).band_for(total)
    flags: list[Flag] = []
    if instrument.code == PHQ9.code and parsed["self_harm"] != 0:
        flags.append(
            Flag(
                "self_harm",
                "Item 9 (thoughts of being better off dead or of self-harm) was answered "
                f"'{PHQ9.item('self_harm').label_for(parsed['self_harm'])}'. Ask about safety now, whatever the "
                f"total. {CRISIS_LINES}",
                urgent=True,
            )
        )
    return Score(
        instrument=instrument.code,
        total=total,
        band=band.code if band else None,
        band_label=band.label if band else "",
        flags=tuple(flags),
        interpretation=_interpretation(instrument, total, band),
        answers=parsed,
    )


def _interpretation(instrument: Instrument, total: int, band: Band | None) -> str:
    if instrument.code == COWS.code:
        assert band is not None
        return f"COWS {total} of 48: {band.label.lower()} opioid withdrawal."
    if instrument.code == SOWS.code:
        return (
            f"SOWS {total} of 64. SOWS has no published severity bands: compare with the person's earlier "
            "totals (the trend), not with a cut-off."
        )
    if instrument.code == CTN_WITHDRAWAL.code:
        return f"Withdrawal severity {total} of 3 (CTN-0094 harmonised scale, imported)."
    assert band is not None
    what = "depression" if instrument.code == PHQ9.code else "anxiety"
    return (
        f"{instrument.short_name} {total} of {instrument.max_total}: {band.label.split(' (')[0].lower()} {what} "
        "symptoms. A screening result, not a diagnosis."
    )


def countable_criteria(answers: Mapping[str, Value], under_medical_supervision: bool) -> int:
    """DSM-5 criteria met, leaving out tolerance and withdrawal when opioids are taken
    solely under appropriate medical supervision (REFERENCE.md §3)."""
    return sum(
        1
        for item_id, met in answers.items()
        if met and not (under_medical_supervision and item_id in _DSM5_SUPERVISION_ITEMS)
    )


def _score_dsm5(
    parsed: dict[str, Value], supervised: bool, remission: str | None, specifiers: tuple[str, ...], lang: str
) -> Score:
    errors: dict[str, str] = {}
    if remission is not None and remission not in REMISSION:
        errors["remission"] = f"{remission!r} is not a remission specifier; use one of: {', '.join(REMISSION)}."
    for specifier in specifiers:
        if specifier not in SPECIFIERS:
            errors["specifiers"] = f"{specifier!r} is not a specifier; use any of: {', '.join(SPECIFIERS)}."
    if errors:
        raise AnswerError(errors)
    total = countable_criteria(parsed, supervised)
    instrument = DSM5_OUD.translated(lang)
    band = instrument.band_for(total)
    assert band is not None
    flags: list[Flag] = []
    excluded = [i for i in _DSM5_SUPERVISION_ITEMS if parsed[i]]
    if supervised and excluded:
        flags.append(
            Flag(
                "supervision_excluded",
                f"{' and '.join(excluded).capitalize()} not counted: opioids are taken solely under appropriate "
                "medical supervision (DSM-5; REFERENCE.md §3).",
                urgent=False,
            )
        )
    severity = band.label.split(" (")[0].lower() if band.code != "none" else ""
    if band.code == "none":
        interpretation = f"{total} of 11 criteria: fewer than the 2 that indicate opioid use disorder."
    else:
        interpretation = f"{total} of 11 criteria: consistent with {severity} opioid use disorder."
    if remission:
        # Remission: no criterion but craving for ≥3 and <12 months (early) or ≥12 months (sustained).
        wording = "early remission" if remission == "early" else "sustained remission"
        extra = "".join(f", {SPECIFIER_LABELS[s]}" for s in specifiers)
        interpretation += f" Recorded as in {wording}{extra}."
    interpretation += " Decision support for a clinician's assessment, not a diagnosis on its own."
    return Score(
        instrument=DSM5_OUD.code,
        total=total,
        band=band.code,
        band_label=band.label,
        flags=tuple(flags),
        interpretation=interpretation,
        answers=parsed,
        remission=remission,
        specifiers=specifiers,
    )


def remission_for(months_without_criteria: int, craving_only: bool = True) -> str | None:
    """The remission specifier for a time with no criterion met except craving
    (REFERENCE.md §3): early ≥3 and <12 months, sustained ≥12 months."""
    if not craving_only or months_without_criteria < 3:
        return None
    return "early" if months_without_criteria < 12 else "sustained"


def band_order(code: str) -> list[str]:
    """Band codes from lowest to highest (for 'moved into a higher band')."""
    return [b.code for b in get(code).bands]


# --- The rules above, for docs/clinical-rules.md (core.rule_registry) ----------------------------------------

COWS_BANDS = "assess.cows.bands"
SOWS_NO_BANDS = "assess.sows.no_bands"
DSM5_SEVERITY = "assess.dsm5.severity"
DSM5_SUPERVISION = "assess.dsm5.medical_supervision"
DSM5_REMISSION = "assess.dsm5.remission"
PHQ9_BANDS = "assess.phq9.bands"
PHQ9_SELF_HARM = "assess.phq9.self_harm_flag"
GAD7_BANDS = "assess.gad7.bands"
ANSWERS_EXACT = "assess.instruments.allowed_scores"

RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        COWS_BANDS,
        "COWS: eleven clinician-rated items with their own allowed scores, total 0–48; 0–4 below mild, 5–12 mild, "
        "13–24 moderate, 25–36 moderately severe, more than 36 severe.",
        "these bands",
        "REFERENCE.md §1 (Wesson & Ling 2003)",
        "no",
    ),
    RuleInfo(
        SOWS_NO_BANDS,
        "SOWS: sixteen self-rated items 0–4, total 0–64, shown with its trend and no severity band (none is "
        "published).",
        "total and trend only",
        "REFERENCE.md §2 (Handelsman 1987)",
        "no",
    ),
    RuleInfo(
        DSM5_SEVERITY,
        "DSM-5 opioid use disorder: criteria met in 12 months; 0–1 none, 2–3 mild, 4–5 moderate, 6 or more severe.",
        "these bands",
        "REFERENCE.md §3",
        "no",
    ),
    RuleInfo(
        DSM5_SUPERVISION,
        "Tolerance and withdrawal are not counted when opioids are taken solely under appropriate medical "
        "supervision; the result says which were left out.",
        "applied when the clinician (or the person) says so",
        "REFERENCE.md §3",
        "no",
    ),
    RuleInfo(
        DSM5_REMISSION,
        "Remission: no criterion except craving for at least 3 and under 12 months is early, 12 months or more "
        "sustained; specifiers 'on maintenance therapy' and 'in a controlled environment'.",
        "3 / 12 months",
        "REFERENCE.md §3",
        "no",
    ),
    RuleInfo(
        PHQ9_BANDS,
        "PHQ-9: nine items 0–3, total 0–27; 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, "
        "20–27 severe.",
        "these bands",
        "REFERENCE.md §4 (Kroenke 2001)",
        "no",
    ),
    RuleInfo(
        PHQ9_SELF_HARM,
        "Any non-zero answer to PHQ-9 item 9 (thoughts of self-harm) is an urgent safety flag, shown at once with "
        "crisis lines (988, 911), whatever the total.",
        "always",
        "REFERENCE.md §4, §12",
        "no",
    ),
    RuleInfo(
        GAD7_BANDS,
        "GAD-7: seven items 0–3, total 0–21; 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.",
        "these bands",
        "REFERENCE.md §4 (GAD-7 scoring instructions)",
        "no",
    ),
    RuleInfo(
        "assess.instruments.max_days_back",
        "An instrument is recorded for a time that is not in the future (5 minutes of clock drift allowed) and "
        "not more than this many days back; a reported last use must come before the assessment.",
        "30 days",
        "program default [unverified]: a data-quality limit, not a clinical rule",
        "per program (assess.instruments.max_days_back)",
    ),
    RuleInfo(
        ANSWERS_EXACT,
        "An answer outside an item's allowed scores, a missing item or an unknown item is refused, naming the "
        "item; nothing is rounded and nothing is saved.",
        "enforced",
        "REFERENCE.md §1 (scores outside an item's allowed set are invalid input)",
        "no",
    ),
)
