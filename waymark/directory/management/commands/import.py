"""`waymark import …`: load public data sets.

waymark import directory PATH [--codes KEYPATH] [--as-of YYYY-MM-DD] [--show N] [--no-progress]

PATH is the SAMHSA National Directory in its published layout: a CSV, a gzip CSV or the XLSX. The code key
comes from --codes, else a sheet of the XLSX with code and label columns, else service_definitions.csv(.gz)
beside PATH. The data's date is --as-of, else the file's modification date. Running it again updates what
changed and duplicates nothing (waymark.directory.importer).
"""

import argparse
import datetime as dt
import importlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.directory import importer

# Other kinds of import live with their apps; each module has HELP, add_arguments(parser) and
# handle(command, options). The command stays here: Django takes the first app's `import`.
OTHER_KINDS = {
    "ctn0094": "waymark.interop.ctn_command",
    "csv": "waymark.interop.csv_command",
    "fhir": "waymark.interop.fhir_command",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it like 2025-03-31") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


class Command(BaseCommand):
    help = "Import public data: `import directory PATH` loads the SAMHSA treatment facility directory."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        directory = kinds.add_parser(
            "directory", help="the SAMHSA National Directory (CSV, gzip CSV or XLSX) with its code key"
        )
        directory.add_argument("path", type=Path, help="the facilities file")
        directory.add_argument(
            "--codes",
            type=Path,
            metavar="KEYPATH",
            help="the code key (default: service_definitions.csv(.gz) beside PATH)",
        )
        directory.add_argument(
            "--as-of", type=_date, metavar="YYYY-MM-DD", help="the data's date (default: the file's date)"
        )
        directory.add_argument("--show", type=_count, default=20, metavar="N", help="rejected rows to list (20)")
        directory.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        for kind, module_name in OTHER_KINDS.items():
            module = importlib.import_module(module_name)
            module.add_arguments(kinds.add_parser(kind, help=module.HELP))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "directory":
            self.handle_directory(options)
        else:
            importlib.import_module(OTHER_KINDS[options["kind"]]).handle(self, options)

    def handle_directory(self, options: dict[str, Any]) -> None:
        progress = None if options["no_progress"] else importer.progress_bar(self.progress_text)
        try:
            report = importer.do_import_directory(
                options["path"], codes_path=options["codes"], as_of=options["as_of"], progress=progress
            )
        except importer.ImportFailed as error:
            raise CommandError(str(error)) from None
        self.stdout.write("\n".join(importer.summary_lines(report, show=options["show"])))

    def progress_text(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()
