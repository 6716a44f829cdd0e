"""When a consent covers a disclosure of the FHIR record to a named recipient for a stated purpose.
Pure module: no Django.

42 CFR Part 2 (REFERENCE.md §10): a disclosure to anyone other than the patient needs a written consent naming
the recipients and the purpose; a single consent may cover all future treatment, payment and health-care
operations (TPO); counselling notes need their own separate consent. Waymark's Consent stores recipients and
purpose as free text, so "covers" needs a rule:

1. The consent is active on the day of the export (not revoked, not expired, already signed).
2. It is a TPO or a specific consent. A counselling-notes consent covers counselling notes only, and the FHIR
   export never contains counselling notes, so it is never enough on its own.
3. The recipient named for the export equals one of the consent's recipients. The consent's "to whom" text is
   split into recipients at line breaks, semicolons and commas; both sides are compared after normalising: case
   folded, "&" read as "and", apostrophes dropped, every other character that is not a letter or digit read as a
   space, runs of spaces collapsed. Whole names only: "Drug Court" does not match "Cumberland County Drug Court".
4. The purpose given for the export equals one of the consent's purposes (split and normalised the same way), or
   the consent is a TPO consent and the purpose is treatment, payment or health-care operations.
"""

import re
from dataclasses import dataclass

from waymark.core.rule_info import RuleInfo

RULE_ID = "interop.fhir.disclosure_consent_match"

RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        RULE_ID,
        "A FHIR export to anyone but the patient needs an active TPO or specific consent whose recipients include "
        "the named recipient and whose purpose matches (or TPO for treatment, payment or operations); the export "
        "carries the Part 2 notice and is recorded as a disclosure; counselling notes are never exported.",
        "enforced",
        "REFERENCE.md §10 (42 CFR Part 2, 2024 rule)",
        "no",
    ),
)

# Normalised spellings of the three TPO purposes (REFERENCE.md §10).
TPO_PURPOSES = frozenset(
    {
        "treatment",
        "payment",
        "health care operations",
        "healthcare operations",
        "health-care operations",
        "operations",
        "treatment payment and health care operations",
        "treatment payment and healthcare operations",
    }
)


def normalise(text: str) -> str:
    text = re.sub(r"['’]", "", text.casefold().replace("&", " and "))
    text = re.sub(r"[^\w]+|_", " ", text)
    return " ".join(text.split())


def listed(text: str) -> list[str]:
    """The entries of a free-text list ("Primary care clinic; Drug court"), normalised, empty ones dropped."""
    return [n for n in (normalise(part) for part in re.split(r"[\n;,]+", text)) if n]


@dataclass(frozen=True)
class ConsentFacts:
    kind: str  # "tpo" | "specific" | "counselling_notes"
    recipients: str
    purpose: str
    status: str  # Consent.status_on(export day): "active" | "revoked" | "expired" | "not yet signed"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]  # why not, one sentence each; empty when allowed


def covers(consent: ConsentFacts, recipient: str, purpose: str) -> Decision:
    reasons = []
    if consent.status != "active":
        reasons.append(f"The consent is {consent.status}: a disclosure needs a consent in force today.")
    if consent.kind == "counselling_notes":
        reasons.append(
            "A counselling-notes consent covers counselling notes only; the record export needs a TPO or a specific "
            "consent (and never includes counselling notes)."
        )
    wanted = normalise(recipient)
    if not wanted:
        reasons.append("Name the recipient.")
    elif wanted not in listed(consent.recipients):
        reasons.append(
            f"The consent does not name {recipient.strip()!r} as a recipient (it names: {consent.recipients.strip()})."
        )
    why = normalise(purpose)
    if not why:
        reasons.append("Give the purpose of the disclosure.")
    elif why not in listed(consent.purpose) and not (consent.kind == "tpo" and why in TPO_PURPOSES):
        tpo = " or treatment, payment or health-care operations" if consent.kind == "tpo" else ""
        reasons.append(
            f"The consent does not cover the purpose {purpose.strip()!r} (it covers: {consent.purpose.strip()}{tpo})."
        )
    return Decision(not reasons, tuple(reasons))
