"""Fixed rewards, the annual cap (REFERENCE.md §7 limits) and the rules' registry entries."""

from decimal import Decimal

import pytest

from waymark.incentives.schedules import (
    DEFAULT_ANNUAL_CAP,
    RULE_INFO,
    Fixed,
    apply_cap,
    fixed_earnings,
    outcomes_from_letters,
    total_earned,
)

D = Decimal


class TestFixedReward:
    def test_it_pays_the_amount_for_each_negative_only(self) -> None:
        earnings = fixed_earnings(Fixed(D("5")), outcomes_from_letters("NPNMN"))
        assert [e.total for e in earnings] == [D(5), D(0), D(5), D(0), D(5)]
        assert [e.streak for e in earnings] == [1, 0, 1, 0, 1]
        assert {e.bonus for e in earnings} == {D(0)}
        assert total_earned(earnings) == D("15")

    def test_it_does_not_escalate(self) -> None:
        earnings = fixed_earnings(Fixed(D("2.50")), outcomes_from_letters("NNNNNN"))
        assert {e.voucher for e in earnings} == {D("2.50")}
        assert [e.streak for e in earnings] == [1, 2, 3, 4, 5, 6]

    def test_zero_is_allowed_and_negative_is_refused(self) -> None:
        assert total_earned(fixed_earnings(Fixed(D(0)), outcomes_from_letters("NN"))) == 0
        with pytest.raises(ValueError, match=r"^amount must be an amount of 0 or more"):
            Fixed(D("-1"))


class TestApplyCap:
    def test_the_default_annual_cap_is_750(self) -> None:
        assert D("750") == DEFAULT_ANNUAL_CAP

    def test_it_grants_in_full_below_the_cap(self) -> None:
        assert apply_cap(D("10"), D("0"), D("750")) == D("10")

    def test_it_grants_in_full_when_the_award_reaches_the_cap_exactly(self) -> None:
        assert apply_cap(D("10"), D("740"), D("750")) == D("10")

    def test_it_grants_part_of_an_award_that_would_pass_the_cap(self) -> None:
        assert apply_cap(D("10"), D("745.50"), D("750")) == D("4.50")

    def test_it_grants_nothing_when_nothing_is_left(self) -> None:
        assert apply_cap(D("10"), D("750"), D("750")) == 0

    def test_it_never_goes_negative_when_already_past_the_cap(self) -> None:
        # e.g. the programme lowered its cap after awards were made
        assert apply_cap(D("10"), D("800"), D("750")) == 0
        assert apply_cap(D("10"), D("0"), D("0")) == 0

    def test_a_zero_award_stays_zero(self) -> None:
        assert apply_cap(D("0"), D("100"), D("750")) == 0

    @pytest.mark.parametrize(
        ("args", "name"),
        [
            ((D("-1"), D("0"), D("750")), "amount"),
            ((D("1"), D("-1"), D("750")), "earned_in_period"),
            ((D("1"), D("0"), D("-750")), "cap"),
        ],
    )
    def test_it_refuses_negative_money(self, args: tuple[Decimal, Decimal, Decimal], name: str) -> None:
        with pytest.raises(ValueError, match=f"^{name} must be"):
            apply_cap(*args)


class TestRuleInfo:
    def test_every_incentive_rule_is_listed_and_cites_reference_7(self) -> None:
        assert [r.id for r in RULE_INFO] == [
            "incentives.escalating",
            "incentives.prize_bowl",
            "incentives.annual_cap",
            "incentives.never_taken_away",
            "incentives.no_cash",
        ]
        for info in RULE_INFO:
            assert info.source.startswith("REFERENCE.md §7"), info.id
            # docs/clinical-rules.md is a Markdown table: no cell may contain a pipe
            assert "|" not in info.summary + info.default + info.source + info.configurable, info.id

    def test_the_cap_entry_states_the_default(self) -> None:
        cap = next(r for r in RULE_INFO if r.id == "incentives.annual_cap")
        assert cap.default == "$750 per person per year"
        assert cap.configurable == "per programme (CM programme parameters)"
