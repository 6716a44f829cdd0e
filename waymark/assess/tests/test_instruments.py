"""The instrument definitions against REFERENCE.md §1–4: item ids and allowed
scores, every band edge, the DSM-5 supervision rule and remission, the PHQ-9
item-9 flag, invalid answers named by item; and, as properties, that a total
is the sum of valid answers and that the band never goes down as the total
goes up. Pure module: no database."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.assess import instruments
from waymark.assess.instruments import AnswerError, score
from waymark.assess.tests.instrument_helpers import COWS_IDS

# REFERENCE.md §1, item by item.
COWS_ALLOWED = {
    "pulse": (0, 1, 2, 4),
    "sweating": (0, 1, 2, 3, 4),
    "restlessness": (0, 1, 3, 5),
    "pupils": (0, 1, 2, 5),
    "aches": (0, 1, 2, 4),
    "rhinorrhea": (0, 1, 2, 4),
    "gi_upset": (0, 1, 2, 3, 5),
    "tremor": (0, 1, 2, 4),
    "yawning": (0, 1, 2, 4),
    "anxiety": (0, 1, 2, 4),
    "gooseflesh": (0, 3, 5),
}


def answers_totalling(code: str, total: int) -> dict[str, int]:
    """Valid answers whose sum is exactly `total` (greedy from the largest allowed scores)."""
    instrument = instruments.get(code)
    left = total
    answers = {}
    for item in instrument.items:
        value = max((v for v in item.allowed() if int(v) <= left), default=0)
        answers[item.id] = int(value)
        left -= int(value)
    assert left == 0, f"no valid answers total {total}"
    return answers


def dsm5(met: int, **kwargs: Any) -> instruments.Score:
    ids = [item.id for item in instruments.DSM5_OUD.items]
    return score("dsm5-oud", {item_id: n < met for n, item_id in enumerate(ids)}, **kwargs)


class TestDefinitions:
    def test_the_five_instruments_in_order(self) -> None:
        assert list(instruments.INSTRUMENTS) == ["dsm5-oud", "cows", "sows", "phq9", "gad7"]

    def test_cows_items_are_the_reference_ids_in_order_with_their_allowed_scores(self) -> None:
        assert [item.id for item in instruments.COWS.items] == COWS_IDS
        assert {item.id: item.allowed() for item in instruments.COWS.items} == COWS_ALLOWED
        assert instruments.COWS.max_total == 48

    def test_sizes_and_ranges(self) -> None:
        assert (len(instruments.SOWS.items), instruments.SOWS.max_total) == (16, 64)
        assert all(item.allowed() == (0, 1, 2, 3, 4) for item in instruments.SOWS.items)
        assert (len(instruments.PHQ9.items), instruments.PHQ9.max_total) == (9, 27)
        assert (len(instruments.GAD7.items), instruments.GAD7.max_total) == (7, 21)
        assert len(instruments.DSM5_OUD.items) == 11
        assert instruments.PHQ9.items[8].id == "self_harm"

    def test_sows_has_no_bands(self) -> None:
        result = score("sows", [4] * 16)
        assert (result.total, result.band, result.band_label) == (64, None, "")
        assert "trend" in result.interpretation

    def test_spanish_dsm5_keeps_ids_and_values(self) -> None:
        spanish = instruments.DSM5_OUD.translated("es")
        assert [i.id for i in spanish.items] == [i.id for i in instruments.DSM5_OUD.items]
        assert spanish.items[3].text.startswith("¿Ha tenido ansias")
        assert [c.label for c in spanish.items[0].choices] == ["Sí", "No"]
        assert getattr(spanish.band_for(6), "label", None) == "Grave (6 o más criterios)"
        # A language without a translation falls back to English.
        assert instruments.COWS.translated("es") is instruments.COWS


class TestBandEdges:
    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "below-mild"),
            (4, "below-mild"),
            (5, "mild"),
            (12, "mild"),
            (13, "moderate"),
            (24, "moderate"),
            (25, "moderately-severe"),
            (36, "moderately-severe"),
            (37, "severe"),
            (48, "severe"),
        ],
    )
    def test_cows(self, total: int, band: str) -> None:
        result = score("cows", answers_totalling("cows", total))
        assert (result.total, result.band) == (total, band)

    @pytest.mark.parametrize(
        ("met", "band"),
        [
            (0, "none"),
            (1, "none"),
            (2, "mild"),
            (3, "mild"),
            (4, "moderate"),
            (5, "moderate"),
            (6, "severe"),
            (11, "severe"),
        ],
    )
    def test_dsm5(self, met: int, band: str) -> None:
        result = dsm5(met)
        assert (result.total, result.band) == (met, band)

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately-severe"),
            (19, "moderately-severe"),
            (20, "severe"),
            (27, "severe"),
        ],
    )
    def test_phq9(self, total: int, band: str) -> None:
        result = score("phq9", answers_totalling("phq9", total))
        assert (result.total, result.band) == (total, band)

    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ],
    )
    def test_gad7(self, total: int, band: str) -> None:
        result = score("gad7", answers_totalling("gad7", total))
        assert (result.total, result.band) == (total, band)


class TestDsm5Rules:
    def test_tolerance_and_withdrawal_do_not_count_under_medical_supervision(self) -> None:
        answers = {item.id: False for item in instruments.DSM5_OUD.items} | {
            "craving": True,
            "tolerance": True,
            "withdrawal": True,
        }
        unsupervised = score("dsm5-oud", answers)
        supervised = score("dsm5-oud", answers, under_medical_supervision=True)
        assert (unsupervised.total, unsupervised.band) == (3, "mild")
        assert (supervised.total, supervised.band) == (1, "none")
        assert [f.code for f in supervised.flags] == ["supervision_excluded"]
        assert "Tolerance and withdrawal not counted" in supervised.flags[0].message

    def test_supervision_changes_nothing_without_tolerance_or_withdrawal(self) -> None:
        result = dsm5(4, under_medical_supervision=True)
        assert (result.total, result.band, result.flags) == (4, "moderate", ())

    def test_supervision_at_the_mild_edge(self) -> None:
        # Two countable criteria plus tolerance: supervised it stays mild (2), not moderate.
        answers = {item.id: False for item in instruments.DSM5_OUD.items} | {
            "craving": True,
            "cut_down": True,
            "tolerance": True,
        }
        assert score("dsm5-oud", answers).band == "mild"
        assert score("dsm5-oud", answers, under_medical_supervision=True).total == 2

    @pytest.mark.parametrize(("months", "remission"), [(2, None), (3, "early"), (11, "early"), (12, "sustained")])
    def test_remission_by_months(self, months: int, remission: str | None) -> None:
        assert instruments.remission_for(months) == remission
        assert instruments.remission_for(months, craving_only=False) is None

    def test_remission_and_specifiers_in_the_interpretation(self) -> None:
        result = dsm5(1, remission="sustained", specifiers=["on_maintenance_therapy"])
        assert result.remission == "sustained" and result.specifiers == ("on_maintenance_therapy",)
        assert "sustained remission, on maintenance therapy" in result.interpretation

    def test_unknown_remission_or_specifier_is_named(self) -> None:
        with pytest.raises(AnswerError) as caught:
            dsm5(1, remission="partial", specifiers=["at_home"])
        assert set(caught.value.errors) == {"remission", "specifiers"}


class TestPhq9SafetyFlag:
    @pytest.mark.parametrize("item9", [1, 2, 3])
    def test_any_non_zero_item_9_flags_even_with_a_low_total(self, item9: int) -> None:
        result = score("phq9", [0] * 8 + [item9])
        assert result.total == item9 and result.band == "minimal"
        assert [(f.code, f.urgent) for f in result.flags] == [("self_harm", True)]
        assert "988" in result.flags[0].message

    def test_no_flag_when_item_9_is_zero_even_with_a_severe_total(self) -> None:
        result = score("phq9", [3] * 8 + [0])
        assert (result.total, result.band, result.flags) == (24, "severe", ())


class TestInvalidAnswers:
    def test_a_score_outside_the_items_allowed_set_is_named(self) -> None:
        with pytest.raises(AnswerError) as caught:
            score("cows", [3] + [0] * 10)
        assert caught.value.errors == {"pulse": "3 is not an allowed score for this item; allowed: 0, 1, 2, 4."}

    def test_missing_and_unknown_items_are_named(self) -> None:
        answers: dict[str, object] = dict.fromkeys(COWS_IDS, 0)
        del answers["pupils"]
        answers["heart_rate"] = 1
        with pytest.raises(AnswerError) as caught:
            score("cows", answers)
        assert caught.value.errors["pupils"] == "missing answer."
        assert "no item 'heart_rate'" in caught.value.errors["heart_rate"]

    def test_wrong_number_of_answers_in_a_list(self) -> None:
        with pytest.raises(AnswerError) as caught:
            score("gad7", [0] * 6)
        assert caught.value.errors == {
            "answers": "GAD-7 has 7 items; 6 answers were given (in item order: nervous, control_worry, "
            "worry_too_much, trouble_relaxing, restless, irritable, afraid)."
        }

    @pytest.mark.parametrize("bad", [True, 1.0, "2", -1, 4])
    def test_wrong_types_and_out_of_range_for_a_0_to_3_item(self, bad: object) -> None:
        with pytest.raises(AnswerError) as caught:
            score("phq9", [bad] + [0] * 8)
        assert list(caught.value.errors) == ["interest"]

    @pytest.mark.parametrize("bad", [1, 0, "yes", None])
    def test_dsm5_answers_must_be_booleans(self, bad: object) -> None:
        with pytest.raises(AnswerError) as caught:
            score("dsm5-oud", [bad] + [False] * 10)
        assert list(caught.value.errors) == ["larger_longer"]

    def test_an_unknown_instrument(self) -> None:
        with pytest.raises(instruments.UnknownInstrument):
            score("audit-c", [])

    def test_supervision_on_another_instrument_is_refused(self) -> None:
        with pytest.raises(AnswerError):
            score("cows", [0] * 11, under_medical_supervision=True)


def valid_answers(code: str) -> st.SearchStrategy[list[Any]]:
    return st.tuples(*(st.sampled_from(item.allowed()) for item in instruments.get(code).items)).map(list)


@pytest.mark.parametrize("code", ["cows", "sows", "phq9", "gad7"])
@given(data=st.data())
def test_total_is_the_sum_of_valid_answers(code: str, data: st.DataObject) -> None:
    answers = data.draw(valid_answers(code))
    result = score(code, answers)
    assert result.total == sum(answers)
    # The same answers keyed by item id score the same.
    keyed = {item.id: value for item, value in zip(instruments.get(code).items, answers, strict=True)}
    assert score(code, keyed) == result


@given(answers=valid_answers("dsm5-oud"), supervised=st.booleans())
def test_dsm5_total_counts_the_yes_answers(answers: list[bool], supervised: bool) -> None:
    excluded = sum(answers[9:]) if supervised else 0
    assert score("dsm5-oud", answers, under_medical_supervision=supervised).total == sum(answers) - excluded


@pytest.mark.parametrize("code", ["dsm5-oud", "cows", "phq9", "gad7"])
@given(data=st.data())
def test_band_is_monotone_in_the_total(code: str, data: st.DataObject) -> None:
    instrument = instruments.get(code)
    top = 11 if code == "dsm5-oud" else instrument.max_total
    low = data.draw(st.integers(0, top))
    high = data.draw(st.integers(low, top))
    order = instruments.band_order(code)
    low_band, high_band = instrument.band_for(low), instrument.band_for(high)
    assert low_band is not None and high_band is not None
    assert order.index(low_band.code) <= order.index(high_band.code)


@pytest.mark.parametrize("code", ["dsm5-oud", "cows", "phq9", "gad7"])
def test_bands_cover_every_possible_total_once(code: str) -> None:
    instrument = instruments.get(code)
    top = 11 if code == "dsm5-oud" else instrument.max_total
    covered = [t for band in instrument.bands for t in range(band.low, band.high + 1)]
    assert covered == list(range(top + 1))
