from django.apps import AppConfig


class AssessConfig(AppConfig):
    name = "waymark.assess"
    label = "assess"
    verbose_name = "Assessment, placement and withdrawal management"
