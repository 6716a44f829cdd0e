from waymark.labs.views import urlpatterns

app_name = "labs"

__all__ = ["app_name", "urlpatterns"]
