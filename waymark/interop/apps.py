from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "waymark.interop"
    label = "interop"
    verbose_name = "Import and exchange of records"
