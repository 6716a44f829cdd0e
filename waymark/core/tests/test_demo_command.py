import pytest
from django.core.management import call_command

from waymark.chart.models import Episode, Patient
from waymark.core.models import User
from waymark.core.roles import Role


@pytest.mark.django_db
class TestDemoCommand:
    def test_it_creates_one_program_with_an_account_per_role(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("demo")
        out = capsys.readouterr().out
        for username in ("patient", "counsellor", "nurse", "prescriber", "admin", "peer", "privacy"):
            assert f"{username}-waymark-demo" in out
        roles = set(User.objects.values_list("role", flat=True))
        assert roles == {r.value for r in Role}
        assert Patient.objects.count() == 200
        assert Episode.objects.filter(discharged_on__isnull=True).count() > 100
        assert User.objects.get(username="patient").patient.mrn == "HR-000001"

    def test_it_is_deterministic_and_idempotent(self) -> None:
        call_command("demo", "--patients", "30", "--quiet")
        first = list(Patient.objects.order_by("mrn").values_list("family_name", "date_of_birth"))
        call_command("demo", "--patients", "30", "--quiet")
        assert Patient.objects.count() == 30
        assert list(Patient.objects.order_by("mrn").values_list("family_name", "date_of_birth")) == first
