from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.backup import restore


class Command(BaseCommand):
    help = "Restore the database from a backup at PATH, then verify the audit chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask before replacing data")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            answer = input("This replaces everything in the database. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("Nothing restored.")
        try:
            report = restore(options["path"])
        except (RuntimeError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored from {options['path']}.")
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
