"""`waymark import csv patients|doses|specimens FILE --program NAME [--show N]` (docs/operations.md)."""

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waymark.core.models import Program
from waymark.interop import csv_import

HELP = "patients, doses or drug tests from another system's CSV export (columns: docs/operations.md)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=csv_import.KINDS, help="what the file holds")
    parser.add_argument("path", type=Path, help="the CSV (or gzip CSV) file")
    parser.add_argument("--program", required=True, help="the program to load into (it must exist)")
    parser.add_argument("--show", type=int, default=20, metavar="N", help="refused rows to list (20)")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    try:
        program = Program.objects.get(name=options["program"])
    except Program.DoesNotExist:
        raise CommandError(f"no program named {options['program']!r}") from None
    try:
        report = csv_import.do_import_csv(options["what"], options["path"], program=program)
    except csv_import.ImportFailed as error:
        raise CommandError(str(error)) from None
    command.stdout.write("\n".join(csv_import.summary_lines(report, show=max(0, options["show"]))))
