from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "waymark.core"
    label = "core"
    verbose_name = "Waymark core"

    def ready(self) -> None:
        from waymark.core import signals  # noqa: F401  (login/logout audit)
