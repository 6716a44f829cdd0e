"""The public help pages: each one in English (/help/…) and Spanish (/es/help/…)
with its key content, the help lines in the footer, a link to the same page in
the other language, no staff navigation for anonymous visitors, no database
work (the treatment finder's empty form included: only a search reads the
directory), and a Content-Security-Policy without 'unsafe-inline'."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from waymark.assess import instruments
from waymark.conftest import World, sign_in
from waymark.core.roles import Role
from waymark.public.tests.helpers import text, url

PAGES = [
    "public:home",
    "public:self_check",
    "public:someone_i_love",
    "public:overdose",
    "public:preparing",
    "public:find_treatment",
]

KEY_CONTENT = {
    ("public:home", "en"): [
        "Help with heroin and other opioids",
        "nothing you do on these pages is stored",
        "Am I addicted?",
        "Is someone I love using heroin?",
        "Overdose: what to do",
        "Preparing for treatment",
    ],
    ("public:home", "es"): [
        "Ayuda con la heroína y otros opioides",
        "nada de lo que haga en estas páginas se guarda",
        "¿Tengo una adicción?",
        "¿Un ser querido consume heroína?",
        "Sobredosis: qué hacer",
        "Prepararse para el tratamiento",
    ],
    ("public:self_check", "en"): [
        "Am I addicted? A self-check",
        "In the past 12 months:",
        "never appear in the page address",
        "See my result",
    ],
    ("public:self_check", "es"): [
        "¿Tengo una adicción? Una autoevaluación",
        "En los últimos 12 meses:",
        "nunca aparecen en la dirección de la página",
        "Ver mi resultado",
    ],
    # Warning signs from REFERENCE.md §6 (triad), §1 (withdrawal), §3 (behaviour).
    ("public:someone_i_love", "en"): [
        "These are signs, not proof.",
        "Very small (pinpoint) pupils",
        "Drowsiness, or nodding off",
        "Slowed breathing",
        "Sweating",
        "Yawning",
        "Runny nose",
        "Gooseflesh",
        "Aching bones or muscles",
        "Stomach upset",
        "Restlessness",
        "Giving up activities they used to care about",
        "Falling behind at work, at school or at home",
        "Using again and again even though it causes problems",
        "Spending a lot of time getting or using drugs",
        "How to talk with them",
        "without judging or blaming",
        "Avoid labels such as “addict”",
        "Offer to help them find treatment",
        "1-800-662-4357",
        "Carry naloxone",
    ],
    ("public:someone_i_love", "es"): [
        "Son señales, no pruebas.",
        "Pupilas muy pequeñas (puntiformes)",
        "Somnolencia",
        "Bostezos",
        "Piel de gallina",
        "Abandonar actividades que antes le importaban",
        "Cómo hablar con esa persona",
        "sin juzgar ni culpar",
        "Evite etiquetas",
        "1-800-662-4357",
        "Lleve naloxona",
    ],
    # REFERENCE.md §6 and the issue text.
    ("public:overdose", "en"): [
        "Pinpoint (very small) pupils",
        "Unconscious, or very drowsy and hard to wake",
        "Slowed breathing",
        "Call 911.",
        "Give naloxone if you have it.",
        "After fentanyl or a large amount of opioids, it can take several doses.",
        "Put them in the recovery position.",
        "Stay with them until help arrives.",
        "Naloxone wears off, so they still need medical care",
        "Why the risk is highest after detox",
        "tolerance falls fast",
    ],
    ("public:overdose", "es"): [
        "Pupilas puntiformes (muy pequeñas)",
        "Respiración lenta",
        "Llame al 911.",
        "Administre naloxona si la tiene.",
        "pueden hacer falta varias dosis",
        "posición de recuperación",
        "Quédese con la persona hasta que llegue la ayuda.",
        "Por qué el riesgo es mayor después de una desintoxicación",
    ],
    ("public:preparing", "en"): [
        "Questions to ask admissions",
        "Bills and money",
        "Children",
        "Pets",
        "Work",
        "medical leave and your rights at work",
        "What to bring",
        "nothing is stored or sent",
    ],
    ("public:preparing", "es"): [
        "Preguntas para el personal de admisión",
        "Cuentas y dinero",
        "Hijos",
        "Mascotas",
        "Trabajo",
        "Qué llevar",
        "no se guarda ni se envía nada",
    ],
    # The treatment finder's empty search form (waymark.directory.views_public; searching is tested there).
    ("public:find_treatment", "en"): [
        "SAMHSA National Helpline",
        "Suicide & Crisis Lifeline",
        "Search for treatment near you",
        "ZIP code",
        "FindTreatment.gov",
        "Detox alone is not treatment",
    ],
    ("public:find_treatment", "es"): [
        "Línea Nacional de Ayuda de SAMHSA",
        "Línea de Prevención del Suicidio y Crisis",
        "Busque tratamiento cerca de usted",
        "FindTreatment.gov",
        "La desintoxicación por sí sola no es un tratamiento",
    ],
}

FOOTER = {
    "en": ["Need help now?", "Suicide & Crisis Lifeline", "SAMHSA National Helpline"],
    "es": ["¿Necesita ayuda ahora?", "Línea de Prevención del Suicidio y Crisis", "Línea Nacional de Ayuda de SAMHSA"],
}
HELP_LINES = ['href="tel:911"', 'href="tel:988"', 'href="tel:18006624357"']
STAFF_NAV = ["Dashboard", "Patients", "Dosing window", "Dispensing log", "Access review", "Sign out"]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", PAGES)
class TestEachPage:
    def test_it_renders_with_its_key_content(self, client: Client, name: str, lang: str) -> None:
        response = client.get(url(name, lang))
        assert response.status_code == 200
        page = response.content.decode()
        assert f'<html lang="{lang}">' in page
        words = text(page)
        for phrase in KEY_CONTENT[(name, lang)]:
            assert phrase in words, f"{phrase!r} missing from {name} ({lang})"

    def test_it_shows_the_help_lines_in_the_footer(self, client: Client, name: str, lang: str) -> None:
        page = client.get(url(name, lang)).content.decode()
        footer = page[page.index('<footer class="site">') :]
        for phrase in FOOTER[lang]:
            assert phrase in text(footer)
        for link in HELP_LINES:
            assert link in footer

    def test_it_links_to_itself_in_the_other_language(self, client: Client, name: str, lang: str) -> None:
        other, label = ("es", "Español") if lang == "en" else ("en", "English")
        page = client.get(url(name, lang)).content.decode()
        switch = re.search(r'<a class="lang-switch" href="([^"]+)" hreflang="(\w+)" lang="(\w+)">([^<]+)</a>', page)
        assert switch, "no language switch"
        assert switch.groups() == (url(name, other), other, other, label)
        assert client.get(switch.group(1)).status_code == 200

    def test_anonymous_visitors_see_no_staff_navigation(self, client: Client, name: str, lang: str) -> None:
        page = client.get(url(name, lang)).content.decode()
        header = text(page[page.index('<header class="site">') : page.index("</header>")])
        for label in STAFF_NAV:
            assert label not in header
        assert ("Sign in" if lang == "en" else "Iniciar sesión") in header
        assert 'href="/patients/"' not in page

    @pytest.mark.django_db
    def test_it_touches_no_database(
        self, client: Client, name: str, lang: str, django_assert_num_queries: object
    ) -> None:
        with django_assert_num_queries(0):  # type: ignore[operator]
            assert client.get(url(name, lang)).status_code == 200

    def test_its_policy_allows_no_inline_code(self, client: Client, name: str, lang: str) -> None:
        response = client.get(url(name, lang))
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "script-src 'self' 'nonce-" in policy
        page = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
        scripts = re.findall(r"<script\b([^>]*)>", page)
        assert scripts
        for attributes in scripts:
            # Only Waymark's own static files, each carrying the nonce: no inline or third-party script.
            assert re.search(r'src="/static/[^"]+"', attributes), attributes
            assert f'nonce="{nonce}"' in attributes
        assert not re.search(r"\sstyle=|\son[a-z]+=", page), "inline style or event handler"
        assert "https://" not in "".join(scripts)


class TestLanguages:
    def test_the_treatment_finder_keeps_its_url_name(self) -> None:
        assert url("public:find_treatment", "en") == "/help/find-treatment/"
        assert url("public:find_treatment", "es") == "/es/help/find-treatment/"
        for lang, prefix in (("en", ""), ("es", "/es")):
            with translation.override(lang):
                assert reverse("public:facility", args=[12]) == f"{prefix}/help/find-treatment/12/"

    def test_the_treatment_finder_searches_with_a_get_form(self, client: Client) -> None:
        page = client.get(url("public:find_treatment", "en")).content.decode()
        assert re.search(r'<form method="get" action="/help/find-treatment/" class="finder" role="search"', page)
        assert '<input type="text" name="near" id="id_near"' in page

    def test_the_self_check_asks_the_engines_questions_in_each_language(self, client: Client) -> None:
        for lang in ("en", "es"):
            words = text(client.get(url("public:self_check", lang)).content.decode())
            for number, item in enumerate(instruments.get("dsm5-oud").translated(lang).items, start=1):
                assert f"{number}. {item.text}" in words

    def test_a_spanish_browser_still_gets_english_at_the_english_address(self, client: Client) -> None:
        page = client.get("/help/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert '<html lang="en">' in page and "Help with heroin" in page

    @pytest.mark.django_db
    def test_staff_pages_stay_in_english(self, client: Client, world: World) -> None:
        page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert '<html lang="en">' in page and "Need help now?" in page
        sign_in(client, world.user(Role.NURSE))
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert '<html lang="en">' in page and "Need help now?" in page and "Dosing window" in page
        assert 'class="lang-switch"' not in page

    @pytest.mark.django_db
    def test_a_signed_in_person_can_read_the_spanish_pages(self, client: Client, world: World) -> None:
        sign_in(client, world.user(Role.PATIENT))
        page = client.get(url("public:overdose", "es")).content.decode()
        assert '<html lang="es">' in page and "Sobredosis de opioides: qué hacer" in page
        assert 'class="lang-switch" href="/help/overdose/"' in page

    def test_the_checklist_sends_nothing(self, client: Client) -> None:
        page = client.get(url("public:preparing", "en")).content.decode()
        assert "<form" not in page
        boxes = re.findall(r'<input type="checkbox"[^>]*>', page)
        assert len(boxes) >= 6 and not any("name=" in box for box in boxes)
        # Each box has its own label.
        for box in boxes:
            box_id = re.search(r'id="([^"]+)"', box).group(1)  # type: ignore[union-attr]
            assert f'<label for="{box_id}">' in page

    def test_the_treatment_finder_links_out_plainly(self, client: Client) -> None:
        page = client.get(url("public:find_treatment", "es")).content.decode()
        assert '<a href="https://findtreatment.gov/">' in page

    @pytest.mark.parametrize("name", ["public:home", "public:overdose", "public:find_treatment"])
    def test_pages_other_than_the_self_check_take_no_posts(self, client: Client, name: str) -> None:
        assert client.post(url(name, "en"), {"x": "y"}).status_code == 405
