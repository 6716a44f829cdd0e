"""insight_words: the insights page's sentences from the pure results — numbers, how many days, and how sure."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation

from waymark.companion import insight_words as words
from waymark.companion import insights


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Sentences in English whatever an earlier test's request left active (a companion page activates the
    person's language for the rest of its thread)."""
    with translation.override("en"):
        yield


def comparison(
    factor: str, confidence: str, group: tuple[int, float | None], other: tuple[int, float | None]
) -> insights.Comparison:
    keys = ("short_sleep", "enough_sleep") if factor == insights.SLEEP else ("meeting", "no_meeting")
    diff = None if group[1] is None or other[1] is None else group[1] - other[1]
    return insights.Comparison(factor, *keys, group[0], other[0], group[1], other[1], diff, None, None, confidence)


class TestComparisons:
    @pytest.mark.parametrize(
        ("confidence", "ending"),
        [
            (insights.LIKELY, "(from 40 and 120 days). This difference is probably real, not chance."),
            (insights.UNCLEAR, "(from 40 and 120 days). The difference could be chance."),
            (insights.NOT_ENOUGH_DATA, "(from 40 and 120 days), but there isn't enough data yet to say."),
        ],
    )
    def test_sleep_says_how_sure_it_is(self, confidence: str, ending: str) -> None:
        sentence = words.sleep_sentence(comparison(insights.SLEEP, confidence, (40, 6.1), (120, 4.0)))
        assert sentence == (
            "After nights when you slept less than 6 hours, your craving the next day averaged 6.1, compared with "
            "4.0 after longer sleep " + ending
        )

    def test_sleep_with_one_side_empty_says_what_is_missing(self) -> None:
        sentence = words.sleep_sentence(comparison(insights.SLEEP, insights.NOT_ENOUGH_DATA, (0, None), (12, 3.0)))
        assert (
            sentence.startswith("Not enough data yet")
            and "So far: 0 after short nights and 12 after longer ones." in sentence
        )

    def test_meetings(self) -> None:
        sentence = words.meeting_sentence(comparison(insights.MEETING, insights.LIKELY, (30, 2.44), (60, 4.0)))
        assert sentence == (
            "On days after you went to a meeting, your craving the next day averaged 2.4, compared with 4.0 after "
            "days without one (from 30 and 60 days). This difference is probably real, not chance."
        )

    def test_numbers_follow_the_language(self) -> None:
        with translation.override("es"):
            sentence = words.sleep_sentence(comparison(insights.SLEEP, insights.LIKELY, (40, 6.1), (120, 4.0)))
        assert "6,1" in sentence and "4,0" in sentence


class TestTriggers:
    def link(self, confidence: str, difference: float | None = 0.5) -> insights.TriggerLink:
        return insights.TriggerLink("stress", 20, 20, 16, 60, 18, 0.8, 0.3, difference, 0.3, 0.7, confidence)

    def test_a_likely_link(self) -> None:
        assert words.trigger_sentence(self.link(insights.LIKELY)) == (
            "On days you noted “Stress”, high craving (7 or more) or use followed the same day or the next 80% of "
            "the time (16 of 20 days), compared with 30% of other days (from 60 days). This link is probably real, "
            "not chance."
        )

    def test_unclear_and_not_enough(self) -> None:
        assert words.trigger_sentence(self.link(insights.UNCLEAR)).endswith("The difference could be chance.")
        assert words.trigger_sentence(self.link(insights.NOT_ENOUGH_DATA)).endswith(
            ", but there isn't enough data yet to say."
        )

    def test_only_triggers_followed_more_often_lead(self) -> None:
        summary = insights.summarise([], dt.date(2026, 3, 1))
        links = [self.link(insights.LIKELY, 0.5), self.link(insights.UNCLEAR, -0.1), self.link(insights.LIKELY, None)]
        summary = insights.Insights(**{**summary.__dict__, "trigger_links": links})
        assert words.leading_triggers(summary) == links[:1]

    def test_an_unknown_trigger_key_is_shown_as_it_is(self) -> None:
        assert words.trigger_name("cues") == "Seeing or hearing about use" and words.trigger_name("odd") == "odd"


class TestGroups:
    def groups(self, means: dict[str, float], n: int = 6) -> list[insights.GroupStat]:
        return [insights.GroupStat(day, n if day in means else 0, means.get(day)) for day in insights.WEEKDAYS]

    def summary(self, weekday: list[insights.GroupStat]) -> insights.Insights:
        base = insights.summarise([], dt.date(2026, 3, 1))
        return insights.Insights(**{**base.__dict__, "craving_by_weekday": weekday})

    def test_the_highest_weekday(self) -> None:
        sentence = words.weekday_sentence(self.summary(self.groups({"friday": 6.5, "monday": 3.0})))
        assert sentence.startswith("Your craving has been highest on Fridays: 6.5 on average, from 6 check-ins.")

    def test_close_averages_are_about_the_same(self) -> None:
        sentence = words.weekday_sentence(self.summary(self.groups({"friday": 3.3, "monday": 3.0})))
        assert sentence == "Your craving has been about the same on every day of the week with enough check-ins."

    def test_too_few_check_ins(self) -> None:
        assert words.weekday_sentence(self.summary(self.groups({"friday": 9.0}, n=4))).startswith(
            "There aren't enough check-ins yet"
        )


class TestWarningAndBars:
    def test_warning_sentences_name_each_signal(self) -> None:
        day = dt.date(2026, 3, 10)
        warning = insights.EarlyWarning(
            day,
            day - dt.timedelta(days=4),
            ((day - dt.timedelta(days=2), 3), (day, 7)),
            2.0,
            4.0,
            7,
            True,
            True,
            None,
            None,
        )
        said = words.warning_sentences(warning)
        assert said[0] == "Your craving has gone up over your last few check-ins: 3, 7 (out of 10)."
        assert "support person in the last 3 days" in said[1] and "meeting in the last 7 days" in said[2]
        assert "open your plan" in said[-1]

    @pytest.mark.parametrize(
        ("value", "top", "expected"),
        [
            (None, 10, "bar-0"),
            (0, 10, "bar-0"),
            (6.1, 10, "bar-6"),
            (10, 10, "bar-10"),
            (12, 10, "bar-10"),
            (0.35, 1.0, "bar-4"),
        ],
    )
    def test_bar_classes(self, value: float | None, top: float, expected: str) -> None:
        assert words.bar_class(value, top) == expected

    def test_the_disclaimer_says_it_is_not_a_diagnosis(self) -> None:
        assert "not a diagnosis" in str(words.DISCLAIMER)
