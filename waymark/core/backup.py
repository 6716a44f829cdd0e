"""Backup and restore of the whole database, then a check of the audit chain.

SQLite: the online backup API (a consistent copy while the app runs).
PostgreSQL: pg_dump's custom format, restored with pg_restore.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

from waymark.core.audit import ChainReport, verify_chain


def _db() -> Any:
    return connections["default"].settings_dict


def _raw_sqlite() -> sqlite3.Connection:
    connection = connections["default"]
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _pg_args() -> list[str]:
    db = _db()
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _pg_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    if _db().get("PASSWORD"):
        env["PGPASSWORD"] = _db()["PASSWORD"]
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian package postgresql-client).")
    return found


def backup(path: Path) -> None:
    vendor = connections["default"].vendor
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        # The online backup API copies a consistent snapshot while others write.
        target = sqlite3.connect(path)
        try:
            _raw_sqlite().backup(target)
        finally:
            target.close()
    elif vendor == "postgresql":
        subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *_pg_args()],
            check=True,
            env=_pg_env(),
        )
    else:
        raise RuntimeError(f"Backup of a {vendor} database is not supported.")


def restore(path: Path) -> ChainReport:
    if not path.exists():
        raise FileNotFoundError(f"No backup at {path}")
    vendor = connections["default"].vendor
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(_raw_sqlite())
        finally:
            source.close()
    elif vendor == "postgresql":
        connections["default"].close()
        subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(),
                str(path),
            ],
            check=True,
            env=_pg_env(),
        )
    else:
        raise RuntimeError(f"Restore into a {vendor} database is not supported.")
    return verify_chain()
