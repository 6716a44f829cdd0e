from django.apps import AppConfig


class MedsConfig(AppConfig):
    name = "waymark.meds"
    label = "meds"
    verbose_name = "Medication for opioid use disorder"

    def ready(self) -> None:
        from waymark.core import scheduler
        from waymark.meds.tasks import scheduled_jobs

        if scheduled_jobs not in scheduler.JOBS:
            scheduler.JOBS.append(scheduled_jobs)
