"""`waymark cm …`: contingency management tools.

waymark cm simulate --schedule escalating --results NNNNPNNN [--start 2.50 --increment 1.25 --bonus 10
                    --bonus-every 3 --reset-recovery 5] [--json]
waymark cm simulate --schedule prize-bowl --seed S --results NNPN [--praise 250 --small 209 --large 40 --jumbo 1
                    --small-value 1 --large-value 20 --jumbo-value 100 --first-draws 1 --draws-increment 1
                    --max-draws 8] [--json]
waymark cm simulate --schedule prize-bowl --expected (--results NNPN | --specimens 36) [--success-probability P]
waymark cm simulate --schedule fixed --amount 5 --results NNPN

Defaults are the pure module's (REFERENCE.md §7). Prize-bowl event i (1-based) is drawn with the seed
f"{S}:{i}", so every draw can be re-checked by hand (see waymark.incentives.schedules).
"""

import argparse
import json
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.incentives import schedules
from waymark.incentives.schedules import Earning, Outcome

ESCALATING = schedules.Escalating()
PRIZE_BOWL = schedules.PrizeBowl(schedules.DEFAULT_BOWL)
BOWL = schedules.DEFAULT_BOWL

# Parameter names in the pure module's messages → the options that set them.
OPTION_FOR = {
    name: "--" + name.replace("_", "-")
    for name in (
        "start",
        "increment",
        "bonus",
        "bonus_every",
        "reset_recovery",
        "praise",
        "small",
        "large",
        "jumbo",
        "small_value",
        "large_value",
        "jumbo_value",
        "first_draws",
        "draws_increment",
        "max_draws",
        "amount",
    )
}


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount; write it like 2.50") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"the amount must be 0 or more, not {text}")
    if value != value.quantize(schedules.CENT):
        raise argparse.ArgumentTypeError(f"use whole cents (at most 2 decimal places), not {text}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _probability(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability; write it like 0.5") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a probability is between 0 and 1, not {text}")
    return value


def _as_options(message: str) -> str:
    """Name the options in a parameter error: "max_draws (0) must be at least first_draws (1)" → "--max-draws …"."""

    def option(match: re.Match[str]) -> str:
        word = match.group(0)
        return OPTION_FOR[word] if word in OPTION_FOR and (match.start() == 0 or "_" in word) else word

    return re.sub(r"\b[a-z_]+\b", option, message)


def _amount(value: Decimal) -> str:
    return str(schedules.cents(value))


class Command(BaseCommand):
    help = (
        "Contingency management tools. `cm simulate` shows what a run of specimen results "
        "(N negative, P positive, M missed) earns under a schedule, or the expected cost of a prize bowl."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        self.add_simulate_arguments(actions.add_parser("simulate", help="what a run of results earns"))
        recompute = actions.add_parser("recompute", help="recompute every ledger and list the awards that now differ")
        recompute.add_argument("--program", help="only this program (its name)")
        recompute.add_argument("--json", action="store_true", help="print a JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {"simulate": self.handle_simulate, "recompute": self.handle_recompute}
        handlers[options["action"]](options)

    # --- recompute ---------------------------------------------------------------

    def handle_recompute(self, options: dict[str, Any]) -> None:
        from waymark.core.models import Program
        from waymark.incentives.recompute import recompute_ledgers

        program = None
        if options["program"]:
            program = Program.objects.filter(name=options["program"]).first()
            if program is None:
                raise CommandError(f"--program: no program named {options['program']!r}.")
        report = recompute_ledgers(program)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{report.enrollments} enrolments, {report.events} awards, ${report.earned:,.2f} earned; "
            f"{len(report.differences)} award(s) differ from the records as they stand now."
        )
        for d in report.differences:
            self.stdout.write(
                f"  patient {d.patient_id} {d.event_key} on {d.event_day}: recorded {d.recorded_outcome} "
                f"${d.recorded_amount:.2f}, now {d.outcome_now} ${d.amount_now:.2f}"
            )
        if report.differences:
            self.stdout.write("Earned awards are never taken away: review each with the person's care team.")

    # --- simulate ----------------------------------------------------------------

    def add_simulate_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", required=True, choices=["escalating", "prize-bowl", "fixed"])
        parser.add_argument("--results", help="one letter per specimen: N negative, P positive, M missed")
        parser.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
        escalating = parser.add_argument_group("escalating vouchers (REFERENCE.md §7 defaults)")
        escalating.add_argument("--start", type=_money, default=ESCALATING.start)
        escalating.add_argument("--increment", type=_money, default=ESCALATING.increment)
        escalating.add_argument("--bonus", type=_money, default=ESCALATING.bonus)
        escalating.add_argument("--bonus-every", type=_count, default=ESCALATING.bonus_every)
        escalating.add_argument("--reset-recovery", type=_count, default=ESCALATING.reset_recovery)
        bowl = parser.add_argument_group("prize bowl (composition and draws: program default [unverified])")
        bowl.add_argument("--praise", type=_count, default=BOWL.praise)
        bowl.add_argument("--small", type=_count, default=BOWL.small)
        bowl.add_argument("--large", type=_count, default=BOWL.large)
        bowl.add_argument("--jumbo", type=_count, default=BOWL.jumbo)
        bowl.add_argument("--small-value", type=_money, default=BOWL.small_value)
        bowl.add_argument("--large-value", type=_money, default=BOWL.large_value)
        bowl.add_argument("--jumbo-value", type=_money, default=BOWL.jumbo_value)
        bowl.add_argument("--first-draws", type=_count, default=PRIZE_BOWL.first_draws)
        bowl.add_argument("--draws-increment", type=_count, default=PRIZE_BOWL.draws_increment)
        bowl.add_argument("--max-draws", type=_count, default=PRIZE_BOWL.max_draws)
        bowl.add_argument("--seed", help="event i is drawn with the seed f'{SEED}:{i}'; record it")
        bowl.add_argument("--expected", action="store_true", help="print the expected value instead of drawing")
        bowl.add_argument("--specimens", type=_count, help="with --expected: how many specimens (or --results)")
        bowl.add_argument(
            "--success-probability", type=_probability, default=Decimal(1), help="with --expected (default 1)"
        )
        fixed = parser.add_argument_group("fixed reward")
        fixed.add_argument("--amount", type=_money)

    def handle_simulate(self, options: dict[str, Any]) -> None:
        schedule = options["schedule"]
        try:
            if schedule == "prize-bowl" and options["expected"]:
                self._write_expected(options)
                return
            if options["expected"]:
                raise CommandError("--expected is for --schedule prize-bowl.")
            outcomes = self._outcomes(options)
            if schedule == "escalating":
                params = schedules.Escalating(
                    options["start"],
                    options["increment"],
                    options["bonus"],
                    options["bonus_every"],
                    options["reset_recovery"],
                )
                earnings = schedules.escalating_earnings(params, outcomes)
            elif schedule == "fixed":
                if options["amount"] is None:
                    raise CommandError("--schedule fixed needs --amount.")
                earnings = schedules.fixed_earnings(schedules.Fixed(options["amount"]), outcomes)
            else:
                if options["seed"] is None:
                    raise CommandError("--schedule prize-bowl needs --seed (record it: it makes the draws auditable).")
                seeds = [f"{options['seed']}:{e}" for e in range(1, len(outcomes) + 1)]
                earnings = schedules.prize_bowl_earnings(self._prize_bowl(options), outcomes, seeds)
        except ValueError as exc:
            raise CommandError(_as_options(str(exc))) from exc
        self._write_earnings(schedule, earnings, options)

    def _outcomes(self, options: dict[str, Any]) -> tuple[Outcome, ...]:
        if options["results"] is None:
            raise CommandError("--results is needed: one letter per specimen, N negative, P positive, M missed.")
        try:
            return schedules.outcomes_from_letters(options["results"])
        except ValueError as exc:
            raise CommandError(f"--results: {exc}") from exc

    def _prize_bowl(self, options: dict[str, Any]) -> schedules.PrizeBowl:
        if options["praise"] + options["small"] + options["large"] + options["jumbo"] == 0:
            raise CommandError("--praise, --small, --large and --jumbo add up to 0; the bowl needs at least one slip.")
        bowl = schedules.Bowl(
            options["praise"],
            options["small"],
            options["large"],
            options["jumbo"],
            options["small_value"],
            options["large_value"],
            options["jumbo_value"],
        )
        return schedules.PrizeBowl(bowl, options["first_draws"], options["draws_increment"], options["max_draws"])

    def _write_earnings(self, schedule: str, earnings: list[Earning], options: dict[str, Any]) -> None:
        total = schedules.total_earned(earnings)
        if options["json"]:
            events = []
            for e in earnings:
                event: dict[str, Any] = {
                    "index": e.index,
                    "result": e.outcome.value,
                    "voucher": _amount(e.voucher),
                    "bonus": _amount(e.bonus),
                    "total": _amount(e.total),
                    "streak": e.streak,
                }
                if schedule == "prize-bowl":
                    event["seed"] = f"{options['seed']}:{e.index}"
                    event["draws"] = [
                        {"number": s.number, "kind": s.kind.value, "value": _amount(s.value)} for s in e.draws
                    ]
                events.append(event)
            self.stdout.write(json.dumps({"schedule": schedule, "events": events, "total": _amount(total)}, indent=2))
            return
        if schedule == "prize-bowl":
            self.stdout.write(f"Seed: {options['seed']} (specimen i is drawn with the seed {options['seed']}:i)")
            self.stdout.write(f"{'#':>3}  result  streak  {'total':>8}  draws")
            for e in earnings:
                drawn = ", ".join(_slip(s) for s in e.draws) or "-"
                self.stdout.write(f"{e.index:>3}  {e.outcome.value:<6}  {e.streak:>6}  {_amount(e.total):>8}  {drawn}")
        else:
            self.stdout.write(f"{'#':>3}  result  {'voucher':>8}  {'bonus':>8}  {'total':>8}  streak")
            for e in earnings:
                self.stdout.write(
                    f"{e.index:>3}  {e.outcome.value:<6}  {_amount(e.voucher):>8}  {_amount(e.bonus):>8}  "
                    f"{_amount(e.total):>8}  {e.streak:>6}"
                )
        self.stdout.write(f"Total: {_amount(total)}")

    def _write_expected(self, options: dict[str, Any]) -> None:
        if options["results"] is not None and options["specimens"] is not None:
            raise CommandError("Give --results or --specimens, not both.")
        count = options["specimens"] if options["specimens"] is not None else len(self._outcomes(options))
        params = self._prize_bowl(options)
        p = options["success_probability"]
        per_draw = params.bowl.expected_per_draw()
        draws = schedules.expected_draws(params, count, p)
        total = schedules.expected_total(params, count, p)
        if options["json"]:
            payload: dict[str, Any] = {
                "schedule": "prize-bowl",
                "events": [],
                "total": _amount(total),
                "specimens": count,
                "success_probability": str(p),
                "expected_draws": _fmt(draws),
                "expected_per_draw": _amount(per_draw),
                "total_unrounded": str(total),
                "expected_per_draw_unrounded": str(per_draw),
            }
            self.stdout.write(json.dumps(payload, indent=2))
            return
        self.stdout.write(f"Expected value per draw: {_rounded(per_draw, params.bowl.expected_per_draw_fraction())}")
        self.stdout.write(f"Expected draws over {count} specimens at success probability {p}: {_fmt(draws)}")
        exact = schedules.expected_total_fraction(params, count, p)
        self.stdout.write(f"Expected total: {_rounded(total, exact)}")


def _fmt(value: Fraction) -> str:
    """A count such as expected draws: exact when short, else to 3 decimal places."""
    exact = Decimal(value.numerator) / value.denominator
    return format(exact.quantize(Decimal("0.001")).normalize(), "f")


def _rounded(value: Decimal, exact: Fraction) -> str:
    """Money to cents, with the exact value when rounding changed it and it has one."""
    shown = _amount(value)
    if Fraction(value) == exact and Fraction(schedules.cents(value)) != exact:
        return f"{shown} (exactly {value})"
    return shown


def _slip(slip: schedules.Slip) -> str:
    return slip.kind.value if slip.kind is schedules.SlipKind.PRAISE else f"{slip.kind.value} {_amount(slip.value)}"
