from django.apps import AppConfig


class CompanionConfig(AppConfig):
    name = "waymark.companion"
    label = "companion"
    verbose_name = "Recovery companion"

    def ready(self) -> None:
        from waymark.companion.tasks import scheduled_jobs
        from waymark.core import scheduler

        if scheduled_jobs not in scheduler.JOBS:
            scheduler.JOBS.append(scheduled_jobs)
