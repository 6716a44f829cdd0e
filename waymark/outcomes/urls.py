"""The program outcomes dashboard: /outcomes/ and /outcomes/export.csv."""

from waymark.outcomes.views import urlpatterns

app_name = "outcomes"

__all__ = ["app_name", "urlpatterns"]
