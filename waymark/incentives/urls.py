from waymark.incentives.views import urlpatterns

app_name = "incentives"

__all__ = ["app_name", "urlpatterns"]
