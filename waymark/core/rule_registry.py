"""Every rule Waymark enforces, with its id, default, source and whether a
program (or the deployment) may configure it. Pure module.

docs/clinical-rules.md lists the same ids; a test keeps the two in step.
Later domains (meds, labs, incentives …) add their rules here.
"""

from waymark.assess.detox import RULE_INFO as DETOX_RULES
from waymark.assess.instruments import RULE_INFO as INSTRUMENT_RULES
from waymark.assess.placement import RULE_INFO as PLACEMENT_RULES
from waymark.care.confidentiality import RULE_INFO as NOTE_RULES
from waymark.care.intensity import RULE_INFO as INTENSITY_RULES
from waymark.care.schedules import RULE_INFO as CARE_RULES
from waymark.companion.crisis import RULE_INFO as CRISIS_RULES
from waymark.companion.insights import RULE_INFO as INSIGHT_RULES
from waymark.companion.progress import RULE_INFO as PROGRESS_RULES
from waymark.companion.reminders import RULE_INFO as REMINDER_RULES
from waymark.core.rule_info import RuleInfo
from waymark.directory.codes import RULE_INFO as DIRECTORY_RULES
from waymark.incentives.schedules import RULE_INFO as INCENTIVES_RULES
from waymark.interop.ctn0094 import RULE_INFO as CTN_IMPORT_RULES
from waymark.interop.fhir.consent_rules import RULE_INFO as FHIR_RULES
from waymark.labs.rules import RULE_INFO as LABS_RULES
from waymark.meds.rules import RULE_INFO as MEDS_RULES
from waymark.outcomes.rules import RULE_INFO as OUTCOME_RULES

CORE_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "chart.consent.part2_elements",
        "A consent records every 42 CFR 2.31 element: patient, who may disclose, what information, "
        "recipients, purpose, right to revoke in writing, expiry, signature and date.",
        "all elements required",
        "REFERENCE.md §10 (42 CFR 2.31, 2024 rule)",
        "no",
    ),
    RuleInfo(
        "chart.consent.counselling_notes_separate",
        "Counselling notes need their own consent kind; a general (TPO) consent does not cover them.",
        "separate consent",
        "REFERENCE.md §10",
        "no",
    ),
    RuleInfo(
        "chart.consent.no_expiry_tpo_only",
        "Only a treatment, payment and health-care operations consent may have expiry 'none'.",
        "enforced",
        "REFERENCE.md §10",
        "no",
    ),
    RuleInfo(
        "chart.disclosure.consent_in_force",
        "A disclosure recorded under a consent needs that consent active on the disclosure date "
        "(not revoked, not expired).",
        "enforced",
        "REFERENCE.md §10 (accounting of disclosures)",
        "no",
    ),
    RuleInfo(
        "chart.break_glass.window",
        "Emergency access outside the care team needs a written reason, lasts a few hours, and is flagged "
        "for the privacy officer.",
        "4 hours",
        "REFERENCE.md §10 (HIPAA 164.312(a)(2)(ii) emergency access)",
        "per deployment (WAYMARK_BREAK_GLASS_HOURS)",
    ),
    RuleInfo(
        "core.session.staff_idle_logoff",
        "A staff session ends after a period without requests.",
        "15 minutes",
        "REFERENCE.md §10 (HIPAA 164.312(a)(2)(iii) automatic logoff)",
        "per deployment (WAYMARK_STAFF_IDLE_MINUTES)",
    ),
    RuleInfo(
        "core.auth.staff_mfa",
        "Every staff role signs in with a TOTP second factor; optional for patients.",
        "required for staff",
        "REFERENCE.md §10 (HIPAA 164.312(d) authentication)",
        "no",
    ),
    RuleInfo(
        "core.auth.lockout",
        "Repeated failed sign-ins lock the account (and a client trying many accounts) for a while.",
        "5 failures, 15 minutes",
        "REFERENCE.md §10 (HIPAA 164.312(d)); OWASP ASVS 2.2.1",
        "per deployment (WAYMARK_LOCKOUT_FAILURES, WAYMARK_LOCKOUT_MINUTES)",
    ),
    RuleInfo(
        "core.auth.password_length",
        "Passwords have at least 12 characters and are not common passwords.",
        "12 characters",
        "OWASP ASVS 2.1.1",
        "no",
    ),
    RuleInfo(
        "core.audit.retention",
        "Audit entries are never updated or deleted by the application and are kept at least six years; "
        "nothing is deleted automatically.",
        "no automatic deletion",
        "REFERENCE.md §10 (HIPAA documentation and audit logs ≥6 years)",
        "no",
    ),
)

RULES: tuple[RuleInfo, ...] = (
    CORE_RULES
    + MEDS_RULES
    + LABS_RULES
    + INCENTIVES_RULES
    + INSTRUMENT_RULES
    + PLACEMENT_RULES
    + DETOX_RULES
    + CARE_RULES
    + INTENSITY_RULES
    + NOTE_RULES
    + DIRECTORY_RULES
    + PROGRESS_RULES
    + INSIGHT_RULES
    + CRISIS_RULES
    + REMINDER_RULES
    + CTN_IMPORT_RULES
    + FHIR_RULES
    + OUTCOME_RULES
)


def rule(rule_id: str) -> RuleInfo:
    for info in RULES:
        if info.id == rule_id:
            return info
    raise KeyError(rule_id)
