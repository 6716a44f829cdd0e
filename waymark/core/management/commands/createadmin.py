import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from waymark.core import audit, services
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
        parser.add_argument(
            "--directory-verifier",
            action="store_true",
            help="Also make them a directory verifier (the site's operator): they review programs' claims on "
            "treatment-directory listings, mark listings verified and set the advertiser label",
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
                if options["directory_verifier"]:
                    # Verifiers are the instance's operators, not a program role (directory/services.py).
                    user.is_superuser = True
                    user.save(update_fields=["is_superuser"])
                    audit.record(
                        None, "directory_verifier_grant", program_id=program.pk, object_type="user", object_id=user.pk
                    )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        verifier = " and directory verifier" if options["directory_verifier"] else ""
        self.stdout.write(
            f"Program admin{verifier} {user.username} created for {program.name}. "
            "They set up their authenticator app at first sign-in."
        )
