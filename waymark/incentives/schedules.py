"""Contingency management schedules: what a run of specimen outcomes earns under
escalating vouchers with reset, a prize bowl, or a fixed reward, and how much of
an award an annual cap still allows. Pure module (no Django).

Sources: REFERENCE.md §7 (Higgins et al. 1994 and the NIDA CRA+Vouchers manual
for escalating vouchers; Petry for the prize bowl; HHS-OIG 2016, SAMHSA 2025 and
California for limits). Every amount here is a default that a programme may
change; figures REFERENCE.md does not give are marked "program default [unverified]".

Escalating vouchers with reset (`escalating_earnings`):

- The value v starts at `start`.
- A success (specimen negative) pays v, plus `bonus` when streak % bonus_every == 0
  (streak = consecutive successes including this one), then v += increment.
- A failure (specimen positive) or a missed specimen pays 0, remembers the value
  the next voucher would have had (v) as the pre-reset value, sets v = start and
  the streak to 0.
- After `reset_recovery` consecutive successes following a reset, the next
  voucher's value returns to max(pre-reset value, its current value) and
  escalation continues from there (so with the defaults the 6th consecutive
  negative after a reset pays the pre-reset value). A second reset before
  recovery keeps the higher of the remembered value and the value at that reset:
  a lapse during recovery never erases the progress made before it (Waymark's
  reading; REFERENCE.md §7 does not say). `reset_recovery = 0` means no recovery.
- Earned vouchers are never taken away: a failure pays 0, it never subtracts.

Hand-worked with the defaults: NNN pays 2.50, 3.75, 5.00 + 10; NNNNP pays
2.50, 3.75, 5.00 + 10, 6.25, 0 (pre-reset value 7.50).

Prize bowl (`prize_bowl_earnings`): a success earns `draws_for(streak)` draws,
with replacement, from a bowl of slips laid out in the order praise, small,
large, jumbo (slip indexes 0 … total-1). Draw i of an event with seed s takes
slip index int(sha256(f"{s}:{i}").hexdigest(), 16) % bowl.total, so anyone can
re-check a recorded draw by hand. A failure or missed specimen draws nothing and
resets the streak.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from waymark.core.rule_info import RuleInfo

CENT = Decimal("0.01")

# SAMHSA grant programmes: up to $750 per person per year, no cash (REFERENCE.md §7, confirmed).
DEFAULT_ANNUAL_CAP = Decimal("750")


class Outcome(StrEnum):
    """A specimen's outcome for CM; the values are the letters of `cm simulate --results`."""

    SUCCESS = "N"  # specimen negative for the targets
    FAILURE = "P"  # specimen positive
    MISSED = "M"  # missed, refused (or, by programme default, invalid)


def outcomes_from_letters(letters: str) -> tuple[Outcome, ...]:
    """ "NNPM" → (SUCCESS, SUCCESS, FAILURE, MISSED). Raises ValueError naming the first bad letter."""
    outcomes: list[Outcome] = []
    for position, letter in enumerate(letters, start=1):
        try:
            outcomes.append(Outcome(letter))
        except ValueError:
            raise ValueError(
                f"Result {position} is {letter!r}; use N (specimen negative), P (specimen positive) or M (missed)."
            ) from None
    return tuple(outcomes)


def _check_money(name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal amount, not {type(value).__name__}.")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be an amount of 0 or more, not {value}.")


def _check_count(name: str, value: int, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be {minimum} or more, not {value}.")


def cents(amount: Decimal) -> Decimal:
    """Round to cents for display (half up)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class SlipKind(StrEnum):
    PRAISE = "praise"
    SMALL = "small"
    LARGE = "large"
    JUMBO = "jumbo"


@dataclass(frozen=True)
class Slip:
    number: int  # 0-based draw index within the event
    kind: SlipKind
    value: Decimal


@dataclass(frozen=True)
class Earning:
    index: int  # 1-based position in the sequence
    outcome: Outcome
    voucher: Decimal  # the schedule's value paid (0 on failure/missed)
    bonus: Decimal
    total: Decimal  # voucher + bonus (before any cap)
    streak: int  # consecutive successes including this one (0 after a failure/missed)
    draws: tuple[Slip, ...] = ()  # prize bowl only


def total_earned(earnings: Sequence[Earning]) -> Decimal:
    return sum((e.total for e in earnings), Decimal(0))


# --- Escalating vouchers with reset ---------------------------------------------


@dataclass(frozen=True)
class Escalating:
    """REFERENCE.md §7 defaults (Higgins et al. 1994): first negative $2.50, +$1.25 per
    consecutive negative, $10 bonus every third consecutive negative, value restored after
    5 consecutive negatives following a reset. Silverman's variant: increment $1.50."""

    start: Decimal = Decimal("2.50")
    increment: Decimal = Decimal("1.25")
    bonus: Decimal = Decimal("10")
    bonus_every: int = 3
    reset_recovery: int = 5

    def __post_init__(self) -> None:
        _check_money("start", self.start)
        _check_money("increment", self.increment)
        _check_money("bonus", self.bonus)
        _check_count("bonus_every", self.bonus_every, minimum=1)
        _check_count("reset_recovery", self.reset_recovery)


def escalating_earnings(params: Escalating, outcomes: Sequence[Outcome]) -> list[Earning]:
    """What each specimen earns under escalating vouchers with reset (semantics in the module docstring)."""
    value = params.start
    streak = 0
    pre_reset: Decimal | None = None  # the value to return to after a reset (the highest remembered), until recovered
    earnings: list[Earning] = []
    for index, outcome in enumerate(outcomes, start=1):
        outcome = Outcome(outcome)
        if outcome is Outcome.SUCCESS:
            streak += 1
            bonus = params.bonus if streak % params.bonus_every == 0 else Decimal(0)
            earnings.append(Earning(index, outcome, value, bonus, value + bonus, streak))
            value += params.increment
            if pre_reset is not None and streak == params.reset_recovery:
                value = max(pre_reset, value)
                pre_reset = None
        else:
            if params.reset_recovery > 0:
                pre_reset = value if pre_reset is None else max(pre_reset, value)
            value = params.start
            streak = 0
            earnings.append(Earning(index, outcome, Decimal(0), Decimal(0), Decimal(0), 0))
    return earnings


# --- Prize bowl ----------------------------------------------------------------


@dataclass(frozen=True)
class Bowl:
    """Slip counts (programme configuration) and prize values (REFERENCE.md §7: about $1 / $20 / $100).
    Slips are laid out praise, small, large, jumbo for `draw`."""

    praise: int
    small: int
    large: int
    jumbo: int
    small_value: Decimal = Decimal("1")
    large_value: Decimal = Decimal("20")
    jumbo_value: Decimal = Decimal("100")

    def __post_init__(self) -> None:
        for kind in SlipKind:
            _check_count(kind.value, self.count(kind))
        _check_money("small_value", self.small_value)
        _check_money("large_value", self.large_value)
        _check_money("jumbo_value", self.jumbo_value)
        if self.total == 0:
            raise ValueError("The bowl needs at least one slip (praise + small + large + jumbo is 0).")

    def count(self, kind: SlipKind) -> int:
        return {
            SlipKind.PRAISE: self.praise,
            SlipKind.SMALL: self.small,
            SlipKind.LARGE: self.large,
            SlipKind.JUMBO: self.jumbo,
        }[kind]

    def value(self, kind: SlipKind) -> Decimal:
        return {
            SlipKind.PRAISE: Decimal(0),
            SlipKind.SMALL: self.small_value,
            SlipKind.LARGE: self.large_value,
            SlipKind.JUMBO: self.jumbo_value,
        }[kind]

    @property
    def total(self) -> int:
        return self.praise + self.small + self.large + self.jumbo

    def kind_at(self, slip_index: int) -> SlipKind:
        """The kind of the slip at 0-based `slip_index` (praise first, then small, large, jumbo)."""
        if not 0 <= slip_index < self.total:
            raise ValueError(f"slip_index must be 0 … {self.total - 1}, not {slip_index}.")
        for kind in SlipKind:
            if slip_index < self.count(kind):
                return kind
            slip_index -= self.count(kind)
        raise AssertionError("unreachable")  # pragma: no cover

    def expected_per_draw_fraction(self) -> Fraction:
        """The exact expected value of one draw, as a Fraction."""
        won = sum((Fraction(self.value(k)) * self.count(k) for k in SlipKind), Fraction(0))
        return won / self.total

    def expected_per_draw(self) -> Decimal:
        """The expected value of one draw as a Decimal: exact whenever it terminates (it does for
        totals of the form 2^a·5^b, such as 100 or 500 slips); quantise with `cents` for display."""
        return _decimal(self.expected_per_draw_fraction())


# A 500-slip bowl of 250 praise / 209 small / 40 large / 1 jumbo is often quoted
# (REFERENCE.md §7, [unverified]); the composition is programme configuration.
DEFAULT_BOWL = Bowl(praise=250, small=209, large=40, jumbo=1)


@dataclass(frozen=True)
class PrizeBowl:
    """Draws per success: first_draws at streak 1, +draws_increment per further consecutive success,
    at most max_draws. The growth is REFERENCE.md §7 (Petry); the numbers 1 / +1 / 8 are
    program default [unverified]."""

    bowl: Bowl
    first_draws: int = 1
    draws_increment: int = 1
    max_draws: int = 8

    def __post_init__(self) -> None:
        _check_count("first_draws", self.first_draws, minimum=1)
        _check_count("draws_increment", self.draws_increment)
        _check_count("max_draws", self.max_draws)
        if self.max_draws < self.first_draws:
            raise ValueError(f"max_draws ({self.max_draws}) must be at least first_draws ({self.first_draws}).")


def draws_for(params: PrizeBowl, streak: int) -> int:
    """Draws earned by a success that makes `streak` consecutive successes; 0 for streak 0."""
    _check_count("streak", streak)
    if streak == 0:
        return 0
    return min(params.first_draws + (streak - 1) * params.draws_increment, params.max_draws)


def slip_index(bowl: Bowl, seed: str, number: int) -> int:
    """Slip index of draw `number` for `seed`: int(sha256(f"{seed}:{number}").hexdigest(), 16) % bowl.total."""
    digest = hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()
    return int(digest, 16) % bowl.total


def draw(bowl: Bowl, count: int, seed: str) -> tuple[Slip, ...]:
    """`count` draws with replacement, reproducible from `seed` (see `slip_index`)."""
    _check_count("count", count)
    slips = []
    for number in range(count):
        kind = bowl.kind_at(slip_index(bowl, seed, number))
        slips.append(Slip(number, kind, bowl.value(kind)))
    return tuple(slips)


def prize_bowl_earnings(params: PrizeBowl, outcomes: Sequence[Outcome], seeds: Sequence[str]) -> list[Earning]:
    """One seed per event (record it: it makes the draws auditable). A success draws
    `draws_for(streak)` slips and earns their total; a failure or missed specimen draws
    nothing and resets the streak."""
    if len(seeds) != len(outcomes):
        raise ValueError(f"seeds: one seed per outcome is needed ({len(outcomes)} outcomes, {len(seeds)} seeds).")
    streak = 0
    earnings: list[Earning] = []
    for index, (outcome, seed) in enumerate(zip(outcomes, seeds, strict=True), start=1):
        outcome = Outcome(outcome)
        if outcome is Outcome.SUCCESS:
            streak += 1
            slips = draw(params.bowl, draws_for(params, streak), seed)
            won = sum((s.value for s in slips), Decimal(0))
            earnings.append(Earning(index, outcome, won, Decimal(0), won, streak, slips))
        else:
            streak = 0
            earnings.append(Earning(index, outcome, Decimal(0), Decimal(0), Decimal(0), 0))
    return earnings


def expected_draws(params: PrizeBowl, outcomes_count: int, success_probability: Fraction | Decimal | int) -> Fraction:
    """Expected number of draws over `outcomes_count` specimens, each negative independently
    with `success_probability` (dynamic programme over the streak, exact)."""
    _check_count("outcomes_count", outcomes_count)
    p = Fraction(success_probability)
    if not 0 <= p <= 1:
        raise ValueError(f"success_probability must be between 0 and 1, not {success_probability}.")
    # Streaks at or beyond `saturated` all earn max_draws, so they share one state.
    if params.draws_increment == 0:
        saturated = 1
    else:
        saturated = 1 + -(-(params.max_draws - params.first_draws) // params.draws_increment)
    chance = [Fraction(0)] * (saturated + 1)  # chance[s]: probability the streak (capped) is s
    chance[0] = Fraction(1)
    expected = Fraction(0)
    for _ in range(outcomes_count):
        following = [Fraction(0)] * (saturated + 1)
        following[0] = 1 - p
        for streak, q in enumerate(chance):
            if q:
                grown = min(streak + 1, saturated)
                following[grown] += q * p
                expected += q * p * draws_for(params, grown)
        chance = following
    return expected


def expected_total_fraction(
    params: PrizeBowl, outcomes_count: int, success_probability: Fraction | Decimal | int
) -> Fraction:
    return expected_draws(params, outcomes_count, success_probability) * params.bowl.expected_per_draw_fraction()


def expected_total(params: PrizeBowl, outcomes_count: int, success_probability: Fraction | Decimal | int) -> Decimal:
    """Expected value of the prize-bowl programme over `outcomes_count` specimens with independent
    successes. With probability 1 it is (total draws) × expected_per_draw; with 0 it is 0.
    Exact whenever the value terminates as a decimal; quantise with `cents` for display."""
    return _decimal(expected_total_fraction(params, outcomes_count, success_probability))


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


# --- Fixed reward and cap --------------------------------------------------------


@dataclass(frozen=True)
class Fixed:
    amount: Decimal

    def __post_init__(self) -> None:
        _check_money("amount", self.amount)


def fixed_earnings(params: Fixed, outcomes: Sequence[Outcome]) -> list[Earning]:
    """The same amount for every success; a failure or missed specimen pays 0."""
    streak = 0
    earnings: list[Earning] = []
    for index, outcome in enumerate(outcomes, start=1):
        outcome = Outcome(outcome)
        if outcome is Outcome.SUCCESS:
            streak += 1
            earnings.append(Earning(index, outcome, params.amount, Decimal(0), params.amount, streak))
        else:
            streak = 0
            earnings.append(Earning(index, outcome, Decimal(0), Decimal(0), Decimal(0), 0))
    return earnings


def apply_cap(amount: Decimal, earned_in_period: Decimal, cap: Decimal) -> Decimal:
    """How much of `amount` may still be granted when `earned_in_period` has already been
    granted against `cap`: min(amount, cap − earned), never negative (REFERENCE.md §7 limits)."""
    _check_money("amount", amount)
    _check_money("earned_in_period", earned_in_period)
    _check_money("cap", cap)
    return max(Decimal(0), min(amount, cap - earned_in_period))


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        "incentives.escalating",
        "Escalating vouchers: the first negative specimen earns the start value, each consecutive negative "
        "one step more, with a bonus every few consecutive negatives; a positive or missed specimen resets "
        "the value to the start, and after a run of consecutive negatives it returns to the pre-reset value.",
        "$2.50 start, +$1.25, $10 bonus every 3rd, restored after 5",
        "REFERENCE.md §7 (Higgins et al. 1994; NIDA CRA+Vouchers manual)",
        "per programme (CM programme parameters)",
    ),
    RuleInfo(
        "incentives.prize_bowl",
        "Prize bowl: each negative specimen earns draws from a bowl of slips (praise, small, large, jumbo), "
        "more draws with each consecutive negative, reset by a positive or missed specimen; each draw is "
        "reproducible from its recorded seed. The bowl composition and the draw numbers are "
        "program default [unverified].",
        "500 slips 250/209/40/1 at $0/$1/$20/$100; 1 draw, +1 per consecutive negative, at most 8",
        "REFERENCE.md §7 (Petry)",
        "per programme (CM programme parameters)",
    ),
    RuleInfo(
        "incentives.annual_cap",
        "Incentives earned by one person in a year stop at the cap; an award is cut to what the cap still allows.",
        "$750 per person per year",
        "REFERENCE.md §7 (SAMHSA grant programmes 2025; HHS-OIG 2016 $75; California $599 over 24 weeks)",
        "per programme (CM programme parameters)",
    ),
    RuleInfo(
        "incentives.never_taken_away",
        "An earned incentive is never taken away: a positive or missed specimen resets what comes next, "
        "it does not subtract from what was earned.",
        "enforced",
        "REFERENCE.md §7 (Higgins et al. 1994)",
        "no",
    ),
    RuleInfo(
        "incentives.no_cash",
        "Incentives are goods, vouchers or gift cards, never cash; CM supplements medication, never replaces it.",
        "no cash",
        "REFERENCE.md §7 (SAMHSA grant programmes 2025)",
        "no",
    ),
)
