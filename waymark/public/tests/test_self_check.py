"""The "Am I addicted?" self-check: DSM-5 criteria in plain language (REFERENCE.md §3),
scored by the instrument engine, with severity and next steps; a missing answer
is named and the other answers kept; nothing is stored, logged, cached or put
in the URL."""

import logging
import re

import pytest
from django.apps import apps
from django.test import Client

from waymark.assess import instruments
from waymark.public.tests.helpers import ITEM_IDS, answers, section, text, url

SELF_CHECK = {"en": "/help/self-check/", "es": "/es/help/self-check/"}
FIND_TREATMENT = {"en": "/help/find-treatment/", "es": "/es/help/find-treatment/"}
PREPARING = {"en": "/help/preparing-for-treatment/", "es": "/es/help/preparing-for-treatment/"}

# Severity: 0–1 none · 2–3 mild · 4–5 moderate · 6+ severe (REFERENCE.md §3).
EDGES = [
    (0, "none"),
    (1, "none"),
    (2, "mild"),
    (3, "mild"),
    (4, "moderate"),
    (5, "moderate"),
    (6, "severe"),
    (11, "severe"),
]
MEANING = {
    "en": {
        "none": "Your answers do not point to opioid use disorder",
        "mild": "Your answers fit mild opioid use disorder",
        "moderate": "Your answers fit moderate opioid use disorder",
        "severe": "Your answers fit severe opioid use disorder",
    },
    "es": {
        "none": "Sus respuestas no indican un trastorno por consumo de opioides",
        "mild": "trastorno por consumo de opioides leve",
        "moderate": "trastorno por consumo de opioides moderado",
        "severe": "trastorno por consumo de opioides grave",
    },
}
NOT_A_DIAGNOSIS = {"en": "Decision support, not a diagnosis.", "es": "Apoyo para decidir, no un diagnóstico."}
MET = {"en": "Criteria met: {n} of 11.", "es": "Criterios cumplidos: {n} de 11."}


def checked(page: str, item_id: str) -> str | None:
    """The answer the form shows as chosen for this question ("yes", "no" or None)."""
    values = re.findall(rf'<input type="radio" name="{item_id}" value="(yes|no)" required checked>', page)
    assert len(values) <= 1
    return values[0] if values else None


@pytest.mark.parametrize("lang", ["en", "es"])
class TestScoring:
    @pytest.mark.parametrize("yes, band", EDGES)
    def test_it_shows_the_severity_at_each_edge(self, client: Client, lang: str, yes: int, band: str) -> None:
        response = client.post(SELF_CHECK[lang], answers(yes))
        assert response.status_code == 200
        result = text(section(response.content.decode(), "result"))
        expected = instruments.get("dsm5-oud").translated(lang).band_for(yes)
        assert expected is not None and expected.code == band
        assert expected.label in result  # e.g. "Moderate (4–5 criteria)" / "Moderado (4–5 criterios)"
        assert MET[lang].format(n=yes) in result
        assert MEANING[lang][band] in result
        assert NOT_A_DIAGNOSIS[lang] in result

    @pytest.mark.parametrize("yes", [0, 1, 2, 5, 6, 11])
    def test_next_steps_link_to_treatment_and_the_helpline(self, client: Client, lang: str, yes: int) -> None:
        result = section(client.post(SELF_CHECK[lang], answers(yes)).content.decode(), "result")
        assert f'href="{FIND_TREATMENT[lang]}"' in result
        assert 'href="tel:18006624357"' in result
        # The checklist for getting ready is offered once the answers point to the disorder.
        assert (f'href="{PREPARING[lang]}"' in result) == (yes >= 2)

    def test_the_result_keeps_the_answers_to_change(self, client: Client, lang: str) -> None:
        page = client.post(SELF_CHECK[lang], answers(3)).content.decode()
        assert [checked(page, item_id) for item_id in ITEM_IDS] == ["yes"] * 3 + ["no"] * 8
        assert f'<a href="{SELF_CHECK[lang]}">' in section(page, "result")  # start again, empty

    def test_under_medical_supervision_tolerance_and_withdrawal_do_not_count(self, client: Client, lang: str) -> None:
        data = answers(0, tolerance="yes", withdrawal="yes")
        assert MET[lang].format(n=2) in text(client.post(SELF_CHECK[lang], data).content.decode())
        page = client.post(SELF_CHECK[lang], {**data, "supervised": "on"}).content.decode()
        result = text(section(page, "result"))
        assert MET[lang].format(n=0) in result and MEANING[lang]["none"] in result
        assert ("were not counted" if lang == "en" else "No se contaron") in result
        assert 'id="id_supervised" aria-describedby="supervised-help" checked' in page


@pytest.mark.parametrize("lang", ["en", "es"])
class TestMissingAnswers:
    def test_a_missing_answer_is_named_and_the_others_kept(self, client: Client, lang: str) -> None:
        data = answers(4)
        del data["craving"]
        response = client.post(SELF_CHECK[lang], data)
        assert response.status_code == 422
        page = response.content.decode()
        assert 'id="result"' not in page
        summary = text(page[page.index('class="error-summary"') : page.index("<form")])
        question = instruments.get("dsm5-oud").translated(lang).item("craving").text
        expected = {"en": "Question 4 is not answered", "es": "La pregunta 4 no tiene respuesta"}[lang]
        assert expected in summary and question in summary
        assert 'href="#q-craving"' in page and 'id="q-craving" aria-describedby="q-craving-error"' in page
        assert [checked(page, item_id) for item_id in ITEM_IDS] == ["yes"] * 3 + [None] + ["no"] * 7

    def test_an_answer_that_is_not_yes_or_no_is_refused(self, client: Client, lang: str) -> None:
        response = client.post(SELF_CHECK[lang], answers(2, withdrawal="maybe"))
        assert response.status_code == 422
        expected = {"en": "Question 11 is not answered", "es": "La pregunta 11 no tiene respuesta"}[lang]
        assert expected in text(response.content.decode())

    def test_an_empty_form_names_every_question(self, client: Client, lang: str) -> None:
        page = client.post(SELF_CHECK[lang], {}).content.decode()
        for number in range(1, 12):
            assert f'href="#q-{ITEM_IDS[number - 1]}"' in page


class TestNothingStored:
    @pytest.mark.django_db
    def test_scoring_touches_no_database(self, client: Client, django_assert_num_queries: object) -> None:
        counts = {model: model._default_manager.count() for model in apps.get_models()}
        with django_assert_num_queries(0):  # type: ignore[operator]
            assert client.post(SELF_CHECK["en"], answers(6)).status_code == 200
            assert client.post(SELF_CHECK["es"], answers(6, craving="")).status_code == 422
        assert counts == {model: model._default_manager.count() for model in apps.get_models()}

    def test_no_session_is_started(self, client: Client) -> None:
        response = client.post(SELF_CHECK["en"], answers(6))
        assert "sessionid" not in response.cookies and "sessionid" not in client.cookies

    @pytest.mark.parametrize("data", [answers(6), answers(6, cut_down="")])
    def test_results_and_errors_are_never_cached(self, client: Client, data: dict[str, str]) -> None:
        cache_control = client.post(SELF_CHECK["en"], data)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control

    def test_answers_are_not_logged(self, client: Client, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.DEBUG):
            client.post(SELF_CHECK["en"], answers(6))
            client.post(SELF_CHECK["en"], answers(6, cut_down=""))
        logged = " ".join(record.getMessage() for record in caplog.records)
        assert not any(item_id in logged for item_id in ITEM_IDS)

    def test_the_form_posts_so_answers_never_reach_the_url(self, client: Client) -> None:
        page = client.get(SELF_CHECK["en"]).content.decode()
        assert re.search(r'<form method="post" action="/help/self-check/" class="self-check"', page)
        # Answers in a query string are ignored: no result is shown for them.
        response = client.get(SELF_CHECK["en"] + "?" + "&".join(f"{k}=yes" for k in ITEM_IDS))
        assert response.status_code == 200 and 'id="result"' not in response.content.decode()

    def test_each_question_is_a_fieldset_with_a_legend_and_labelled_choices(self, client: Client) -> None:
        page = client.get(SELF_CHECK["es"]).content.decode()
        assert page.count('<fieldset class="question"') == len(ITEM_IDS) + 1  # + prescribed opioids
        for item_id in ITEM_IDS:
            block = section(page, f"q-{item_id}")
            assert "<legend>" in block
            assert f'<label><input type="radio" name="{item_id}" value="yes" required> Sí</label>' in block
            assert f'<label><input type="radio" name="{item_id}" value="no" required> No</label>' in block
        assert url("public:self_check", "es") == SELF_CHECK["es"]
