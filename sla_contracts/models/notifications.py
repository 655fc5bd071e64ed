"""In-app notifications and the e-mail outbox.

An inbox row stores what happened (a message key, ``kind``, and locale-neutral ``params``),
never rendered text: ``notifications.render_text`` writes it in the reader's language. A
message that asks for an action (a signature) is marked done once the action is done:
``done_at``, by whom (``done_by_id``) and how (``done_reason``, a key of ``texts.DONE``).

``MailQueueEntry`` is an event waiting to be told in a combined e-mail: the coalesced e-mail
of a charter's co-writing activity, or a person's daily digest (``notifications.combined``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .directory import User


class Notification(db.Model):
    __tablename__ = "notifications"
    # The same event told twice to the same person writes one row (NULL keys never clash).
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_reason: Mapped[str | None] = mapped_column(String(20))
    # A reminder put off by its reader (``notifications.snooze``): hidden from the inbox until
    # ``snoozed_until``, then back (and e-mailed again); at most ``MAX_SNOOZES`` times.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    snooze_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The signed one-click link that mutes this e-mail's kind for its recipient (RFC 8058
    # ``List-Unsubscribe``); NULL for mail that is not about an event (a test e-mail).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))


# ``MailQueueEntry.mode``: which combined e-mail will tell the event.
COALESCED = "coalesced"  # one e-mail per person per charter, at most every 15 minutes
DIGEST = "digest"  # the person's one e-mail of the day
WEEKLY = "weekly"  # the person's one e-mail of the week (Monday morning)
MAIL_MODES = (COALESCED, DIGEST, WEEKLY)


class MailQueueEntry(db.Model):
    """An event told in the inbox that waits to be told again in a combined e-mail.

    ``done_at`` is set when the e-mail that tells it is queued in the outbox (``email_key``
    is that row's idempotency key) or when it is dropped untold (``email_key`` NULL: the person
    stopped e-mails, or what it asked for was done first).
    """

    __tablename__ = "mail_queue"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_mail_queue_waiting", "mode", "done_at"),
        Index("ix_mail_queue_last_told", "user_id", "charter_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))
    charter_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_key: Mapped[str | None] = mapped_column(String(200))


class MutedKind(db.Model):
    """A kind of message a person no longer wants by e-mail (the inbox still gets it).

    ``kind`` is a message key of ``notifications.texts`` or a combined e-mail (``activity``: the
    coalesced co-writing e-mails; ``digest``: the daily or weekly digest).
    """

    __tablename__ = "muted_kinds"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
