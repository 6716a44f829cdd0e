from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "waymark.chart"
    label = "chart"
    verbose_name = "Patient chart"
