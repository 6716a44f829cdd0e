"""ASAM-style level-of-care placement: transparent decision support. Pure
module (no Django): facts in, a recommended level with its reasons out.

Waymark is not the licensed ASAM software (REFERENCE.md §8). It takes the six
dimension ratings (each 0–4 risk) and the seed facts the clinician records, and
every rule that fires adds one plain sentence naming the dimension or fact it
used and the lowest level it asks for. The recommendation is the most intensive
of those levels; the clinician accepts it or chooses another level with a
reason.

How a recommendation is made (each step is a rule in `RULE_INFO`):

1. `assess.placement.dimension_ratings` — each dimension rated above 0 asks for
   at least a level (table `RATING_LEVELS`: a program default [unverified];
   REFERENCE.md gives the dimensions, the 0–4 scale and the levels, not this
   mapping). All six at 0 gives the lowest level (0.5 early intervention in the
   3rd edition, 1.0 long-term remission monitoring in the 4th).
2. `assess.placement.unsafe_home`, `assess.placement.weak_support` — an
   unsafe home, or little or no support, asks for residential care (at least
   3.1) or sober living: outpatient care needs a safe home and support
   (REFERENCE.md §8 seed rules).
3. `assess.placement.many_prior_attempts` — many prior treatment attempts and
   relapses: start inpatient (REFERENCE.md §8 seed rule; "many" is a
   configurable program default [unverified], 3 and 3).
4. Withdrawal needing medical supervision: in the 3rd edition a separate
   withdrawal-management level by the dimension 1 rating
   (`assess.placement.withdrawal_level`); in the 4th, withdrawal management is
   built into the levels, so the level is raised to a medically managed one
   (`assess.placement.withdrawal_built_in`). REFERENCE.md §8 names the levels;
   the mapping from the rating is a program default [unverified].
5. `assess.placement.otp_methadone` — the person chooses methadone and an
   outpatient-intensity level fits: OTP, since methadone for opioid use
   disorder is given in an opioid treatment program (REFERENCE.md §5, §6). In
   the 4th edition, which has no OTP level, the level stays and the reason says
   methadone comes from an OTP (the chart then records the OTP).
6. `assess.placement.pregnancy`, `assess.placement.co_occurring` — notes that
   do not change the level: priority OTP admission in pregnancy (REFERENCE.md
   §5), and co-occurring conditions belong in dimension 3 (screening with the
   PHQ-9 and GAD-7, REFERENCE.md §4).

Intensity: the main levels of each edition are ordered by their number
(0.5 < 1 < 2.1 < … < 4), which is also the order of hours and of medical care in
REFERENCE.md §8. OTP is a service, not a step on that ladder: a recommendation
keeps `intensity_level`, the level the ratings and facts asked for before OTP
was chosen, and raising any rating never lowers it (a property test checks).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from waymark.core.rule_info import RuleInfo


class Edition(StrEnum):
    THIRD = "3"
    FOURTH = "4"


EDITION_NAMES = {
    Edition.THIRD: "ASAM Criteria, 3rd edition (2013)",
    Edition.FOURTH: "ASAM Criteria, 4th edition (2023)",
}

# --- Dimensions -----------------------------------------------------------------------------------------------


class Role(StrEnum):
    """What a dimension is about, so one rule reads the same in both editions."""

    WITHDRAWAL = "withdrawal"
    BIOMEDICAL = "biomedical"
    PSYCHIATRIC = "psychiatric"
    READINESS = "readiness"  # 3rd edition: readiness to change; 4th: person-centered considerations
    USE_RISK = "use_risk"  # 3rd: relapse/continued use potential; 4th: substance use-related risks
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Dimension:
    number: int
    name: str
    role: Role


# REFERENCE.md §8 (3rd edition [confirmed]; 4th edition [secondary]).
DIMENSIONS: dict[Edition, tuple[Dimension, ...]] = {
    Edition.THIRD: (
        Dimension(1, "Acute intoxication/withdrawal potential", Role.WITHDRAWAL),
        Dimension(2, "Biomedical conditions", Role.BIOMEDICAL),
        Dimension(3, "Emotional, behavioural or cognitive conditions", Role.PSYCHIATRIC),
        Dimension(4, "Readiness to change", Role.READINESS),
        Dimension(5, "Relapse/continued use potential", Role.USE_RISK),
        Dimension(6, "Recovery/living environment", Role.ENVIRONMENT),
    ),
    Edition.FOURTH: (
        Dimension(1, "Intoxication, withdrawal and addiction medications", Role.WITHDRAWAL),
        Dimension(2, "Biomedical conditions", Role.BIOMEDICAL),
        Dimension(3, "Psychiatric and cognitive conditions", Role.PSYCHIATRIC),
        Dimension(4, "Substance use-related risks", Role.USE_RISK),
        Dimension(5, "Recovery environment interactions", Role.ENVIRONMENT),
        Dimension(6, "Person-centered considerations", Role.READINESS),
    ),
}

RATINGS = (0, 1, 2, 3, 4)
# Short wording for each rating on the form; REFERENCE.md §8 gives the 0–4 risk scale, the words are Waymark's.
RISK_WORDS = {0: "no risk", 1: "mild risk", 2: "moderate risk", 3: "significant risk", 4: "severe risk"}

# --- Levels -----------------------------------------------------------------------------------------------------


class Setting(StrEnum):
    OUTPATIENT = "outpatient"  # not residential: outpatient, intensive outpatient, partial hospitalisation
    RESIDENTIAL = "residential"
    INPATIENT = "inpatient"
    OTP = "otp"
    WITHDRAWAL = "withdrawal"  # 3rd-edition withdrawal-management levels


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    setting: Setting
    rank: int  # intensity order among the main levels (or among the withdrawal levels); OTP -1
    chart: str  # chart.models.LevelOfCare value the episode takes (Waymark's mapping, program default [unverified])
    medically_managed: bool = False  # 4th edition: withdrawal management built in

    @property
    def title(self) -> str:
        return self.label if self.setting is Setting.OTP else f"{self.code} · {self.label}"


def _levels(*levels: Level) -> dict[str, Level]:
    return {level.code: level for level in levels}


OUT, RES, INP, WM = Setting.OUTPATIENT, Setting.RESIDENTIAL, Setting.INPATIENT, Setting.WITHDRAWAL

# REFERENCE.md §8, 3rd edition [confirmed]. Withdrawal-management labels are by analogy with the main levels
# (REFERENCE.md lists only their codes) [unverified].
LEVELS_3: dict[str, Level] = _levels(
    Level("0.5", "Early intervention", OUT, 0, "outpatient"),
    Level("1", "Outpatient, under 9 hours a week", OUT, 1, "outpatient"),
    Level("2.1", "Intensive outpatient, 9–19 hours a week", OUT, 2, "intensive_outpatient"),
    Level("2.5", "Partial hospitalisation, 20 hours a week or more", OUT, 3, "partial_hospitalisation"),
    Level("3.1", "Clinically managed low-intensity residential", RES, 4, "residential_long"),
    Level("3.3", "Population-specific high-intensity residential", RES, 5, "residential_short"),
    Level("3.5", "Clinically managed high-intensity residential", RES, 6, "residential_short"),
    Level("3.7", "Medically monitored intensive inpatient", INP, 7, "inpatient"),
    Level("4", "Medically managed intensive inpatient", INP, 8, "inpatient"),
    Level("OTP", "Opioid treatment program (OTP)", Setting.OTP, -1, "otp"),
    Level("1-WM", "Outpatient withdrawal management", WM, 0, "withdrawal_management"),
    Level("2-WM", "More intensive outpatient withdrawal management", WM, 1, "withdrawal_management"),
    Level("3.2-WM", "Clinically managed residential withdrawal management", WM, 2, "withdrawal_management"),
    Level("3.7-WM", "Medically monitored inpatient withdrawal management", WM, 3, "withdrawal_management"),
    Level("4-WM", "Medically managed intensive inpatient withdrawal management", WM, 4, "withdrawal_management"),
)

# REFERENCE.md §8, 4th edition [secondary]: no 0.5; withdrawal management built into the levels. The medically
# managed levels (1.7, 2.7, 3.7, 4) are the ones that manage withdrawal, as their names say [unverified].
LEVELS_4: dict[str, Level] = _levels(
    Level("1.0", "Long-term remission monitoring", OUT, 0, "aftercare"),
    Level("1.5", "Outpatient therapy", OUT, 1, "outpatient"),
    Level("1.7", "Medically managed outpatient", OUT, 2, "outpatient", medically_managed=True),
    Level("2.1", "Intensive outpatient", OUT, 3, "intensive_outpatient"),
    Level("2.5", "High-intensity outpatient", OUT, 4, "partial_hospitalisation"),
    Level("2.7", "Medically managed intensive outpatient", OUT, 5, "intensive_outpatient", medically_managed=True),
    Level("3.1", "Clinically managed low-intensity residential", RES, 6, "residential_long"),
    Level("3.5", "Clinically managed high-intensity residential", RES, 7, "residential_short"),
    Level("3.7", "Medically managed residential", RES, 8, "inpatient", medically_managed=True),
    Level("4", "Medically managed inpatient", INP, 9, "inpatient", medically_managed=True),
)

LEVELS: dict[Edition, dict[str, Level]] = {Edition.THIRD: LEVELS_3, Edition.FOURTH: LEVELS_4}


def levels(edition: str) -> dict[str, Level]:
    return LEVELS[Edition(edition)]


def level(edition: str, code: str) -> Level:
    """The level `code` of `edition`; KeyError when the edition has no such level."""
    return levels(edition)[code]


def main_levels(edition: str) -> list[Level]:
    """The levels on the intensity ladder, least intensive first (no OTP, no withdrawal levels)."""
    return sorted((v for v in levels(edition).values() if v.setting in (OUT, RES, INP)), key=lambda v: v.rank)


def chart_level(edition: str, code: str, *, methadone: bool = False) -> str:
    """The chart's LevelOfCare value for an ASAM level. In the 4th edition, which has no OTP level, an
    outpatient level for a person who chose methadone is served by an OTP, so the chart says OTP."""
    found = level(edition, code)
    if methadone and Edition(edition) is Edition.FOURTH and found.setting is OUT:
        return "otp"
    return found.chart


# --- Facts, settings, recommendation ----------------------------------------------------------------------------

SUPPORT = ("strong", "some", "none")  # PlacementAssessment.Support
MAX_COUNT = 50


@dataclass(frozen=True)
class PlacementFacts:
    """The six ratings (dimension 1 first) and the seed facts of REFERENCE.md §8 and the issue."""

    ratings: tuple[int, ...]
    edition: str = Edition.THIRD
    prior_treatment_attempts: int = 0
    prior_relapses: int = 0
    home_safe: bool = True
    support: str = "some"  # strong | some | none
    pregnant: bool = False
    co_occurring: bool = False
    needs_supervised_withdrawal: bool = False
    wants_methadone: bool = False


@dataclass(frozen=True)
class PlacementSettings:
    """A program's placement settings (Program.rule_settings, keyed by rule id)."""

    edition: str = Edition.THIRD  # assess.placement.edition
    many_attempts: int = 3  # assess.placement.many_prior_attempts {"attempts": 3, "relapses": 3}
    many_relapses: int = 3


class SettingsError(ValueError):
    pass


def _count_setting(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise SettingsError(f"{name} is a whole number from 1 to {MAX_COUNT}.")
    return value


def settings_from(rule_settings: Mapping[str, Any]) -> PlacementSettings:
    """The program's placement settings; a bad value raises SettingsError naming the setting."""
    edition = str(rule_settings.get(EDITION, Edition.THIRD))
    if edition not in {e.value for e in Edition}:
        raise SettingsError(f'{EDITION} is "3" (ASAM 3rd edition) or "4" (4th edition).')
    many = rule_settings.get(MANY_PRIOR_ATTEMPTS, {})
    if isinstance(many, int) and not isinstance(many, bool):
        many = {"attempts": many, "relapses": many}
    if not isinstance(many, Mapping) or set(many) - {"attempts", "relapses"}:
        raise SettingsError(f'{MANY_PRIOR_ATTEMPTS} is {{"attempts": 3, "relapses": 3}}.')
    return PlacementSettings(
        edition=edition,
        many_attempts=_count_setting(many.get("attempts", 3), f"{MANY_PRIOR_ATTEMPTS}.attempts"),
        many_relapses=_count_setting(many.get("relapses", 3), f"{MANY_PRIOR_ATTEMPTS}.relapses"),
    )


@dataclass(frozen=True)
class Reason:
    rule_id: str
    text: str
    level: str = ""  # the lowest level this reason asks for; "" for a note that does not change the level


@dataclass(frozen=True)
class Recommendation:
    level: str  # code of the recommended level ("OTP" possible in the 3rd edition)
    label: str
    withdrawal_level: str  # 3rd edition: a withdrawal-management level when withdrawal needs supervision, else ""
    reasons: tuple[Reason, ...]
    edition: str
    intensity_level: str = ""  # the main level the ratings and facts asked for (the level itself unless OTP)
    withdrawal_label: str = ""

    @property
    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]


def check(facts: PlacementFacts) -> dict[str, str]:
    """What is wrong with the facts, field name → a message naming the dimension or fact ({} when fine)."""
    errors: dict[str, str] = {}
    if facts.edition not in {e.value for e in Edition}:
        errors["edition"] = 'The edition is "3" or "4".'
        return errors
    dims = DIMENSIONS[Edition(facts.edition)]
    if len(facts.ratings) != len(dims):
        errors["ratings"] = "Rate all six dimensions from 0 to 4."
    for dim, rating in zip(dims, facts.ratings, strict=False):
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            given = "" if rating is None else f", not {rating!r}"
            errors[f"rating_{dim.number}"] = (
                f"Dimension {dim.number} ({dim.name.lower()}): choose a rating from 0 to 4{given}."
            )
    for name, label in (("prior_treatment_attempts", "Prior treatment attempts"), ("prior_relapses", "Relapses")):
        value = getattr(facts, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            errors[name] = f"{label}: give a whole number from 0 to {MAX_COUNT}, not {value!r}."
    if facts.support not in SUPPORT:
        errors["support"] = "Support: choose strong, some, or little or none."
    for name in ("home_safe", "pregnant", "co_occurring", "needs_supervised_withdrawal", "wants_methadone"):
        if not isinstance(getattr(facts, name), bool):
            errors[name] = f"{name.replace('_', ' ').capitalize()}: answer yes or no."
    return errors


# Lowest main level each rating asks for, by what the dimension is about (rating 0, 1, 2, 3, 4).
# Program default [unverified]: the dimensions about medical and psychiatric risk (1–3) reach the medically
# monitored/managed 24-hour levels at 3 and 4; the others reach intensive outpatient or partial hospitalisation
# at 3 and high-intensity residential at 4; the living environment asks for residential care at 3.
RATING_LEVELS: dict[Edition, dict[str, tuple[str, ...]]] = {
    Edition.THIRD: {
        "medical": ("0.5", "1", "2.1", "3.7", "4"),
        "environment": ("0.5", "1", "2.1", "3.1", "3.5"),
        "other": ("0.5", "1", "2.1", "2.5", "3.5"),
    },
    Edition.FOURTH: {
        "medical": ("1.0", "1.5", "2.1", "3.7", "4"),
        "environment": ("1.0", "1.5", "2.1", "3.1", "3.5"),
        "other": ("1.0", "1.5", "2.1", "2.5", "3.5"),
    },
}
_MEDICAL_ROLES = {Role.WITHDRAWAL, Role.BIOMEDICAL, Role.PSYCHIATRIC}
RESIDENTIAL_FLOOR = "3.1"  # unsafe home / weak support (both editions)
INPATIENT_START = "3.7"  # many prior attempts and relapses: 3rd "medically monitored intensive inpatient";
# 4th "medically managed residential", its 24-hour medical level below hospital care [unverified]
# 3rd edition: withdrawal-management level by the dimension 1 rating 0–4 (program default [unverified]).
WITHDRAWAL_BY_RATING = ("1-WM", "1-WM", "2-WM", "3.7-WM", "4-WM")
WITHDRAWAL_RESIDENTIAL = "3.2-WM"  # unsafe home or weak support: not ambulatory
# 4th edition: lowest medically managed level by the dimension 1 rating 0–4 (program default [unverified]).
MEDICALLY_MANAGED_BY_RATING = ("1.7", "1.7", "2.7", "3.7", "4")


def _rating_group(role: Role) -> str:
    if role in _MEDICAL_ROLES:
        return "medical"
    return "environment" if role is Role.ENVIRONMENT else "other"


def _phrase(edition: Edition, code: str) -> str:
    return f"level {code} ({LEVELS[edition][code].label.lower()})"


def _rating_reasons(edition: Edition, ratings: Sequence[int]) -> list[Reason]:
    dims = DIMENSIONS[edition]
    table = RATING_LEVELS[edition]
    if not any(ratings):
        lowest = table["other"][0]
        return [Reason(DIMENSION_RATINGS, f"All six dimensions rated 0 (no risk): {_phrase(edition, lowest)}.", lowest)]
    out = []
    for dim, rating in zip(dims, ratings, strict=True):
        if rating == 0:
            continue
        code = table[_rating_group(dim.role)][rating]
        text = (
            f"Dimension {dim.number} ({dim.name.lower()}) rated {rating} ({RISK_WORDS[rating]}): "
            f"at least {_phrase(edition, code)}."
        )
        out.append(Reason(DIMENSION_RATINGS, text, code))
    return out


def _seed_reasons(edition: Edition, facts: PlacementFacts, settings: PlacementSettings) -> list[Reason]:
    out = []
    residential = _phrase(edition, RESIDENTIAL_FLOOR)
    if not facts.home_safe:
        out.append(
            Reason(
                UNSAFE_HOME,
                f"The home is not safe: outpatient care needs a safe home, so at least {residential}, "
                "or sober living with outpatient care.",
                RESIDENTIAL_FLOOR,
            )
        )
    if facts.support == "none":
        out.append(
            Reason(
                WEAK_SUPPORT,
                f"Little or no support for recovery: outpatient care needs support, so at least {residential}, "
                "or sober living with outpatient care.",
                RESIDENTIAL_FLOOR,
            )
        )
    attempts, relapses = facts.prior_treatment_attempts, facts.prior_relapses
    if attempts >= settings.many_attempts and relapses >= settings.many_relapses:
        out.append(
            Reason(
                MANY_PRIOR_ATTEMPTS,
                f"{attempts} prior treatment attempts and {relapses} relapses (the program counts "
                f"{settings.many_attempts} attempts and {settings.many_relapses} relapses as many): start "
                f"inpatient, at least {_phrase(edition, INPATIENT_START)}.",
                INPATIENT_START,
            )
        )
    return out


def _highest(edition: Edition, reasons: Sequence[Reason]) -> str:
    ladder = LEVELS[edition]
    return max((r.level for r in reasons if r.level), key=lambda code: ladder[code].rank)


def _withdrawal_3(facts: PlacementFacts) -> tuple[str, Reason | None]:
    if not facts.needs_supervised_withdrawal:
        return "", None
    d1 = facts.ratings[0]
    code = WITHDRAWAL_BY_RATING[d1]
    text = f"Withdrawal needs medical supervision and dimension 1 is rated {d1} ({RISK_WORDS[d1]}): {code}"
    if (not facts.home_safe or facts.support == "none") and LEVELS_3[code].rank < LEVELS_3[WITHDRAWAL_RESIDENTIAL].rank:
        code = WITHDRAWAL_RESIDENTIAL
        text += f"; with an unsafe home or little support it cannot be ambulatory, so {code}"
    text += f" ({LEVELS_3[code].label.lower()})."
    return code, Reason(WITHDRAWAL_LEVEL, text, "")


def _withdrawal_4(facts: PlacementFacts, base: str) -> tuple[str, Reason | None]:
    """4th edition: raise to a medically managed level at least as intensive as `base` and as the dimension 1
    rating asks."""
    if not facts.needs_supervised_withdrawal:
        return base, None
    d1 = facts.ratings[0]
    start = max(LEVELS_4[base].rank, LEVELS_4[MEDICALLY_MANAGED_BY_RATING[d1]].rank)
    final = next(v.code for v in main_levels(Edition.FOURTH) if v.rank >= start and v.medically_managed)
    text = (
        f"Withdrawal needs medical supervision and dimension 1 is rated {d1} ({RISK_WORDS[d1]}): the 4th edition "
        "builds withdrawal management into the medically managed levels (1.7, 2.7, 3.7, 4), so at least "
        f"{_phrase(Edition.FOURTH, final)}."
    )
    return final, Reason(WITHDRAWAL_BUILT_IN, text, final)


def _methadone(edition: Edition, facts: PlacementFacts, intensity: str) -> tuple[str, Reason | None]:
    if not facts.wants_methadone:
        return intensity, None
    found = LEVELS[edition][intensity]
    phrase = _phrase(edition, intensity)
    if found.setting is not OUT:
        text = (
            f"The person chooses methadone: at {phrase} methadone for opioid use disorder comes from an opioid "
            "treatment program (OTP); arrange it with one."
        )
        return intensity, Reason(OTP_METHADONE, text, "")
    if edition is Edition.FOURTH:
        text = (
            f"The person chooses methadone: methadone for opioid use disorder is given in an opioid treatment "
            f"program (OTP). The 4th edition has no separate OTP level: {phrase} with methadone from an OTP."
        )
        return intensity, Reason(OTP_METHADONE, text, "")
    text = (
        f"The person chooses methadone and the ratings and facts fit outpatient intensity, {phrase}: methadone "
        f"for opioid use disorder is given in an opioid treatment program, so OTP, offering services at about "
        f"level {intensity} intensity. Counselling may not be made a condition of receiving medication."
    )
    return "OTP", Reason(OTP_METHADONE, text, "")


def _notes(edition: Edition, facts: PlacementFacts) -> list[Reason]:
    out = []
    if facts.pregnant:
        out.append(
            Reason(
                PREGNANCY,
                "Pregnant: pregnant patients get priority admission to an opioid treatment program (federal rule, "
                "2024). The level is not changed by this fact alone.",
            )
        )
    if facts.co_occurring:
        d3 = DIMENSIONS[edition][2]
        out.append(
            Reason(
                CO_OCCURRING,
                f"Co-occurring conditions recorded: make sure dimension 3 ({d3.name.lower()}) reflects them; "
                "the PHQ-9 and GAD-7 screen for depression and anxiety.",
            )
        )
    return out


def recommend(facts: PlacementFacts, settings: PlacementSettings | None = None) -> Recommendation:
    """The recommended level with the reasons that led to it (see the module docstring for the steps).
    Raises ValueError when `check(facts)` finds a problem."""
    settings = settings or PlacementSettings()
    errors = check(facts)
    if errors:
        raise ValueError("; ".join(errors.values()))
    edition = Edition(facts.edition)
    ladder = LEVELS[edition]
    raising = _rating_reasons(edition, facts.ratings) + _seed_reasons(edition, facts, settings)
    intensity = _highest(edition, raising)
    withdrawal_level, withdrawal_reason = "", None
    if edition is Edition.THIRD:
        withdrawal_level, withdrawal_reason = _withdrawal_3(facts)
    else:
        intensity, withdrawal_reason = _withdrawal_4(facts, intensity)
    chosen, methadone_reason = _methadone(edition, facts, intensity)
    # The reasons that ask for a level come first, most intensive first (the first one set the level); OTP's
    # reason leads when OTP is recommended; then the withdrawal-management level, and the notes.
    leveled = [*raising, *([withdrawal_reason] if withdrawal_reason and withdrawal_reason.level else [])]
    ordered = sorted(leveled, key=lambda r: -ladder[r.level].rank)
    withdrawal = [withdrawal_reason] if withdrawal_reason and not withdrawal_reason.level else []
    methadone = [methadone_reason] if methadone_reason else []
    if chosen == "OTP":
        reasons = (*methadone, *ordered, *withdrawal, *_notes(edition, facts))
    else:
        reasons = (*ordered, *withdrawal, *methadone, *_notes(edition, facts))
    return Recommendation(
        level=chosen,
        label=ladder[chosen].label,
        withdrawal_level=withdrawal_level,
        reasons=reasons,
        edition=edition.value,
        intensity_level=intensity,
        withdrawal_label=ladder[withdrawal_level].label if withdrawal_level else "",
    )


def intensity_rank(edition: str, code: str) -> int:
    """Position of a main level on its edition's intensity ladder (0 = least intensive)."""
    return level(edition, code).rank


# --- Rules, for docs/clinical-rules.md (core.rule_registry) ----------------------------------------------------

EDITION = "assess.placement.edition"
DIMENSION_RATINGS = "assess.placement.dimension_ratings"
UNSAFE_HOME = "assess.placement.unsafe_home"
WEAK_SUPPORT = "assess.placement.weak_support"
MANY_PRIOR_ATTEMPTS = "assess.placement.many_prior_attempts"
WITHDRAWAL_LEVEL = "assess.placement.withdrawal_level"
WITHDRAWAL_BUILT_IN = "assess.placement.withdrawal_built_in"
OTP_METHADONE = "assess.placement.otp_methadone"
PREGNANCY = "assess.placement.pregnancy"
CO_OCCURRING = "assess.placement.co_occurring"
DECISION = "assess.placement.clinician_decides"
CHART_LEVEL = "assess.placement.chart_level"

RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        EDITION,
        "Placement uses the ASAM Criteria 3rd edition (dimensions; levels 0.5 to 4, OTP and the withdrawal-"
        "management levels 1-WM to 4-WM) or the 4th edition (renamed dimensions 1 and 3 to 6; levels 1.0 to 4, "
        "no 0.5, withdrawal management built into the levels). Waymark is decision support from the ratings "
        "and seed facts, never the licensed ASAM software.",
        "3rd edition",
        "REFERENCE.md §8 (3rd edition [confirmed]; 4th edition [secondary])",
        f'per program ({EDITION}: "3" or "4")',
    ),
    RuleInfo(
        DIMENSION_RATINGS,
        "Each of the six dimensions is rated 0–4 risk. Each rating above 0 asks for at least a level: dimensions "
        "1–3 (withdrawal, biomedical, emotional/psychiatric) 1, 2.1, 3.7, 4 for ratings 1–4; the living or "
        "recovery environment 1, 2.1, 3.1, 3.5; the others 1, 2.1, 2.5, 3.5 (4th edition: 1.5 for a 1). All "
        "six at 0 gives the lowest level (0.5; 4th edition 1.0). The recommendation is the most intensive level "
        "any rule asks for.",
        "this table",
        "REFERENCE.md §8 (dimensions, 0–4 scale, levels); the rating-to-level table is a program default [unverified]",
        "no",
    ),
    RuleInfo(
        UNSAFE_HOME,
        "The home is not safe: outpatient care needs a safe home, so at least level 3.1 (clinically managed "
        "low-intensity residential), or sober living with outpatient care.",
        "at least 3.1",
        "REFERENCE.md §8 seed rules (unsafe home → residential or sober living; outpatient needs a safe home); "
        "3.1 as the residential floor is a program default [unverified]",
        "no",
    ),
    RuleInfo(
        WEAK_SUPPORT,
        "Little or no support for recovery: outpatient care needs support, so at least level 3.1, or sober living "
        "with outpatient care. Some support is enough for outpatient care.",
        "at least 3.1 when support is little or none",
        "REFERENCE.md §8 seed rules (weak support → residential or sober living; outpatient needs support); "
        "what counts as weak is a program default [unverified]",
        "no",
    ),
    RuleInfo(
        MANY_PRIOR_ATTEMPTS,
        "Many prior treatment attempts and relapses (both at or above the program's counts): start inpatient, at "
        "least level 3.7 (3rd edition medically monitored intensive inpatient; 4th edition medically managed "
        "residential).",
        "3 attempts and 3 relapses; level 3.7",
        "REFERENCE.md §8 seed rule (many prior attempts and relapses → start inpatient); the counts and the "
        "4th-edition level are program defaults [unverified]",
        f'per program ({MANY_PRIOR_ATTEMPTS}: {{"attempts": 3, "relapses": 3}})',
    ),
    RuleInfo(
        WITHDRAWAL_LEVEL,
        "3rd edition: when withdrawal needs medical supervision, a separate withdrawal-management level by the "
        "dimension 1 rating: 0–1 1-WM, 2 2-WM, 3 3.7-WM, 4 4-WM; with an unsafe home or little support at least "
        "3.2-WM (not ambulatory).",
        "this table",
        "REFERENCE.md §8 (withdrawal-management levels 1-WM, 2-WM, 3.2-WM, 3.7-WM, 4-WM); the mapping from the "
        "rating is a program default [unverified]",
        "no",
    ),
    RuleInfo(
        WITHDRAWAL_BUILT_IN,
        "4th edition: when withdrawal needs medical supervision, the level is raised to a medically managed level "
        "(1.7, 2.7, 3.7 or 4) at least as intensive as the recommendation, and at least 1.7 for a dimension 1 "
        "rating of 0–1, 2.7 for 2, 3.7 for 3, 4 for 4.",
        "this table",
        "REFERENCE.md §8 (4th edition: withdrawal management built into the levels [secondary]); which levels "
        "manage withdrawal and the mapping are program defaults [unverified]",
        "no",
    ),
    RuleInfo(
        OTP_METHADONE,
        "The person chooses methadone and an outpatient-intensity level fits (3rd edition 0.5, 1, 2.1 or 2.5): "
        "recommend OTP, offering services at that intensity; counselling may not be a condition of medication. "
        "At a residential or inpatient level, a note to arrange methadone with an OTP. 4th edition (no OTP "
        "level): the outpatient level stays, and the episode's level of care becomes OTP when it is decided.",
        "OTP",
        "REFERENCE.md §5 (opioid treatment programs; counselling not a condition of medication), §6 (methadone), "
        "§8 (OTP level)",
        "no",
    ),
    RuleInfo(
        PREGNANCY,
        "Pregnancy: a note that pregnant patients get priority admission to an OTP; the level is not changed.",
        "note",
        "REFERENCE.md §5 (2024 rule: priority admission)",
        "no",
    ),
    RuleInfo(
        CO_OCCURRING,
        "Co-occurring conditions: a note to reflect them in dimension 3 and to screen with the PHQ-9 and GAD-7; "
        "the level is not changed.",
        "note",
        "REFERENCE.md §4 (PHQ-9, GAD-7), §8 (dimension 3)",
        "no",
    ),
    RuleInfo(
        DECISION,
        "The recommendation is decision support, not a diagnosis: a counsellor or prescriber accepts it (or the "
        "recommended withdrawal-management level) or chooses another level of the same edition with a written "
        "reason, once per assessment; the decision updates the episode's level of care and its history.",
        "reason required for another level",
        "REFERENCE.md §8 (transparent decision support, never the licensed ASAM software)",
        "no",
    ),
    RuleInfo(
        CHART_LEVEL,
        "A decided ASAM level sets the episode's level of care: 0.5, 1, 1.5, 1.7 outpatient; 1.0 aftercare; "
        "2.1, 2.7 intensive outpatient; 2.5 partial hospitalisation; 3.1 long-term residential; 3.3, 3.5 "
        "short-term residential; 3.7, 4 inpatient; OTP otp; withdrawal-management levels withdrawal "
        "management.",
        "this mapping",
        "program default [unverified]: the chart's levels are Waymark's own",
        "no",
    ),
)
