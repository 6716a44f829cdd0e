"""The placement rule module (placement.py), rule by rule, with the edges: all
zeros, each dimension alone at 3 and at 4, an unsafe home, weak support, prior
attempts and relapses at the threshold and one below, pregnancy, co-occurring
conditions, the withdrawal-management level by the dimension 1 rating, OTP for
a person who chooses methadone, and the 4th edition."""

from dataclasses import replace

import pytest

from waymark.assess import placement as p
from waymark.assess.placement import PlacementFacts, PlacementSettings, recommend
from waymark.chart.models import LevelOfCare

ZEROS = (0, 0, 0, 0, 0, 0)
MILD = (1, 1, 1, 1, 1, 1)


def facts(ratings: tuple[int, ...] = MILD, **changes: object) -> PlacementFacts:
    return PlacementFacts(ratings=ratings, **changes)  # type: ignore[arg-type]


def alone(number: int, rating: int) -> tuple[int, ...]:
    return tuple(rating if n == number else 0 for n in range(1, 7))


def rule_ids(rec: p.Recommendation) -> list[str]:
    return [r.rule_id for r in rec.reasons]


class TestDimensionRatings:
    def test_all_zeros_is_early_intervention_with_one_reason(self) -> None:
        rec = recommend(facts(ZEROS))
        assert (rec.level, rec.label, rec.withdrawal_level) == ("0.5", "Early intervention", "")
        assert rec.reason_texts == ["All six dimensions rated 0 (no risk): level 0.5 (early intervention)."]

    def test_all_zeros_in_the_4th_edition_is_remission_monitoring(self) -> None:
        rec = recommend(facts(ZEROS, edition="4"))
        assert (rec.level, rec.label, rec.edition) == ("1.0", "Long-term remission monitoring", "4")

    def test_all_mild_is_outpatient(self) -> None:
        rec = recommend(facts(MILD))
        assert rec.level == "1"
        assert len(rec.reasons) == 6
        assert all(r.rule_id == p.DIMENSION_RATINGS and "rated 1 (mild risk)" in r.text for r in rec.reasons)

    @pytest.mark.parametrize(
        ("number", "expected", "name"),
        [
            (1, "4", "acute intoxication/withdrawal potential"),
            (2, "4", "biomedical conditions"),
            (3, "4", "emotional, behavioural or cognitive conditions"),
            (4, "3.5", "readiness to change"),
            (5, "3.5", "relapse/continued use potential"),
            (6, "3.5", "recovery/living environment"),
        ],
    )
    def test_each_dimension_alone_at_4(self, number: int, expected: str, name: str) -> None:
        rec = recommend(facts(alone(number, 4)))
        assert rec.level == expected
        assert rec.reason_texts[0].startswith(f"Dimension {number} ({name}) rated 4 (severe risk): at least level")

    @pytest.mark.parametrize(
        ("number", "expected"), [(1, "3.7"), (2, "3.7"), (3, "3.7"), (4, "2.5"), (5, "2.5"), (6, "3.1")]
    )
    def test_each_dimension_alone_at_3(self, number: int, expected: str) -> None:
        assert recommend(facts(alone(number, 3))).level == expected

    @pytest.mark.parametrize(
        ("number", "at_3", "at_4", "name"),
        [
            (1, "3.7", "4", "intoxication, withdrawal and addiction medications"),
            (2, "3.7", "4", "biomedical conditions"),
            (3, "3.7", "4", "psychiatric and cognitive conditions"),
            (4, "2.5", "3.5", "substance use-related risks"),
            (5, "3.1", "3.5", "recovery environment interactions"),
            (6, "2.5", "3.5", "person-centered considerations"),
        ],
    )
    def test_4th_edition_dimensions(self, number: int, at_3: str, at_4: str, name: str) -> None:
        assert recommend(facts(alone(number, 3), edition="4")).level == at_3
        rec = recommend(facts(alone(number, 4), edition="4"))
        assert rec.level == at_4
        assert f"Dimension {number} ({name}) rated 4" in rec.reason_texts[0]

    def test_the_most_intensive_level_wins_and_its_reason_comes_first(self) -> None:
        rec = recommend(facts((1, 0, 3, 2, 0, 0)))
        assert rec.level == "3.7"
        assert rec.reason_texts[0].startswith("Dimension 3 ")
        assert [r.level for r in rec.reasons] == ["3.7", "2.1", "1"]

    def test_a_rating_of_2_is_intensive_outpatient(self) -> None:
        assert recommend(facts(alone(5, 2))).level == "2.1"
        assert recommend(facts(alone(5, 2), edition="4")).level == "2.1"


class TestHomeAndSupport:
    def test_an_unsafe_home_asks_for_residential_or_sober_living(self) -> None:
        rec = recommend(facts(MILD, home_safe=False))
        assert rec.level == "3.1"
        first = rec.reasons[0]
        assert first.rule_id == p.UNSAFE_HOME
        assert "home is not safe" in first.text and "sober living" in first.text

    def test_an_unsafe_home_does_not_lower_a_higher_level(self) -> None:
        rec = recommend(facts(alone(2, 4), home_safe=False))
        assert rec.level == "4"
        assert p.UNSAFE_HOME in rule_ids(rec)

    def test_little_or_no_support_asks_for_residential(self) -> None:
        rec = recommend(facts(MILD, support="none"))
        assert rec.level == "3.1"
        assert rec.reasons[0].rule_id == p.WEAK_SUPPORT
        assert "Little or no support" in rec.reason_texts[0]

    @pytest.mark.parametrize("support", ["some", "strong"])
    def test_some_support_is_enough_for_outpatient(self, support: str) -> None:
        rec = recommend(facts(MILD, support=support))
        assert rec.level == "1"
        assert p.WEAK_SUPPORT not in rule_ids(rec)

    def test_both_give_two_reasons(self) -> None:
        rec = recommend(facts(MILD, home_safe=False, support="none"))
        assert rule_ids(rec)[:2] == [p.UNSAFE_HOME, p.WEAK_SUPPORT]


class TestPriorAttempts:
    def test_at_the_threshold_start_inpatient(self) -> None:
        rec = recommend(facts(MILD, prior_treatment_attempts=3, prior_relapses=3))
        assert rec.level == "3.7"
        assert rec.reasons[0].rule_id == p.MANY_PRIOR_ATTEMPTS
        assert rec.reason_texts[0].startswith("3 prior treatment attempts and 3 relapses")
        assert "start inpatient" in rec.reason_texts[0]

    @pytest.mark.parametrize(("attempts", "relapses"), [(2, 3), (3, 2), (2, 2), (0, 10)])
    def test_one_below_either_threshold_does_not_fire(self, attempts: int, relapses: int) -> None:
        rec = recommend(facts(MILD, prior_treatment_attempts=attempts, prior_relapses=relapses))
        assert rec.level == "1"
        assert p.MANY_PRIOR_ATTEMPTS not in rule_ids(rec)

    def test_the_program_sets_what_many_means(self) -> None:
        settings = PlacementSettings(many_attempts=5, many_relapses=2)
        assert recommend(facts(MILD, prior_treatment_attempts=4, prior_relapses=9), settings).level == "1"
        rec = recommend(facts(MILD, prior_treatment_attempts=5, prior_relapses=2), settings)
        assert rec.level == "3.7"
        assert "the program counts 5 attempts and 2 relapses as many" in rec.reason_texts[0]

    def test_4th_edition_starts_at_medically_managed_residential(self) -> None:
        rec = recommend(facts(MILD, edition="4", prior_treatment_attempts=3, prior_relapses=3))
        assert (rec.level, rec.label) == ("3.7", "Medically managed residential")


class TestNotes:
    def test_pregnancy_is_a_note_and_leaves_the_level(self) -> None:
        plain = recommend(facts(MILD))
        rec = recommend(facts(MILD, pregnant=True))
        assert rec.level == plain.level
        assert rec.reasons[-1].rule_id == p.PREGNANCY
        assert rec.reasons[-1].level == ""
        assert "priority admission" in rec.reason_texts[-1]

    def test_pregnancy_with_methadone_recommends_otp_with_the_priority_note(self) -> None:
        rec = recommend(facts(MILD, pregnant=True, wants_methadone=True))
        assert rec.level == "OTP"
        assert p.PREGNANCY in rule_ids(rec)

    @pytest.mark.parametrize(
        ("edition", "name"),
        [("3", "emotional, behavioural or cognitive conditions"), ("4", "psychiatric and cognitive")],
    )
    def test_co_occurring_conditions_point_to_dimension_3(self, edition: str, name: str) -> None:
        rec = recommend(facts(MILD, edition=edition, co_occurring=True))
        assert rec.reasons[-1].rule_id == p.CO_OCCURRING
        assert f"dimension 3 ({name}" in rec.reason_texts[-1]
        assert rec.level == recommend(facts(MILD, edition=edition)).level


class TestWithdrawal3rdEdition:
    @pytest.mark.parametrize(("d1", "expected"), [(0, "1-WM"), (1, "1-WM"), (2, "2-WM"), (3, "3.7-WM"), (4, "4-WM")])
    def test_the_withdrawal_level_follows_dimension_1(self, d1: int, expected: str) -> None:
        rec = recommend(facts((d1, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True))
        assert rec.withdrawal_level == expected
        assert rec.withdrawal_label == p.LEVELS_3[expected].label
        reason = next(r for r in rec.reasons if r.rule_id == p.WITHDRAWAL_LEVEL)
        assert f"dimension 1 is rated {d1}" in reason.text and expected in reason.text

    @pytest.mark.parametrize(
        ("d1", "expected"), [(0, "3.2-WM"), (1, "3.2-WM"), (2, "3.2-WM"), (3, "3.7-WM"), (4, "4-WM")]
    )
    def test_an_unsafe_home_makes_it_residential(self, d1: int, expected: str) -> None:
        rec = recommend(facts((d1, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True, home_safe=False))
        assert rec.withdrawal_level == expected

    def test_weak_support_makes_it_residential(self) -> None:
        rec = recommend(facts((1, 0, 0, 0, 0, 0), needs_supervised_withdrawal=True, support="none"))
        assert rec.withdrawal_level == "3.2-WM"

    def test_no_withdrawal_level_unless_supervision_is_needed(self) -> None:
        rec = recommend(facts((4, 0, 0, 0, 0, 0)))
        assert rec.withdrawal_level == ""
        assert p.WITHDRAWAL_LEVEL not in rule_ids(rec)

    def test_the_main_level_is_kept_beside_the_withdrawal_level(self) -> None:
        rec = recommend(facts((2, 0, 0, 0, 0, 3), needs_supervised_withdrawal=True))
        assert (rec.level, rec.withdrawal_level) == ("3.1", "2-WM")


class TestFourthEdition:
    @pytest.mark.parametrize(("d1", "expected"), [(0, "1.7"), (1, "1.7"), (2, "2.7"), (3, "3.7"), (4, "4")])
    def test_withdrawal_is_built_into_the_medically_managed_levels(self, d1: int, expected: str) -> None:
        rec = recommend(facts((d1, 0, 0, 0, 0, 0), edition="4", needs_supervised_withdrawal=True))
        assert rec.level == expected
        assert rec.withdrawal_level == ""
        assert p.LEVELS_4[expected].medically_managed
        # Below 3 it alone raises the level, so its reason comes first; at 3 and 4 the rating asks as much.
        reason = rec.reasons[0] if d1 < 3 else rec.reasons[1]
        assert reason.rule_id == p.WITHDRAWAL_BUILT_IN and reason.level == expected

    def test_a_clinically_managed_residential_level_becomes_medically_managed(self) -> None:
        rec = recommend(facts(MILD, edition="4", home_safe=False, needs_supervised_withdrawal=True))
        assert rec.level == "3.7"

    def test_no_level_0_5_and_no_withdrawal_levels(self) -> None:
        assert "0.5" not in p.LEVELS_4 and not any(code.endswith("-WM") for code in p.LEVELS_4)
        assert list(p.LEVELS_4) == ["1.0", "1.5", "1.7", "2.1", "2.5", "2.7", "3.1", "3.5", "3.7", "4"]

    def test_dimension_names(self) -> None:
        names = [d.name for d in p.DIMENSIONS[p.Edition.FOURTH]]
        assert names[3:] == [
            "Substance use-related risks",
            "Recovery environment interactions",
            "Person-centered considerations",
        ]


class TestMethadone:
    @pytest.mark.parametrize(
        ("ratings", "intensity"),
        [(ZEROS, "0.5"), (MILD, "1"), (alone(5, 2), "2.1"), (alone(4, 3), "2.5")],
    )
    def test_outpatient_intensity_and_methadone_is_otp(self, ratings: tuple[int, ...], intensity: str) -> None:
        rec = recommend(facts(ratings, wants_methadone=True))
        assert (rec.level, rec.label) == ("OTP", "Opioid treatment program (OTP)")
        assert rec.intensity_level == intensity
        first = rec.reasons[0]
        assert first.rule_id == p.OTP_METHADONE
        assert "chooses methadone" in first.text and "opioid treatment program" in first.text
        assert "Counselling may not be made a condition" in first.text

    def test_residential_with_methadone_stays_residential_with_a_note(self) -> None:
        rec = recommend(facts(MILD, home_safe=False, wants_methadone=True))
        assert rec.level == "3.1"
        note = next(r for r in rec.reasons if r.rule_id == p.OTP_METHADONE)
        assert note.level == "" and "arrange it with one" in note.text

    def test_without_methadone_no_otp(self) -> None:
        assert recommend(facts(MILD)).level == "1"

    def test_4th_edition_keeps_the_level_and_the_chart_says_otp(self) -> None:
        rec = recommend(facts(MILD, edition="4", wants_methadone=True))
        assert rec.level == "1.5"
        assert any("no separate OTP level" in t for t in rec.reason_texts)
        assert p.chart_level("4", "1.5", methadone=True) == "otp"
        assert p.chart_level("4", "3.7", methadone=True) == "inpatient"
        assert p.chart_level("3", "2.1", methadone=True) == "intensive_outpatient"


class TestChecks:
    @pytest.mark.parametrize("bad", [5, -1, True, "2", None, 2.0])
    def test_a_rating_outside_0_to_4_is_named_by_dimension(self, bad: object) -> None:
        errors = p.check(facts((0, bad, 0, 0, 0, 0)))  # type: ignore[arg-type]
        assert list(errors) == ["rating_2"]
        assert errors["rating_2"].startswith("Dimension 2 (biomedical conditions): choose a rating from 0 to 4")
        with pytest.raises(ValueError, match="Dimension 2"):
            recommend(facts((0, bad, 0, 0, 0, 0)))  # type: ignore[arg-type]

    def test_six_ratings_are_needed(self) -> None:
        assert "ratings" in p.check(facts((1, 1, 1)))

    @pytest.mark.parametrize("bad", [-1, 51, True, "3"])
    def test_counts_are_0_to_50(self, bad: object) -> None:
        errors = p.check(facts(MILD, prior_treatment_attempts=bad, prior_relapses=bad))
        assert set(errors) == {"prior_treatment_attempts", "prior_relapses"}
        assert "from 0 to 50" in errors["prior_relapses"]

    def test_counts_at_the_edges_are_fine(self) -> None:
        assert p.check(facts(MILD, prior_treatment_attempts=0, prior_relapses=50)) == {}

    def test_support_and_yes_no_answers(self) -> None:
        errors = p.check(facts(MILD, support="lots", home_safe="yes"))
        assert set(errors) == {"support", "home_safe"}

    def test_unknown_edition(self) -> None:
        assert p.check(facts(MILD, edition="5")) == {"edition": 'The edition is "3" or "4".'}


class TestSettings:
    def test_defaults(self) -> None:
        assert p.settings_from({}) == PlacementSettings(edition="3", many_attempts=3, many_relapses=3)

    def test_a_program_may_choose_the_4th_edition_and_its_threshold(self) -> None:
        settings = p.settings_from({p.EDITION: "4", p.MANY_PRIOR_ATTEMPTS: {"attempts": 4, "relapses": 2}})
        assert settings == PlacementSettings(edition="4", many_attempts=4, many_relapses=2)
        assert p.settings_from({p.EDITION: 4, p.MANY_PRIOR_ATTEMPTS: 5}).many_relapses == 5

    @pytest.mark.parametrize(
        "bad",
        [
            {p.EDITION: "5"},
            {p.MANY_PRIOR_ATTEMPTS: {"attempts": 0}},
            {p.MANY_PRIOR_ATTEMPTS: {"tries": 3}},
            {p.MANY_PRIOR_ATTEMPTS: "many"},
            {p.MANY_PRIOR_ATTEMPTS: True},
        ],
    )
    def test_bad_settings_are_refused_naming_the_setting(self, bad: dict[str, object]) -> None:
        with pytest.raises(p.SettingsError, match=r"assess\.placement"):
            p.settings_from(bad)


class TestLevelsAndRules:
    def test_3rd_edition_levels(self) -> None:
        assert list(p.LEVELS_3) == [
            *("0.5", "1", "2.1", "2.5", "3.1", "3.3", "3.5", "3.7", "4", "OTP"),
            *("1-WM", "2-WM", "3.2-WM", "3.7-WM", "4-WM"),
        ]

    @pytest.mark.parametrize("edition", ["3", "4"])
    def test_every_level_maps_to_a_chart_level_of_care(self, edition: str) -> None:
        for code in p.levels(edition):
            assert p.chart_level(edition, code) in LevelOfCare.values
            assert p.chart_level(edition, code, methadone=True) in LevelOfCare.values

    def test_rule_info_covers_every_rule_a_reason_names(self) -> None:
        ids = [r.id for r in p.RULE_INFO]
        assert len(ids) == len(set(ids)) and all(i.startswith("assess.placement.") for i in ids)
        everything = facts(
            (3, 2, 1, 1, 1, 1),
            home_safe=False,
            support="none",
            prior_treatment_attempts=9,
            prior_relapses=9,
            pregnant=True,
            co_occurring=True,
            needs_supervised_withdrawal=True,
            wants_methadone=True,
        )
        seen = set(rule_ids(recommend(everything))) | set(rule_ids(recommend(replace(everything, edition="4"))))
        seen |= set(rule_ids(recommend(facts(ZEROS))))
        assert seen <= set(ids)
        assert len(seen) == 9  # the others (edition, the decision, the chart mapping) give no reasons

    def test_rule_texts_fit_a_markdown_table(self) -> None:
        for info in p.RULE_INFO:
            assert "|" not in info.summary + info.default + info.source + info.configurable
