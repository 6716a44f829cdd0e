from pathlib import Path

import pytest
from django.core.management import call_command

from waymark.chart.models import Patient
from waymark.conftest import World
from waymark.core import audit
from waymark.core.models import AuditEvent


@pytest.mark.django_db(transaction=True)
class TestBackupRestore:
    def test_round_trip_keeps_charts_and_the_audit_chain(
        self, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        audit.record(world.user("nurse"), "read", patient_id=world.patient.pk, object_type="chart")
        entries_at_backup = AuditEvent.objects.count()
        backup_file = tmp_path / "waymark.backup"

        call_command("backup", str(backup_file))
        assert backup_file.stat().st_size > 0

        # Life goes on after the backup, then the database is lost.
        Patient.objects.filter(pk=world.other_patient.pk).update(family_name="Changed")
        audit.record(world.user("nurse"), "read", patient_id=world.patient.pk, object_type="chart")

        call_command("restore", str(backup_file), "--yes")

        assert "Audit chain intact" in capsys.readouterr().out
        assert Patient.objects.get(pk=world.other_patient.pk).family_name == "Marsh"
        assert AuditEvent.objects.count() == entries_at_backup
        # Encrypted fields come back readable with the same keys.
        assert Patient.objects.get(pk=world.patient.pk).address == "1 Harbor St, Portland, ME"
        assert audit.verify_chain().ok
        # And the restored log keeps growing from where it was.
        audit.record(world.user("nurse"), "read", patient_id=world.patient.pk, object_type="chart")
        assert audit.verify_chain().checked == entries_at_backup + 1

    def test_restore_refuses_a_missing_file(self, db: None, tmp_path: Path) -> None:
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="No backup at"):
            call_command("restore", str(tmp_path / "nope.backup"), "--yes")
