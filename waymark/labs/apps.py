from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "waymark.labs"
    label = "labs"
    verbose_name = "Drug testing"
