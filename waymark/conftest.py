"""Shared personas: one program with a user per role and patients on and off
the care team, plus an outsider program (healthchecks' BaseTestCase idea)."""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.chart.models import CareTeamMember, Consent, Episode, Patient
from waymark.core.models import Program, Site, User
from waymark.core.roles import Role

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    program: Program
    site: Site
    users: dict[Role, User]
    patient: Patient  # on the counsellor's and prescriber's care team; has a patient account
    other_patient: Patient  # same program, on nobody's care team
    outsider_program: Program
    outsider_staff: dict[Role, User]
    outsider_patient: Patient

    def user(self, role: Role | str) -> User:
        return self.users[Role(role)]


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow by design: hash the shared test password once, reuse the hash.
    return make_password(PASSWORD)


def make_user(program: Program | None, role: Role, username: str) -> User:
    user = User(username=username, role=role.value, program=program, first_name=username.title())
    user.password = _password_hash()
    user.save()
    if role is not Role.PATIENT:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_patient(program: Program, mrn: str, given: str, family: str, **extra: object) -> Patient:
    fields: dict[str, object] = {
        "date_of_birth": dt.date(1988, 5, 17),
        "phone": "207-555-0100",
        "address": "1 Harbor St, Portland, ME",
        **extra,
    }
    return Patient.objects.create(program=program, mrn=mrn, given_name=given, family_name=family, **fields)


def make_consent(patient: Patient, recorded_by: User, **overrides: object) -> Consent:
    """A TPO consent with every 42 CFR 2.31 element, ending with treatment."""
    fields: dict[str, object] = {
        "kind": "tpo",
        "disclosing_party": patient.program.name,
        "information_description": "Medication and attendance",
        "recipients": "Primary care clinic",
        "purpose": "Treatment",
        "expiry_kind": "end_of_treatment",
        "right_to_revoke_explained": True,
        "signed_by": f"{patient.given_name} {patient.family_name}",
        "signed_on": dt.date(2026, 1, 5),
        **overrides,
    }
    return Consent.objects.create(patient=patient, recorded_by=recorded_by, **fields)


def consent_form_data(**changes: str | None) -> dict[str, str]:
    """The consent page's fields, filled in completely; a change of None leaves a field out."""
    data: dict[str, str | None] = {
        "kind": "specific",
        "disclosing_party": "Harbor Recovery",
        "information_description": "Dose and attendance",
        "recipients": "Cumberland County Drug Court",
        "purpose": "Compliance monitoring",
        "expiry_kind": "date",
        "expires_on": "2026-12-31",
        "right_to_revoke_explained": "on",
        "signed_by": "Dana Whitlock",
        "signed_on": "2026-02-01",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not None}


def make_program(name: str, prefix: str) -> tuple[Program, Site, dict[Role, User]]:
    program = Program.objects.create(name=name, time_zone="America/New_York")
    site = Site.objects.create(program=program, name=f"{name} main site")
    users: dict[Role, User] = {
        role: make_user(program, role, f"{prefix}{role.value}") for role in Role if role is not Role.PATIENT
    }
    return program, site, users


@pytest.fixture
def world(db: None) -> World:
    program, site, users = make_program("Harbor Recovery", "")
    patient = make_patient(program, "HR-1", "Dana", "Whitlock", site=site)
    users[Role.PATIENT] = make_user(program, Role.PATIENT, "patient")
    patient.user = users[Role.PATIENT]
    patient.save(update_fields=["user"])
    Episode.objects.create(
        patient=patient,
        site=site,
        admitted_on=dt.date(2026, 1, 5),
        level_of_care="otp",
        primary_substance="fentanyl",
        severity="severe",
    )
    make_consent(patient, users[Role.COUNSELLOR], signed_on=dt.date(2026, 1, 5))
    for role in (Role.COUNSELLOR, Role.PRESCRIBER):
        CareTeamMember.objects.create(patient=patient, user=users[role], role=role.value)
    other_patient = make_patient(program, "HR-2", "Elliot", "Marsh", site=site)
    outsider_program, _, outsider_staff = make_program("Elsewhere Treatment", "x-")
    outsider_patient = make_patient(outsider_program, "EL-1", "Frankie", "Stone")
    return World(program, site, users, patient, other_patient, outsider_program, outsider_staff, outsider_patient)


def sign_in(client: Client, user: User) -> Client:
    """Log in as `user`; staff also pass the TOTP step, as after a real sign-in."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def as_role(world: World, client: Client) -> Callable[[Role | str], Client]:
    def _as(role: Role | str) -> Client:
        return sign_in(client, world.user(role))

    return _as
