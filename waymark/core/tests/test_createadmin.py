import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from waymark.core.models import AuditEvent, Program, User


def createadmin(monkeypatch: pytest.MonkeyPatch, password: str, *args: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    call_command("createadmin", "--program", "Harbor Recovery", "--username", "alex", "--password-stdin", *args)


@pytest.mark.django_db
class TestCreateAdmin:
    def test_it_creates_the_program_its_first_site_and_the_admin(self, monkeypatch: pytest.MonkeyPatch) -> None:
        createadmin(monkeypatch, "a long admin pass phrase", "--site", "Harbor Street Clinic")
        program = Program.objects.get(name="Harbor Recovery")
        assert list(program.sites.values_list("name", flat=True)) == ["Harbor Street Clinic"]
        admin = User.objects.get(username="alex")
        assert (admin.role, admin.program_id) == ("program_admin", program.pk)
        assert admin.check_password("a long admin pass phrase")
        assert admin.password.startswith("argon2")
        assert AuditEvent.objects.filter(action="create", object_type="user", object_id=str(admin.pk)).exists()

    def test_it_refuses_a_short_password_and_creates_nothing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(CommandError, match="at least 12 characters"):
            createadmin(monkeypatch, "short")
        assert not User.objects.exists()
        assert not Program.objects.exists()

    def test_it_refuses_an_unknown_time_zone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(CommandError, match="not a known time zone"):
            createadmin(monkeypatch, "a long admin pass phrase", "--time-zone", "Mars/Olympus")
        assert not Program.objects.exists()
