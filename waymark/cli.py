"""The `waymark` command: Waymark's own commands plus every manage.py command.

waymark serve | demo | createadmin | audit verify | backup PATH | restore PATH
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waymark.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["waymark", *sys.argv[1:]])


if __name__ == "__main__":
    main()
