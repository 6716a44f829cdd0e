"""`waymark serve`: the web server, one db_worker and the scheduler together.

Ctrl-C (or SIGTERM) stops all three; if one exits, the others are stopped too.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Waymark: gunicorn + db_worker + scheduler, stopped together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("WAYMARK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WAYMARK_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WAYMARK_WORKERS", "2")))
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.STATIC_MANIFEST:
            call_command("collectstatic", interactive=False, verbosity=0)
        manage = [sys.executable, "-m", "waymark.cli"]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "waymark.wsgi:application",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                # The control socket lives at one fixed path per user; two servers would collide.
                "--no-control-socket",
                # Path without the query string: no patient data in access logs.
                "--access-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
            ],
            "worker": [*manage, "db_worker", "--interval", "1", "--no-reload"],
            "scheduler": [*manage, "scheduler"],
        }
        procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            f"Waymark is serving on http://{options['host']}:{options['port']}/ "
            "(web, db_worker and scheduler). Press Ctrl-C to stop."
        )
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.time() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("Stopped.")
