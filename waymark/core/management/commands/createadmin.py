import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from waymark.core import services
from waymark.core.models import Program, Site
from waymark.core.roles import Role


class Command(BaseCommand):
    help = "Create a program (if needed) and its first program admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="Program name")
        parser.add_argument("--username", required=True)
        parser.add_argument("--site", default="Main site", help="First site, if the program is new")
        parser.add_argument("--time-zone", default="America/New_York")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input instead of prompting"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password (12 characters or more): ")
            if getpass.getpass("Password again: ") != password:
                raise CommandError("The two passwords are different.")
        try:
            with transaction.atomic():
                program, created = Program.objects.get_or_create(
                    name=options["program"], defaults={"time_zone": options["time_zone"]}
                )
                if created:
                    program.full_clean()
                    Site.objects.create(program=program, name=options["site"])
                user = services.create_staff(
                    None, program, username=options["username"], role=Role.PROGRAM_ADMIN, password=password
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Program admin {user.username} created for {program.name}. "
            "They set up their authenticator app at first sign-in."
        )
