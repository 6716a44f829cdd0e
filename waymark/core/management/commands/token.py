from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.models import User
from waymark.core.services import create_access_token


class Command(BaseCommand):
    help = (
        "Personal access tokens for the API. `token create USERNAME [--name NAME]` prints a new token once; "
        "send it as `Authorization: Bearer <token>`. Only a hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what the token is for (shown in the account page)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"The account {user.username!r} is disabled.")
        try:
            _, raw = create_access_token(user, options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
