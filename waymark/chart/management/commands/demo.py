import base64
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from waymark.chart.demo import DEMO_ACCOUNTS, demo_password, demo_totp_key, load_demo
from waymark.community.demo import load_demo_community
from waymark.companion.demo import SELF_GUIDED_USERNAME, load_demo_companion
from waymark.directory.demo import load_demo_directory


class Command(BaseCommand):
    help = "Load synthetic demo data (one program, two sites, an account per role, patients)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=200, help="Total synthetic patients (default 200; 10000 for benchmarks)"
        )
        parser.add_argument("--seed", type=int, default=20240402)
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo(patients=options["patients"], seed=options["seed"])
        self.stdout.write(f"{result.program.name}: {result.patients_added} synthetic patients added.")
        load_demo_directory(self.stdout)
        load_demo_companion(self.stdout)
        load_demo_community(self.stdout)
        if not options["quiet"]:
            self.stdout.write(logins_text())


def logins_text() -> str:
    lines = [
        "",
        "Demo logins (every person in the demo is made up):",
        f"  {'username':<11} {'password':<27} TOTP secret for an authenticator app (staff)",
    ]
    for username, role, _, _ in DEMO_ACCOUNTS:
        secret = ""
        if role.is_staff_role:
            secret = base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()
        lines.append(f"  {username:<11} {demo_password(username):<27} {secret}")
    lines.append(
        f"  {SELF_GUIDED_USERNAME:<11} {demo_password(SELF_GUIDED_USERNAME):<27} "
        "(self-guided: the recovery companion only)"
    )
    lines.append("  Current 6-digit code for a demo account: waymark democode USERNAME")
    return "\n".join(lines)
