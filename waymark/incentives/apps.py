from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "waymark.incentives"
    label = "incentives"
    verbose_name = "Contingency management"

    def ready(self) -> None:
        from waymark.core import events, scheduler
        from waymark.incentives import services
        from waymark.incentives.tasks import scheduled_jobs

        events.listen(events.SPECIMEN_RESULTED, services.award_for_specimen)
        events.listen(events.CLINIC_DAY_CLOSED, services.on_clinic_day_closed)
        if scheduled_jobs not in scheduler.JOBS:
            scheduler.JOBS.append(scheduled_jobs)
