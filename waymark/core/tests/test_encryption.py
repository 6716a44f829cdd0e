import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from waymark.chart.models import Patient
from waymark.conftest import World


def _stored_address(patient_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM chart_patient WHERE id = %s", [patient_id])
        return str(cursor.fetchone()[0])


class TestEncryptedFields:
    def test_the_address_is_not_stored_in_clear(self, world: World) -> None:
        stored = _stored_address(world.patient.pk)
        assert "Harbor" not in stored
        assert Patient.objects.get(pk=world.patient.pk).address == "1 Harbor St, Portland, ME"

    def test_a_rotated_key_still_reads_old_values(self, world: World, settings) -> None:
        old_keys = list(settings.WAYMARK_ENCRYPTION_KEYS)
        new_key = Fernet.generate_key().decode()
        with override_settings(WAYMARK_ENCRYPTION_KEYS=[new_key, *old_keys]):
            assert Patient.objects.get(pk=world.patient.pk).address == "1 Harbor St, Portland, ME"
            call_reencrypt()
            with override_settings(WAYMARK_ENCRYPTION_KEYS=[new_key]):
                assert Patient.objects.get(pk=world.patient.pk).address == "1 Harbor St, Portland, ME"

    def test_a_wrong_key_is_a_clear_error(self, world: World) -> None:
        with (
            override_settings(WAYMARK_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
            pytest.raises(ValueError, match="WAYMARK_ENCRYPTION_KEYS"),
        ):
            Patient.objects.get(pk=world.patient.pk)


def call_reencrypt() -> None:
    from django.core.management import call_command

    call_command("reencrypt")
