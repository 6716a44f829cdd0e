"""`waymark import fhir FILE --program NAME`: one FHIR R4 Bundle (JSON) into a new chart of the program.

Registered in waymark/directory/management/commands/import.py (OTHER_KINDS). The import acts as the program's
import account (bundle_import.import_account) unless --user names a staff member who may add patients.
"""

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from waymark.core.models import Program, User
from waymark.interop.fhir import bundle_import

HELP = "a FHIR R4 Bundle (JSON: Patient, Conditions, drug-test Observations) into a new chart"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the Bundle, a .json file")
    parser.add_argument("--program", required=True, help="the program's name")
    parser.add_argument("--user", help="username of the staff member importing (default: the program's import account)")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    program = Program.objects.filter(name=options["program"]).first()
    if program is None:
        raise CommandError(f"No program named {options['program']!r}.")
    path: Path = options["file"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path.name} is not JSON: {exc}.") from None
    if options.get("user"):
        actor = User.objects.filter(username=options["user"], program=program, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active staff member {options['user']!r} in {program.name}.")
    else:
        actor = bundle_import.import_account(program)
    try:
        result = bundle_import.import_bundle(actor, program, data, source_name=path.name)
    except bundle_import.BundleRejected as exc:
        raise CommandError("Nothing was imported:\n  " + "\n  ".join(exc.problems)) from None
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from None
    counts = result.run.counts
    state = "new chart" if result.created else "already imported; added only what was missing"
    command.stdout.write(f"{result.patient.display_name} (MRN {result.patient.mrn}): {state}.")
    for table in ("episodes", "specimens", "results"):
        c = counts[table]
        command.stdout.write(f"  {table}: {c['read']} read, {c['added']} added, {c['already_there']} already there")
    for warning in result.warnings:
        where = f"entry[{warning['row']}] " if warning["row"] >= 0 else ""
        command.stdout.write(f"  note: {where}{warning['table']}: {warning['note']}")
