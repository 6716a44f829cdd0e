"""Import the SAMHSA National Directory (or any file in its layout) into the facility directory.

`do_import_directory(path)` reads a CSV, a gzip CSV or the published XLSX with its code key, and in one
transaction adds new listings, updates changed ones and leaves unchanged ones alone, keyed on
(source="samhsa", source_id=facility_id), so running it twice never duplicates a listing. Fields a claiming
program edited (Facility.locally_edited) keep the program's values. Only `directory_type=substance` rows are
imported: `mental` rows belong to the mental health directory, whose code key differs, and are counted as
skipped. A row that cannot be trusted (shifted columns, codes not in the key, no name, no or no valid state, no
facility_id, a facility_id already seen in the file) is rejected with its reason; a row whose ZIP code cannot be
placed is kept without a position and reported. Positions are ZIP centroids (zips.py, offline).

The file is read as a stream and written in batches of BATCH rows (COPY or an executemany INSERT for new
listings, an executemany UPDATE for changed ones: see _insert and _update for why not bulk_create and
bulk_update), so memory stays flat with the file's size. The run is stored as a DirectoryImport
and audited once.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from waymark.core import audit, bulk
from waymark.core.models import User
from waymark.directory import geo, sheets, zips
from waymark.directory.listing import ensure_codes, set_codes, set_position
from waymark.directory.models import DirectoryImport, Facility
from waymark.directory.search import forget_code_table
from waymark.directory.sheets import Table

T = TypeVar("T")

SOURCE = Facility.Source.SAMHSA.value  # a plain str, as the drivers take it
# The SAMHSA layout: every column is required; `website` is read when a file has it.
COLUMNS = (
    "facility_id",
    "directory_type",
    "name1",
    "name2",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "phone",
    "intake1",
    "intake2",
    "intake1a",
    "intake2a",
    "service_code_info",
)
OPTIONAL_COLUMNS = ("website",)
FIELD_OF_COLUMN = {"name1": "name", "name2": "name_detail"}
TEXT_COLUMNS = ("name1", "name2", "street1", "street2", "city", "phone", "intake1", "intake2", "intake1a", "intake2a")
CODE_KEY_NAMES = ("service_definitions.csv.gz", "service_definitions.csv", "service_definitions.xlsx")
IMPORTED_TYPE, SKIPPED_TYPE = "substance", "mental"

# USPS codes of the states, DC, the territories and the freely associated states, and the military "states".
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW AA AE AP"
)
STATES = frozenset(_STATE_CODES.split())

MASKS = ("code_mask_0", "code_mask_1", "code_mask_2", "code_mask_3")
POSITION = ("latitude", "longitude", "unit_x", "unit_y", "unit_z", "cell", "geocoded_by")
# What an import sets on a listing (website only when the file has the column), and, for a field a program
# may have edited, the fields that go with it.
IMPORTED_FIELDS = (
    "directory_type",
    "name",
    "name_detail",
    "street1",
    "street2",
    "city",
    "state",
    "zip",
    "phone",
    "intake1",
    "intake2",
    "intake1a",
    "intake2a",
    "service_codes",
    *MASKS,
    *POSITION,
)
GOES_WITH = {"service_codes": MASKS, "zip": POSITION}

BATCH = 900  # rows looked up and written at a time (under SQLite's oldest limit of 999 parameters)
STORED_PROBLEMS = 1000  # rejections and not-placed rows kept on the DirectoryImport (the counts are exact)
PROGRESS_EVERY = 500

Progress = Callable[[int, int | None], None]  # (rows done, rows in the file or None when unknown)

_ZIP_LIKE = re.compile(r"^\d+(?:-\d+)?$")
# Control characters other than tab, line feed and carriage return (which are spaces in a listing's text): a
# damaged or hostile file, and NUL is refused outright by PostgreSQL in text and JSON.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CODE_LIKE = re.compile(r"^[A-Z0-9]{1,12}$")


class ImportFailed(Exception):
    """The file as a whole cannot be imported (not found, no code key, not the SAMHSA layout)."""


# --- Reading files -------------------------------------------------------------------------------------------


def _tables(read: Callable[..., T], path: Path, *args: Any) -> T:
    """sheets.read_csv or read_xlsx, its errors as ImportFailed."""
    try:
        return read(path, *args)
    except sheets.TableError as error:
        raise ImportFailed(str(error)) from None


def read_facilities(path: Path) -> Table:
    """The facilities table of a CSV, gzip CSV or XLSX file. Raises ImportFailed when it is not there."""
    if not path.is_file():
        raise ImportFailed(f"No file at {path}.")
    if sheets.kind(path) == "xlsx":
        tables = _tables(sheets.read_xlsx, path, COLUMNS)
        if not tables:
            raise ImportFailed(f"{path.name} has no sheet with the directory's columns ({', '.join(COLUMNS)}).")
        return tables[0]
    table = _tables(sheets.read_csv, path)
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise ImportFailed(f"{path.name} is not in the SAMHSA layout: no column {', '.join(missing)}.")
    return table


def _key_rows(table: Table) -> list[tuple[str, str]]:
    code_at, label_at = table.header.index("code"), table.header.index("label")
    type_at = table.header.index("directory_type") if "directory_type" in table.header else None
    key: dict[str, str] = {}
    for row in table.read():
        if len(row) <= max(code_at, label_at):
            continue
        if type_at is not None and (row[type_at] if type_at < len(row) else "").strip().lower() != IMPORTED_TYPE:
            continue
        code = row[code_at].strip()
        if code and not _CONTROL.search(code + row[label_at]):
            # The published key has characters lost before it reached us (U+FFFD where "®" was): drop them.
            key[code] = " ".join(row[label_at].replace("\ufffd", "").split()) or code
    return list(key.items())


def read_code_key(path: Path) -> list[tuple[str, str]]:
    """(code, label) of the substance use directory's code key in a CSV, gzip CSV or XLSX file with columns
    code and label (and directory_type, when the key covers both directories)."""
    if not path.is_file():
        raise ImportFailed(f"No code key at {path}.")
    if sheets.kind(path) == "xlsx":
        tables = _tables(sheets.read_xlsx, path, ("code", "label"))
    else:
        table = _tables(sheets.read_csv, path)
        tables = [table] if {"code", "label"} <= set(table.header) else []
    for table in tables:
        key = _key_rows(table)
        if key:
            return key
    raise ImportFailed(f"{path.name} has no code key for the substance use directory (columns code and label).")


def find_code_key(path: Path, codes_path: Path | None) -> list[tuple[str, str]]:
    """The code key for the file at `path`: `codes_path`; else a key sheet in the XLSX itself; else
    service_definitions.csv(.gz) beside the file."""
    if codes_path is not None:
        return read_code_key(codes_path)
    if sheets.kind(path) == "xlsx":
        try:
            return read_code_key(path)
        except ImportFailed:
            pass
    for name in CODE_KEY_NAMES:
        beside = path.parent / name
        if beside.is_file():
            return read_code_key(beside)
    raise ImportFailed(
        f"No code key for {path.name}: give --codes KEYPATH, or put service_definitions.csv.gz beside the file."
    )


# --- Checking rows -------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """One substance use row: the listing's imported field values, or why the row is rejected; and, for a row
    that is kept, why it could not be placed (empty when it was)."""

    source_id: str
    fields: dict[str, str]
    codes: list[str]
    reasons: list[str] = field(default_factory=list)
    not_placed: str = ""
    point: geo.Point | None = None


def _max_lengths() -> dict[str, int]:
    lengths = {}
    for f in Facility._meta.get_fields():
        max_length = getattr(f, "max_length", None)
        if max_length:
            lengths[f.name] = max_length
    return lengths


MAX_LENGTH = _max_lengths()
_url = URLValidator(schemes=["http", "https"])


def check_row(record: dict[str, str], key: set[str], website: bool) -> Checked:
    """Check one substance use row of the file (column → text) against the code key."""
    source_id = record["facility_id"].strip()
    values = {FIELD_OF_COLUMN.get(c, c): " ".join(record[c].split()) for c in TEXT_COLUMNS}
    state = record["state"].strip().upper()
    codes = record["service_code_info"].replace("*", " ").split()
    checked = Checked(source_id, {**values, "state": state, "directory_type": IMPORTED_TYPE}, codes)
    reasons = checked.reasons
    looks_shifted = 0
    if not source_id:
        reasons.append("no facility_id")
    if not values["name"]:
        reasons.append("no name (name1 is empty)")
        looks_shifted += bool(values["name_detail"])
    if not state:
        reasons.append("no state")
    elif state not in STATES:
        reasons.append(f"state “{_short(record['state'])}” is not a US state or territory code")
        looks_shifted += 1
    raw_zip = record["zip"].strip()
    if raw_zip and not _ZIP_LIKE.match(raw_zip):
        reasons.append(f"ZIP code “{_short(raw_zip)}” is not a ZIP code")
        looks_shifted += 1
    unknown = list(dict.fromkeys(c for c in codes if c not in key))
    if unknown:
        shown = ", ".join(_short(c) for c in unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        reasons.append(f"service codes not in the code key: {shown}")
        looks_shifted += any(not _CODE_LIKE.match(c) for c in unknown)
    if website:
        url = record["website"].strip()
        if url:
            try:
                _url(url)
            except ValidationError:
                reasons.append(f"website “{_short(url)}” is not an http or https address")
            else:
                if "@" in url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
                    # As the listing editor refuses: https://trusted.example@elsewhere.example misleads.
                    reasons.append(f"website “{_short(url)}” has a user name or password in it")
        checked.fields["website"] = url
    if looks_shifted >= 2:
        reasons.insert(0, "columns look shifted")
    else:
        too_long = [name for name, value in checked.fields.items() if len(value) > MAX_LENGTH.get(name, len(value))]
        reasons += [f"{name} is longer than {MAX_LENGTH[name]} characters" for name in too_long if name != "state"]
    if not reasons:
        _place(checked, raw_zip, state)
    return checked


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _place(checked: Checked, raw_zip: str, state: str) -> None:
    digits = raw_zip.split("-")[0]
    if len(digits) == 9:  # ZIP+4 without its hyphen
        digits = digits[:5]
    zip5 = zips.normalise(digits, state) if len(digits) <= 5 else None
    checked.fields["zip"] = zip5 or (digits if len(digits) <= 5 else "")
    if not raw_zip:
        checked.not_placed = "no ZIP code"
    elif zip5 is None:
        padded = digits.zfill(5)
        elsewhere = zips.state_of(padded) if len(digits) < 5 else None
        if elsewhere:
            checked.not_placed = f"ZIP code {raw_zip} read as {padded} is in {elsewhere}, not {state}"
        elif len(digits) < 5:
            checked.not_placed = f"ZIP code {raw_zip} read as {padded} is not a known ZIP code"
        else:
            checked.not_placed = f"ZIP code {raw_zip} is not a ZIP code"
    else:
        checked.point = zips.centroid(zip5)
        if checked.point is None:
            checked.not_placed = f"ZIP code {zip5} is not in the ZIP code data"


# --- Importing ------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    report: DirectoryImport
    key: set[str]
    fields: tuple[str, ...]
    website: bool
    now: dt.datetime
    seen: dict[str, int] = field(default_factory=dict)  # facility_id → row
    pending: list[tuple[int, Checked]] = field(default_factory=list)

    def reject(self, row: int, source_id: str, reasons: list[str]) -> None:
        self.report.rejected += 1
        if len(self.report.rejections) < STORED_PROBLEMS:
            self.report.rejections.append({"row": row, "facility_id": source_id, "reason": "; ".join(reasons)})


def do_import_directory(
    path: Path | str,
    *,
    codes_path: Path | str | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    actor: User | None = None,
) -> DirectoryImport:
    """Import a directory file; returns the stored report. Raises ImportFailed for a file it cannot read
    (nothing is saved: a file found damaged part way through rolls the whole run back)."""
    try:
        return _import_directory(Path(path), codes_path, as_of, progress, actor)
    except sheets.TableError as error:
        raise ImportFailed(str(error)) from None


def _import_directory(
    path: Path,
    codes_path: Path | str | None,
    as_of: dt.date | None,
    progress: Progress | None,
    actor: User | None,
) -> DirectoryImport:
    table = read_facilities(path)
    key = find_code_key(path, Path(codes_path) if codes_path is not None else None)
    if as_of is None:
        as_of = dt.datetime.fromtimestamp(path.stat().st_mtime).date()
    website = "website" in table.header
    report = DirectoryImport(path_name=path.name[:300], source_date=as_of, rejections=[], unplaced=[])
    fields = IMPORTED_FIELDS + (("website",) if website else ())
    run = _Run(report, {code for code, _ in key}, fields, website, timezone.now())
    try:
        with transaction.atomic():
            ensure_codes(key)
            _import_rows(run, table, progress)
            report.finished_at = timezone.now()
            report.save()
            audit.record(
                actor,
                "directory_import",
                object_type="directoryimport",
                object_id=report.pk,
                reason=(
                    f"{path.name[:100]}: {report.imported} new, {report.updated} updated, "
                    f"{report.rejected} rejected, {report.not_placed} not placed"
                ),
            )
    except BaseException:
        forget_code_table()  # the key's new bits went with the transaction
        raise
    return report


def _import_rows(run: _Run, table: Table, progress: Progress | None) -> None:
    header = table.header
    width = len(header)
    type_at = header.index("directory_type")
    id_at = header.index("facility_id")
    done = 0
    for number, row in enumerate(table.read(), start=table.header_row + 1):
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0 and (table.total is None or done < table.total):
            progress(done, table.total)
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        run.report.rows_read += 1
        kind = row[type_at].strip().lower() if type_at < len(row) else ""
        if kind == SKIPPED_TYPE:
            run.report.skipped += 1
            continue
        source_id = row[id_at].strip() if id_at < len(row) else ""
        if any(_CONTROL.search(cell) for cell in row):
            shown = _CONTROL.sub("", source_id)
            run.reject(number, shown, ["control characters (such as NUL) in the row: the file may be damaged"])
            continue
        if len(row) != width:
            run.reject(number, source_id, [f"columns look shifted: {len(row)} fields where the header has {width}"])
            continue
        if kind != IMPORTED_TYPE:
            run.reject(number, source_id, [f"directory_type “{_short(kind)}” is neither substance nor mental"])
            continue
        checked = check_row(dict(zip(header, row, strict=True)), run.key, run.website)
        if source_id in run.seen:
            checked.reasons.append(f"facility_id {source_id} is also on row {run.seen[source_id]}")
        elif source_id:
            run.seen[source_id] = number
        if checked.reasons:
            run.reject(number, source_id, checked.reasons)
            continue
        run.pending.append((number, checked))
        if len(run.pending) >= BATCH:
            _write(run)
    _write(run)
    if progress is not None:
        progress(done, done)  # the end, whatever the sheet's stated size was


def _listing(checked: Checked, run: _Run) -> Facility:
    facility = Facility(
        source=SOURCE,
        source_id=checked.source_id,
        source_date=run.report.source_date,
        created_at=run.now,
        updated_at=run.now,
    )
    for name, value in checked.fields.items():
        setattr(facility, name, value)
    set_codes(facility, checked.codes)
    set_position(facility, checked.point)
    return facility


def _write(run: _Run) -> None:
    """Look up, create and update the pending rows."""
    if not run.pending:
        return
    report = run.report
    compared = ("pk", "source_date", "locally_edited", *run.fields)
    existing = {
        values[0]: values[1:]
        for values in Facility.objects.filter(
            source=SOURCE, source_id__in=[c.source_id for _, c in run.pending]
        ).values_list("source_id", *compared)
    }
    new: list[Facility] = []
    changed: dict[tuple[str, ...], list[Facility]] = {}
    unchanged_to_date: list[int] = []
    for number, checked in run.pending:
        if checked.not_placed:
            _note_not_placed(report, number, checked)
        listing = _listing(checked, run)
        stored = existing.get(checked.source_id)
        if stored is None:
            new.append(listing)
            continue
        pk, source_date, locally_edited = stored[:3]
        differ = _differences(listing, dict(zip(run.fields, stored[3:], strict=True)), locally_edited or [])
        if differ:
            listing.pk = pk
            changed.setdefault(differ, []).append(listing)
        else:
            report.unchanged += 1
            if source_date is None or source_date < report.source_date:
                unchanged_to_date.append(pk)
    _insert(new)
    report.imported += len(new)
    for names, listings in changed.items():
        _update(listings, [*names, "source_date", "updated_at"])
        report.updated += len(listings)
    if unchanged_to_date:
        # The data is as of this file's date even where nothing in it changed.
        Facility.objects.filter(pk__in=unchanged_to_date).update(source_date=report.source_date)
    run.pending.clear()


def _note_not_placed(report: DirectoryImport, number: int, checked: Checked) -> None:
    report.not_placed += 1
    if len(report.unplaced) < STORED_PROBLEMS:
        where = {"zip": checked.fields["zip"], "state": checked.fields["state"]}
        report.unplaced.append({"row": number, "facility_id": checked.source_id, **where, "reason": checked.not_placed})


def _differences(listing: Facility, stored: dict[str, Any], locally_edited: list[str]) -> tuple[str, ...]:
    """The imported fields whose values the file changes, leaving out those a program edited (and the fields
    that go with them: a listing's codes with its masks, its ZIP code with its position)."""
    kept = set(locally_edited)
    for name in locally_edited:
        kept.update(GOES_WITH.get(name, ()))
    return tuple(name for name, old in stored.items() if name not in kept and getattr(listing, name) != old)


def _insert(listings: list[Facility]) -> None:
    """Insert new listings (core.bulk: COPY on PostgreSQL, executemany elsewhere). For the 12,200 national
    listings on a busy two-CPU machine this took 1.0 s on either database, where QuerySet.bulk_create took 2.6 s
    on PostgreSQL and 4.1 s on SQLite, most of it preparing each value."""
    fields = [f for f in Facility._meta.concrete_fields if not f.primary_key]
    bulk.insert_rows(
        Facility, [f.name for f in fields], ([getattr(listing, f.attname) for f in fields] for listing in listings)
    )


def _update(listings: list[Facility], names: list[str]) -> None:
    """Write these fields of these listings: one UPDATE by id, executed for every listing (executemany).
    QuerySet.bulk_update builds a CASE WHEN per listing and field instead: updating four fields of the 12,200
    national listings took it 15 s on SQLite and 29 s on PostgreSQL, against 0.6 s and 2 s this way (the
    same busy two-CPU machine)."""
    concrete = {f.name: f for f in Facility._meta.concrete_fields}
    fields = [concrete[name] for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(Facility._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    rows = [
        [f.get_db_prep_save(getattr(listing, f.attname), connection) for f in fields] + [listing.pk]
        for listing in listings
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def summary_lines(report: DirectoryImport, show: int = 20) -> list[str]:
    """The report in plain text, as the command prints it."""
    when = report.source_date.isoformat() if report.source_date else "unknown date"
    lines = [
        f"Directory import from {report.path_name} (data as of {when}):",
        f"  rows read    {report.rows_read:>7,}",
        f"  imported     {report.imported:>7,}  new listings",
        f"  updated      {report.updated:>7,}",
        f"  unchanged    {report.unchanged:>7,}",
        f"  skipped      {report.skipped:>7,}  mental health directory rows (another code key)",
        f"  rejected     {report.rejected:>7,}",
        f"  not placed   {report.not_placed:>7,}  kept without a position (ZIP code unknown or in another state)",
    ]
    if report.rejections and show:
        lines.append(f"Rejected rows{' (first ' + str(show) + ')' if report.rejected > show else ''}:")
        lines += [f"  row {r['row']} {r['facility_id'] or '(no id)'}: {r['reason']}" for r in report.rejections[:show]]
    if report.unplaced and show:
        lines.append(f"Not placed{' (first ' + str(show) + ')' if report.not_placed > show else ''}:")
        lines += [f"  row {u['row']} {u['facility_id']}: {u['reason']}" for u in report.unplaced[:show]]
    lines.append(f"Stored as directory import #{report.pk}.")
    return lines


def progress_bar(write: Callable[[str], object]) -> Progress:
    """A progress callback that writes "\\r 40% 8,000/20,524" with `write` (plain text, one line, a newline at
    the end)."""

    def show(done: int, total: int | None) -> None:
        line = f"\r{min(100, done * 100 // total):>4}% {done:,}/{total:,}" if total else f"\r{done:,} rows"
        write(line + ("\n" if total is not None and done >= total else ""))

    return show
