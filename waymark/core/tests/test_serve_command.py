"""`waymark serve` runs the web server, a db_worker and the scheduler, and
Ctrl-C stops all of them. Runs the real console script in a subprocess."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

WAYMARK = shutil.which("waymark", path=str(Path(sys.executable).parent))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DEBUG": "true",
            "WAYMARK_SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
            "WAYMARK_DATA_DIR": str(tmp_path),
        }
    )
    return env


@pytest.mark.skipif(WAYMARK is None, reason="the waymark console script is not installed (pip install -e .)")
class TestServe:
    def test_it_serves_and_stops_everything_on_ctrl_c(self, env: dict[str, str]) -> None:
        port = _free_port()
        proc = subprocess.Popen(
            [str(WAYMARK), "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            body = ""
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
                        body = response.read().decode()
                        break
                except OSError:
                    time.sleep(0.3)
            assert "Sign in" in body
            children = _children(proc.pid)
            assert len(children) == 3  # gunicorn, db_worker, scheduler
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
            time.sleep(0.5)
            assert not [pid for pid in children if _alive(pid)]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_the_audit_verify_command_works_from_the_shell(self, env: dict[str, str]) -> None:
        subprocess.run([str(WAYMARK), "migrate", "-v0"], env=env, check=True)
        result = subprocess.run([str(WAYMARK), "audit", "verify"], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "Audit chain intact: 0 entries verified." in result.stdout
