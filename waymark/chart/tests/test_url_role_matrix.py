"""Every page × every role, against an explicit table written from the intent
of waymark/core/roles.py (not computed from it).

OK: the page opens (200). DENY: refused (403, or 404 where the object is not
the user's). LOGIN: an anonymous visitor is sent to sign in. `to("name")`: a
redirect to that page, never to the login page. API routes (api/v1/) are
covered by their own tests. The medication pages (meds/) are named "meds:<name>".
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

from waymark.assess import services_detox as detox_services
from waymark.assess import services_placement as placement_services
from waymark.care import services_groups
from waymark.care.models import PlannedTransition
from waymark.care.tests import plan_helpers, session_helpers
from waymark.chart.models import BreakGlassAccess, CareTeamMember
from waymark.community import services as community_services
from waymark.companion import services as companion_services
from waymark.companion.models import MeetingLog, PlanItem, RelapsePlan, SupportContact
from waymark.companion.tests.conftest import start as start_companion
from waymark.conftest import World, make_consent, make_patient, make_user, sign_in
from waymark.core import services as account_services
from waymark.core.roles import Role
from waymark.directory import services as directory_services
from waymark.directory.tests.helpers import make_facility
from waymark.incentives import services as cm_services
from waymark.labs import services as lab_services
from waymark.meds import services as meds_services
from waymark.meds.models import TakeHomeDispense
from waymark.meds.tests.conftest import order_methadone

OK = "ok"
DENY = "deny"
LOGIN = "login"
INVALID = "invalid"  # allowed, and the empty form is answered 422 with its errors


def to(url_name: str) -> str:
    return f"to:{url_name}"


ROLES = [
    "anonymous",
    "patient",
    "counsellor",
    "nurse",
    "prescriber",
    "program_admin",
    "peer_moderator",
    "privacy_officer",
]


def row(**cells: str) -> dict[str, str]:
    assert set(cells) == set(ROLES), f"row must name every role, got {sorted(cells)}"
    return cells


# Who may do what, per page. Patient-scoped pages use world.patient, who is on
# the counsellor's and the prescriber's care team and has their own account.
TABLE: dict[str, dict[str, str]] = {
    # Public pages.
    "login": row(
        anonymous=OK,
        patient=to("home"),
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=OK,
        privacy_officer=OK,
    ),
    "signup": row(
        anonymous=OK,
        patient=OK,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=OK,
        privacy_officer=OK,
    ),
    "accept_invitation": row(
        anonymous=OK,
        patient=OK,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=OK,
        privacy_officer=OK,
    ),
    "logout": row(
        anonymous=to("login"),
        patient=to("login"),
        counsellor=to("login"),
        nurse=to("login"),
        prescriber=to("login"),
        program_admin=to("login"),
        peer_moderator=to("login"),
        privacy_officer=to("login"),
    ),
    # Signed-in staff have passed MFA already; the TOTP pages send them on.
    # Patients do not use MFA, so the TOTP pages are not theirs.
    "mfa_verify": row(
        anonymous=LOGIN,
        patient=to("home"),
        counsellor=to("home"),
        nurse=to("home"),
        prescriber=to("home"),
        program_admin=to("home"),
        peer_moderator=to("home"),
        privacy_officer=to("home"),
    ),
    "mfa_setup": row(
        anonymous=LOGIN,
        patient=to("home"),
        counsellor=to("mfa_verify"),
        nurse=to("mfa_verify"),
        prescriber=to("mfa_verify"),
        program_admin=to("mfa_verify"),
        peer_moderator=to("mfa_verify"),
        privacy_officer=to("mfa_verify"),
    ),
    # Everyone signed in has a home: the dashboard, or a patient's own record.
    # A patient who uses the companion starts there; "My record" has its own page.
    "home": row(
        anonymous=LOGIN,
        patient=to("companion:home"),
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=OK,
        privacy_officer=OK,
    ),
    # api_tokens: counsellor, nurse, prescriber, program admin.
    "tokens": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # The token belongs to the counsellor: nobody else can revoke it.
    "revoke_token": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=to("tokens"),
        nurse=DENY,
        prescriber=DENY,
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # program_admin only.
    "staff_list": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "staff_set_active": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=to("staff_list"),
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # patient_search: counsellor, nurse, prescriber, program admin.
    "patient_list": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # patient_create: counsellor, prescriber, program admin (not the nurse).
    "patient_create": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # chart_read, plus the patient's own record. The privacy officer does not read charts.
    "chart": row(
        anonymous=LOGIN,
        patient=OK,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "patient_photo": row(
        anonymous=LOGIN,
        patient=OK,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # chart_write: counsellor, prescriber, program admin. Patients read only.
    "patient_edit": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "episode_create": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "episode_edit": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # break_glass: counsellor and prescriber (the care-team-scoped roles). The table's
    # patient is on their care team, so there is no glass to break: straight to the chart.
    # The form itself, off the care team, is tested in TestOffCareTeam.
    "break_glass": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=to("chart"),
        nurse=DENY,
        prescriber=to("chart"),
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # care_team_write: program admin only.
    "care_team": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "care_team_end": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=to("care_team"),
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # consent_write: counsellor, prescriber, program admin.
    "consent_create": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    "consent_revoke": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=OK,
        nurse=DENY,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # The accounting of disclosures: whoever reads the chart, the patient, and
    # the privacy officer who keeps it (without chart access).
    "disclosures": row(
        anonymous=LOGIN,
        patient=OK,
        counsellor=OK,
        nurse=OK,
        prescriber=OK,
        program_admin=OK,
        peer_moderator=DENY,
        privacy_officer=OK,
    ),
    # patient_invite: counsellor, prescriber, program admin. world.patient
    # already has an account, so the allowed answer is back to the chart.
    "invite": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=to("chart"),
        nurse=DENY,
        prescriber=to("chart"),
        program_admin=to("chart"),
        peer_moderator=DENY,
        privacy_officer=DENY,
    ),
    # audit_review: privacy officer only.
    "audit_review": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=OK,
    ),
    "audit_patient": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=OK,
    ),
    "audit_user": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=OK,
    ),
    "review_break_glass": row(
        anonymous=LOGIN,
        patient=DENY,
        counsellor=DENY,
        nurse=DENY,
        prescriber=DENY,
        program_admin=DENY,
        peer_moderator=DENY,
        privacy_officer=to("audit_review"),
    ),
}

# --- Medication (meds/) ---------------------------------------------------------------
# The dosing window: Cap.DISPENSE (nurses) only. The program admin oversees the
# log and stock but does not dose; the prescriber orders but does not dispense.
DISPENSE_ONLY = {
    "anonymous": LOGIN,
    "patient": DENY,
    "counsellor": DENY,
    "nurse": OK,
    "prescriber": DENY,
    "program_admin": DENY,
    "peer_moderator": DENY,
    "privacy_officer": DENY,
}
# Orders, holds, day overrides, take-home eligibility, co-use notes: Cap.PRESCRIBE
# (prescribers, on the care team). GET shows the prescriber the form.
PRESCRIBE_ONLY = {**DISPENSE_ONLY, "nurse": DENY, "prescriber": OK}
# ECGs and readiness checks: recorded at the window by nurses as well as by prescribers.
NURSE_OR_PRESCRIBER = {**DISPENSE_ONLY, "prescriber": OK}
# The dispensing log and stock: nurses, who dispense, and program admins, who oversee.
LOG_KEEPERS = {**DISPENSE_ONLY, "program_admin": OK}

TABLE.update(
    {
        "meds:window": row(**DISPENSE_ONLY),
        "meds:window_card": row(**DISPENSE_ONLY),
        # POST only: an empty search re-renders the search page; an empty dose, take-home,
        # return or injection form re-renders the card with the form's errors.
        "meds:window_search": row(**DISPENSE_ONLY),
        "meds:window_dose": row(**DISPENSE_ONLY),
        "meds:window_take_home": row(**DISPENSE_ONLY),
        "meds:window_take_home_return": row(**DISPENSE_ONLY),
        "meds:window_injection": row(**DISPENSE_ONLY),
        # The medication section of the chart is read like the chart: the patient their
        # own, counsellor and prescriber their care team, nurse and program admin the program.
        "meds:medication": row(
            anonymous=LOGIN,
            patient=OK,
            counsellor=OK,
            nurse=OK,
            prescriber=OK,
            program_admin=OK,
            peer_moderator=DENY,
            privacy_officer=DENY,
        ),
        "meds:order_new": row(**PRESCRIBE_ONLY),
        "meds:order_change": row(**PRESCRIBE_ONLY),
        "meds:order_stop": row(**PRESCRIBE_ONLY),
        # world.patient is already on hold (for hold_release), so the prescriber is sent
        # to the hold on the medication page instead of a second form.
        "meds:hold_place": row(**{**PRESCRIBE_ONLY, "prescriber": to("meds:medication")}),
        "meds:hold_release": row(**PRESCRIBE_ONLY),
        "meds:day_override": row(**PRESCRIBE_ONLY),
        "meds:take_home_eligibility": row(**PRESCRIBE_ONLY),
        "meds:co_use_new": row(**PRESCRIBE_ONLY),
        "meds:ecg_new": row(**NURSE_OR_PRESCRIBER),
        "meds:readiness_new": row(**NURSE_OR_PRESCRIBER),
        "meds:log": row(**LOG_KEEPERS),
        "meds:log_csv": row(**LOG_KEEPERS),
        # POST only, and only nurses sign: an empty sign-off goes back to the log.
        "meds:log_sign_off": row(**{**DISPENSE_ONLY, "nurse": to("meds:log")}),
        "meds:stock": row(**LOG_KEEPERS),
        "meds:stock_receive": row(**LOG_KEEPERS),
        "meds:stock_movement": row(**LOG_KEEPERS),
        "meds:stock_count": row(**LOG_KEEPERS),
        "meds:stock_reconciliation": row(**LOG_KEEPERS),
        # Naloxone kits are given by whoever sees the person in clinic and reads their
        # chart: nurses, prescribers, counsellors. Not the program admin, who sees the
        # monthly counts (the report) and, reading the chart, a patient's kits.
        "meds:naloxone": row(
            anonymous=LOGIN,
            patient=DENY,
            counsellor=OK,
            nurse=OK,
            prescriber=OK,
            program_admin=DENY,
            peer_moderator=DENY,
            privacy_officer=DENY,
        ),
        "meds:naloxone_report": row(
            anonymous=LOGIN,
            patient=DENY,
            counsellor=OK,
            nurse=OK,
            prescriber=OK,
            program_admin=OK,
            peer_moderator=DENY,
            privacy_officer=DENY,
        ),
        # A patient's kits, on the chart: the care team and program-scoped staff.
        "meds:naloxone_patient": row(
            anonymous=LOGIN,
            patient=DENY,
            counsellor=OK,
            nurse=OK,
            prescriber=OK,
            program_admin=OK,
            peer_moderator=DENY,
            privacy_officer=DENY,
        ),
    }
)

# --- Drug tests (labs/) and contingency management (incentives/) --------------------------
# Reading a person's tests and incentives is reading the chart; recording specimens is
# Cap.SPECIMEN_WRITE (counsellor, nurse, prescriber); enrolling, redeeming and staff-confirmed
# targets Cap.CM_AWARD (counsellor, nurse, program admin); programmes, the catalogue and the
# report Cap.CM_MANAGE (program admin).
CHART_READERS = {
    "anonymous": LOGIN,
    "patient": OK,
    "counsellor": OK,
    "nurse": OK,
    "prescriber": OK,
    "program_admin": OK,
    "peer_moderator": DENY,
    "privacy_officer": DENY,
}
NOBODY = {
    **CHART_READERS,
    "patient": DENY,
    "counsellor": DENY,
    "nurse": DENY,
    "prescriber": DENY,
    "program_admin": DENY,
}
SPECIMEN_WRITERS = {**NOBODY, "counsellor": INVALID, "nurse": INVALID, "prescriber": INVALID}
CM_MANAGERS = {**NOBODY, "program_admin": OK}

TABLE.update(
    {
        "labs:tests": row(**CHART_READERS),
        "labs:record_specimen": row(**SPECIMEN_WRITERS),
        "labs:record_missed": row(**SPECIMEN_WRITERS),
        "labs:add_results": row(**{**NOBODY, "counsellor": OK, "nurse": OK, "prescriber": OK}),
        "labs:random": row(**{**NOBODY, "counsellor": OK, "nurse": OK, "prescriber": OK, "program_admin": OK}),
        "incentives:programmes": row(**CM_MANAGERS),
        "incentives:report": row(**CM_MANAGERS),
        "incentives:mine": row(**{**NOBODY, "patient": OK}),
        "incentives:patient": row(**CHART_READERS),
        "incentives:patient_action": row(
            **{**NOBODY, "counsellor": INVALID, "nurse": INVALID, "program_admin": INVALID}
        ),
    }
)

# --- Assessment, placement and withdrawal management (assess/) ------------------------------
# Reading is reading the chart; recording instruments is Cap.ASSESS_WRITE (counsellor, nurse,
# prescriber); placement Cap.PLACEMENT (counsellor, prescriber); detox Cap.DETOX (nurse, prescriber).
DETOX_STAFF = {**NOBODY, "nurse": INVALID, "prescriber": INVALID}
TABLE.update(
    {
        "assess:instruments": row(**CHART_READERS),
        "assess:record_instrument": row(**{**NOBODY, "counsellor": OK, "nurse": OK, "prescriber": OK}),
        "assess:placements": row(**CHART_READERS),
        "assess:placement_new": row(**{**NOBODY, "counsellor": OK, "prescriber": OK}),
        "assess:placement": row(**CHART_READERS),
        "assess:placement_decide": row(**{**NOBODY, "counsellor": INVALID, "prescriber": INVALID}),
        "assess:detox_board": row(**{**NOBODY, "nurse": OK, "prescriber": OK}),
        "assess:detox_patient": row(**CHART_READERS),
        "assess:detox_start": row(**DETOX_STAFF),
        "assess:detox_stay": row(**CHART_READERS),
        "assess:detox_check": row(**DETOX_STAFF),
        "assess:detox_discharge": row(**DETOX_STAFF),
    }
)

# --- Counselling: caseload and levels of care (care/) ---------------------------------------
# The caseload is Cap.SESSIONS or Cap.CARE_PLAN (counsellor, prescriber); the levels page is reading
# the chart; planned steps are Cap.CARE_PLAN.
CARE_PLANNERS = {**NOBODY, "counsellor": INVALID, "prescriber": INVALID}
TABLE.update(
    {
        "care:caseload": row(**{**NOBODY, "counsellor": OK, "prescriber": OK}),
        "care:levels": row(**CHART_READERS),
        "care:level_step_plan": row(**CARE_PLANNERS),
        "care:level_step_carry_out": row(**CARE_PLANNERS),
        "care:level_step_cancel": row(**{**NOBODY, "counsellor": to("care:levels"), "prescriber": to("care:levels")}),
    }
)
# Treatment plans: read like the chart (the person reads their own); written with Cap.CARE_PLAN. The table's
# patient has a signed v1 and a draft v2 (a complete copy, so signing it succeeds).
CARE_PLAN_FORMS = {**NOBODY, "counsellor": OK, "prescriber": OK}
TABLE.update(
    {
        "care:plan": row(**CHART_READERS),
        "care:plan_version": row(**CHART_READERS),
        # The draft exists already: starting again goes back to it.
        "care:plan_start": row(**{**NOBODY, "counsellor": to("care:plan_edit"), "prescriber": to("care:plan_edit")}),
        "care:plan_edit": row(**CARE_PLAN_FORMS),
        "care:plan_sign": row(**{**NOBODY, "counsellor": to("care:plan"), "prescriber": to("care:plan")}),
        "care:plan_patient_sign": row(**CARE_PLANNERS),
        "care:plan_review": row(**CARE_PLANNERS),
        "care:lapse_record": row(**CARE_PLANNERS),
    }
)
# Sessions, groups and notes: Cap.SESSIONS (counsellors). A counselling note is read by its author and the
# care team's counsellors; the prescriber on the care team has no counselling-notes consent here, the nurse
# is not on the care team, and break-glass never opens a note.
COUNSELLORS_ONLY = {**NOBODY, "counsellor": OK}
TABLE.update(
    {
        "care:sessions": row(**CHART_READERS),
        "care:session_schedule": row(**{**NOBODY, "counsellor": INVALID}),
        "care:session_attendance": row(**COUNSELLORS_ONLY),
        "care:note": row(**{**NOBODY, "patient": OK, "counsellor": OK}),
        "care:my_sessions": row(**COUNSELLORS_ONLY),
        "care:groups": row(**COUNSELLORS_ONLY),
        "care:group_create": row(**COUNSELLORS_ONLY),
        "care:group": row(**COUNSELLORS_ONLY),
        "care:group_edit": row(**COUNSELLORS_ONLY),
        "care:group_attendance": row(**COUNSELLORS_ONLY),
        "care:group_add_member": row(**{**NOBODY, "counsellor": INVALID}),
        "care:group_schedule": row(**{**NOBODY, "counsellor": INVALID}),
        "care:group_remove_member": row(**{**NOBODY, "counsellor": to("care:group")}),
        # Continuing care and the preparation checklist: read like the chart, forms for Cap.CARE_PLAN.
        "care:aftercare": row(**CHART_READERS),
        "care:aftercare_print": row(**CHART_READERS),
        "care:preparation": row(**CHART_READERS),
    }
)

# --- Directory listings (directory/) --------------------------------------------------------------
# Program admins (Cap.LISTING_CLAIM) find and claim listings and edit the ones their program manages
# (the table's listing is world.program's). Verifying, the advertiser label and the claims queue are for
# directory verifiers, the instance's operators (an active staff account with is_superuser): none of the
# table's users is one, so every role is refused (tested with a verifier in directory/tests/test_listing.py).
# Matching a placement to the finder: Cap.PLACEMENT with the patient in scope, sent on to the finder.
LISTING_ADMINS = {**NOBODY, "program_admin": OK}
TABLE.update(
    {
        "directory:listings": row(**LISTING_ADMINS),
        "directory:listing": row(**LISTING_ADMINS),
        "directory:listing_claim": row(**{**NOBODY, "program_admin": INVALID}),
        "directory:listing_edit": row(**LISTING_ADMINS),
        "directory:listing_verify": row(**NOBODY),
        "directory:listing_unverify": row(**NOBODY),
        "directory:listing_advertiser": row(**NOBODY),
        "directory:claims": row(**NOBODY),
        "directory:claim_decide": row(**NOBODY),
        "directory:match_placement": row(
            **{**NOBODY, "counsellor": to("public:find_treatment"), "prescriber": to("public:find_treatment")}
        ),
    }
)

# --- Public help pages (public/, under i18n_patterns: /help/… and /es/help/…) -----------------
# Open to everyone, signed in or not: nothing on them is anyone's record.
EVERYONE = {role: OK for role in ROLES}
TABLE.update(
    {
        f"public:{name}": row(**EVERYONE)
        for name in ("home", "self_check", "someone_i_love", "overdose", "preparing", "find_treatment", "facility")
    }
)

# --- Recovery companion (companion/) ----------------------------------------------------------------
# The person's own pages: only a patient account (here world.patient's, with the companion set up); staff
# never open them (they see what a person shares on the chart). The help-now page, the manifest, the
# service worker and the offline page are open to everyone: nothing on them is anyone's record.
# The care-team pages go through the chart's access helper: chart readers with the patient in scope.
PERSON_ONLY = {**NOBODY, "patient": OK}
CHART_WRITERS = ("counsellor", "prescriber", "program_admin")
TABLE.update(
    {
        **{
            f"companion:{name}": row(**PERSON_ONLY)
            for name in (
                "home",
                "milestones",
                "more",
                "check_in",
                "history",
                "journal",
                "journal_new",
                "journal_entry",
                "plan",
                "plan_reasons",
                "plan_item_new",
                "plan_item_edit",
                "contacts",
                "contact_new",
                "contact_edit",
                "meetings",
                "insights",
                "settings",
                "sharing",
                "reminders",
                "my_data",
                "export_json",
                "export_html",
                "delete_account",
            )
        },
        "companion:start": row(**{**NOBODY, "patient": to("companion:home")}),
        "my_record": row(**{**dict.fromkeys(ROLES, to("home")), "anonymous": LOGIN, "patient": OK}),
        "companion:journal_share": row(**{**NOBODY, "patient": to("companion:journal_entry")}),
        "companion:plan_item_remove": row(**{**NOBODY, "patient": to("companion:plan")}),
        "companion:plan_share": row(**{**NOBODY, "patient": to("companion:plan")}),
        "companion:contact_remove": row(**{**NOBODY, "patient": to("companion:contacts")}),
        "companion:meeting_remove": row(**{**NOBODY, "patient": to("companion:meetings")}),
        **{f"companion:{name}": row(**EVERYONE) for name in ("crisis", "manifest", "service_worker", "offline")},
        "companion:care_trends": row(**{**CHART_READERS, "patient": DENY}),
        "companion:care_alerts": row(**{**CHART_READERS, "patient": DENY}),
        # Marking an alert handled changes the record: chart writers (a dispensing nurse reads only).
        "companion:care_acknowledge": row(
            **{
                **CHART_READERS,
                "patient": DENY,
                "nurse": DENY,
                **dict.fromkeys(CHART_WRITERS, to("companion:care_trends")),
            }
        ),
    }
)

# --- Peer support groups (community/) -------------------------------------------------------------
# The table's group is a cohort of world.program: world.patient is a member, the peer moderator its
# moderator, and another patient (casey) posted the message. Nobody else reads it, staff included (404).
# Counsellors and program admins make program groups and add people; they see member counts only.
GROUP_PEOPLE = {**NOBODY, "patient": OK, "peer_moderator": OK}
COHORT_STAFF = {**NOBODY, "counsellor": OK, "program_admin": OK}
TABLE.update(
    {
        "community:groups": row(**{**GROUP_PEOPLE, "counsellor": OK, "program_admin": OK}),
        "community:join": row(**GROUP_PEOPLE),
        "community:pair_new": row(**{**NOBODY, "patient": OK}),
        "community:open_new": row(**{**NOBODY, "peer_moderator": OK}),
        "community:program_groups": row(**COHORT_STAFF),
        "community:cohort_new": row(**COHORT_STAFF),
        "community:cohort_members": row(**COHORT_STAFF),
        # One's own list of blocked people (empty for anyone who never blocked someone).
        "community:blocks": row(**{**EVERYONE, "anonymous": LOGIN}),
        "community:unblock": row(**{**dict.fromkeys(ROLES, to("community:blocks")), "anonymous": LOGIN}),
        **{
            f"community:{name}": row(**GROUP_PEOPLE)
            for name in ("board", "messages", "report", "profile", "leave", "guidelines")
        },
        "community:post": row(**{**GROUP_PEOPLE, "patient": INVALID, "peer_moderator": INVALID}),
        "community:react": row(**{**GROUP_PEOPLE, "patient": INVALID, "peer_moderator": INVALID}),
        "community:block": row(**{**NOBODY, "patient": to("community:board"), "peer_moderator": to("community:board")}),
        "community:moderation": row(**{**NOBODY, "peer_moderator": OK}),
        **{
            f"community:{name}": row(**{**NOBODY, "peer_moderator": to("community:moderation")})
            for name in ("hide", "unhide", "mute", "unmute", "remove", "dismiss")
        },
    }
)

# --- Program outcomes (outcomes/) ----------------------------------------------------------------
# Aggregate figures of the viewer's own program, no patient-level data: Cap.OUTCOMES_READ (program admins and
# prescribers). With no filter in the URL the page and its CSV use the defaults (every episode, by cohort).
OUTCOMES_READERS = {**NOBODY, "prescriber": OK, "program_admin": OK}
TABLE.update({"outcomes:dashboard": row(**OUTCOMES_READERS), "outcomes:export_csv": row(**OUTCOMES_READERS)})

# --- FHIR exchange (interop/) -------------------------------------------------------------------------
# Exporting a chart to a recipient is a disclosure that reads the record: Cap.DISCLOSURE_WRITE and chart access
# (the program admin; the privacy officer keeps the accounting but reads no clinical content). The person asking
# for their own chart's export page is sent to their own download; only they download it. Importing a bundle
# opens a chart: Cap.PATIENT_CREATE.
TABLE.update(
    {
        "interop:fhir_export": row(**{**NOBODY, "patient": to("interop:my_record_fhir"), "program_admin": OK}),
        "interop:my_record_fhir": row(**{**NOBODY, "patient": OK}),
        "interop:fhir_import": row(**{**NOBODY, "counsellor": OK, "prescriber": OK, "program_admin": OK}),
    }
)

# Pages that only take POST (a GET answers 405).
POST_ONLY = {
    "logout",
    "revoke_token",
    "staff_set_active",
    "care_team_end",
    "invite",
    "review_break_glass",
    "meds:window_search",
    "meds:window_dose",
    "meds:window_take_home",
    "meds:window_take_home_return",
    "meds:window_injection",
    "meds:log_sign_off",
    "labs:record_specimen",
    "labs:record_missed",
    "incentives:patient_action",
    "assess:placement_decide",
    "assess:detox_start",
    "assess:detox_check",
    "assess:detox_discharge",
    "care:level_step_plan",
    "care:level_step_carry_out",
    "care:level_step_cancel",
    "care:plan_start",
    "care:plan_sign",
    "care:plan_patient_sign",
    "care:plan_review",
    "care:lapse_record",
    "care:session_schedule",
    "care:group_add_member",
    "care:group_schedule",
    "care:group_remove_member",
    "directory:listing_claim",
    "directory:listing_verify",
    "directory:listing_unverify",
    "directory:listing_advertiser",
    "directory:claim_decide",
    "companion:journal_share",
    "companion:plan_item_remove",
    "companion:plan_share",
    "companion:contact_remove",
    "companion:meeting_remove",
    "companion:care_acknowledge",
    "community:unblock",
    "community:post",
    "community:react",
    "community:block",
    "community:hide",
    "community:unhide",
    "community:mute",
    "community:unmute",
    "community:remove",
    "community:dismiss",
}

# The includes of waymark/urls.py: the API has its own tests; the app pages are walked here.
INCLUDES = {
    "api/v1/",
    "meds/",
    "labs/",
    "incentives/",
    "assess/",
    "care/",
    "directory/",
    "companion/",
    "community/",
    "outcomes/",
    "interop/",
}
# Inside i18n_patterns (its pattern is the language prefix, "" for English).
LOCALISED_INCLUDES = {"help/"}


@dataclass
class Targets:
    """The objects the URLs point at."""

    world: World
    token_id: int
    invitation_token: str
    access_id: int
    link_id: int
    order_id: int
    hold_id: int
    take_home_id: int
    specimen_id: int
    programme_id: int
    stay_id: int
    placement_id: int
    step_id: int
    plan_id: int
    draft_id: int
    attendance_id: int
    group_id: int
    group_session_id: int
    membership_id: int
    facility_id: int  # a directory listing world.program manages
    claim_id: int  # the outsider program's pending claim on it
    companion: dict[str, int]  # the patient's own companion objects: journal entry, plan item, contact, meeting, alert
    community: dict[str, int]  # a cohort group with world.patient and the peer moderator, casey's message, ...

    def url(self, name: str) -> str:
        patient = self.world.patient
        args: dict[str, list[Any]] = {
            "accept_invitation": [self.invitation_token],
            "revoke_token": [self.token_id],
            "staff_set_active": [self.world.user("nurse").pk],
            "chart": [patient.pk],
            "patient_edit": [patient.pk],
            "patient_photo": [patient.pk],
            "break_glass": [patient.pk],
            "episode_create": [patient.pk],
            "episode_edit": [patient.pk, patient.episodes.get().pk],
            "care_team": [patient.pk],
            "care_team_end": [patient.pk, self.link_id],
            "consent_create": [patient.pk],
            "consent_revoke": [patient.pk, patient.consents.get().pk],
            "disclosures": [patient.pk],
            "invite": [patient.pk],
            "audit_patient": [patient.pk],
            "audit_user": [self.world.user("counsellor").pk],
            "review_break_glass": [self.access_id],
            "meds:window_card": [patient.pk],
            "meds:window_dose": [patient.pk],
            "meds:window_take_home": [patient.pk],
            "meds:window_take_home_return": [patient.pk, self.take_home_id],
            "meds:window_injection": [patient.pk],
            "meds:medication": [patient.pk],
            "meds:order_new": [patient.pk],
            "meds:order_change": [patient.pk, self.order_id],
            "meds:order_stop": [patient.pk, self.order_id],
            "meds:hold_place": [patient.pk],
            "meds:hold_release": [patient.pk, self.hold_id],
            "meds:day_override": [patient.pk],
            "meds:take_home_eligibility": [patient.pk],
            "meds:ecg_new": [patient.pk],
            "meds:readiness_new": [patient.pk],
            "meds:co_use_new": [patient.pk],
            "meds:naloxone_patient": [patient.pk],
            "labs:tests": [patient.pk],
            "labs:record_specimen": [patient.pk],
            "labs:record_missed": [patient.pk],
            "labs:add_results": [patient.pk, self.specimen_id],
            "incentives:report": [self.programme_id],
            "incentives:patient": [patient.pk],
            "incentives:patient_action": [patient.pk, "enroll"],
            "assess:instruments": [patient.pk],
            "assess:record_instrument": [patient.pk, "cows"],
            "assess:placements": [patient.pk],
            "assess:placement_new": [patient.pk],
            "assess:placement": [patient.pk, self.placement_id],
            "assess:placement_decide": [patient.pk, self.placement_id],
            "assess:detox_patient": [patient.pk],
            "assess:detox_start": [patient.pk],
            "assess:detox_stay": [patient.pk, self.stay_id],
            "assess:detox_check": [patient.pk, self.stay_id],
            "assess:detox_discharge": [patient.pk, self.stay_id],
            "care:levels": [patient.pk],
            "care:level_step_plan": [patient.pk, patient.episodes.get().pk],
            "care:level_step_carry_out": [patient.pk, self.step_id],
            "care:level_step_cancel": [patient.pk, self.step_id],
            "care:plan": [patient.pk],
            "care:plan_start": [patient.pk],
            "care:plan_version": [patient.pk, self.plan_id],
            "care:plan_edit": [patient.pk, self.draft_id],
            "care:plan_sign": [patient.pk, self.draft_id],
            "care:plan_patient_sign": [patient.pk, self.plan_id],
            "care:plan_review": [patient.pk, self.plan_id],
            "care:lapse_record": [patient.pk],
            "care:sessions": [patient.pk],
            "care:session_schedule": [patient.pk],
            "care:session_attendance": [patient.pk, self.attendance_id],
            "care:note": [patient.pk, self.attendance_id],
            "care:group": [self.group_id],
            "care:group_edit": [self.group_id],
            "care:group_attendance": [self.group_id, self.group_session_id],
            "care:group_add_member": [self.group_id],
            "care:group_schedule": [self.group_id],
            "care:group_remove_member": [self.group_id, self.membership_id],
            "public:facility": [self.facility_id],
            "companion:journal_entry": [self.companion["entry"]],
            "companion:journal_share": [self.companion["entry"]],
            "companion:plan_item_edit": [self.companion["item"]],
            "companion:plan_item_remove": [self.companion["item"]],
            "companion:contact_edit": [self.companion["contact"]],
            "companion:contact_remove": [self.companion["contact"]],
            "companion:meeting_remove": [self.companion["meeting"]],
            "companion:care_trends": [patient.pk],
            **{
                f"community:{name}": [self.community["group"]]
                for name in (
                    "board",
                    "messages",
                    "post",
                    "profile",
                    "leave",
                    "guidelines",
                    "moderation",
                    "cohort_members",
                )
            },
            **{
                f"community:{name}": [self.community["group"], self.community["message"]]
                for name in ("react", "report", "hide", "unhide")
            },
            **{
                f"community:{name}": [self.community["group"], self.community["member"]]
                for name in ("block", "mute", "unmute", "remove")
            },
            "community:dismiss": [self.community["group"], self.community["report"]],
            "community:unblock": [self.community["casey"]],
            "companion:care_acknowledge": [patient.pk, self.companion["alert"]],
            "directory:listing": [self.facility_id],
            "directory:listing_claim": [self.facility_id],
            "directory:listing_edit": [self.facility_id],
            "directory:listing_verify": [self.facility_id],
            "directory:listing_unverify": [self.facility_id],
            "directory:listing_advertiser": [self.facility_id],
            "directory:claim_decide": [self.claim_id],
            "directory:match_placement": [self.placement_id],
            "care:aftercare": [patient.pk],
            "care:aftercare_print": [patient.pk],
            "care:preparation": [patient.pk],
            "interop:fhir_export": [patient.pk],
        }
        return reverse(name, args=args.get(name, []))

    def data(self, name: str) -> dict[str, str]:
        # Enabling an active account changes nothing but still runs the check.
        return {"active": "1"} if name == "staff_set_active" else {}


@pytest.fixture
def targets(world: World) -> Targets:
    patient = world.patient
    patient.photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    patient.photo_content_type = "image/png"
    patient.save(update_fields=["photo", "photo_content_type"])
    token, _ = account_services.create_access_token(world.user("counsellor"), "lab interface")
    invitation_token = account_services.invite_patient(world.user("program_admin"), world.other_patient)  # type: ignore[arg-type]
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        user=world.user("counsellor"),
        patient=world.other_patient,
        reason="Covering for a colleague on leave",
        granted_at=now - dt.timedelta(hours=5),
        expires_at=now - dt.timedelta(hours=1),
    )
    link = CareTeamMember.objects.get(patient=patient, user=world.user("prescriber"))
    order = order_methadone(world, patient)
    hold = meds_services.place_hold(world.user("prescriber"), patient, reason="prescriber", note="matrix")
    today = patient.program.clinic_day()
    take_home = TakeHomeDispense.objects.create(  # setup only: bottles out, their return not yet checked
        patient=patient,
        order=order,
        site=patient.site,
        dispensed_on=today - dt.timedelta(days=3),
        first_day=today - dt.timedelta(days=2),
        last_day=today - dt.timedelta(days=1),
        bottles=2,
        dose_mg_per_bottle=order.dose_mg,
        concentration_mg_per_ml=order.concentration_mg_per_ml,
        lot_number="MATRIX-1",
        idempotency_key="matrix-take-home",
        dispensed_by=world.user("nurse"),
    )
    specimen = lab_services.record_specimen(
        world.user("nurse"),
        patient,
        lab_services.SpecimenInput(idempotency_key="matrix-specimen", collected_at=now, kind="urine"),
    ).specimen
    programme = cm_services.create_programme(
        world.user("program_admin"),
        name="Matrix vouchers",
        target="specimen_negative",
        schedule="escalating",
        parameters={},
        duration_weeks=12,
        target_analytes=["opiates"],
    )
    stay = detox_services.start_stay(
        world.user("nurse"),
        patient,
        detox_services.StayInput(
            idempotency_key="matrix-detox", protocol="buprenorphine", started_at=now - dt.timedelta(hours=2)
        ),
    ).stay
    placement = placement_services.record_placement(
        world.user("counsellor"),
        patient,
        placement_services.PlacementInput(
            idempotency_key="matrix-placement",
            assessed_at=now,
            ratings=dict.fromkeys(range(1, 7), 1),
            home_safe=True,
            support="some",
        ),
    ).placement
    step = PlannedTransition.objects.create(
        episode=patient.episodes.get(),
        to_level="outpatient",
        planned_on=today + dt.timedelta(days=7),
        created_by=world.user("counsellor"),
    )
    plan = plan_helpers.signed(world)
    draft = plan_helpers.draft(world)
    row = session_helpers.attended(world)
    session_helpers.note_on(world, row)
    group = session_helpers.make_group(world)
    membership = services_groups.add_member(world.user("counsellor"), group, patient, today - dt.timedelta(days=30))
    group_session = session_helpers.past_session(world, group)
    # Setup only: the listing is world.program's as if a verifier had approved its claim.
    facility = make_facility("Harbor Street Clinic", at="04101", claimed_by=world.program, claimed_at=now)
    claim = directory_services.do_request_claim(
        world.outsider_staff[Role.PROGRAM_ADMIN], facility, "State licence SUD-12345; call the front desk."
    )
    return Targets(
        world,
        token.pk,
        invitation_token,
        access.pk,
        link.pk,
        order.pk,
        hold.pk,
        take_home.pk,
        specimen.pk,
        programme.pk,
        stay.pk,
        placement.pk,
        step.pk,
        plan.pk,
        draft.pk,
        row.pk,
        group.pk,
        group_session.pk,
        membership.pk,
        facility.pk,
        claim.pk,
        _companion_objects(world),
        _community_objects(world),
    )


def _community_objects(world: World) -> dict[str, int]:
    """A cohort group: world.patient a member, the peer moderator its moderator, casey's message reported."""
    counsellor = world.user("counsellor")
    casey = make_user(world.program, Role.PATIENT, "casey")
    make_patient(world.program, "HR-9", "Casey", "Rowe", user=casey)
    group = community_services.create_cohort_group(counsellor, "Matrix group")
    dana = community_services.add_to_cohort(counsellor, group, world.user("patient"))
    community_services.add_to_cohort(counsellor, group, world.user("peer_moderator"), moderator=True)
    casey_member = community_services.add_to_cohort(counsellor, group, casey)
    message = community_services.post_message(casey_member, "Hello all", client_id=uuid.uuid4()).message
    report = community_services.report_message(dana, message.pk, "unkind")
    return {
        "group": group.pk,
        "message": message.pk,
        "member": casey_member.pk,
        "report": report.pk,
        "casey": casey.pk,
    }


def _companion_objects(world: World) -> dict[str, int]:
    """world.patient uses the companion: one of each object the companion's URLs point at."""
    user = world.user("patient")
    profile = start_companion(user)
    entry = companion_services.write_journal(user, profile, text="A good day.", client_id=uuid.uuid4()).entry
    plan = RelapsePlan.objects.create(user=user)  # setup only
    item = PlanItem.objects.create(plan=plan, kind="trigger", text="Payday", coping="Pay bills first")
    contact = SupportContact.objects.create(user=user, name="Sam", role="sponsor", phone="207-555-0111")
    meeting = MeetingLog.objects.create(user=user, day=profile.recovery_started_on, kind="na")
    alert = companion_services.raise_alert(world.patient, "early_warning", profile.recovery_started_on, "Matrix")
    assert alert is not None
    return {"entry": entry.pk, "item": item.pk, "contact": contact.pk, "meeting": meeting.pk, "alert": alert.pk}


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role != "anonymous":
        sign_in(client, world.user(role))
    return client


def assert_outcome(response: Any, expected: str, targets: Targets) -> None:
    status = response.status_code
    location = response.get("Location", "")
    login = reverse("login")
    if expected == OK:
        assert status == 200, f"expected 200, got {status} {location}"
    elif expected == DENY:
        assert status in (403, 404), f"expected 403/404, got {status} {location}"
    elif expected == INVALID:
        assert status == 422, f"expected 422 (the empty form's errors), got {status} {location}"
    elif expected == LOGIN:
        assert status == 302, f"expected a redirect to sign in, got {status}"
        assert location.startswith(login + "?next="), location
    else:
        target = expected.removeprefix("to:")
        assert status == 302, f"expected a redirect to {target}, got {status}"
        want = targets.url(target)  # with the patient's id where the page needs one
        assert location.split("?")[0].split("#")[0] == want, f"expected {want}, got {location}"


# One test per page: the page's objects are built once and each role's request runs in a savepoint
# that is rolled back, so what one role's POST changes is never seen by the next.
CASES = [pytest.param(name, cells, id=name) for name, cells in TABLE.items()]


def _page_names(resolver: URLResolver, namespace: str) -> set[str]:
    names = set()
    for page in resolver.url_patterns:
        assert isinstance(page, URLPattern), f"unexpected include {resolver.pattern}{page.pattern}"
        assert page.name, f"unnamed page {resolver.pattern}{page.pattern}"
        names.add(f"{namespace}:{page.name}")
    return names


class TestUrlRoleMatrix:
    @pytest.mark.parametrize(("url_name", "cells"), CASES)
    def test_it_answers_each_role_as_the_table_says(
        self, url_name: str, cells: dict[str, str], world: World, targets: Targets
    ) -> None:
        url = targets.url(url_name)
        wrong = []
        for role, expected in cells.items():
            with transaction.atomic():
                client = client_for(role, world)
                response = client.post(url, targets.data(url_name)) if url_name in POST_ONLY else client.get(url)
                try:
                    assert_outcome(response, expected, targets)
                except AssertionError as exc:
                    wrong.append(f"{role}: {exc}")
                transaction.set_rollback(True)
        assert not wrong, f"{url_name}:\n" + "\n".join(wrong)

    @pytest.mark.parametrize("url_name", sorted(POST_ONLY - {"logout"}))
    def test_it_refuses_get_on_post_only_pages(self, url_name: str, world: World, targets: Targets) -> None:
        # The person's own companion pages are asked by the person (staff are refused before the method).
        person_page = url_name.startswith(("companion:", "community:")) and url_name != "companion:care_acknowledge"
        moderator_page = url_name in {
            f"community:{n}" for n in ("hide", "unhide", "mute", "unmute", "remove", "dismiss")
        }
        role = "peer_moderator" if moderator_page else "patient" if person_page else "program_admin"
        response = client_for(role, world).get(targets.url(url_name))
        assert response.status_code == 405

    def test_every_page_is_in_the_table(self) -> None:
        names: set[str] = set()
        for entry in get_resolver().url_patterns:
            if isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)
            elif isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern):
                for include in entry.url_patterns:
                    assert isinstance(include, URLResolver)
                    assert str(include.pattern) in LOCALISED_INCLUDES, f"unexpected include {include.pattern}"
                    assert include.namespace == "public"
                    names |= _page_names(include, "public")
            elif isinstance(entry, URLResolver):
                assert str(entry.pattern) in INCLUDES, f"unexpected include {entry.pattern}"
                if str(entry.pattern) != "api/v1/":
                    namespace = str(entry.pattern).strip("/")
                    assert entry.namespace == namespace
                    names |= _page_names(entry, namespace)
        assert "meds:window" in names
        assert names == set(TABLE)


# Off the care team, the care-team-scoped roles are sent to the break-glass
# form for every chart page; program-scoped roles go straight in.
OFF_TEAM_PAGES = [
    "chart",
    "patient_edit",
    "episode_create",
    "episode_edit",
    "consent_create",
    "consent_revoke",
    "disclosures",
]


class TestOffCareTeam:
    @pytest.fixture
    def urls(self, world: World) -> dict[str, str]:
        from waymark.chart.models import Episode

        other = world.other_patient
        episode = Episode.objects.create(
            patient=other, admitted_on=dt.date(2026, 1, 6), level_of_care="otp", primary_substance="heroin"
        )
        consent = make_consent(other, world.user("program_admin"), signed_on=dt.date(2026, 1, 6))
        extra = {"episode_edit": [episode.pk], "consent_revoke": [consent.pk]}
        return {name: reverse(name, args=[other.pk, *extra.get(name, [])]) for name in OFF_TEAM_PAGES}

    @pytest.mark.parametrize("role", ["counsellor", "prescriber"])
    @pytest.mark.parametrize("url_name", OFF_TEAM_PAGES)
    def test_it_sends_care_team_roles_to_break_glass(
        self, role: str, url_name: str, world: World, urls: dict[str, str]
    ) -> None:
        response = client_for(role, world).get(urls[url_name])
        assert response.status_code == 302
        assert response["Location"] == reverse("break_glass", args=[world.other_patient.pk])

    @pytest.mark.parametrize("role", ["counsellor", "prescriber"])
    def test_it_refuses_the_photo_and_invitation_without_break_glass(self, role: str, world: World) -> None:
        client = client_for(role, world)
        assert client.get(reverse("patient_photo", args=[world.other_patient.pk])).status_code == 403
        assert client.post(reverse("invite", args=[world.other_patient.pk])).status_code == 403

    @pytest.mark.parametrize("role", ["counsellor", "prescriber"])
    def test_it_offers_the_break_glass_form(self, role: str, world: World) -> None:
        response = client_for(role, world).get(reverse("break_glass", args=[world.other_patient.pk]))
        assert response.status_code == 200
        assert "is not on your care team" in response.content.decode()

    def test_it_opens_the_chart_for_the_nurse_without_break_glass(self, world: World, urls: dict[str, str]) -> None:
        assert client_for("nurse", world).get(urls["chart"]).status_code == 200

    def test_it_opens_every_chart_page_for_the_program_admin(self, world: World, urls: dict[str, str]) -> None:
        client = client_for("program_admin", world)
        for name, url in urls.items():
            assert client.get(url).status_code == 200, name
