"""The installable companion: its web app manifest, its service worker and the offline page.

The service worker lives at /companion/sw.js so its scope is /companion/ and nothing else. It keeps the app
shell (a blank check-in form, a blank journal form, the offline page, styles, scripts, icons) and nothing of
the person's own data; pages come from the network first. companion.js queues check-ins and journal entries
made offline and sends them to the API when the phone is back online (see static/companion/companion.js).

None of the three needs a signed-in person: browsers fetch the manifest without cookies, and none of them
shows personal data.
"""

import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from waymark.companion import services
from waymark.core.models import User

THEME_COLOUR = "#1f4e5f"
BACKGROUND_COLOUR = "#ffffff"
ICON_SIZES = (192, 512)
# Kept for offline use: the look of the app, and the icons.
SHELL_STATIC = (
    "waymark/waymark.css",
    "waymark/htmx-2.min.js",
    "waymark/favicon.svg",
    "companion/companion.css",
    "companion/companion.js",
    "companion/icon-192.png",
    "companion/icon-512.png",
)


def manifest_data() -> dict[str, object]:
    scope = reverse("companion:home")
    icons: list[dict[str, str]] = [
        {"src": static(f"companion/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ]
    # The icon's mark sits well inside the safe zone, so the large one also serves as a maskable icon.
    icons.append(
        {"src": static("companion/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
    )
    return {
        "id": scope,
        "name": _("Waymark Companion"),
        "short_name": _("Waymark"),
        "description": _("Your recovery companion: daily check-in, journal, your plan and help when you need it."),
        "lang": translation.get_language() or "en",
        "dir": "ltr",
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "medical", "lifestyle"],
        "icons": icons,
    }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = json.dumps(manifest_data(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/manifest+json; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def shell_urls() -> dict[str, str]:
    """The pages the service worker keeps (blank forms and the offline page) and the paths they stand in for."""
    return {
        "check_in": reverse("companion:check_in"),
        "check_in_shell": reverse("companion:check_in") + "?shell=1",
        "journal_new": reverse("companion:journal_new"),
        "journal_new_shell": reverse("companion:journal_new") + "?shell=1",
        "offline": reverse("companion:offline"),
        # Help now, as anyone signed out sees it (no contacts): kept so the overdose steps work offline too.
        "crisis": reverse("companion:crisis"),
        "scope": reverse("companion:home"),
    }


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    urls = shell_urls()
    assets = [static(path) for path in SHELL_STATIC]
    # A new version whenever a static file's (hashed) address or the shell changes: the browser then
    # installs the new worker, which drops the old cache.
    version = hashlib.sha256(json.dumps([urls, assets]).encode()).hexdigest()[:12]
    script = render_to_string(
        "companion/sw.js",
        {"version": version, "urls_json": json.dumps(urls), "assets_json": json.dumps(assets)},
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = urls["scope"]
    # Always check for a new worker; never keep an old one in an HTTP cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    # Kept on the phone by the service worker (fetched with the person's cookies), in the language they chose.
    user = request.user
    profile = None
    if isinstance(user, User) and user.is_authenticated and not user.is_staff_member:
        profile = services.profile_for(user)
    language = profile.language if profile is not None else translation.get_language()
    with translation.override(language):
        # It must not take (and keep) a pending message.
        response = render(request, "companion/offline.html", {"section": "", "messages": (), "shell": True})
    response.headers["Content-Language"] = language
    return response
