"""Escalating vouchers with reset (REFERENCE.md §7, Higgins et al. 1994). Sequences worked by hand
with the defaults: start 2.50, +1.25 per consecutive negative, $10 bonus on every 3rd consecutive
negative, value restored after 5 consecutive negatives following a reset."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.incentives.schedules import Escalating, Outcome, escalating_earnings, outcomes_from_letters, total_earned

D = Decimal


def _run(letters: str, params: Escalating | None = None) -> list[tuple[str, str, int]]:
    """(voucher, bonus, streak) per event, money as text to compare with hand-worked figures."""
    earnings = escalating_earnings(params or Escalating(), outcomes_from_letters(letters))
    return [(f"{e.voucher:.2f}", f"{e.bonus:.2f}", e.streak) for e in earnings]


def _vouchers(letters: str, params: Escalating | None = None) -> list[str]:
    return [voucher for voucher, _, _ in _run(letters, params)]


class TestEscalatingVouchers:
    def test_it_pays_250_for_the_first_negative(self) -> None:
        assert _run("N") == [("2.50", "0.00", 1)]

    def test_it_adds_the_bonus_on_the_third_consecutive_negative(self) -> None:
        assert _run("NNN") == [("2.50", "0.00", 1), ("3.75", "0.00", 2), ("5.00", "10.00", 3)]
        earnings = escalating_earnings(Escalating(), outcomes_from_letters("NNN"))
        assert [e.total for e in earnings] == [D("2.50"), D("3.75"), D("15.00")]

    def test_it_adds_the_bonus_again_on_the_sixth(self) -> None:
        assert [bonus for _, bonus, _ in _run("NNNNNN")] == ["0.00", "0.00", "10.00", "0.00", "0.00", "10.00"]
        assert _vouchers("NNNNNN") == ["2.50", "3.75", "5.00", "6.25", "7.50", "8.75"]

    def test_a_positive_pays_nothing_and_resets_to_the_start(self) -> None:
        assert _run("NNNNPN") == [
            ("2.50", "0.00", 1),
            ("3.75", "0.00", 2),
            ("5.00", "10.00", 3),
            ("6.25", "0.00", 4),
            ("0.00", "0.00", 0),
            ("2.50", "0.00", 1),
        ]
        # 2.50 + 3.75 + 15.00 + 6.25 + 0 + 2.50
        assert total_earned(escalating_earnings(Escalating(), outcomes_from_letters("NNNNPN"))) == D("30.00")

    def test_a_missed_specimen_counts_like_a_positive(self) -> None:
        assert _run("NNNNMNNN") == _run("NNNNPNNN")
        assert _run("MN") == [("0.00", "0.00", 0), ("2.50", "0.00", 1)]

    def test_the_bonus_streak_starts_again_after_a_reset(self) -> None:
        # NN P NNN: the bonus comes on the 3rd negative after the reset, not the 3rd overall.
        assert [bonus for _, bonus, _ in _run("NNPNNN")] == ["0.00", "0.00", "0.00", "0.00", "0.00", "10.00"]

    def test_the_sixth_negative_after_a_reset_pays_the_pre_reset_value(self) -> None:
        # NNNNNNN pays 2.50 3.75 5.00 6.25 7.50 8.75 10.00; the next voucher would have been 11.25.
        # P resets to 2.50 (pre-reset 11.25); NNNNN pays 2.50 3.75 5.00 6.25 7.50; the 6th pays 11.25
        # (not 8.75), with the bonus (streak 6), and escalation continues from there: 12.50.
        run = _run("NNNNNNNP" + "NNNNN" + "NN")
        assert [v for v, _, _ in run] == [
            *("2.50", "3.75", "5.00", "6.25", "7.50", "8.75", "10.00", "0.00"),
            *("2.50", "3.75", "5.00", "6.25", "7.50"),
            *("11.25", "12.50"),
        ]
        assert run[13] == ("11.25", "10.00", 6)
        earnings = escalating_earnings(Escalating(), outcomes_from_letters("NNNNNNNP" + "NNNNN" + "NN"))
        # 43.75 + 20 bonus before the reset; 25.00 + 10 in recovery; 11.25 + 10 + 12.50 after.
        assert total_earned(earnings) == D("132.50")

    def test_recovery_never_lowers_the_value(self) -> None:
        # A reset after one negative remembers 3.75; after 5 negatives the value (8.75) is already higher.
        assert _vouchers("NP" + "NNNNN" + "N") == ["2.50", "0.00", "2.50", "3.75", "5.00", "6.25", "7.50", "8.75"]

    def test_a_second_reset_during_recovery_keeps_the_higher_remembered_value(self) -> None:
        # First reset remembers 11.25. Recovery NN (2.50, 3.75, next 5.00) is broken by P: the value to
        # return to stays 11.25 (a lapse during recovery never erases the progress made before it).
        # After 5 more negatives the 6th pays 11.25 + the bonus (streak 6).
        letters = "NNNNNNNP" + "NN" + "P" + "NNNNN" + "N"
        assert _vouchers(letters)[-7:] == ["0.00", "2.50", "3.75", "5.00", "6.25", "7.50", "11.25"]
        assert _run(letters)[-1] == ("11.25", "10.00", 6)

    def test_a_reset_after_recovery_remembers_the_recovered_value(self) -> None:
        # Recovered: 11.25, 12.50, next 13.75; P remembers 13.75; its 6th negative later pays 13.75.
        letters = "NNNNNNNP" + "NNNNN" + "NN" + "P" + "NNNNN" + "N"
        assert _vouchers(letters)[-1] == "13.75"

    def test_silvermans_variant_steps_by_150(self) -> None:
        params = Escalating(increment=D("1.50"))
        assert _run("NNNN", params) == [
            ("2.50", "0.00", 1),
            ("4.00", "0.00", 2),
            ("5.50", "10.00", 3),
            ("7.00", "0.00", 4),
        ]

    def test_reset_recovery_zero_means_no_recovery(self) -> None:
        params = Escalating(reset_recovery=0)
        letters = "NNNNNNNP" + "NNNNN" + "N"
        assert _vouchers(letters, params)[-6:] == ["2.50", "3.75", "5.00", "6.25", "7.50", "8.75"]

    def test_reset_recovery_one_restores_on_the_second_negative(self) -> None:
        params = Escalating(reset_recovery=1)
        # NNN: next would be 6.25; P; N pays 2.50; the 2nd negative pays 6.25.
        assert _vouchers("NNNPNN", params) == ["2.50", "3.75", "5.00", "0.00", "2.50", "6.25"]

    def test_it_accepts_outcome_letters_as_strings(self) -> None:
        earnings = escalating_earnings(Escalating(), ["N", "P", "N"])  # type: ignore[list-item]
        assert [e.outcome for e in earnings] == [Outcome.SUCCESS, Outcome.FAILURE, Outcome.SUCCESS]
        assert [e.index for e in earnings] == [1, 2, 3]


class TestEscalatingParameters:
    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"start": D("-2.50")}, "start"),
            ({"increment": D("-1")}, "increment"),
            ({"bonus": D("-10")}, "bonus"),
            ({"bonus_every": 0}, "bonus_every"),
            ({"reset_recovery": -1}, "reset_recovery"),
            ({"start": D("NaN")}, "start"),
        ],
    )
    def test_it_rejects_bad_parameters_by_name(self, kwargs: dict[str, object], name: str) -> None:
        with pytest.raises(ValueError, match=rf"^{name} must be"):
            Escalating(**kwargs)  # type: ignore[arg-type]

    def test_it_rejects_float_money(self) -> None:
        with pytest.raises(TypeError, match="start must be a Decimal"):
            Escalating(start=2.5)  # type: ignore[arg-type]

    def test_it_names_a_bad_result_letter(self) -> None:
        with pytest.raises(ValueError, match=r"Result 3 is 'X'"):
            outcomes_from_letters("NNX")


money = st.decimals(min_value=0, max_value=50, places=2)
schedules = st.builds(
    Escalating,
    start=money,
    increment=st.decimals(min_value=0, max_value=10, places=2),
    bonus=money,
    bonus_every=st.integers(1, 6),
    reset_recovery=st.integers(0, 7),
)
runs = st.lists(st.sampled_from(list(Outcome)), max_size=60)


class TestEscalatingProperties:
    @given(schedules, runs)
    def test_the_total_is_the_sum_of_each_event(self, params: Escalating, outcomes: list[Outcome]) -> None:
        earnings = escalating_earnings(params, outcomes)
        assert len(earnings) == len(outcomes)
        assert total_earned(earnings) == sum((e.voucher + e.bonus for e in earnings), D(0))
        for e in earnings:
            assert e.total == e.voucher + e.bonus

    @given(schedules, runs)
    def test_a_positive_or_missed_specimen_pays_nothing(self, params: Escalating, outcomes: list[Outcome]) -> None:
        for e in escalating_earnings(params, outcomes):
            if e.outcome is not Outcome.SUCCESS:
                assert (e.voucher, e.bonus, e.total, e.streak) == (0, 0, 0, 0)

    @given(schedules, runs)
    def test_a_negative_never_pays_less_than_the_start(self, params: Escalating, outcomes: list[Outcome]) -> None:
        for e in escalating_earnings(params, outcomes):
            if e.outcome is Outcome.SUCCESS:
                assert e.voucher >= params.start
                assert e.streak >= 1

    @given(schedules, runs)
    def test_earned_is_never_negative_or_taken_away(self, params: Escalating, outcomes: list[Outcome]) -> None:
        running = D(0)
        for e in escalating_earnings(params, outcomes):
            assert e.total >= 0
            running += e.total
            assert running >= 0

    @given(schedules, st.integers(1, 40))
    def test_an_unbroken_run_escalates_by_the_increment(self, params: Escalating, length: int) -> None:
        earnings = escalating_earnings(params, [Outcome.SUCCESS] * length)
        for k, e in enumerate(earnings, start=1):
            assert e.voucher == params.start + (k - 1) * params.increment
            assert e.bonus == (params.bonus if k % params.bonus_every == 0 else 0)
