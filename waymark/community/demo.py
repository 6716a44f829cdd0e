"""Demo peer groups: the demo program's Tuesday evening group (Jordan, three other synthetic patients given
accounts that cannot sign in, and Sam the peer moderator) and an open group Sam runs that River joined, each
with a few days of messages, reactions and an "I need support now" post. Loaded once: a demo that already has
the group is left as it is. Every person here is made up."""

import datetime as dt
import uuid
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from waymark.chart.models import Patient
from waymark.community import services
from waymark.community.models import Group, Membership, Message
from waymark.core import audit
from waymark.core.models import User
from waymark.core.roles import Role

COHORT_NAME = "Tuesday evening group"
OPEN_NAME = "Evenings after work (open group)"
# (member index, hours ago, text, kind); index 0 is Jordan, 1–3 the others, 4 Sam the moderator.
COHORT_TALK = (
    (4, 70, "Welcome, everyone. This is our space between Tuesdays. Please read the group guidelines.", "post"),
    (1, 66, "Day 23. Went to a meeting tonight and stayed for coffee after.", "post"),
    (0, 50, "Payday tomorrow. That used to be the hardest day for me. Paying bills first thing.", "post"),
    (2, 49, "Same for me. I give my card to my sister on paydays.", "post"),
    (3, 26, "Rough day at work, cravings were bad after. Called my sponsor instead.", "post"),
    (1, 25, "Proud of you for calling.", "post"),
    (3, 3, "Having a hard night. Could someone check in with me?", "support_now"),
)
OPEN_TALK = (
    (1, 30, "Hi all, two months today. Evenings are still the hardest part.", "post"),
    (0, 29, "Congratulations. Cooking dinner with the radio on helps me get through them.", "post"),
    (1, 5, "Trying a SMART Recovery meeting online tonight.", "post"),
)
NAMES = ("Jordan R.", "Dee", "Marco", "Tess", "Sam (moderator)")
COLOURS = ("teal", "plum", "blue", "green", "slate")


class Output(Protocol):
    def write(self, text: str) -> object: ...


def _member_account(patient: Patient, index: int) -> User:
    """An account for a synthetic patient, which cannot sign in (an unusable password)."""
    username = f"demo-member-{index}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.PATIENT.value, program=patient.program, first_name=patient.given_name)
        user.set_unusable_password()
        user.save()
        Patient.objects.filter(pk=patient.pk).update(user=user)
    return user


def _talk(members: list[Membership], talk: tuple[tuple[int, int, str, str], ...]) -> list[Message]:
    now = timezone.now()
    messages = []
    for index, hours_ago, text, kind in talk:
        message = services.post_message(members[index], text, client_id=uuid.uuid4(), kind=kind).message
        Message.objects.filter(pk=message.pk).update(created_at=now - dt.timedelta(hours=hours_ago))
        messages.append(message)
    return messages


@transaction.atomic
def load_demo_community(stdout: Output | None = None) -> list[Group]:
    made: list[Group] = []
    counsellor = User.objects.filter(username="counsellor").first()
    jordan = User.objects.filter(username="patient").first()
    sam = User.objects.filter(username="peer").first()
    river = User.objects.filter(username="river").first()
    if counsellor is None or jordan is None or sam is None or Group.objects.filter(name=COHORT_NAME).exists():
        return made
    others = Patient.objects.filter(program=counsellor.program, user__isnull=True).order_by("pk")[:3]
    group = services.create_cohort_group(counsellor, COHORT_NAME)
    members = [services.add_to_cohort(counsellor, group, jordan)]
    members += [services.add_to_cohort(counsellor, group, _member_account(p, i)) for i, p in enumerate(others, 1)]
    members.append(services.add_to_cohort(counsellor, group, sam, moderator=True))
    for member, name, colour in zip(members, NAMES, COLOURS, strict=True):
        services.update_profile(member, display_name=name, avatar_colour=colour, show_days=member.user == jordan)
    messages = _talk(members, COHORT_TALK)
    services.toggle_reaction(members[0], messages[1].pk, "strength")
    services.toggle_reaction(members[2], messages[2].pk, "same")
    services.toggle_reaction(members[4], messages[4].pk, "heart")
    made.append(group)
    if river is not None:
        runner = services.create_open_group(sam, OPEN_NAME, "Sam (moderator)")
        joined = services.join_with_code(river, runner.group.invite_code or "", "River")
        _talk([joined, runner], OPEN_TALK)
        made.append(runner.group)
    audit.record(None, "demo_load", object_type="community", reason=f"demo peer groups: {len(made)}")
    if stdout is not None:
        stdout.write(f"Peer groups: {', '.join(g.name for g in made)}.\n")
    return made
