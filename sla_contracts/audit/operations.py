"""Append to and verify the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.session import Session
from sqlalchemy import event as orm_events
from sqlalchemy import select, text
from sqlalchemy.orm import SessionTransaction

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


def _hash_of(event: AuditEvent) -> str:
    """The hash an event must carry: its content chained to ``event.prev_hash``."""
    return _event_hash(
        event.prev_hash,
        event.occurred_at,
        event.actor_id,
        event.action,
        event.object_type,
        event.object_id,
        event.charter_id,
        event.data or {},
    )


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
    """Record an event of the current transaction; it joins the chain when the caller commits.

    The event is appended to the chain in the session's ``before_commit`` (see
    :func:`_append_pending`), after every other change of the transaction has been flushed.
    The chain lock is so always the last lock a transaction takes: a transaction that holds it
    waits for nothing else, so two transactions can never wait for each other (one locking a
    review row then the chain, the other the chain then the row, deadlocked before). A rolled
    back transaction leaves no event. Until the commit the event has no id and no hash.
    """
    event = AuditEvent(
        occurred_at=(now or utcnow()).replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        charter_id=charter_id,
        data=json.loads(json.dumps(data or {}, default=str)),
    )
    db.session.info.setdefault(PENDING, []).append(event)
    return event


def _append_pending(session: Session) -> None:
    """Chain the transaction's events after the current head, just before it commits.

    Appends are serialised: on PostgreSQL a transaction-scoped advisory lock, held until the
    commit, makes a concurrent append wait for this one and then chain after it (on SQLite
    every write transaction already holds the database lock). ``prev_hash`` is unique besides,
    so nothing can ever fork the chain.
    """
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # every row lock of the transaction is taken before the chain's
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    prev_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev_hash or GENESIS
    for event in pending:
        event.prev_hash = prev_hash
        event.hash = prev_hash = _hash_of(event)
        session.add(event)
    session.flush()


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    """A rolled back (or ended) outer transaction takes its unwritten events with it."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


PENDING = "audit_pending_events"
if not orm_events.contains(Session, "before_commit", _append_pending):
    orm_events.listen(Session, "before_commit", _append_pending)
    orm_events.listen(Session, "after_transaction_end", _forget_pending)


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
        if _hash_of(event) != event.hash:
            return ChainReport(count, event.id, "content does not match its hash")
        prev = event.hash
    return ChainReport(count)
