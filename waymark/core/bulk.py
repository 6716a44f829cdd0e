"""Insert many rows fast: COPY on PostgreSQL, one INSERT executed for every row (executemany) on SQLite.

For imports of tens or hundreds of thousands of rows. QuerySet.bulk_create prepares every value of every model
instance; here rows are plain tuples, and only values that need the field's conversion (dates, times, decimals,
JSON) are converted, each distinct value once. Encrypted fields are refused: their conversion encrypts, and a
fast path that skipped it would store plaintext.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

from waymark.core.crypto import EncryptedTextField

BATCH = 900  # rows per executemany (SQLite's oldest limit is 999 parameters per statement; COPY streams)

# Fields whose Python values both databases' drivers take as they are.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.ForeignKey,
)


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (one value per name, in order; a ForeignKey by its id) into the model's table; other fields
    take their defaults. Returns the number of rows written. Runs in the caller's transaction; database
    constraints still apply."""
    by_name = {f.name: f for f in model._meta.concrete_fields}
    fields = [by_name[name] for name in names]
    for field in fields:
        if isinstance(field, EncryptedTextField):
            raise ValueError(f"{model.__name__}.{field.name} is encrypted: write it through the ORM")
    # Fields left out take their model default (the database has none of its own), a callable one worked out
    # for each row; a nullable field without a default is NULL; a required one without a default is a mistake.
    defaults: list[Any] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in names or (f.null and not f.has_default()):
            continue
        if not f.has_default() and not (f.blank and f.empty_strings_allowed):
            raise ValueError(f"{model.__name__}.{f.name} is required and has no default: give its values")
        fields.append(f)
        defaults.append(f.default if f.has_default() and callable(f.default) else f.get_default())
    per_row = [i for i, default in enumerate(defaults) if callable(default)]
    converters = [None if isinstance(f, _AS_IS) else _converter(f) for f in fields]
    prepared = (
        [
            value if convert is None else convert(value)
            for value, convert in zip((*row, *_defaults(defaults, per_row)), converters, strict=True)
        ]
        for row in rows
    )
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        batch: list[list[Any]] = []
        for row in prepared:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _defaults(defaults: list[Any], per_row: list[int]) -> list[Any]:
    if not per_row:
        return defaults
    values = list(defaults)
    for i in per_row:
        values[i] = defaults[i]()
    return values


def _converter(field: models.Field) -> Any:
    """The field's conversion to a database value, remembered per distinct (hashable) value."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = field.get_db_prep_save(value, connection)
            return converted
        except TypeError:  # unhashable (a JSON dict or list)
            return field.get_db_prep_save(value, connection)

    return convert
