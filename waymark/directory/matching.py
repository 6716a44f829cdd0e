"""Match me: the treatment finder's friendly filters (codes.FILTERS) that fit a clinician's placement.
Pure: no Django.

Sources. The levels are those of waymark.assess.placement (LEVELS_3, LEVELS_4; REFERENCE.md §8), read through
each level's setting and the chart's level of care it sets (`Level.chart`, rule assess.placement.chart_level),
so the finder and the episode agree on what a level is. The settings are the SAMHSA code key's own
(service_definitions.csv.gz): OP "Outpatient", OIT "Intensive outpatient treatment", ODT "Outpatient day
treatment or partial hospitalization", RL "Long-term residential", RS "Short-term residential", RES
"Residential/24-hour residential", HI/HIT "Hospital inpatient (treatment)", DT/OD/RD/HID detoxification
(outpatient, residential, hospital inpatient), MM "Methadone maintenance", PW "Pregnant/postpartum women",
CO "Clients with co-occurring mental and substance use disorders".

  3rd edition                                         4th edition
  0.5 early intervention      outpatient (OP)         1.0 remission monitoring   outpatient (OP)
  1   outpatient              outpatient (OP)         1.5 outpatient therapy     outpatient (OP)
  2.1 intensive outpatient    intensive outpatient    1.7 medically managed OP   outpatient (OP)
  2.5 partial hospitalisation partial hosp. (ODT)     2.1 intensive outpatient   intensive outpatient (OIT)
  3.1 low-intensity resid.    long-term resid. (RL)   2.5 high-intensity OP      partial hosp. (ODT)
  3.3, 3.5 high-intensity     short-term resid. (RS)  2.7 medically managed IOP  intensive outpatient (OIT)
  3.7 medically monitored     24-hour resid. (RES)    3.1 low-intensity resid.   long-term resid. (RL)
  4   medically managed       hospital inpatient      3.5 high-intensity resid.  short-term resid. (RS)
  OTP                         methadone (MM)          3.7 medically managed res. 24-hour resid. (RES)
  1-WM … 4-WM                 detox                   4   medically managed inp. hospital inpatient

SAMHSA has no early-intervention or remission-monitoring setting: outpatient is the nearest. 3.7 is 24-hour
care with medical monitoring, which the directory lists as residential (RES) without a separate code. Level 4 is
hospital care; while the friendly filters have no hospital setting, the detox filter (which holds HID, hospital
inpatient detoxification) stands in for it (HOSPITAL below).

How the finder reads filters: within one search parameter any of them will do (services: residential OR
detox); across parameters all must hold (services AND population). So a plan with two parts — withdrawal
management first, then the level; a residential level and methadone from an opioid treatment program (OTP) —
lists places for either part, and each result says which part it offers. A wish for methadone at an
outpatient-intensity level replaces the outpatient setting: methadone for opioid use disorder is given in an
OTP, which offers the counselling at that intensity (rule assess.placement.otp_methadone; `chart_level(...,
methadone=True)`). Pregnancy and co-occurring conditions narrow the list to programs that serve them.
"""

from collections.abc import Iterable

from waymark.assess import placement
from waymark.directory import codes

# The directory's setting for each chart level of care (placement.Level.chart); "inpatient" is split by level.
SETTING_OF_CHART = {
    "aftercare": "outpatient",
    "outpatient": "outpatient",
    "intensive_outpatient": "intensive_outpatient",
    "partial_hospitalisation": "partial_hospitalisation",
    "residential_long": "residential_long",
    "residential_short": "residential_short",
    "otp": "methadone",
    "withdrawal_management": "detox",
}
MEDICALLY_MONITORED_24_HOUR = "residential"  # level 3.7 of both editions
# Level 4: SAMHSA's hospital inpatient setting. A "hospital_inpatient" friendly filter (HI HIT HID) is used when
# codes.FILTERS has one; until then the detox filter, whose codes include hospital inpatient detoxification.
HOSPITAL = "hospital_inpatient" if "hospital_inpatient" in codes.FILTER_BY_SLUG else "detox"
METHADONE = "methadone"
DETOX = "detox"
PREGNANT = "pregnant"
CO_OCCURRING = "co_occurring"

_OUTPATIENT_SETTINGS = {placement.Setting.OUTPATIENT, placement.Setting.OTP}


def setting_for_level(edition: str, level_code: str) -> str:
    """The friendly filter for the setting of a level. Raises KeyError (or ValueError for an unknown edition)
    when the edition has no such level."""
    level = placement.level(edition, level_code)
    if level.chart == "inpatient":
        return HOSPITAL if level.code == "4" else MEDICALLY_MONITORED_24_HOUR
    return SETTING_OF_CHART[level.chart]


def filters_for_level(
    edition: str,
    level_code: str,
    *,
    withdrawal_level: str = "",
    pregnant: bool = False,
    co_occurring: bool = False,
    wants_methadone: bool = False,
    supervised_withdrawal: bool = False,
) -> list[str]:
    """The friendly filter slugs (codes.FILTERS) for a placement at `level_code` of `edition`, setting first.

    `withdrawal_level` is a 3rd-edition withdrawal-management level to come first ("3.2-WM"): detox is added.
    `supervised_withdrawal`: in the 4th edition, which builds withdrawal management into its medically managed
    levels, withdrawal needing supervision adds detox (in the 3rd it comes as `withdrawal_level`)."""
    level = placement.level(edition, level_code)
    if withdrawal_level:
        placement.level(edition, withdrawal_level)  # a level of this edition, or KeyError
    services = [setting_for_level(edition, level_code)]
    if wants_methadone:
        if level.setting in _OUTPATIENT_SETTINGS:
            services = [METHADONE]
        else:
            services.append(METHADONE)
    if withdrawal_level or (
        supervised_withdrawal and placement.Edition(edition) is placement.Edition.FOURTH and level.medically_managed
    ):
        services.append(DETOX)
    population = [slug for slug, wanted in ((PREGNANT, pregnant), (CO_OCCURRING, co_occurring)) if wanted]
    return list(dict.fromkeys([*services, *population]))


def by_parameter(slugs: Iterable[str]) -> dict[str, list[str]]:
    """Friendly filter slugs grouped by the search parameter they belong to, in the order given."""
    grouped: dict[str, list[str]] = {}
    for slug in slugs:
        grouped.setdefault(codes.FILTER_BY_SLUG[slug].parameter, []).append(slug)
    return grouped
