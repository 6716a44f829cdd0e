"""The Spanish catalogue: every message in the .po is translated, the compiled .mo
says the same (a stale .mo fails here), and every translatable string of the
public pages, the recovery companion's pages, the peer support groups (all their
pages, the program staff's ones included) and the page frame is in the .po (a
string added without `makemessages` fails here)."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

LOCALE = Path(settings.BASE_DIR) / "waymark" / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "es" / "LC_MESSAGES" / "django.mo"
PUBLIC = Path(settings.BASE_DIR) / "waymark" / "public"
DIRECTORY = Path(settings.BASE_DIR) / "waymark" / "directory"
COMPANION = Path(settings.BASE_DIR) / "waymark" / "companion"
COMMUNITY = Path(settings.BASE_DIR) / "waymark" / "community"
# The treatment finder's public pages (the listing pages for staff are English only).
FINDER_TEMPLATES = ["finder.html", "facility.html", "_credits.html", "_flags.html", "_match_me.html"]
TEMPLATES = [
    *sorted((PUBLIC / "templates").rglob("*.html")),
    *(DIRECTORY / "templates" / "directory" / name for name in FINDER_TEMPLATES),
    # The companion's pages for the person (care_*.html and _care_panel.html are staff pages, in English).
    *(
        path
        for path in sorted((COMPANION / "templates" / "companion").glob("*.html"))
        if not path.name.startswith(("care_", "_care_"))
    ),
    # The peer support groups: all their pages are translated, the program staff's (program_groups, cohort_*) too.
    *sorted((COMMUNITY / "templates" / "community").glob("*.html")),
    Path(settings.BASE_DIR) / "waymark/core/templates/core/base.html",
]
COMPANION_PYTHON = ["forms_*.py", "views_*.py", "services_*.py", "insight_words.py", "today.py", "tasks.py"]
COMMUNITY_PYTHON = ["forms_*.py", "views_*.py", "services.py", "exports.py"]
PYTHON = [
    *sorted(PUBLIC.glob("*.py")),
    DIRECTORY / "forms.py",
    DIRECTORY / "views_public.py",
    *(path for pattern in COMPANION_PYTHON for path in sorted(COMPANION.glob(pattern))),
    *(path for pattern in COMMUNITY_PYTHON for path in sorted(COMMUNITY.glob(pattern))),
]
# The calls whose first argument is a message (the singular, for ngettext).
GETTEXT_NAMES = ("_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy")


def _unquote(line: str) -> str:
    return str(ast.literal_eval(line))


def read_po(path: Path) -> list[dict[str, str | bool]]:
    """The entries of a .po file (msgctxt, msgid, msgid_plural, msgstr/msgstr[n], fuzzy), header left out."""
    entries: list[dict[str, str | bool]] = []
    entry: dict[str, str | bool] = {}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, ""
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] = str(entry[key]) + _unquote(line)
        else:
            key, _, rest = line.partition(" ")
            entry[key] = _unquote(rest)
    return [e for e in entries if e["msgid"]]


ENTRIES = read_po(PO)


def test_the_catalogue_has_the_pages_messages() -> None:
    assert len(ENTRIES) > 100
    assert MO.exists(), "compile it: DEBUG=true .venv/bin/python manage.py compilemessages -l es"


def test_every_message_is_translated() -> None:
    untranslated = [e["msgid"] for e in ENTRIES if e.get("fuzzy") or not any(e[k] for k in e if k.startswith("msgstr"))]
    assert untranslated == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: str(e["msgid"])[:40])
def test_the_compiled_catalogue_matches_the_po(entry: dict[str, str]) -> None:
    with translation.override("es"):
        if "msgid_plural" in entry:
            assert translation.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            # Spanish has three plural forms (n == 1, millions, the rest): 5 uses the third.
            assert translation.ngettext(entry["msgid"], entry["msgid_plural"], 5) == entry["msgstr[2]"]
        elif "msgctxt" in entry:
            assert translation.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert translation.gettext(entry["msgid"]) == entry["msgstr"], "stale .mo: run compilemessages -l es"


# The message in templatize's output: gettext's argument, or ngettext's singular, in either quotes (a message with
# an apostrophe comes out in double quotes).
TEMPLATE_MESSAGE = re.compile(r"""\bn?gettext\(u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _template_messages(path: Path) -> set[str]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    return {_unquote(m) for m in TEMPLATE_MESSAGE.findall(code)}


def _python_messages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT_NAMES
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_every_string_on_the_pages_is_in_the_po() -> None:
    in_po = {e["msgid"] for e in ENTRIES}
    used = set().union(*(_template_messages(p) for p in TEMPLATES), *(_python_messages(p) for p in PYTHON))
    assert len(used) > 100
    missing = sorted(used - in_po)
    assert missing == [], "run DEBUG=true .venv/bin/python manage.py makemessages -l es, translate, compile"
