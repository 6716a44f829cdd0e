from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and reports the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
