"""Append to and verify the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from ..extensions import db
from ..models import AuditEvent, User
from ..timeutil import utcnow

GENESIS = "0" * 64
# PostgreSQL advisory lock that serialises appends to the one chain ("RECI").
CHAIN_LOCK = 0x52454349


def _event_hash(
    prev_hash: str,
    occurred_at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    charter_id: int | None,
    data: dict,
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": occurred_at.isoformat(),
            "actor": actor_id,
            "action": action,
            "type": object_type,
            "id": object_id,
            "charter": charter_id,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record_event(
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id: int | None = None,
    charter_id: int | None = None,
    data: dict | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append an event after the current chain head (flushes; the caller commits).

    Appends are serialised: on PostgreSQL a transaction-scoped advisory lock, held until the
    caller commits, makes a concurrent append wait for this one and then chain after it (on
    SQLite every write transaction already holds the database lock). ``prev_hash`` is unique
    besides, so nothing can ever fork the chain.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    head = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = head.hash if head else GENESIS
    occurred_at = (now or utcnow()).replace(microsecond=0)
    data = json.loads(json.dumps(data or {}, default=str))
    actor_id = actor.id if actor is not None else None
    event = AuditEvent(
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        charter_id=charter_id,
        data=data,
        prev_hash=prev_hash,
        hash=_event_hash(
            prev_hash, occurred_at, actor_id, action, object_type, object_id, charter_id, data
        ),
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class ChainReport:
    count: int
    broken_event_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None


def verify_chain() -> ChainReport:
    """Walk the chain in order and return the first broken link, if any."""
    prev = GENESIS
    count = 0
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev:
            return ChainReport(count, event.id, "previous hash does not match")
        expected = _event_hash(
            event.prev_hash,
            event.occurred_at,
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.charter_id,
            event.data or {},
        )
        if expected != event.hash:
            return ChainReport(count, event.id, "content does not match its hash")
        prev = event.hash
    return ChainReport(count)
