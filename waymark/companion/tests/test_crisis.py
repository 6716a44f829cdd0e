"""The crisis safety-net detector (waymark.companion.crisis) on a table of labelled phrases: positives in
English and Spanish, negations that must not count, negations that must not hide a crisis, everyday idioms,
third-party emergencies, accents, case, punctuation and long texts."""

import dataclasses
import re

import pytest

from waymark.companion import crisis
from waymark.companion.crisis import IDIOMS, OVERDOSE, PATTERNS, RULE_INFO, SUICIDE, CrisisAssessment, assess

S = frozenset({SUICIDE})
OV = frozenset({OVERDOSE})
SO = frozenset({SUICIDE, OVERDOSE})
N: frozenset[str] = frozenset()

# (text, language, expected kinds)
POSITIVES_EN = [
    ("I want to die", "en", S),
    ("I just want to die.", "en", S),
    ("Honestly I wanna die", "en", S),
    ("I WANT TO DIE", "en", S),
    ("wAnT tO dIe", "en", S),
    ("KILL MYSELF??", "en", S),
    ("i want to kill myself", "en", S),
    ("Thinking about killing myself again", "en", S),
    ("I'm going to end it all tonight", "en", S),
    ("I've been thinking about ending my life", "en", S),
    ("I want to take my own life", "en", S),
    ("I feel suicidal", "en", S),
    ("Having suicidal thoughts again today", "en", S),
    ("There's no reason to live anymore", "en", S),
    ("I have nothing left to live for", "en", S),
    ("Everyone would be better off without me", "en", S),
    ("I'd be better off dead", "en", S),
    ("I can't go on.", "en", S),
    ("I can't go on like this", "en", S),
    ("I can't take it anymore", "en", S),
    ("I want to hurt myself", "en", S),
    ("I've been cutting myself again", "en", S),
    ("wrote a goodbye letter to my kids", "en", S),
    ("I have a plan to end my life", "en", S),
    ("I don't want to live anymore", "en", S),
    ("I don't wanna be alive", "en", S),
    ("I'm not sure I want to live", "en", S),
    ("I don't want to live in this world anymore", "en", S),
    ("I wish I was dead", "en", S),
    ("I hope I don't wake up tomorrow", "en", S),
    ("I don't want to wake up tomorrow", "en", S),
    ("No one would even miss me", "en", S),
    ("Life isn't worth living", "en", S),
    ("I looked up how to die", "en", S),
    ("I'm giving away my things", "en", S),
    ("thinking of hanging myself", "en", S),
    ("Sometimes I think about suicide", "en", S),
    ("My sister says she wants to kill herself", "en", S),
    ("I'm going to unalive myself", "en", S),
    ("ugh kms", "en", S),
    ("I've lost the will to live", "en", S),
    ("I'm so tired of living", "en", S),
    ("I'm trying not to hurt myself tonight", "en", S),
    ("I want to die!!!", "en", S),
    ("I  want\u00a0to\n die", "en", S),
    ("I don\u2019t want to live anymore", "en", S),
    ("My brother died by suicide in March", "en", S),
    ("I don't think I want to be alive", "en", S),
    ("I think about ending things", "en", S),
    ("What's the point anymore", "en", S),
    ("I feel hopeless", "en", S),
    ("I'm a burden to everyone", "en", S),
    ("I don't see a way out", "en", S),
    ("I want to sleep forever", "en", S),
    ("I don't care if I die", "en", S),
    ("If I died tomorrow no one would notice", "en", S),
    ("I called the suicide prevention lifeline last night", "en", S),
]

POSITIVES_OVERDOSE_EN = [
    ("I think I overdosed", "en", OV),
    ("He OD'd last night", "en", OV),
    ("She is overdosing, what do I do", "en", OV),
    ("I took too much", "en", OV),
    ("took too many pills", "en", OV),
    ("My boyfriend isn't breathing", "en", OV),
    ("he's not breathing!!!", "en", OV),
    ("She won't wake up", "en", OV),
    ("I can't wake him up", "en", OV),
    ("can't wake my brother up", "en", OV),
    ("her lips are blue", "en", OV),
    ("his lips turned blue", "en", OV),
    ("He passed out after using", "en", OV),
    ("There was fentanyl in it and I feel like I'm dying", "en", OV),
    ("the dope was laced with fent", "en", OV),
    ("I want to use it all at once", "en", OV),
    ("thinking about taking everything", "en", OV),
    ("he's unresponsive", "en", OV),
    ("she is barely breathing", "en", OV),
    ("my friend overdosed last year and I miss him", "en", OV),
    ("pinpoint pupils and he won't respond", "en", OV),
    ("Jake won't wake up and his lips are purple", "en", OV),
    ("He's making gurgling sounds", "en", OV),
    ("he stopped breathing for a minute", "en", OV),
    ("did too much dope", "en", OV),
    ("I gave her Narcan and she's still not responding", "en", OV),
    ("No no he won't wake up", "en", OV),
    ("I'm not sure if she's breathing", "en", OV),
    ("I'm saving up my pills to end it", "en", SO),
    ("I'm going to OD on purpose", "en", SO),
    ("I swallowed the whole bottle", "en", SO),
    ("I want to kill myself and I think I overdosed", "en", SO),
]

POSITIVES_ES = [
    ("Quiero morir", "es", S),
    ("quiero morirme", "es", S),
    ("Me quiero morir", "es", S),
    ("ME QUIERO MORIR", "es", S),
    ("ya no quiero vivir", "es", S),
    ("No quiero vivir así", "es", S),
    ("no quiero vivir asi", "es", S),
    ("Pienso en matarme", "es", S),
    ("me voy a matar", "es", S),
    ("Quiero suicidarme", "es", S),
    ("Quiero quitarme la vida", "es", S),
    ("Quiero acabar con todo", "es", S),
    ("Estaría mejor muerta", "es", S),
    ("estarian mejor sin mi", "es", S),
    ("No vale la pena vivir", "es", S),
    ("No tengo ninguna razón para vivir", "es", S),
    ("Ya no puedo más.", "es", S),
    ("ya no puedo mas", "es", S),
    ("Tengo ganas de hacerme daño", "es", S),
    ("tengo ganas de hacerme dano", "es", S),
    ("Escribí una carta de despedida", "es", S),
    ("Ojalá no despertara", "es", S),
    ("Me tiraría de un puente", "es", S),
    ("Quiero tirarme de un puente", "es", S),
    ("mi amigo se suicidó", "es", S),
    ("Tomé demasiado", "es", OV),
    ("Creo que es una sobredosis", "es", OV),
    ("SOBREDOSIS", "es", OV),
    ("Mi hermano no respira", "es", OV),
    ("mi novio no despierta", "es", OV),
    ("No lo puedo despertar", "es", OV),
    ("Tiene los labios azules", "es", OV),
    ("se está poniendo morado", "es", OV),
    ("Me pasé de dosis", "es", OV),
    ("La droga tenía fentanilo y siento que me muero", "es", OV),
    ("Quiero tomarme todas las pastillas de una vez", "es", OV),
    ("Tengo pastillas para acabar con todo", "es", SO),
    ("Quisiera dormir y no despertar", "es", S),
    ("Siento que soy una carga para mi familia", "es", S),
    ("No hay salida", "es", S),
    ("La vida no tiene sentido", "es", S),
    ("Mi papá se suicidó hace años", "es", S),
    ("Mi prima tuvo una sobredosis el año pasado", "es", OV),
    ("Mi hijo está inconsciente", "es", OV),
    ("no no respira", "es", OV),
]

NEGATED = [
    ("I don't want to die", "en", N),
    ("I don\u2019t want to die", "en", N),
    ("I'm not suicidal", "en", N),
    ("I am no longer thinking of killing myself", "en", N),
    ("I never would kill myself", "en", N),
    ("I would never kill myself", "en", N),
    ("I'm not going to hurt myself", "en", N),
    ("I have never had suicidal thoughts", "en", N),
    ("No suicidal thoughts today", "en", N),
    ("I'm not thinking about ending my life", "en", N),
    ("I didn't overdose, I'm okay", "en", N),
    ("I don't wanna die", "en", N),
    ("I'm not feeling suicidal anymore", "en", N),
    ("no quiero morir", "es", N),
    ("No me quiero morir", "es", N),
    ("ya no pienso en suicidarme", "es", N),
    ("nunca me mataría", "es", N),
    ("nunca me mataria", "es", N),
    ("Jamás me quitaría la vida", "es", N),
    ("No tengo ganas de morir", "es", N),
    ("No voy a matarme, tengo a mis hijos", "es", N),
    ("No es que quiera morir", "es", N),
    ("Ya no soy suicida", "es", N),
    ("I'm not a burden", "en", N),
    ("I don't feel hopeless anymore", "en", N),
    ("I've stopped thinking about suicide", "en", N),
    ("I've never overdosed", "en", N),
    ("No me siento una carga", "es", N),
    ("No he pensado en suicidarme", "es", N),
    ("No tomé demasiado", "es", N),
]

# A negation elsewhere must not hide a crisis.
NEGATION_THAT_STILL_FLAGS = [
    ("I'm not okay, I want to die", "en", S),
    ("I'm not ok I want to die", "en", S),
    ("I don't know if I want to die", "en", S),
    ("I can't stop thinking about killing myself", "en", S),
    ("No one would care if I killed myself", "en", S),
    ("I'm not suicidal. But I want to kill myself sometimes.", "en", S),
    ("I don't want to die but I don't want to live either", "en", S),
    ("Not gonna lie, I want to die", "en", S),
    ("I haven't used. My friend isn't breathing though", "en", OV),
    ("I'm not suicidal. I just took too much and I can't feel my legs", "en", OV),
    ("I don't want to die. Please help, she won't wake up", "en", OV),
    ("No quiero morir, pero no quiero vivir así", "es", S),
    ("No estoy bien y quiero morir", "es", S),
    ("No sé si quiero morir", "es", S),
    ("No puedo dejar de pensar en matarme", "es", S),
    ("No quiero morir. Pero mi novio no respira", "es", OV),
]

IDIOMS_AND_EVERYDAY = [
    ("Killing it at work this week!", "en", N),
    ("This traffic is killing me", "en", N),
    ("I'm dying to see my kids", "en", N),
    ("Dead tired after group", "en", N),
    ("I nearly died laughing at my sponsor's joke", "en", N),
    ("My phone died", "en", N),
    ("I overdosed on coffee this morning", "en", N),
    ("Total Netflix overdose this weekend", "en", N),
    ("I OD'd on chocolate", "en", N),
    ("These shoes are killing me", "en", N),
    ("I could kill for a pizza", "en", N),
    ("I'm taking my life back one day at a time", "en", N),
    ("I want to die of embarrassment", "en", N),
    ("I was killing myself laughing", "en", N),
    ("I don't want to live with my parents anymore", "en", N),
    ("That took too much time", "en", N),
    ("I took all my meds this morning", "en", N),
    ("I hurt myself at the gym", "en", N),
    ("I can't go on vacation this year", "en", N),
    ("Ran 5 kms today", "en", N),
    ("cutting myself some slack today", "en", N),
    ("I want to live", "en", N),
    ("I feel like I'm dying, this flu is awful", "en", N),
    ("My tolerance is low after detox, so I'm being careful", "en", N),
    ("I'm shooting myself in the foot by skipping meetings", "en", N),
    ("Watched Suicide Squad with my son", "en", N),
    ("my alarm didn't wake me up", "en", N),
    ("He didn't come to group", "en", N),
    ("I'm dying for a coffee", "en", N),
    ("I can't wake up early anymore", "en", N),
    ("Craving was 7 today, went to a meeting, called my sponsor.", "en", N),
    ("Went to an overdose awareness day event", "en", N),
    ("I'm not breathing right, it's just panic", "en", N),
    ("There is no way out of this lease", "en", N),
    ("I feel hopeless about my cooking", "en", N),
    ("I'm better off without him", "en", N),
    ("My sponsor isn't responding to my texts", "en", N),
    ("His lips aren't blue anymore, he's okay now", "en", N),
    ("I did too much today, exhausted.", "en", N),
    ("He didn't wake up until noon, lazy Sunday.", "en", N),
    ("He stopped breathing through his mouth after the surgery", "en", N),
    ("That movie was about suicide bombers", "en", N),
    ("Mi hermano no despierta temprano nunca", "es", N),
    ("Me muero de risa", "es", N),
    ("me muero de hambre", "es", N),
    ("Estoy muerto de cansancio", "es", N),
    ("Me mata el calor", "es", N),
    ("Mi mamá me va a matar", "es", N),
    ("Mi jefe va a matarme si llego tarde", "es", N),
    ("Mi mamá me mataría si se entera", "es", N),
    ("Me quiero morir de vergüenza", "es", N),
    ("Tomé demasiado café", "es", N),
    ("Sobredosis de series este fin de semana", "es", N),
    ("Me muero por ver a mis hijos", "es", N),
    ("Me estoy matando estudiando", "es", N),
    ("Voy a matarme estudiando para el examen", "es", N),
    ("No quiero vivir en esta ciudad", "es", N),
    ("Quiero acabar con todo el trabajo hoy", "es", N),
    ("Hoy me corté el pelo", "es", N),
    ("", "en", N),
    ("   \n\t ", "es", N),
]

CODE_SWITCHING = [
    ("Bad day. Quiero morir.", "en", S),
    ("Estoy cansada, I want to die", "es", S),
    ("Mi hermano isn't breathing", "es", OV),
    ("My friend no respira", "en", OV),
]

ROWS = (
    POSITIVES_EN
    + POSITIVES_OVERDOSE_EN
    + POSITIVES_ES
    + NEGATED
    + NEGATION_THAT_STILL_FLAGS
    + IDIOMS_AND_EVERYDAY
    + CODE_SWITCHING
)


def test_the_table_is_large_enough() -> None:
    assert len(ROWS) >= 120
    assert len({(text, language) for text, language, _ in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("text", "language", "expected"), ROWS, ids=[f"{lang}:{text[:40]}" for text, lang, _ in ROWS])
def test_it_labels_the_phrase(text: str, language: str, expected: frozenset[str]) -> None:
    result = assess(text, language)
    assert result.kinds == expected, result.matches
    assert result.at_risk == bool(expected)


@pytest.mark.parametrize(("text", "language", "expected"), ROWS, ids=[f"{lang}:{text[:40]}" for text, lang, _ in ROWS])
def test_it_returns_the_persons_own_words(text: str, language: str, expected: frozenset[str]) -> None:
    result = assess(text, language)
    assert bool(result.phrases) == bool(expected)
    for match in result.matches:
        assert match.phrase in text
        assert match.kind in expected
        assert match.phrase in result.phrases
    assert {m.kind for m in result.matches} == result.kinds
    assert len(set(result.phrases)) == len(result.phrases)


@pytest.mark.parametrize(("text", "language", "expected"), ROWS, ids=[f"{lang}:{text[:40]}" for text, lang, _ in ROWS])
def test_the_language_setting_does_not_change_the_result(text: str, language: str, expected: frozenset[str]) -> None:
    assert assess(text, "en") == assess(text, "es") == assess(text, "fr") == assess(text)


class TestPhrases:
    def test_it_keeps_accents_and_case_as_written(self) -> None:
        result = assess("Hoy sentí que ya no quiero vivir. Quiero MORIRME.", "es")
        assert result.phrases == ("no quiero vivir", "Quiero MORIRME")

    def test_it_keeps_accented_letters_inside_the_phrase(self) -> None:
        assert assess("Ojalá no despertara", "es").phrases == ("Ojalá no despertara",)
        assert assess("Me pasé de dosis anoche", "es").phrases == ("Me pasé de dosis",)
        assert assess("Quiero morír", "es").phrases == ("Quiero morír",)

    def test_it_keeps_curly_apostrophes_and_odd_spacing(self) -> None:
        assert assess("I don\u2019t want to live anymore").phrases == ("don\u2019t want to live",)
        assert assess("I  want\u00a0to\n die").phrases == ("want\u00a0to\n die",)

    def test_it_sees_through_invisible_characters(self) -> None:
        result = assess("thinking about sui\u200bcide")
        assert result.kinds == S
        assert result.phrases == ("sui\u200bcide",)

    def test_it_reports_matches_in_text_order_and_phrases_once(self) -> None:
        result = assess("He OD'd. I want to die. I want to die.")
        assert [m.phrase for m in result.matches] == ["OD'd", "want to die", "want to die"]
        assert [m.kind for m in result.matches] == [OVERDOSE, SUICIDE, SUICIDE]
        assert result.phrases == ("OD'd", "want to die")

    def test_one_phrase_can_signal_both_kinds(self) -> None:
        result = assess("I have pills to end it")
        assert result.kinds == SO
        assert result.phrases == ("pills to end it",)
        assert {(m.kind, m.pattern) for m in result.matches} == {
            (SUICIDE, "any.overdose.on_purpose"),
            (OVERDOSE, "any.overdose.on_purpose"),
        }

    def test_overlapping_matches_of_one_kind_keep_the_longest(self) -> None:
        result = assess("I'm going to OD on purpose")
        assert [(m.kind, m.phrase) for m in result.matches] == [(SUICIDE, "OD on purpose"), (OVERDOSE, "OD on purpose")]

    def test_a_negated_and_a_positive_sentence_keep_only_the_positive(self) -> None:
        result = assess("I'm not suicidal. But I want to kill myself sometimes.")
        assert result.phrases == ("kill myself",)
        assert [m.pattern for m in result.matches] == ["en.suicide.kill_myself"]


class TestEmptyAndLong:
    @pytest.mark.parametrize("text", ["", " ", "\n\n", "\t \u00a0"])
    def test_it_returns_nothing_for_blank_text(self, text: str) -> None:
        assert assess(text) == CrisisAssessment(frozenset(), (), ())
        assert not assess(text).at_risk

    def test_it_finds_a_crisis_at_the_end_of_a_long_entry(self) -> None:
        filler = "Went to my meeting, called my sponsor, slept seven hours and cooked dinner. "
        text = filler * (20_000 // len(filler)) + "Tonight I want to end it all."
        assert len(text) >= 20_000
        result = assess(text)
        assert result.kinds == S
        assert result.phrases == ("end it all",)

    def test_a_long_everyday_entry_is_not_at_risk(self) -> None:
        text = ("Craving was low, this traffic is killing me, dead tired, me muero de hambre. " * 300)[:20_000]
        assert assess(text) == CrisisAssessment(frozenset(), (), ())

    def test_it_handles_a_long_run_of_one_character(self) -> None:
        assert assess("a" * 20_000 + " overdose").kinds == OV


class TestTables:
    def test_pattern_ids_are_unique_and_readable(self) -> None:
        ids = [p.id for p in PATTERNS]
        assert len(ids) == len(set(ids))
        for pattern in PATTERNS:
            assert re.fullmatch(r"(en|es|any)\.(suicide|overdose)\.[a-z_]+", pattern.id), pattern.id
            assert pattern.why.strip(), pattern.id
            assert pattern.kinds and set(pattern.kinds) <= {SUICIDE, OVERDOSE}, pattern.id

    def test_idiom_ids_are_unique_and_explained(self) -> None:
        ids = [i.id for i in IDIOMS]
        assert len(ids) == len(set(ids))
        for idiom in IDIOMS:
            assert re.fullmatch(r"(en|es)\.idiom\.[a-z_]+", idiom.id), idiom.id
            assert idiom.why.strip(), idiom.id

    def test_every_pattern_is_exercised_by_a_labelled_phrase(self) -> None:
        hit = {m.pattern for text, language, _ in ROWS for m in assess(text, language).matches}
        assert {p.id for p in PATTERNS} - hit == set()

    def test_every_idiom_is_exercised_by_a_labelled_phrase(self) -> None:
        idiom_rows = [text for text, _, expected in IDIOMS_AND_EVERYDAY if not expected]
        for idiom, compiled in zip(IDIOMS, crisis._COMPILED_IDIOMS, strict=True):
            assert any(compiled.search(crisis._normalise(text)[0]) for text in idiom_rows), idiom.id

    def test_negation_cues_are_not_bridges(self) -> None:
        # A word that is both would make the walk-back order matter; "no" and "nunca" must always negate.
        assert not crisis.NEGATION_CUES & crisis.NEGATION_BRIDGES

    def test_the_first_person_and_words_that_open_doubt_are_not_bridges(self) -> None:
        for word in ("i", "i'm", "yo", "if", "si", "whether", "know", "se", "stop", "dejar", "but", "pero", "and", "y"):
            assert word not in crisis.NEGATION_BRIDGES, word

    def test_the_assessment_is_immutable(self) -> None:
        result = assess("I want to die")
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.kinds = frozenset()  # type: ignore[misc]


class TestRuleInfo:
    def test_it_describes_every_rule_once(self) -> None:
        ids = [r.id for r in RULE_INFO]
        assert len(ids) == len(set(ids))
        assert crisis.DETECTOR in ids
        assert all(i.startswith("companion.crisis.") for i in ids)
        assert all(r.summary and r.default and r.source and r.configurable for r in RULE_INFO)

    def test_the_detector_entry_counts_the_table(self) -> None:
        detector = next(r for r in RULE_INFO if r.id == crisis.DETECTOR)
        assert detector.default.startswith(f"{len(PATTERNS)} patterns")
