import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
from django.db import connection
with connection.cursor() as c:
    print(c.execute("PRAGMA journal_mode").fetchone()[0], c.execute("PRAGMA synchronous").fetchone()[0],
          c.execute("PRAGMA busy_timeout").fetchone()[0], c.execute("PRAGMA foreign_keys").fetchone()[0],
          connection.settings_dict["OPTIONS"]["transaction_mode"])
"""


def test_sqlite_runs_wal_full_sync_immediate(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DEBUG": "true", "WAYMARK_SQLITE_PATH": str(tmp_path / "probe.sqlite3")})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # synchronous: 2 = FULL
    assert result.stdout.splitlines()[-1].split() == ["wal", "2", "20000", "1", "IMMEDIATE"]
