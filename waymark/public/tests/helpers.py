"""Small helpers for the public-page tests: page text, and self-check answers."""

import html as html_lib
import re

from django.urls import reverse
from django.utils import translation

from waymark.assess import instruments

ITEM_IDS = [item.id for item in instruments.get("dsm5-oud").items]


def text(page: str) -> str:
    """The page's visible words, tags removed and spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def url(name: str, lang: str) -> str:
    with translation.override(lang):
        return reverse(name)


def answers(yes: int, **overrides: str) -> dict[str, str]:
    """The self-check form filled in: the first `yes` criteria answered yes, the rest no."""
    data = {item_id: ("yes" if i < yes else "no") for i, item_id in enumerate(ITEM_IDS)}
    data.update(overrides)
    return data


def section(page: str, element_id: str) -> str:
    """The HTML of the element with this id (up to its closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, flags=re.S)
    assert match, f"no element with id {element_id!r}"
    return match.group(0)
