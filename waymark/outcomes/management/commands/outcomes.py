"""`waymark outcomes`: outcome measures per group of episodes (issue #10; REFERENCE.md §9).

waymark outcomes [--program NAME] [--group-by cohort] [--retention-days 30,90,180] [--allowed-gap 7]
                 [--continuity-days 180] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--data-end YYYY-MM-DD]
                 [--missing-as positive|negative-excluded] [--json]

--json prints a JSON list, one object per group, in the issue's shape first
({"group", "episodes", "patients", "inducted", "retained": {"30": n, …}, "continuity_180", "negative_share"})
and then the other figures; counts are integers and shares 0–1. Without --json, a table.
The definitions are the rules outcomes.* (docs/clinical-rules.md). Each run writes one audit entry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from waymark.outcomes import rules
from waymark.outcomes.report import GROUP_BY, GroupOutcome, OutcomeQuery, check_query, outcomes

MISSING_AS = {"positive": True, "negative-excluded": False}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it like 2024-03-31") from None


def _days(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers of days separated by commas") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one day, e.g. 30,90,180")
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"days cannot be negative ({text})")
    return tuple(dict.fromkeys(values))


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative ({text})")
    return value


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "Outcome measures (induction, retention, continuity, drug-test negativity …) per group of episodes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", help="the program's name (default: every program)")
        parser.add_argument("--group-by", default="cohort", choices=GROUP_BY)
        parser.add_argument(
            "--retention-days",
            type=_days,
            default=rules.DEFAULT_RETENTION_DAYS,
            help="retained at day D for each D, comma-separated (default 30,90,180)",
        )
        parser.add_argument(
            "--allowed-gap",
            type=_count,
            default=rules.DEFAULT_ALLOWED_GAP_DAYS,
            help="uncovered days bridged in a run of pharmacotherapy (default 7, REFERENCE.md §9)",
        )
        parser.add_argument(
            "--continuity-days",
            type=_count,
            default=rules.DEFAULT_CONTINUITY_DAYS,
            help="days of continuous pharmacotherapy that count (default 180, REFERENCE.md §9)",
        )
        parser.add_argument("--from", dest="admitted_from", type=_date, help="episodes admitted on or after")
        parser.add_argument("--to", dest="admitted_to", type=_date, help="episodes admitted on or before")
        parser.add_argument("--data-end", type=_date, help="censoring date (default: the last record)")
        parser.add_argument(
            "--missing-as",
            choices=sorted(MISSING_AS),
            default="positive",
            help="a missing specimen counts as positive (default, REFERENCE.md §9) or is left out",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON list, one object per group")

    def handle(self, *args: Any, **options: Any) -> None:
        from waymark.core import audit
        from waymark.core.models import Program

        if options["program"]:
            program = Program.objects.filter(name=options["program"]).first()
            if program is None:
                raise CommandError(f"--program: no program named {options['program']!r}.")
            program_ids: tuple[int, ...] = (program.pk,)
        else:
            program = None
            program_ids = tuple(Program.objects.order_by("pk").values_list("pk", flat=True))
            if not program_ids:
                raise CommandError("There are no programs yet.")
        query = OutcomeQuery(
            program_ids=program_ids,
            group_by=options["group_by"],
            admitted_from=options["admitted_from"],
            admitted_to=options["admitted_to"],
            retention_days=options["retention_days"],
            continuity_days=options["continuity_days"],
            allowed_gap_days=options["allowed_gap"],
            missing_counts_as_positive=MISSING_AS[options["missing_as"]],
            data_end=options["data_end"],
        )
        try:
            check_query(query)
        except ValueError as error:
            raise CommandError(str(error)) from None
        groups = outcomes(query)
        audit.record(
            None,
            "outcomes_report",
            program_id=program.pk if program is not None else None,
            object_type="outcomes",
            object_id=query.group_by,
            reason=f"waymark outcomes: {len(groups)} group(s), {sum(g.episodes for g in groups)} episode(s)",
        )
        if options["json"]:
            self.stdout.write(json.dumps([g.as_json(query.retention_days) for g in groups], indent=2))
            return
        self._write_table(groups, query)

    def _write_table(self, groups: list[GroupOutcome], query: OutcomeQuery) -> None:
        if not groups:
            self.stdout.write("No episodes in scope.")
            return
        days = query.retention_days
        head = [
            query.group_by.replace("_", " "),
            "episodes",
            "patients",
            "inducted",
            *(f"ret {d}d" for d in days),
            f"cont ≥{query.continuity_days}d",
            "negative",
            "attend",
            "CM/patient",
            "days to dose",
        ]
        rows = [
            [
                g.group,
                str(g.episodes),
                str(g.patients),
                str(g.inducted),
                *(str(g.retained[d]) for d in days),
                str(g.continuity_180),
                _share(g.negative_share),
                _share(g.attendance_rate),
                f"${g.cm_cost_per_patient:,.2f}",
                "—" if g.median_days_to_first_dose is None else f"{g.median_days_to_first_dose:g}",
            ]
            for g in groups
        ]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            self.stdout.write("  ".join(cells))
        convention = "missing counted as positive" if query.missing_counts_as_positive else "missing left out"
        self.stdout.write(
            f"Allowed gap {query.allowed_gap_days} days; drug-test negativity with {convention}. "
            "Definitions: docs/clinical-rules.md (outcomes.*)."
        )
