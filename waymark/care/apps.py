from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "waymark.care"
    label = "care"
    verbose_name = "Counselling, treatment plans and aftercare"
