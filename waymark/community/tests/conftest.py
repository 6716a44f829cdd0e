"""Community personas: a cohort group of the world's program with two patients and a peer moderator, and
helpers to make people and post."""

import uuid
from dataclasses import dataclass

import pytest

from waymark.community import services
from waymark.community.models import Group, Membership, Message
from waymark.conftest import World, make_patient, make_user
from waymark.core.models import User
from waymark.core.roles import Role


@dataclass
class Cohort:
    group: Group
    dana: Membership  # world.patient's account
    elliot: Membership  # world.other_patient, given an account
    moderator: Membership  # the program's peer moderator
    outsider: User  # a patient of the same program with an account, not in the group


def post(member: Membership, text: str = "Day 12 and holding on.", **extra: object) -> Message:
    return services.post_message(member, text, client_id=uuid.uuid4(), **extra).message  # type: ignore[arg-type]


@pytest.fixture
def cohort(world: World) -> Cohort:
    counsellor = world.user(Role.COUNSELLOR)
    elliot_user = make_user(world.program, Role.PATIENT, "elliot")
    world.other_patient.user = elliot_user
    world.other_patient.save(update_fields=["user"])
    outsider_user = make_user(world.program, Role.PATIENT, "casey")
    outsider_patient = make_patient(world.program, "HR-3", "Casey", "Rowe")
    outsider_patient.user = outsider_user
    outsider_patient.save(update_fields=["user"])
    group = services.create_cohort_group(counsellor, "Tuesday evening group")
    dana = services.add_to_cohort(counsellor, group, world.user(Role.PATIENT))
    elliot = services.add_to_cohort(counsellor, group, elliot_user)
    moderator = services.add_to_cohort(counsellor, group, world.user(Role.PEER_MODERATOR), moderator=True)
    return Cohort(group, dana, elliot, moderator, outsider_user)
