"""The demo peer groups (community/demo.py): the demo program's Tuesday evening group with Jordan, three
synthetic members (accounts that cannot sign in) and Sam the peer moderator, and Sam's open group that River
joined; their messages, reactions and one "I need support now" post; Jordan's board and companion home show them;
loading again adds nothing."""

from django.test import Client
from django.urls import reverse

from waymark.chart import demo as chart_demo
from waymark.community import demo
from waymark.community.models import Group, Membership, Message, Reaction, SupportAlert
from waymark.companion import demo as companion_demo
from waymark.conftest import make_user, sign_in
from waymark.core.models import Program, Site, User


def load() -> list[Group]:
    program = Program.objects.create(name=chart_demo.PROGRAM_NAME, time_zone="America/New_York")
    Site.objects.create(program=program, name="Harbor Street Clinic")
    accounts = {name: make_user(program, role, name) for name, role, *_ in chart_demo.DEMO_ACCOUNTS}
    chart_demo._add_patients(program, accounts, start=0, count=5, seed=companion_demo.SEED)
    companion_demo.load_demo_companion()
    return demo.load_demo_community()


def test_the_demo_groups_are_loaded_once(db: None, client: Client) -> None:
    cohort, open_group = load()
    assert (cohort.name, cohort.kind, open_group.kind) == (demo.COHORT_NAME, "cohort", "open")
    names = set(Membership.objects.filter(group=cohort).values_list("display_name", flat=True))
    assert names == set(demo.NAMES)
    assert Message.objects.filter(group=cohort).count() == len(demo.COHORT_TALK)
    assert Message.objects.filter(group=open_group).count() == len(demo.OPEN_TALK)
    assert Reaction.objects.count() == 3
    assert SupportAlert.objects.filter(recipient__username="patient").count() == 1
    assert not User.objects.get(username="demo-member-1").has_usable_password()
    assert Membership.objects.get(group=open_group, user__username="river").display_name == "River"
    assert demo.load_demo_community() == []
    assert Message.objects.count() == len(demo.COHORT_TALK) + len(demo.OPEN_TALK)

    sign_in(client, User.objects.get(username="patient"))
    home = client.get(reverse("companion:home")).content.decode()
    assert "Tess in Tuesday evening group asked for support." in home
    board = client.get(reverse("community:board", args=[cohort.pk])).content.decode()
    assert "Payday tomorrow." in board and "Having a hard night." in board
