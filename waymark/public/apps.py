from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "waymark.public"
    label = "public"
    verbose_name = "Public help pages"
