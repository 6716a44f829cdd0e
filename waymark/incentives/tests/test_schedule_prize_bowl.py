"""Prize bowl (REFERENCE.md §7, Petry): reproducible draws, draw counts, expected values."""

import hashlib
import itertools
import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest

from waymark.incentives.schedules import (
    DEFAULT_BOWL,
    Bowl,
    Outcome,
    PrizeBowl,
    SlipKind,
    cents,
    draw,
    draws_for,
    expected_draws,
    expected_total,
    expected_total_fraction,
    outcomes_from_letters,
    prize_bowl_earnings,
    total_earned,
)

D = Decimal
BOWL_500 = Bowl(praise=250, small=209, large=40, jumbo=1)


class TestBowl:
    def test_the_default_bowl_is_the_often_quoted_500_slip_bowl(self) -> None:
        assert DEFAULT_BOWL == BOWL_500
        assert BOWL_500.total == 500
        assert [BOWL_500.value(k) for k in SlipKind] == [D(0), D(1), D(20), D(100)]

    def test_slips_are_laid_out_praise_small_large_jumbo(self) -> None:
        kinds = {i: BOWL_500.kind_at(i) for i in (0, 249, 250, 458, 459, 498, 499)}
        assert kinds == {
            0: SlipKind.PRAISE,
            249: SlipKind.PRAISE,
            250: SlipKind.SMALL,
            458: SlipKind.SMALL,
            459: SlipKind.LARGE,
            498: SlipKind.LARGE,
            499: SlipKind.JUMBO,
        }
        with pytest.raises(ValueError, match="slip_index"):
            BOWL_500.kind_at(500)

    def test_expected_value_per_draw_is_exact(self) -> None:
        # (250·0 + 209·1 + 40·20 + 1·100) / 500 = 1109 / 500 = 2.218
        assert BOWL_500.expected_per_draw_fraction() == Fraction(1109, 500)
        assert BOWL_500.expected_per_draw() == D("2.218")
        assert cents(BOWL_500.expected_per_draw()) == D("2.22")

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"praise": -1, "small": 1, "large": 0, "jumbo": 0}, "^praise must be 0 or more"),
            ({"praise": 1, "small": 1, "large": -2, "jumbo": 0}, "^large must be 0 or more"),
            ({"praise": 0, "small": 0, "large": 0, "jumbo": 0}, "at least one slip"),
            ({"praise": 1, "small": 1, "large": 0, "jumbo": 0, "small_value": D("-1")}, "^small_value must be"),
        ],
    )
    def test_it_rejects_a_bad_bowl(self, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            Bowl(**kwargs)  # type: ignore[arg-type]


class TestDraw:
    def test_100000_draws_match_the_bowl_within_5_sigma(self) -> None:
        n = 100_000
        counts = Counter(slip.kind for slip in draw(BOWL_500, n, "frequency-check"))
        for kind in SlipKind:
            p = BOWL_500.count(kind) / BOWL_500.total
            sigma = math.sqrt(n * p * (1 - p))  # binomial standard deviation
            # praise 50 000 ± 790; small 41 800 ± 780; large 8 000 ± 429; jumbo 200 ± 71
            assert abs(counts[kind] - n * p) <= 5 * sigma, (kind, counts[kind], n * p, sigma)

    def test_the_same_seed_gives_the_same_draws(self) -> None:
        assert draw(BOWL_500, 50, "person-7:12") == draw(BOWL_500, 50, "person-7:12")

    def test_different_seeds_give_different_draws(self) -> None:
        assert [s.kind for s in draw(BOWL_500, 50, "person-7:12")] != [
            s.kind for s in draw(BOWL_500, 50, "person-7:13")
        ]

    def test_a_draw_can_be_checked_by_hand(self) -> None:
        # Draw 1 of the event seeded "audit-42:3": sha256("audit-42:3:1") as an integer, modulo 500.
        index = int(hashlib.sha256(b"audit-42:3:1").hexdigest(), 16) % 500
        assert index == 423  # 250 ≤ 423 < 459: slips 250–458 are the 209 small prizes
        slips = draw(BOWL_500, 3, "audit-42:3")
        assert slips[1].number == 1
        assert (slips[1].kind, slips[1].value) == (SlipKind.SMALL, D("1"))
        # Draw 0: sha256("audit-42:3:0") % 500 = 281, also small.
        assert int(hashlib.sha256(b"audit-42:3:0").hexdigest(), 16) % 500 == 281
        assert slips[0].kind is SlipKind.SMALL

    def test_a_single_kind_bowl_always_draws_that_kind(self) -> None:
        bowl = Bowl(praise=0, small=0, large=0, jumbo=3)
        assert {s.kind for s in draw(bowl, 20, "x")} == {SlipKind.JUMBO}

    def test_zero_draws_is_empty_and_negative_is_refused(self) -> None:
        assert draw(BOWL_500, 0, "s") == ()
        with pytest.raises(ValueError, match=r"^count must be 0 or more"):
            draw(BOWL_500, -1, "s")


class TestDrawsFor:
    def test_it_escalates_by_one_and_caps_at_eight(self) -> None:
        params = PrizeBowl(BOWL_500)
        assert [draws_for(params, s) for s in range(0, 11)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8]
        assert draws_for(params, 1000) == 8

    def test_custom_steps(self) -> None:
        params = PrizeBowl(BOWL_500, first_draws=2, draws_increment=2, max_draws=7)
        assert [draws_for(params, s) for s in range(1, 6)] == [2, 4, 6, 7, 7]
        flat = PrizeBowl(BOWL_500, first_draws=3, draws_increment=0, max_draws=3)
        assert [draws_for(flat, s) for s in range(1, 5)] == [3, 3, 3, 3]

    def test_a_negative_streak_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"^streak must be 0 or more"):
            draws_for(PrizeBowl(BOWL_500), -1)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"first_draws": 0}, "^first_draws must be 1 or more"),
            ({"draws_increment": -1}, "^draws_increment must be 0 or more"),
            ({"first_draws": 3, "max_draws": 2}, r"^max_draws \(2\) must be at least first_draws \(3\)"),
        ],
    )
    def test_it_rejects_bad_draw_parameters(self, kwargs: dict[str, int], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            PrizeBowl(BOWL_500, **kwargs)


class TestPrizeBowlEarnings:
    def test_draws_grow_with_the_streak_and_reset_on_a_lapse(self) -> None:
        outcomes = outcomes_from_letters("NNPNNNM")
        seeds = [f"run:{i}" for i in range(1, 8)]
        earnings = prize_bowl_earnings(PrizeBowl(BOWL_500), outcomes, seeds)
        assert [len(e.draws) for e in earnings] == [1, 2, 0, 1, 2, 3, 0]
        assert [e.streak for e in earnings] == [1, 2, 0, 1, 2, 3, 0]
        for e, seed in zip(earnings, seeds, strict=True):
            assert e.draws == draw(BOWL_500, len(e.draws), seed)
            assert e.voucher == e.total == sum((s.value for s in e.draws), D(0))
            assert e.bonus == 0
        assert [e.total for e in earnings if e.outcome is not Outcome.SUCCESS] == [0, 0]
        assert total_earned(earnings) == sum((s.value for e in earnings for s in e.draws), D(0))

    def test_it_needs_one_seed_per_outcome(self) -> None:
        with pytest.raises(ValueError, match=r"^seeds: one seed per outcome"):
            prize_bowl_earnings(PrizeBowl(BOWL_500), outcomes_from_letters("NN"), ["only-one"])


class TestExpectedTotal:
    def test_with_certain_success_it_is_draws_times_the_value_per_draw(self) -> None:
        params = PrizeBowl(BOWL_500)
        # 12 negatives: 1+2+…+8 = 36 draws, then 8 × 4 = 32 more: 68 draws × 2.218 = 150.824
        assert expected_total(params, 12, 1) == D("150.824")
        for n in range(0, 30):
            draws = sum(draws_for(params, k) for k in range(1, n + 1))
            assert expected_total(params, n, D(1)) == draws * BOWL_500.expected_per_draw()

    def test_with_no_chance_of_success_it_is_zero(self) -> None:
        assert expected_total(PrizeBowl(BOWL_500), 36, D(0)) == 0

    def test_a_small_case_worked_by_hand(self) -> None:
        # 3 specimens, each negative with p = 0.5, draws 1, 2, 3:
        # specimen 1: 0.5 × 1 = 0.5
        # specimen 2: streak before is 1 (0.5) or 0 (0.5): 0.5 × (0.5×2 + 0.5×1) = 0.75
        # specimen 3: streak before is 2 (0.25), 1 (0.25), 0 (0.5): 0.5 × (0.25×3 + 0.25×2 + 0.5×1) = 0.875
        # 2.125 draws × 2.218 = 4.71325
        params = PrizeBowl(BOWL_500)
        assert expected_draws(params, 3, D("0.5")) == Fraction(17, 8)
        assert expected_total(params, 3, D("0.5")) == D("4.71325")

    def test_it_agrees_with_enumerating_every_sequence(self) -> None:
        params = PrizeBowl(Bowl(praise=1, small=1, large=1, jumbo=0), first_draws=1, draws_increment=1, max_draws=3)
        p = Fraction(1, 3)
        for n in range(0, 8):
            brute = Fraction(0)
            for letters in itertools.product("NP", repeat=n):
                chance = Fraction(1)
                for letter in letters:
                    chance *= p if letter == "N" else 1 - p
                streak = draws = 0
                for letter in letters:
                    streak = streak + 1 if letter == "N" else 0
                    draws += draws_for(params, streak)
                brute += chance * draws
            assert expected_total_fraction(params, n, p) == brute * Fraction(21, 3)

    @pytest.mark.parametrize("p", [D("-0.1"), D("1.01")])
    def test_it_refuses_a_probability_outside_0_to_1(self, p: Decimal) -> None:
        with pytest.raises(ValueError, match=r"^success_probability must be between 0 and 1"):
            expected_total(PrizeBowl(BOWL_500), 3, p)

    def test_it_refuses_a_negative_count(self) -> None:
        with pytest.raises(ValueError, match=r"^outcomes_count must be 0 or more"):
            expected_total(PrizeBowl(BOWL_500), -1, D(1))
