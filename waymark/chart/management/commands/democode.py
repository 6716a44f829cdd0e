from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from waymark.chart.demo import DEMO_ACCOUNTS, demo_totp_key


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff account (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.WAYMARK_DEMO):
            raise CommandError("Only in demo mode (DEBUG or WAYMARK_DEMO).")
        names = {u for u, role, _, _ in DEMO_ACCOUNTS if role.is_staff_role}
        if options["username"] not in names:
            raise CommandError(f"Not a demo staff account; choose one of {', '.join(sorted(names))}.")
        code = totp(bytes.fromhex(demo_totp_key(options["username"])))
        self.stdout.write(f"{code:06d}")
