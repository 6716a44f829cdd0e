"""SearchKey: the lower-cased, code-point-ordered key that patient search and
the name indexes share."""

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler


class SearchKey(models.Func):
    """LOWER(column), compared by code point on every database.

    Prefix search runs as a range, key >= 'smi' AND key < 'smj', which a
    B-tree index on the key answers. That range holds exactly the values
    starting with 'smi' only in code-point order: SQLite's default (BINARY)
    already is; PostgreSQL compares by the database's collation, in which it
    need not be, so there the key is put in the "C" collation.
    """

    function = "LOWER"
    arity = 1
    output_field = models.CharField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f'({sql} COLLATE "C")', list(params)


class SortKey(SearchKey):
    """SearchKey's value and order, computed per row instead of read from an index.

    Search results sort by this. Sorting by SearchKey would let PostgreSQL
    walk the name index in order and test each patient against the search,
    which it picks because it assumes matches are spread evenly through the
    index: a common surname late in the alphabet then costs a walk of most
    of the index. Sorting the (few) matches is cheaper on both databases.
    """

    template = "%(function)s(%(expressions)s || '')"
