"""The audit log: append a hash-chained entry; verify the chain.

Every entry's hash is SHA-256 over the previous hash and the entry's own
fields in a fixed order, so changing, removing or inserting a row breaks the
chain from that row on. Appends lock the single AuditChainHead row, which
serialises writers on PostgreSQL (SQLite's IMMEDIATE transactions already do).
"""

import hashlib
import json
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from waymark.core.models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64

# Set per request by RequestIdMiddleware so audit rows name the request.
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "program_id",
    "patient_id",
    "object_type",
    "object_id",
    "action",
    "reason",
    "break_glass",
    "request_id",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, [_canonical(fields[name]) for name in HASHED_FIELDS]],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class PatientLike(Protocol):
    pk: Any
    program_id: Any


def record_patient_object(
    actor: User | None, action: str, patient: PatientLike, obj: Any, reason: str = ""
) -> AuditEvent:
    """Append an entry for a write to one object (a model instance) of a patient's record."""
    return record(
        actor,
        action,
        patient_id=patient.pk,
        program_id=patient.program_id,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        reason=reason,
    )


def record(
    actor: User | None,
    action: str,
    *,
    patient_id: int | None = None,
    program_id: int | None = None,
    object_type: str = "",
    object_id: Any = "",
    reason: str = "",
    break_glass: bool = False,
) -> AuditEvent:
    """Append one entry. Joins the caller's transaction if there is one (no savepoint:
    if the entry cannot be written, the caller's whole write must fail with it)."""
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        actor_id = actor.pk if actor is not None and actor.pk else None
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            # Microsecond precision survives both databases unchanged.
            "at": timezone.now(),
            "actor_id": actor_id,
            "actor_username": actor.get_username() if actor is not None and actor_id else "",
            "actor_role": actor.role if actor is not None and actor_id else "",
            "program_id": program_id,
            "patient_id": patient_id,
            "object_type": object_type,
            "object_id": str(object_id) if object_id not in (None, "") else "",
            "action": action,
            "reason": reason,
            "break_glass": break_glass,
            "request_id": current_request_id.get(),
        }
        digest = entry_hash(head.last_hash, fields)
        event = AuditEvent.objects.create(prev_hash=head.last_hash, hash=digest, **fields)
        AuditChainHead.objects.filter(pk=1).update(last_seq=fields["seq"], last_hash=digest)
        return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.checked} entries verified."
        return (
            f"Audit chain BROKEN at entry #{self.first_broken_seq}: {self.problem} "
            f"({self.checked} entries checked before it)."
        )


def verify_entries(rows: Iterable[dict[str, Any]], head_seq: int | None = None) -> ChainReport:
    """Check rows ordered by seq. `head_seq` is the chain head's count, if known."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if row["prev_hash"] != prev:
            return ChainReport(False, checked, seq, "its link to the previous entry does not match")
        if entry_hash(prev, row) != row["hash"]:
            return ChainReport(False, checked, seq, "its contents were changed after it was written")
        prev = row["hash"]
        expected_seq += 1
        checked += 1
    if head_seq is not None and head_seq != checked:
        return ChainReport(False, checked, checked + 1, f"the log ends at #{checked} but {head_seq} were written")
    return ChainReport(True, checked)


def verify_chain() -> ChainReport:
    head = AuditChainHead.objects.filter(pk=1).first()
    rows = AuditEvent.objects.order_by("seq").values("prev_hash", "hash", *HASHED_FIELDS).iterator(chunk_size=5000)
    return verify_entries(rows, head.last_seq if head else 0)
