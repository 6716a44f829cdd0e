"""The window's match between what the nurse confirms and the order
(rule meds.window.matches_order): a mismatch blocks, a 10-fold difference is named."""

from decimal import Decimal

import pytest

from waymark.meds import rules


def mismatch(ordered: str, given: str, ordered_conc: str | None = "10", given_conc: str | None = "10") -> str | None:
    return rules.dose_mismatch(
        ordered_mg=Decimal(ordered),
        given_mg=Decimal(given),
        ordered_concentration=Decimal(ordered_conc) if ordered_conc is not None else None,
        given_concentration=Decimal(given_conc) if given_conc is not None else None,
    )


class TestDoseMismatch:
    def test_an_exact_match_goes_ahead(self) -> None:
        assert mismatch("80", "80") is None

    def test_trailing_zeros_are_the_same_amount(self) -> None:
        assert mismatch("80", "80.0", "10", "10.00") is None

    @pytest.mark.parametrize(("ordered", "given"), [("80", "8"), ("8", "80"), ("16", "160"), ("2.5", "25")])
    def test_a_10_fold_error_is_named(self, ordered: str, given: str) -> None:
        problem = mismatch(ordered, given)
        assert problem is not None
        assert "10-fold" in problem
        assert f"{Decimal(given):g} mg" in problem and f"ordered {Decimal(ordered):g} mg" in problem
        assert "decimal point" in problem

    def test_a_100_fold_error_is_named_too(self) -> None:
        problem = mismatch("80", "0.8")
        assert problem is not None and "10-fold" in problem

    @pytest.mark.parametrize(("ordered", "given"), [("80", "79"), ("80", "70"), ("80", "81")])
    def test_a_smaller_mismatch_blocks_without_naming_10_fold(self, ordered: str, given: str) -> None:
        problem = mismatch(ordered, given)
        assert problem is not None
        assert "10-fold" not in problem
        assert f"{given} mg does not match the ordered {ordered} mg" in problem
        assert "ask the prescriber" in problem

    @pytest.mark.parametrize(("ordered_conc", "given_conc"), [("10", "1"), ("1", "10")])
    def test_a_10_fold_concentration_error_is_named(self, ordered_conc: str, given_conc: str) -> None:
        problem = mismatch("80", "80", ordered_conc, given_conc)
        assert problem is not None
        assert "10-fold" in problem and "mg/mL" in problem
        assert f"order is for {ordered_conc} mg/mL" in problem and f"you confirmed {given_conc} mg/mL" in problem
        assert "stock bottle" in problem

    def test_a_smaller_concentration_mismatch_blocks_without_naming_10_fold(self) -> None:
        problem = mismatch("80", "80", "10", "5")
        assert problem is not None
        assert "mg/mL" in problem and "10-fold" not in problem

    def test_the_concentration_is_checked_before_the_amount(self) -> None:
        problem = mismatch("80", "8", "10", "1")
        assert problem is not None and "mg/mL" in problem

    def test_a_liquid_needs_its_concentration_confirmed(self) -> None:
        with pytest.raises(ValueError, match="concentration"):
            mismatch("80", "80", "10", None)

    def test_a_tablet_matches_on_mg_alone(self) -> None:
        assert mismatch("16", "16", None, None) is None
        problem = mismatch("16", "1.6", None, None)
        assert problem is not None and "10-fold" in problem

    @pytest.mark.parametrize(("given", "given_conc"), [("0", "10"), ("80", "0"), ("-80", "10")])
    def test_zero_or_negative_values_are_refused_not_divided_by(self, given: str, given_conc: str) -> None:
        with pytest.raises(ValueError):
            mismatch("80", given, "10", given_conc)


class TestMlFor:
    @pytest.mark.parametrize(
        ("mg", "concentration", "ml"),
        [("80", "10", "8.00"), ("45", "10", "4.50"), ("80", "1", "80.00"), ("1", "3", "0.33"), ("2", "3", "0.67")],
    )
    def test_it_gives_millilitres_to_two_places(self, mg: str, concentration: str, ml: str) -> None:
        volume = rules.ml_for(Decimal(mg), Decimal(concentration))
        assert volume == Decimal(ml)
        assert str(volume) == ml
