from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from waymark.core.scheduler import loop, run_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (close of clinic day, nightly audit check) as they fall due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="One pass, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            for name in run_due():
                self.stdout.write(f"enqueued {name}")
            return
        loop(options["interval"])
