"""A real web server for the benchmarks that measure over HTTP: gunicorn as `waymark serve`
starts it (waymark/core/management/commands/serve.py), on a free local port."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

from bench.run import BENCH_VAR, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int, name: str) -> subprocess.Popen[bytes]:
    """Start the web process and wait until it answers; its start-up and errors go to var/bench/<name>-gunicorn.log."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "waymark.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
    ]
    log_path = BENCH_VAR / f"{name}-gunicorn.log"
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()  # the server has its own copy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited at start-up (see {log_path}).")
        try:
            if request(port, "GET", "/login/", None, {})[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s.")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def request(
    port: int, method: str, path: str, body: str | None, headers: dict[str, str], timeout: float = 120
) -> tuple[int, bytes]:
    """One request on a new connection (as a phone or a browser tab opens one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
