from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "waymark.community"
    label = "community"
    verbose_name = "Peer support groups"

    def ready(self) -> None:
        from waymark.community.exports import register

        register()  # the person's posts in their companion data export, and erased with their account
