"""The installable app's assets: the manifest, the service worker, the offline page and the icons."""

import json
import re
import struct
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from waymark.companion.models import CompanionProfile
from waymark.companion.tests.conftest import check_in
from waymark.companion.views_pwa import SHELL_STATIC

MANIFEST = reverse("companion:manifest")
SW = reverse("companion:service_worker")
OFFLINE = reverse("companion:offline")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class TestManifest:
    def test_it_describes_an_installable_app(self, client: Client, db: None) -> None:
        response = client.get(MANIFEST)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/manifest+json")
        data = json.loads(response.content)
        assert data["name"] == "Waymark Companion"
        assert data["short_name"] == "Waymark"
        assert data["start_url"] == "/companion/"
        assert data["scope"] == "/companion/"
        assert data["id"] == "/companion/"
        assert data["display"] == "standalone"
        assert data["lang"] == "en"
        assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"])
        assert re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])
        sizes = {icon["sizes"] for icon in data["icons"] if icon.get("purpose", "any") == "any"}
        assert sizes == {"192x192", "512x512"}
        assert all(icon["type"] == "image/png" for icon in data["icons"])

    def test_its_icons_exist_and_are_pngs_of_the_stated_size(self, client: Client, db: None) -> None:
        for icon in json.loads(client.get(MANIFEST).content)["icons"]:
            name = icon["src"].removeprefix("/static/")
            found = finders.find(name)
            assert found, icon["src"]
            width, height = (int(n) for n in icon["sizes"].split("x"))
            assert png_size(Path(found)) == (width, height)

    def test_the_icons_are_served(self, client: Client, db: None) -> None:
        for size in (192, 512):
            response = client.get(f"/static/companion/icon-{size}.png")
            assert response.status_code == 200
            assert response["Content-Type"] == "image/png"

    def test_every_companion_page_links_it(self, person_client: Client) -> None:
        page = person_client.get(reverse("companion:check_in")).content.decode()
        assert f'<link rel="manifest" href="{MANIFEST}">' in page
        assert '<meta name="theme-color"' in page
        assert "companion/companion.js" in page


class TestServiceWorker:
    def test_it_is_served_as_javascript_for_the_companion_scope(self, client: Client, db: None) -> None:
        response = client.get(SW)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/javascript")
        assert response["Service-Worker-Allowed"] == "/companion/"
        assert "no-cache" in response["Cache-Control"]

    def test_it_keeps_the_app_shell(self, client: Client, db: None) -> None:
        script = client.get(SW).content.decode()
        urls = json.loads(re.search(r"const URLS = (\{.*\});", script).group(1))  # type: ignore[union-attr]
        assets = json.loads(re.search(r"const ASSETS = (\[.*\]);", script).group(1))  # type: ignore[union-attr]
        assert urls["check_in_shell"] == "/companion/check-in/?shell=1"
        assert urls["journal_new_shell"] == "/companion/journal/new/?shell=1"
        assert urls["offline"] == OFFLINE
        assert urls["scope"] == "/companion/"
        assert assets == [f"/static/{path}" for path in SHELL_STATIC]
        for path in SHELL_STATIC:
            assert finders.find(path), path
        assert 'addEventListener("fetch"' in script
        assert "{{" not in script and "{%" not in script

    def test_it_caches_no_personal_page(self, client: Client, db: None) -> None:
        script = client.get(SW).content.decode()
        # Only the precache and fresh static assets are written to the cache; pages come from the network.
        assert script.count("cache.put(") == 2
        assert 'request.method !== "GET"' in script

    @pytest.mark.parametrize("url", [SW, MANIFEST, OFFLINE])
    def test_it_is_the_same_for_everyone(self, client: Client, db: None, url: str) -> None:
        assert client.get(url).status_code == 200


class TestOfflinePage:
    def test_it_offers_what_works_offline_and_help_lines(self, client: Client, db: None) -> None:
        response = client.get(OFFLINE)
        page = response.content.decode()
        assert response.status_code == 200
        assert "You’re offline" in page or "You're offline" in page
        assert reverse("companion:check_in") in page
        assert reverse("companion:journal_new") in page
        assert 'href="tel:988"' in page and 'href="tel:911"' in page

    def test_it_shows_nothing_of_the_persons_data(
        self, person_client: Client, self_guided_profile: CompanionProfile
    ) -> None:
        check_in(self_guided_profile.user, self_guided_profile, note="very private note")
        assert b"very private note" not in person_client.get(OFFLINE).content


class TestScript:
    def test_it_has_no_inline_scripts_in_the_companion_pages(self, person_client: Client) -> None:
        for name in ("check_in", "history", "journal", "journal_new"):
            page = person_client.get(reverse(f"companion:{name}")).content.decode()
            for tag in re.findall(r"<script\b[^>]*>", page):
                assert "src=" in tag or 'type="application/json"' in tag, (name, tag)
            assert " onclick=" not in page and " style=" not in page

    def test_it_posts_to_the_api_with_the_csrf_header(self) -> None:
        script = Path(finders.find("companion/companion.js")).read_text()  # type: ignore[arg-type]
        assert '"X-CSRFToken": csrfToken()' in script
        assert 'getAttribute("hx-headers")' in script
        assert 'credentials: "same-origin"' in script
        assert "response.status === 200 || response.status === 201" in script
        assert "response.status === 422" in script
