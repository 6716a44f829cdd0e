"""A prize-bowl programme (REFERENCE.md §7, Petry): every award keeps its seed
and the slips drawn, so anyone can draw again and get the same prizes; draws
grow with consecutive negatives and start again after a positive."""

import hashlib

import pytest

from waymark.conftest import World
from waymark.incentives import schedules, services
from waymark.incentives.models import CmProgramme
from waymark.incentives.tests.helpers import POSITIVE, D, awards, days_ago, enrol, programme, specimen

pytestmark = pytest.mark.django_db

# Four slips: praise, praise, small ($1), large ($20); 1 draw, +1 per consecutive negative, at most 3.
PARAMETERS = {
    "praise": 2,
    "small": 1,
    "large": 1,
    "jumbo": 0,
    "small_value": "1",
    "large_value": "20",
    "first_draws": 1,
    "draws_increment": 1,
    "max_draws": 3,
}
BOWL = schedules.Bowl(praise=2, small=1, large=1, jumbo=0, small_value=D(1), large_value=D(20))
LAYOUT = ["praise", "praise", "small", "large"]
VALUE = {"praise": D(0), "small": D(1), "large": D(20)}


def bowl_programme(world: World) -> CmProgramme:
    return programme(world, "Prize bowl", schedule=CmProgramme.Schedule.PRIZE_BOWL, parameters=PARAMETERS)


def test_the_stored_parameters_are_the_bowl_drawn_from(world: World) -> None:
    params = services.params_for(bowl_programme(world))
    assert params == schedules.PrizeBowl(BOWL, first_draws=1, draws_increment=1, max_draws=3)


def test_each_award_can_be_drawn_again_from_its_seed(world: World) -> None:
    enrollment = enrol(world, bowl_programme(world))
    for n in (4, 3, 2, 1):
        specimen(world, days_ago(world, n))
    entries = awards(enrollment)
    assert len({e.seed for e in entries}) == 4
    for entry in entries:
        assert entry.seed
        slips = schedules.draw(BOWL, len(entry.draws), entry.seed)
        assert entry.draws == [{"number": s.number, "kind": s.kind.value, "value": str(s.value)} for s in slips]
        assert entry.amount == entry.scheduled_amount == sum((s.value for s in slips), D(0))


def test_a_draw_can_be_checked_by_hand_from_the_seed(world: World) -> None:
    enrollment = enrol(world, bowl_programme(world))
    specimen(world, days_ago(world, 2))
    specimen(world, days_ago(world, 1))
    for entry in awards(enrollment):
        by_hand = []
        for i in range(len(entry.draws)):
            index = int(hashlib.sha256(f"{entry.seed}:{i}".encode()).hexdigest(), 16) % 4
            by_hand.append(LAYOUT[index])
        assert [d["kind"] for d in entry.draws] == by_hand
        assert entry.amount == sum((VALUE[k] for k in by_hand), D(0))


def test_draws_grow_with_consecutive_negatives_and_start_again_after_a_positive(world: World) -> None:
    enrollment = enrol(world, bowl_programme(world))
    for n in (7, 6, 5, 4):
        specimen(world, days_ago(world, n))
    positive = specimen(world, days_ago(world, 3), POSITIVE)
    last = specimen(world, days_ago(world, 2))
    entries = awards(enrollment)
    assert [len(e.draws) for e in entries] == [1, 2, 3, 3, 0, 1]
    assert [e.streak for e in entries] == [1, 2, 3, 4, 0, 1]
    assert entries[4].amount == 0
    assert "target not met" in positive.messages[0]
    assert "(1 draw: " in last.messages[0]
    assert services.balance(world.patient) == sum((e.amount for e in entries), D(0))
    (summary,) = services.patient_incentives(world.patient).enrollments
    assert summary.next_reward == "2 draws from the prize bowl"
