"""Companion personas: a self-guided person and the world's program patient, each with companion settings."""

import datetime as dt
import uuid

import pytest
from django.test import Client

from waymark.companion import services
from waymark.companion.models import CompanionProfile
from waymark.conftest import World, make_user, sign_in
from waymark.core.models import User
from waymark.core.roles import Role


def start(user: User, started: dt.date | None = None, **extra: object) -> CompanionProfile:
    profile = services.start_companion(
        user, recovery_started_on=started or dt.date.today() - dt.timedelta(days=40), time_zone="America/New_York"
    )
    for name, value in extra.items():
        setattr(profile, name, value)
    if extra:
        profile.save()
    return profile


def check_in(
    user: User, profile: CompanionProfile, day: dt.date | None = None, **values: object
) -> services.CheckInSaved:
    data = services.CheckInInput(**{"mood": 3, "craving": 2, **values})  # type: ignore[arg-type]
    return services.save_check_in(user, profile, data, client_id=uuid.uuid4(), day=day)


@pytest.fixture
def self_guided(db: None) -> User:
    """A person using the companion on their own: an account with no program and no chart."""
    return make_user(None, Role.PATIENT, "river")


@pytest.fixture
def self_guided_profile(self_guided: User) -> CompanionProfile:
    return start(self_guided)


@pytest.fixture
def patient_profile(world: World) -> CompanionProfile:
    """The world's program patient (on the counsellor's and prescriber's care team) with the companion set up."""
    return start(world.user(Role.PATIENT))


@pytest.fixture
def person_client(client: Client, self_guided_profile: CompanionProfile) -> Client:
    return sign_in(client, self_guided_profile.user)


@pytest.fixture
def patient_client(client: Client, patient_profile: CompanionProfile) -> Client:
    return sign_in(client, patient_profile.user)
