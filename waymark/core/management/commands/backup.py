from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.backup import backup


class Command(BaseCommand):
    help = "Back up the database to PATH (SQLite online backup, or pg_dump custom format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup(options["path"])
        except (RuntimeError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backup written to {options['path']}.")
