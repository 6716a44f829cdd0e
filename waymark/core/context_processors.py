from typing import Any

from django.conf import settings
from django.http import HttpRequest

from waymark.core.roles import Cap


def waymark(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    caps: set[str] = set()
    if user is not None and user.is_authenticated:
        caps = {c.value for c in Cap if user.can(c)}
    return {"WAYMARK_DEMO": settings.WAYMARK_DEMO, "caps": caps}
