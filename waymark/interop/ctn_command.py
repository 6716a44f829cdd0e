"""`waymark import ctn0094 PATH [--program NAME] [--start-date YYYY-MM-DD] [--show N] [--no-progress]`."""

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from waymark.directory.importer import progress_bar
from waymark.interop import ctn_import

HELP = "the CTN-0094 harmonised trial tables, as one program's history"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it like 2000-01-01") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the folder with the tables (everybody.csv.gz, treatment.csv.gz …)")
    parser.add_argument(
        "--program",
        default=ctn_import.DEFAULT_PROGRAM,
        help=f"the program to load into (default {ctn_import.DEFAULT_PROGRAM!r}; made if new)",
    )
    parser.add_argument(
        "--start-date",
        type=_date,
        default=ctn_import.DEFAULT_START,
        metavar="YYYY-MM-DD",
        help="the date of day 0 (default 2000-01-01)",
    )
    parser.add_argument("--show", type=int, default=20, metavar="N", help="rejected rows to list (20)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    progress = None if options["no_progress"] else progress_bar(_progress_writer(command))
    name = options["program"].strip()
    if not name:
        raise CommandError("--program needs a name")
    try:
        report = ctn_import.do_import_ctn0094(
            options["path"], program_name=name, start=options["start_date"], progress=progress
        )
    except ctn_import.ImportFailed as error:
        raise CommandError(str(error)) from None
    command.stdout.write("\n".join(ctn_import.summary_lines(report, show=max(0, options["show"]))))


def _progress_writer(command: BaseCommand) -> Any:
    def write(text: str) -> None:
        command.stderr.write(text, ending="")
        command.stderr.flush()

    return write
