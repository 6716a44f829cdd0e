from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "waymark.directory"
    label = "directory"
    verbose_name = "Treatment facility directory"
