"""A person who chose Español in settings sees the companion's pages in Spanish: the page frame (header and
navigation), the headings, the form labels from Python, the dates, and the help lines with the same wording
as the public pages. English stays the default for everyone else."""

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from waymark.companion import services
from waymark.companion.models import CheckIn, CompanionProfile, SupportContact
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import make_user, sign_in
from waymark.core.models import User
from waymark.core.roles import Role

# Page → (Spanish words that must be there, English words that must not be left over).
PAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "/companion/": (
        (
            "Tu tiempo en recuperación",
            "días desde el último consumo",
            "Etapa: recuperación",
            "El plan de hoy",
            "Necesito ayuda ahora",
            "Un desliz nunca borra tu progreso",
        ),
        ("Your time in recovery", "days since last use", "Today's plan", "I need help now", "Stage:"),
    ),
    "/companion/check-in/": (
        (
            "Registro diario",
            "¿Cómo está tu ánimo?",
            "¿Qué tan fuertes son tus ganas de consumir?",
            "Muy bajo",
            "Dormir mal",
            "¿Consumiste hoy?",
            "Guardar registro",
        ),
        ("Daily check-in", "How is your mood?", "How strong is your craving?", "Poor sleep", "Save check-in"),
    ),
    "/companion/journal/": (
        ("<h1>Diario</h1>", "Solo tú puedes leer tu diario.", "Escribir una entrada", "Algo que agradezco"),
        ("<h1>Journal</h1>", "Only you can read your journal", "Write an entry", "Something I'm grateful for"),
    ),
    "/companion/plan/": (
        (
            "<h1>Mi plan</h1>",
            "¿En peligro ahora mismo?",
            "Personas a las que puedo llamar",
            "Llamar a Ana",
            "Padrino o madrina",
            "Mis señales de alerta temprana",
            "Mis detonantes",
            "Por qué hago esto",
        ),
        (
            "<h1>My plan</h1>",
            "In danger right now?",
            "People I can call",
            "My early warning signs",
            "My triggers",
            "Sponsor",
        ),
    ),
    "/companion/insights/": (
        (
            "<h1>Patrones</h1>",
            "no un diagnóstico",
            "Ganas de consumir por día de la semana",
            "Promedio de ganas de consumir",
            "Mi rutina saludable",
            "Días con ejercicio",
        ),
        (
            "<h1>Insights</h1>",
            "not a diagnosis",
            "Craving by day of the week",
            "My healthy routine",
            "Days with exercise",
        ),
    ),
    "/companion/settings/": (
        (
            "<h1>Configuración</h1>",
            "El día en que empezó mi recuperación",
            "Mi zona horaria",
            "Idioma",
            "Compartir con mi equipo de atención",
            "Guardar la configuración",
        ),
        ("<h1>Settings</h1>", "The day my recovery began", "My time zone", "Save settings"),
    ),
    "/companion/help-now/": (
        (
            "<h1>Ayuda ahora</h1>",
            "Hay ayuda aquí, ahora mismo",
            "Llamar al 988",
            "Llamar al 911",
            "Línea de Prevención del Suicidio y Crisis",
            "Línea Nacional de Ayuda de SAMHSA",
            "(Padrino o madrina)",
            "Llamar a Ana",
        ),
        ("<h1>Help now</h1>", "Help is here", "Call 988", "Call 911", "(Sponsor)", "Call Ana"),
    ),
    "/companion/more/": (
        ("<h1>Más</h1>", "Mi gente", "Reuniones", "Hitos", "Historial de registros", "Mis datos"),
        ("<h1>More</h1>", "My people", "Check-in history", "My data"),
    ),
}
# The page frame a signed-in person sees on every page: header, companion navigation and footer.
FRAME_ES = (
    "Inicio",
    "Cerrar sesión",
    "Paciente",
    ">Hoy<",
    ">Registro<",
    ">Diario<",
    ">Mi plan<",
    ">Patrones<",
    ">Más<",
    "¿Necesita ayuda ahora?",
)
FRAME_EN = (">Home<", "Sign out", "· Patient", ">Today<", ">Check in<", ">Journal<", ">My plan<", ">Insights<")


def _text(html: str) -> str:
    """The page with its whitespace runs made single spaces (templates wrap lines)."""
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def persona(db: None) -> User:
    user = make_user(None, Role.PATIENT, "luz")
    profile = start(user, started=dt.date.today() - dt.timedelta(days=60), language="es")
    today = services.today_for(profile)
    zone = ZoneInfo(profile.time_zone)
    rows = []
    for days_ago in range(1, 22):  # three weeks of check-ins, each made at 8 pm
        day = today - dt.timedelta(days=days_ago)
        at = dt.datetime.combine(day, dt.time(20), tzinfo=zone)
        rows.append(
            CheckIn(
                user=user,
                day=day,
                created_at=at,
                updated_at=at,
                mood=3,
                craving=days_ago % 5,
                triggers=["stress"],
                exercised=True,
            )
        )
    CheckIn.objects.bulk_create(rows)
    check_in(user, profile, craving=2)
    services.write_journal(user, profile, text="Un buen día.", prompt="gratitude", client_id=uuid.uuid4())
    SupportContact.objects.create(user=user, name="Ana", role="sponsor", phone="207 555 0199", on_plan=True)
    return user


@pytest.fixture
def spanish(client: Client, persona: User) -> Client:
    return sign_in(client, persona)


@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_in_spanish(spanish: Client, url: str) -> None:
    response = spanish.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es"
    html = _text(response.content.decode())
    assert '<html lang="es">' in html
    present, absent = PAGES[url]
    for words in (*present, *FRAME_ES):
        assert words in html, words
    for words in (*absent, *FRAME_EN):
        assert words not in html, words


def test_dates_are_written_the_spanish_way(spanish: Client) -> None:
    home = _text(spanish.get("/companion/").content.decode())
    # "l j \d\e F": e.g. "martes 3 de noviembre", never "Tuesday 3 November".
    assert re.search(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d{1,2} de [a-z]+", home)
    journal = _text(spanish.get("/companion/journal/").content.decode())
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}, \d{2}:\d{2}", journal)


@pytest.mark.parametrize(
    "url",
    [
        "/companion/check-ins/",
        "/companion/journal/new/",
        "/companion/people/",
        "/companion/meetings/",
        "/companion/milestones/",
        "/companion/my-data/",
        "/companion/settings/reminders/",
        "/companion/settings/sharing/",
        "/companion/offline/",
    ],
)
def test_the_other_pages_are_in_spanish_too(spanish: Client, url: str) -> None:
    response = spanish.get(url)
    assert response.status_code == 200
    html = _text(response.content.decode())
    assert '<html lang="es">' in html
    # The offline page is kept on the phone, so it leaves out who is signed in ("Paciente" beside the name).
    for words in FRAME_ES if url != "/companion/offline/" else set(FRAME_ES) - {"Paciente"}:
        assert words in html, words
    for words in ("Back to settings", "My check-ins", "New journal entry", "My meetings", "Milestones", "My data"):
        assert f"<h1>{words}</h1>" not in html


def test_the_readable_copy_of_my_data_is_in_spanish(spanish: Client) -> None:
    spanish.get("/companion/")  # the milestones reached are celebrated (and kept) on the first visit home
    html = _text(spanish.get("/companion/my-data/waymark-companion.html").content.decode())
    assert '<html lang="es">' in html
    for words in (
        "Mi acompañante de Waymark",
        "Ganas de consumir (0–10)",
        "Detonantes",
        "Estrés",
        "60 días",
        "1 semana",
        "Ana (Padrino o madrina)",
        "Algo que agradezco",
    ):
        assert words in html, words
    for words in ("My Waymark companion", "60_days", "1_week", "(Sponsor)", "Stress"):
        assert words not in html, words


def test_a_form_error_is_in_spanish(spanish: Client) -> None:
    response = spanish.post("/companion/check-in/", {"client_id": str(uuid.uuid4())})
    assert response.status_code == 422
    html = _text(response.content.decode())
    assert "Tu registro no se guardó" in html
    assert "Elige cómo está tu ánimo, de 1 (muy bajo) a 5 (muy bien)." in html
    assert "Choose how your mood is" not in html


def test_english_stays_the_default(client: Client, db: None) -> None:
    user = make_user(None, Role.PATIENT, "sol")
    profile: CompanionProfile = start(user)
    assert profile.language == "en"
    sign_in(client, user)
    html = _text(client.get("/companion/check-in/").content.decode())
    assert '<html lang="en">' in html
    assert "Daily check-in" in html and "Sign out" in html
    assert "Registro diario" not in html and "Cerrar sesión" not in html
