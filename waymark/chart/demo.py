"""Synthetic demo data: one program, two sites, an account per role, and
patients with realistic episodes. Deterministic for a given seed.

Every person here is made up. Nothing is copied from real records.
"""

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.assess import demo as assess_demo
from waymark.care import demo as care_demo
from waymark.chart.models import (
    CareTeamMember,
    Consent,
    Episode,
    LevelOfCare,
    LevelOfCareChange,
    Patient,
)
from waymark.core import audit
from waymark.core.models import Program, Site, User
from waymark.core.roles import Role
from waymark.incentives import demo as incentives_demo
from waymark.meds import demo as meds_demo

PROGRAM_NAME = "Harbor Recovery Program"

DEMO_ACCOUNTS = [
    ("patient", Role.PATIENT, "Jordan", "Rivera"),
    ("counsellor", Role.COUNSELLOR, "Casey", "Morgan"),
    ("nurse", Role.NURSE, "Nadia", "Okafor"),
    ("prescriber", Role.PRESCRIBER, "Priya", "Shah"),
    ("admin", Role.PROGRAM_ADMIN, "Alex", "Kim"),
    ("peer", Role.PEER_MODERATOR, "Sam", "Lee"),
    ("privacy", Role.PRIVACY_OFFICER, "Morgan", "Adeyemi"),
]

GIVEN = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "Daniel",
    "Elizabeth",
    "Joseph",
    "Susan",
    "Thomas",
    "Jessica",
    "Christopher",
    "Sarah",
    "Anthony",
    "Karen",
    "Mark",
    "Nancy",
    "Luis",
    "Ana",
    "Kevin",
    "Ashley",
    "Brian",
    "Emily",
    "Tyler",
    "Brittany",
    "Marcus",
    "Keisha",
    "Darnell",
    "Tanisha",
    "Cody",
    "Amber",
    "Jose",
    "Rosa",
    "Wei",
    "Mei",
    "Aaliyah",
    "Dakota",
    "River",
    "Skyler",
    "Andre",
    "Crystal",
    "Travis",
    "Megan",
]
FAMILY = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Begay",
    "Yazzie",
    "Okafor",
]
STREETS = ["Main St", "Oak Ave", "Harbor Rd", "Elm St", "Maple Dr", "Church St", "Mill Rd", "Park Ave"]
# (level, weight): an OTP-centred program with some detox, residential and outpatient.
LEVELS = [
    (LevelOfCare.OTP, 45),
    (LevelOfCare.OUTPATIENT, 15),
    (LevelOfCare.INTENSIVE_OUTPATIENT, 12),
    (LevelOfCare.WITHDRAWAL_MANAGEMENT, 8),
    (LevelOfCare.RESIDENTIAL_SHORT, 6),
    (LevelOfCare.PARTIAL_HOSPITALISATION, 5),
    (LevelOfCare.RESIDENTIAL_LONG, 3),
    (LevelOfCare.SOBER_LIVING, 3),
    (LevelOfCare.AFTERCARE, 3),
]
SUBSTANCES = [
    (Episode.Substance.FENTANYL, 50),
    (Episode.Substance.HEROIN, 30),
    (Episode.Substance.PRESCRIPTION_OPIOIDS, 15),
    (Episode.Substance.OTHER_OPIOID, 5),
]
SEVERITY_DX = {
    "mild": "Opioid use disorder, mild (F11.10)",
    "moderate": "Opioid use disorder, moderate (F11.20)",
    "severe": "Opioid use disorder, severe (F11.20)",
}


def demo_password(username: str) -> str:
    return f"{username}-waymark-demo"


def demo_totp_key(username: str) -> str:
    """A fixed 20-byte TOTP key per demo account (hex), so the printed secret stays valid."""
    return hashlib.sha1(f"waymark-demo-totp-{username}".encode()).hexdigest()  # noqa: S324


@dataclass(frozen=True)
class DemoResult:
    program: Program
    created: bool
    patients_added: int


def _weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


@transaction.atomic
def load_demo(patients: int = 200, seed: int = 20240402) -> DemoResult:
    program, created = Program.objects.get_or_create(name=PROGRAM_NAME, defaults={"time_zone": "America/New_York"})
    if created:
        Site.objects.create(
            program=program,
            name="Harbor Street Clinic",
            address="120 Harbor St, Portland, ME 04101",
            phone="207-555-0140",
        )
        Site.objects.create(
            program=program, name="Westbrook Clinic", address="8 Main St, Westbrook, ME 04092", phone="207-555-0188"
        )
    accounts = _ensure_accounts(program)
    meds_demo.configure_program(program)
    existing = Patient.objects.filter(program=program).count()
    to_add = max(0, patients - existing)
    if to_add:
        added = _add_patients(program, accounts, start=existing, count=to_add, seed=seed)
        meds_demo.add_medication_history(program, added, accounts, seed + existing)
        incentives_demo.add_drug_tests_and_incentives(program, added, accounts, seed + existing)
        assess_demo.add_assessments(program, added, accounts, seed + existing)
        care_demo.load_care_demo(program, accounts, added, seed + existing)
        audit.record(
            None,
            "demo_load",
            program_id=program.pk,
            object_type="program",
            object_id=program.pk,
            reason=f"{to_add} synthetic patients",
        )
    return DemoResult(program, created, to_add)


def _ensure_accounts(program: Program) -> dict[str, User]:
    sites = list(program.sites.order_by("id"))
    accounts = {}
    for username, role, first, last in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, role=role.value, program=program, first_name=first, last_name=last, site=sites[0]
            )
            user.set_password(demo_password(username))
            user.save()
            if role.is_staff_role:
                TOTPDevice.objects.create(
                    user=user, name="Demo authenticator", confirmed=True, key=demo_totp_key(username)
                )
        accounts[username] = user
    return accounts


def _add_patients(program: Program, accounts: dict[str, User], *, start: int, count: int, seed: int) -> list[Patient]:
    rng = random.Random(seed + start)  # noqa: S311  (synthetic data, not security)
    sites = list(program.sites.order_by("id"))
    today = program.clinic_day()
    staff = accounts["admin"]
    patients = []
    for i in range(start, start + count):
        given = rng.choice(GIVEN)
        patients.append(
            Patient(
                program=program,
                site=sites[i % len(sites)],
                mrn=f"HR-{i + 1:06d}",
                given_name=given,
                family_name=rng.choice(FAMILY),
                preferred_name=rng.choice(["", "", "", given[:3]]) if len(given) > 4 else "",
                date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 44)),
                sex_at_birth=rng.choice(["female", "male", "male"]),
                pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
                phone=f"207-555-{rng.randrange(1000, 9999)}",
                address=f"{rng.randrange(1, 999)} {rng.choice(STREETS)}, Portland, ME",
                preferred_language=rng.choice(["English"] * 8 + ["Spanish", "Somali"]),
                emergency_contact_name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                emergency_contact_phone=f"207-555-{rng.randrange(1000, 9999)}",
                emergency_contact_relationship=rng.choice(["Parent", "Partner", "Sibling", "Friend"]),
            )
        )
    # Encrypted fields encrypt per object in get_prep_value; bulk_create keeps that.
    created = Patient.objects.bulk_create(patients, batch_size=1000)
    if start == 0:
        first = created[0]
        first.user = accounts["patient"]
        first.given_name, first.family_name = "Jordan", "Rivera"
        first.save(update_fields=["user", "given_name", "family_name"])

    episodes, consents, team = [], [], []
    history_for: list[tuple[Episode, list[tuple[str, dt.date, str]]]] = []
    counsellor, prescriber = accounts["counsellor"], accounts["prescriber"]
    for n, patient in enumerate(created):
        admitted = today - dt.timedelta(days=rng.randrange(0, 900))
        severity = rng.choice(["moderate", "severe", "severe", "mild"])
        substance = _weighted(rng, SUBSTANCES)
        if rng.random() < 0.25:  # an earlier, discharged episode
            prior_admit = admitted - dt.timedelta(days=rng.randrange(200, 900))
            prior_level = _weighted(rng, LEVELS)
            prior = Episode(
                patient=patient,
                site=patient.site,
                admitted_on=prior_admit,
                discharged_on=prior_admit + dt.timedelta(days=rng.randrange(5, 180)),
                discharge_reason=rng.choice(["completed", "left", "transferred"]),
                level_of_care=prior_level,
                primary_substance=substance,
                severity=severity,
                diagnosis=SEVERITY_DX[severity],
            )
            episodes.append(prior)
            history_for.append((prior, [(prior_level, prior_admit, "Admission")]))
        level = _weighted(rng, LEVELS)
        discharged = None
        if rng.random() < 0.15:
            discharged = min(today, admitted + dt.timedelta(days=rng.randrange(7, 200)))
        steps = [(level, admitted, "Admission")]
        if level == LevelOfCare.WITHDRAWAL_MANAGEMENT and (today - admitted).days > 7:
            # Detox alone is not treatment: most step into continuing care.
            steps.append(
                (
                    LevelOfCare.OTP,
                    admitted + dt.timedelta(days=rng.randrange(3, 7)),
                    "Stepped into medication treatment after withdrawal management",
                )
            )
            level = LevelOfCare.OTP
        episode = Episode(
            patient=patient,
            site=patient.site,
            admitted_on=admitted,
            discharged_on=discharged,
            discharge_reason=rng.choice(["completed", "left", "transferred"]) if discharged else "",
            level_of_care=level,
            primary_substance=substance,
            severity=severity,
            diagnosis=SEVERITY_DX[severity],
        )
        episodes.append(episode)
        history_for.append((episode, steps))
        consents.append(
            Consent(
                patient=patient,
                kind=Consent.Kind.TPO,
                disclosing_party=program.name,
                information_description="Diagnosis, medication and dosing, attendance and drug-test results",
                recipients=rng.choice(["Primary care clinic", "Maine Medical Center", "MaineCare (Medicaid)"]),
                purpose="Treatment, payment and health-care operations",
                expiry_kind=Consent.Expiry.END_OF_TREATMENT,
                right_to_revoke_explained=True,
                signed_by=f"{patient.given_name} {patient.family_name}",
                signed_on=admitted,
                recorded_by=staff,
            )
        )
        if n % 5 == 0:
            team.append(CareTeamMember(patient=patient, user=counsellor, role=Role.COUNSELLOR.value, since=admitted))
        if n % 7 == 0:
            team.append(CareTeamMember(patient=patient, user=prescriber, role=Role.PRESCRIBER.value, since=admitted))
    Episode.objects.bulk_create(episodes, batch_size=1000)
    LevelOfCareChange.objects.bulk_create(
        [
            LevelOfCareChange(
                episode=e, level_of_care=lvl, started_on=day, reason=why, recorded_by=staff, recorded_at=timezone.now()
            )
            for e, steps in history_for
            for lvl, day, why in steps
        ],
        batch_size=1000,
    )
    Consent.objects.bulk_create(consents, batch_size=1000)
    CareTeamMember.objects.bulk_create(team, batch_size=1000)
    return created
