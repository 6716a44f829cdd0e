"""Roles and what each may do: the one table of permissions in Waymark.

Pure module (no Django imports) so the table can be read, tested and copied
into docs/architecture.md as it is. Deny by default: a capability not listed
for a role is refused.
"""

from enum import StrEnum


class Role(StrEnum):
    PATIENT = "patient"
    COUNSELLOR = "counsellor"
    NURSE = "nurse"
    PRESCRIBER = "prescriber"
    PROGRAM_ADMIN = "program_admin"
    PEER_MODERATOR = "peer_moderator"
    PRIVACY_OFFICER = "privacy_officer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff_role(self) -> bool:
        return self is not Role.PATIENT


ROLE_LABELS = {
    Role.PATIENT: "Patient",
    Role.COUNSELLOR: "Counsellor",
    Role.NURSE: "Nurse (dispensing)",
    Role.PRESCRIBER: "Prescriber",
    Role.PROGRAM_ADMIN: "Program admin",
    Role.PEER_MODERATOR: "Peer moderator",
    Role.PRIVACY_OFFICER: "Privacy officer",
}


class Cap(StrEnum):
    """Capabilities. Chart capabilities are further limited by ChartScope."""

    OWN_RECORD = "own_record"  # a patient reads their own chart, consents, disclosures
    PATIENT_SEARCH = "patient_search"  # find a patient of the program by name, MRN, birth date
    CHART_READ = "chart_read"
    CHART_WRITE = "chart_write"  # demographics, episodes, level of care
    PATIENT_CREATE = "patient_create"
    CONSENT_WRITE = "consent_write"  # record and revoke consents
    DISCLOSURE_WRITE = "disclosure_write"  # record a disclosure made under consent
    CARE_TEAM_WRITE = "care_team_write"
    PATIENT_INVITE = "patient_invite"
    BREAK_GLASS = "break_glass"  # open a chart outside one's care team, with a reason
    DISPENSE = "dispense"  # dosing window (meds issue)
    PRESCRIBE = "prescribe"  # medication orders, rule overrides (meds issue)
    SPECIMEN_WRITE = "specimen_write"  # collect drug-test specimens, record results and missed tests
    CM_AWARD = "cm_award"  # enrol in contingency management, record target events, redeem rewards
    CM_MANAGE = "cm_manage"  # CM programmes, reward catalogue, random testing schedules, ledger corrections
    ASSESS_WRITE = "assess_write"  # give instruments (DSM-5 checklist, COWS, SOWS, PHQ-9, GAD-7) and record them
    PLACEMENT = "placement"  # ASAM dimension ratings and the level-of-care decision
    DETOX = "detox"  # withdrawal-management stays: start, checks with vitals, discharge
    CARE_PLAN = "care_plan"  # treatment plans, lapses, planned step-downs, continuing-care plans, preparation
    SESSIONS = "sessions"  # counselling sessions and groups: schedule, attendance, DAP notes
    AUDIT_REVIEW = "audit_review"
    PROGRAM_ADMIN = "program_admin"  # sites, staff accounts
    LISTING_CLAIM = "listing_claim"  # claim the program's treatment-directory listings, edit their contact details
    COMMUNITY_MODERATE = "community_moderate"
    API_TOKENS = "api_tokens"  # create and revoke one's own personal access tokens
    OUTCOMES_READ = "outcomes_read"  # the program's outcomes dashboard and its CSV (counts, no patient-level data)


class ChartScope(StrEnum):
    NONE = "none"
    OWN = "own"  # only the patient's own record
    CARE_TEAM = "care_team"  # patients whose care team includes the user
    PROGRAM = "program"  # every patient of the user's program


PERMISSIONS: dict[Role, frozenset[Cap]] = {
    Role.PATIENT: frozenset({Cap.OWN_RECORD}),
    Role.COUNSELLOR: frozenset(
        {
            Cap.PATIENT_SEARCH,
            Cap.CHART_READ,
            Cap.CHART_WRITE,
            Cap.PATIENT_CREATE,
            Cap.CONSENT_WRITE,
            Cap.PATIENT_INVITE,
            Cap.BREAK_GLASS,
            Cap.SPECIMEN_WRITE,
            Cap.CM_AWARD,
            Cap.ASSESS_WRITE,
            Cap.PLACEMENT,
            Cap.CARE_PLAN,
            Cap.SESSIONS,
            Cap.API_TOKENS,
        }
    ),
    Role.NURSE: frozenset(
        {
            Cap.PATIENT_SEARCH,
            Cap.CHART_READ,
            Cap.DISPENSE,
            Cap.SPECIMEN_WRITE,
            Cap.CM_AWARD,
            Cap.ASSESS_WRITE,
            Cap.DETOX,
            Cap.API_TOKENS,
        }
    ),
    Role.PRESCRIBER: frozenset(
        {
            Cap.PATIENT_SEARCH,
            Cap.CHART_READ,
            Cap.CHART_WRITE,
            Cap.PATIENT_CREATE,
            Cap.CONSENT_WRITE,
            Cap.PATIENT_INVITE,
            Cap.BREAK_GLASS,
            Cap.PRESCRIBE,
            Cap.SPECIMEN_WRITE,
            Cap.ASSESS_WRITE,
            Cap.PLACEMENT,
            Cap.DETOX,
            Cap.CARE_PLAN,
            Cap.API_TOKENS,
            Cap.OUTCOMES_READ,
        }
    ),
    Role.PROGRAM_ADMIN: frozenset(
        {
            Cap.PATIENT_SEARCH,
            Cap.CHART_READ,
            Cap.CHART_WRITE,
            Cap.PATIENT_CREATE,
            Cap.CONSENT_WRITE,
            Cap.DISCLOSURE_WRITE,
            Cap.CARE_TEAM_WRITE,
            Cap.PATIENT_INVITE,
            Cap.PROGRAM_ADMIN,
            Cap.LISTING_CLAIM,
            Cap.CM_AWARD,
            Cap.CM_MANAGE,
            Cap.API_TOKENS,
            Cap.OUTCOMES_READ,
        }
    ),
    Role.PEER_MODERATOR: frozenset({Cap.COMMUNITY_MODERATE}),
    # The privacy officer reviews access and keeps the accounting of
    # disclosures; reading clinical content is not part of that job.
    Role.PRIVACY_OFFICER: frozenset({Cap.AUDIT_REVIEW, Cap.DISCLOSURE_WRITE}),
}

# Nurses dose any patient of the program at the window, so their chart scope
# is the program; counsellors and prescribers work from a caseload and use
# break-glass (reason required, flagged for review) for anyone else.
CHART_SCOPE: dict[Role, ChartScope] = {
    Role.PATIENT: ChartScope.OWN,
    Role.COUNSELLOR: ChartScope.CARE_TEAM,
    Role.NURSE: ChartScope.PROGRAM,
    Role.PRESCRIBER: ChartScope.CARE_TEAM,
    Role.PROGRAM_ADMIN: ChartScope.PROGRAM,
    Role.PEER_MODERATOR: ChartScope.NONE,
    Role.PRIVACY_OFFICER: ChartScope.NONE,
}


def can(role: Role | str | None, cap: Cap) -> bool:
    if role is None or role == "":
        return False
    return cap in PERMISSIONS.get(Role(role), frozenset())


def chart_scope(role: Role | str | None) -> ChartScope:
    if role is None or role == "":
        return ChartScope.NONE
    return CHART_SCOPE.get(Role(role), ChartScope.NONE)


def permission_table_markdown() -> str:
    """The table as Markdown; docs/architecture.md embeds it and a test keeps them equal."""
    roles = list(Role)
    header = "| capability | " + " | ".join(r.value for r in roles) + " |"
    rule = "| --- |" + " --- |" * len(roles)
    rows = [
        f"| {cap.value} | " + " | ".join("yes" if cap in PERMISSIONS[r] else "·" for r in roles) + " |" for cap in Cap
    ]
    scope = "| chart scope | " + " | ".join(CHART_SCOPE[r].value for r in roles) + " |"
    return "\n".join([header, rule, *rows, scope])
