import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYMARK_", "DEBUG", "ALLOWED_HOSTS"))}
    env.pop("SECRET_KEY", None)
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


class TestProductionSettings:
    def test_deploy_check_passes_with_production_environment(self) -> None:
        result = _check(
            {
                "SECRET_KEY": "x" * 30 + "production-like-secret-key-value-1234567890",
                "WAYMARK_ENCRYPTION_KEYS": "d2F5bWFyay10ZXN0LWtleS1ub3QtZm9yLXJlYWwtdXM=",
                "ALLOWED_HOSTS": "waymark.example.org",
            }
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_it_refuses_to_start_without_a_secret_key(self) -> None:
        result = _check({"WAYMARK_ENCRYPTION_KEYS": "d2F5bWFyay10ZXN0LWtleS1ub3QtZm9yLXJlYWwtdXM="})
        assert result.returncode != 0
        assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr

    def test_it_refuses_to_start_without_encryption_keys(self) -> None:
        result = _check({"SECRET_KEY": "y" * 60})
        assert result.returncode != 0
        assert "WAYMARK_ENCRYPTION_KEYS" in result.stderr
