"""`waymark export fhir --program NAME OUTDIR`: every patient of a program as FHIR R4 NDJSON, one file per
resource type (Patient.ndjson, Observation.ndjson …).

The program's own copy of its records, not a disclosure: it is audited once per run. Patients are read in
batches with a fixed number of queries per batch and written as they are built, so memory stays flat.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.core.models import Program
from waymark.interop.fhir import services


class Command(BaseCommand):
    help = "Export records in a standard format."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        fhir = kinds.add_parser("fhir", help="every patient of a program as FHIR R4 NDJSON files")
        fhir.add_argument("outdir", type=Path, help="the folder to write the .ndjson files to (created if missing)")
        fhir.add_argument("--program", required=True, help="the program's name")
        fhir.add_argument("--batch-size", type=int, default=200, help="patients read per batch (200)")

    def handle(self, *args: Any, **options: Any) -> None:
        program = Program.objects.filter(name=options["program"]).first()
        if program is None:
            raise CommandError(f"No program named {options['program']!r}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        outdir: Path = options["outdir"]
        if outdir.exists() and not outdir.is_dir():
            raise CommandError(f"{outdir} is a file, not a folder.")
        counts = services.export_program(None, program, outdir, batch_size=options["batch_size"])
        for kind, count in counts.items():
            self.stdout.write(f"{kind}.ndjson: {count} resources")
        self.stdout.write(f"Written to {outdir}.")
