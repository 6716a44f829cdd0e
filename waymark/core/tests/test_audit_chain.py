import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from waymark.core import audit
from waymark.core.models import AuditEvent, User


def _tamper(sql: str, params: list[str | int] | None = None) -> None:
    """Edit an audit row the way an intruder with database access would:
    switch the append-only trigger off first (inside the test's transaction,
    so it is back for the next test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        cursor.execute(sql, params)


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    actor = User.objects.create(username="reviewer", role="patient")
    return [audit.record(actor, "read", patient_id=7, object_type="chart", object_id=7) for _ in range(5)]


class TestAuditChain:
    def test_it_links_each_entry_to_the_previous(self, chain: list[AuditEvent]) -> None:
        assert chain[0].prev_hash == audit.GENESIS_HASH
        for earlier, later in itertools.pairwise(chain):
            assert later.prev_hash == earlier.hash
            assert later.seq == earlier.seq + 1

    def test_verify_reports_an_intact_chain(self, chain: list[AuditEvent]) -> None:
        report = audit.verify_chain()
        assert report.ok
        assert report.checked == 5

    def test_verify_finds_an_edited_row(self, chain: list[AuditEvent]) -> None:
        _tamper("UPDATE core_auditevent SET reason = %s WHERE seq = %s", ["nothing to see", 3])
        report = audit.verify_chain()
        assert not report.ok
        assert report.first_broken_seq == 3
        assert "changed" in report.problem

    def test_verify_finds_a_rewritten_hash(self, chain: list[AuditEvent]) -> None:
        # Recomputing the edited row's own hash still breaks the next link.
        row = AuditEvent.objects.get(seq=2)
        fields = {name: getattr(row, name) for name in audit.HASHED_FIELDS}
        fields["action"] = "update"
        forged = audit.entry_hash(row.prev_hash, fields)
        _tamper("UPDATE core_auditevent SET action = %s, hash = %s WHERE seq = %s", ["update", forged, 2])
        report = audit.verify_chain()
        assert (report.ok, report.first_broken_seq) == (False, 3)

    def test_verify_finds_a_deleted_row(self, chain: list[AuditEvent]) -> None:
        _tamper("DELETE FROM core_auditevent WHERE seq = 4")
        report = audit.verify_chain()
        assert (report.ok, report.first_broken_seq) == (False, 4)
        assert "missing" in report.problem

    def test_verify_finds_a_truncated_tail(self, chain: list[AuditEvent]) -> None:
        _tamper("DELETE FROM core_auditevent WHERE seq = 5")
        report = audit.verify_chain()
        assert (report.ok, report.first_broken_seq) == (False, 5)

    def test_the_database_refuses_updates(self, chain: list[AuditEvent]) -> None:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=1).update(reason="edited")
        assert AuditEvent.objects.get(seq=1).reason == ""

    def test_postgresql_refuses_deletes(self, chain: list[AuditEvent]) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("DELETE is refused by trigger on PostgreSQL only (see migration 0002)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=1).delete()
        assert AuditEvent.objects.count() == 5


class TestAuditVerifyCommand:
    def test_it_prints_the_count(self, chain: list[AuditEvent], capsys: pytest.CaptureFixture[str]) -> None:
        call_command("audit", "verify")
        assert "5 entries verified" in capsys.readouterr().out

    def test_it_fails_naming_the_first_broken_entry(self, chain: list[AuditEvent]) -> None:
        _tamper("UPDATE core_auditevent SET actor_username = %s WHERE seq = %s", ["someone-else", 2])
        with pytest.raises(CommandError, match="BROKEN at entry #2"):
            call_command("audit", "verify")
