"""Tell people things: the in-app inbox and the e-mail outbox.

Nothing is sent here: rows are added in the caller's transaction, so a change that is
rolled back tells nobody. The scheduler's delivery job sends the outbox after commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Notification, OutboxEmail, User
from ..timeutil import utcnow


def notify(
    user: User, kind: str, message: str, link: str = "", now: datetime | None = None
) -> Notification:
    """Add a message to ``user``'s in-app inbox."""
    notification = Notification(
        user_id=user.id, kind=kind, message=message, link=link, created_at=now or utcnow()
    )
    db.session.add(notification)
    return notification


def queue_email(
    idempotency_key: str,
    recipient: User | str,
    subject: str,
    body: str,
    *,
    ics: bytes | None = None,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
    now: datetime | None = None,
) -> OutboxEmail | None:
    """Put an e-mail in the outbox once per ``idempotency_key``; skip people who opted out.

    Returns the row, or None when the person opted out or the key was already queued.
    """
    if isinstance(recipient, User):
        if recipient.is_email_opted_out or not recipient.is_active:
            return None
        address = recipient.email
    else:
        address = recipient
    existing = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return None
    now = now or utcnow()
    email = OutboxEmail(
        idempotency_key=idempotency_key,
        recipient=address,
        subject=subject,
        body=body,
        ics=ics,
        attachment_name=attachment_name,
        attachment=attachment,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(email)
    return email
