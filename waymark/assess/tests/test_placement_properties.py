"""Properties of the placement rules over every combination hypothesis tries.

Intensity is honest to compare: the main levels of an edition are ordered by
their number (hours and medical care rise with it, REFERENCE.md §8), and OTP
keeps the main level the ratings asked for (`intensity_level`), so OTP is never
compared as if it were a step on that ladder."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from waymark.assess import placement as p
from waymark.assess.placement import PlacementFacts, recommend

ratings = st.tuples(*[st.integers(0, 4)] * 6)
counts = st.integers(0, 50)


@st.composite
def all_facts(draw: st.DrawFn) -> PlacementFacts:
    return PlacementFacts(
        ratings=draw(ratings),
        edition=draw(st.sampled_from(["3", "4"])),
        prior_treatment_attempts=draw(counts),
        prior_relapses=draw(counts),
        home_safe=draw(st.booleans()),
        support=draw(st.sampled_from(p.SUPPORT)),
        pregnant=draw(st.booleans()),
        co_occurring=draw(st.booleans()),
        needs_supervised_withdrawal=draw(st.booleans()),
        wants_methadone=draw(st.booleans()),
    )


def intensity(facts: PlacementFacts) -> int:
    rec = recommend(facts)
    return p.intensity_rank(rec.edition, rec.intensity_level)


@given(all_facts(), st.integers(0, 5), st.integers(1, 4))
def test_raising_a_rating_never_lowers_the_intensity(facts: PlacementFacts, index: int, step: int) -> None:
    raised = list(facts.ratings)
    raised[index] = min(4, raised[index] + step)
    assert intensity(replace(facts, ratings=tuple(raised))) >= intensity(facts)


@given(all_facts())
def test_a_harder_situation_never_lowers_the_intensity(facts: PlacementFacts) -> None:
    before = intensity(facts)
    assert intensity(replace(facts, home_safe=False)) >= before
    assert intensity(replace(facts, support="none")) >= before
    assert intensity(replace(facts, needs_supervised_withdrawal=True)) >= before
    attempts, relapses = min(50, facts.prior_treatment_attempts + 1), min(50, facts.prior_relapses + 1)
    assert intensity(replace(facts, prior_treatment_attempts=attempts, prior_relapses=relapses)) >= before


@given(all_facts(), st.integers(1, 4))
def test_raising_dimension_1_never_lowers_the_withdrawal_level(facts: PlacementFacts, step: int) -> None:
    facts = replace(facts, edition="3", needs_supervised_withdrawal=True)
    raised = replace(facts, ratings=(min(4, facts.ratings[0] + step), *facts.ratings[1:]))
    before, after = recommend(facts).withdrawal_level, recommend(raised).withdrawal_level
    assert p.LEVELS_3[after].rank >= p.LEVELS_3[before].rank


@given(all_facts())
def test_the_level_is_explained_by_a_reason(facts: PlacementFacts) -> None:
    rec = recommend(facts)
    assert rec.level in p.levels(rec.edition)
    asked = [r.level for r in rec.reasons if r.level]
    assert rec.intensity_level in asked
    assert all(
        p.intensity_rank(rec.edition, code) <= p.intensity_rank(rec.edition, rec.intensity_level) for code in asked
    )
    assert all(r.rule_id in {i.id for i in p.RULE_INFO} for r in rec.reasons)


@given(all_facts())
def test_otp_only_for_methadone_at_outpatient_intensity_in_the_3rd_edition(facts: PlacementFacts) -> None:
    rec = recommend(facts)
    outpatient = p.level(rec.edition, rec.intensity_level).setting is p.Setting.OUTPATIENT
    assert (rec.level == "OTP") == (facts.wants_methadone and outpatient and facts.edition == "3")
    if rec.level != "OTP":
        assert rec.level == rec.intensity_level


@given(all_facts())
def test_withdrawal_levels_only_in_the_3rd_edition_when_supervision_is_needed(facts: PlacementFacts) -> None:
    rec = recommend(facts)
    assert bool(rec.withdrawal_level) == (facts.edition == "3" and facts.needs_supervised_withdrawal)
    if facts.edition == "4" and facts.needs_supervised_withdrawal:
        assert p.LEVELS_4[rec.level].medically_managed
