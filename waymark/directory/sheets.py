"""Reading a table of text from a CSV, a gzip CSV or an XLSX workbook, as a stream of rows. Pure: no Django.

A spreadsheet's cells come back as the text a CSV would have: numbers without a trailing ".0" (a ZIP code stored
as the number 6401 reads "6401"), dates as YYYY-MM-DD, empty cells as "".
"""

import csv
import datetime as dt
import gzip
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# A workbook whose parts would unpack to more than this is refused before it is opened: a zip bomb, not a
# directory (the national directory's XLSX unpacks to about 22 MB). zipfile never reads past the sizes the
# archive states, so their sum bounds what opening it can unpack.
MAX_XLSX_UNPACKED = 256 * 1024 * 1024

# What a damaged file raises while it is read: gzip's BadGzipFile is an OSError, a damaged deflate stream a
# zlib.error, a truncated one an EOFError.
_READ_ERRORS = (OSError, EOFError, zlib.error, csv.Error)


class TableError(Exception):
    """The file cannot be read as a table."""


@dataclass
class Table:
    """A sheet of rows: its header (lower-case names), the number of its header row, and a way to read its
    data rows (each call reads the file again) as lists of text."""

    header: list[str]
    header_row: int
    read: Callable[[], Iterator[list[str]]]
    total: int | None  # data rows, when known without reading them


def kind(path: Path) -> str:
    """The file's kind, "gzip", "xlsx" or "csv": by its first bytes, else by its suffix."""
    with path.open("rb") as f:
        start = f.read(4)
    if start[:2] == b"\x1f\x8b" or path.suffix.lower() == ".gz":
        return "gzip"
    if start == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def _text_stream(path: Path, gzipped: bool, encoding: str) -> IO[str]:
    # Text that is not UTF-8 is read as Windows-1252 (what spreadsheet programs on Windows save as "CSV").
    errors = "strict" if encoding.startswith("utf-8") else "replace"
    if gzipped:
        return gzip.open(path, "rt", encoding=encoding, errors=errors, newline="")
    return path.open(encoding=encoding, errors=errors, newline="")


def read_csv(path: Path) -> Table:
    """The table of a CSV or gzip CSV file (UTF-8, else Windows-1252); its first row is the header."""
    gzipped = kind(path) == "gzip"

    def read(encoding: str) -> Iterator[list[str]]:
        with _text_stream(path, gzipped, encoding) as f:
            yield from csv.reader(f)

    try:
        try:
            encoding = "utf-8-sig"
            total = sum(1 for _ in read(encoding)) - 1  # the rows, less the header
        except UnicodeDecodeError:
            encoding = "cp1252"
            total = sum(1 for _ in read(encoding)) - 1
        header = next(read(encoding), [])
    except _READ_ERRORS as error:
        raise TableError(f"{path.name} cannot be read as CSV: {error}") from None

    def rows() -> Iterator[list[str]]:
        lines = read(encoding)
        try:
            next(lines, None)
            yield from lines
        except _READ_ERRORS as error:  # the file changed or was damaged since it was counted
            raise TableError(f"{path.name} cannot be read as CSV: {error}") from None

    return Table([h.strip().lower() for h in header], 1, rows, max(total, 0))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def read_xlsx(path: Path, needed: tuple[str, ...]) -> list[Table]:
    """The sheets of a workbook having the `needed` columns in a header row among their first ten rows (rows
    above it are titles)."""
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise TableError(
                f"{path.name} unpacks to {unpacked:,} bytes, more than the {MAX_XLSX_UNPACKED:,} a directory "
                "workbook needs: it is refused unread."
            )
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except TableError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(f"{path.name} cannot be read as an XLSX workbook: {error}") from None
    tables = []
    try:
        for sheet in book.worksheets:
            for number, row in enumerate(sheet.iter_rows(max_row=10, values_only=True), start=1):
                header = [_cell(v).strip().lower() for v in row]
                if set(needed) <= set(header):
                    rows = sheet.max_row  # from the sheet's stated dimensions: None when it does not say
                    tables.append(_xlsx_table(path, sheet.title, header, number, rows - number if rows else None))
                    break
    finally:
        book.close()
    return tables


def _xlsx_table(path: Path, sheet_name: str, header: list[str], header_row: int, total: int | None) -> Table:
    import openpyxl

    width = len(header)
    while width and not header[width - 1]:
        width -= 1

    def read() -> Iterator[list[str]]:
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # as in read_xlsx
            raise TableError(f"{path.name} cannot be read as an XLSX workbook: {error}") from None
        try:
            for row in book[sheet_name].iter_rows(min_row=header_row + 1, values_only=True):
                cells = [_cell(v) for v in row]
                # Trailing empty cells are formatting, not data; a row with more filled cells keeps them.
                while len(cells) > width and not cells[-1].strip():
                    cells.pop()
                cells.extend([""] * (width - len(cells)))
                yield cells
        except Exception as error:  # a damaged sheet: its XML ends or breaks part way (ParseError, zlib.error…)
            raise TableError(f"{path.name}: sheet “{sheet_name}” cannot be read: {error}") from None
        finally:
            book.close()

    return Table(header[:width], header_row, read, total)
