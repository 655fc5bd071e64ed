"""Tell people about an event: the one entry point, ``notify`` (and ``notify_many`` in bulk).

Nothing is sent here: inbox rows and outbox e-mails are inserted in the caller's
transaction (no commit), so a change that is rolled back tells nobody. The scheduler's
delivery job sends the outbox after commit. Both inserts are ``ON CONFLICT DO NOTHING``
against a unique key (inbox: person + key; outbox: key + person), so telling the same event
twice writes nothing new, even from two processes at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Table, func, insert, update

from ..extensions import db
from ..models import MailQueueEntry, Notification, OutboxEmail, User
from ..timeutil import utcnow
from .combined import drop_waiting, mode_for, queue_row
from .links import snooze_url, unsubscribe_url
from .outbox import withdraw_unsent
from .preferences import locale_of, muted_pairs, wants_email
from .texts import MESSAGES, SIGNED, actionable_kinds, render_email
from .texts_reminders import snooze_line, unsubscribe_line

_inbox_only: ContextVar[bool] = ContextVar("notifications_inbox_only", default=False)


@contextmanager
def inbox_only() -> Iterator[None]:
    """Within the block, events reach the inbox but queue no e-mail (history being replayed)."""
    token = _inbox_only.set(True)
    try:
        yield
    finally:
        _inbox_only.reset(token)


def absolute(path: str) -> str:
    """Return the public URL of an app path (jobs run without a request)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def footer() -> str:
    """The last lines of every e-mail (in the current locale): why, and how to stop."""
    return _(
        "You receive this e-mail because you take part in this charter. To receive a daily "
        "digest instead, or no e-mails at all (the in-app inbox keeps every message), change "
        "your preferences: %(url)s",
        url=absolute("/preferences"),
    )


def _neutral(value: Any) -> Any:
    """Parameters are stored locale-neutral: dates and datetimes as ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_neutral(v) for v in value]
    if isinstance(value, dict):
        return {k: _neutral(v) for k, v in value.items()}
    return value


@dataclass
class Notice:
    """One event to tell ``recipients`` about (see ``notify`` for the fields)."""

    kind: str
    recipients: Sequence[User]
    key: str
    link: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    actor: User | None = None
    obj: tuple[str, int] | None = None
    ics: bytes | None = None
    attachment_name: str | None = None
    attachment: bytes | None = None
    # A reminder told again after its snooze: the key of its inbox row (the snooze link's).
    reminder_key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MESSAGES:
            raise ValueError(f"no message is registered for {self.kind!r}")
        if MESSAGES[self.kind].coalesces and (self.obj is None or self.obj[0] != "charter"):
            raise ValueError(f"{self.kind!r} is coalesced per charter: obj=('charter', id)")
        self.params = _neutral(self.params)

    @property
    def has_attachment(self) -> bool:
        return bool(self.ics or self.attachment)


def notify(
    kind: str,
    *,
    recipients: Iterable[User],
    key: str,
    link: str = "",
    params: dict[str, Any] | None = None,
    actor: User | None = None,
    obj: tuple[str, int] | None = None,
    now: datetime | None = None,
    ics: bytes | None = None,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
) -> None:
    """Tell ``recipients`` that ``kind`` happened: inbox rows, and e-mails to those who want them.

    ``key`` names the event (same key and person twice: nothing new); ``params`` are the
    message's locale-neutral values (names, ids, numbers; dates become ISO text); ``obj``
    is the ``(type, id)`` it is about and ``link`` the app path to open. E-mails follow each
    person's preference: at once (co-writing messages coalesced per charter), in the daily
    digest, or none (``notifications.combined``); they are written in each recipient's
    language; the inbox line whenever it is read.
    """
    notice = Notice(
        kind,
        list(recipients),
        key,
        link,
        params or {},
        actor,
        obj,
        ics,
        attachment_name,
        attachment,
    )
    notify_many([notice], now=now)


def notify_many(
    notices: Iterable[Notice], *, now: datetime | None = None, inbox_rows: bool = True
) -> None:
    """Tell many events at once: one INSERT per table, each e-mail text written once a language.

    ``inbox_rows=False`` writes only the e-mails (a snoozed reminder whose row comes back).
    """
    now = now or utcnow()
    notices = list(notices)
    muted = muted_pairs(u.id for n in notices for u in n.recipients)
    inbox: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    queued: list[dict[str, Any]] = []
    readers: dict[str, list[tuple[Notice, list[User]]]] = defaultdict(list)
    emailing = not _inbox_only.get()
    for notice in notices:
        entry = MESSAGES[notice.kind]
        by_locale: dict[str, list[User]] = defaultdict(list)
        for user in notice.recipients:
            if inbox_rows:
                inbox.append(_inbox_row(notice, user, now))
            if not (emailing and entry.is_emailed and wants_email(user, notice.kind, muted=muted)):
                continue
            mode = mode_for(user, entry, notice.has_attachment)
            if mode is not None:
                queued.append(queue_row(notice, user, mode, now))
            else:
                by_locale[locale_of(user)].append(user)
        for locale, users in by_locale.items():
            readers[locale].append((notice, users))
    for locale in sorted(readers):
        with force_locale(locale):
            signature = footer()
            for notice, users in readers[locale]:
                subject, text = render_email(notice.kind, notice.params)
                body = f"{text}\n\n{absolute(notice.link)}\n\n"
                for user in users:
                    emails.append(_email_row(notice, user, subject, body, signature, now))
    _insert_new(Notification.__table__, inbox)
    _insert_new(OutboxEmail.__table__, emails)
    _insert_new(MailQueueEntry.__table__, queued)


def mark_done(
    key_prefix: str,
    *,
    by: User | None,
    now: datetime,
    reason: str = SIGNED,
    recipients: Iterable[User] | None = None,
) -> int:
    """The action that the messages of events under ``key_prefix`` ask for is done, by ``by``.

    Their inbox rows (to ``recipients`` only, if given) are marked done and read, with who
    did it and how (``reason``: ``texts.SIGNED`` or ``texts.VOIDED``); their e-mails still
    waiting in the outbox are withdrawn. Only messages that ask for an action are touched,
    so tell what follows (e.g. "now in force") after this call. Returns the inbox rows marked.
    """
    conditions = [
        Notification.idempotency_key.startswith(key_prefix, autoescape=True),
        Notification.kind.in_(actionable_kinds()),
        Notification.done_at.is_(None),
    ]
    recipient_ids = None
    if recipients is not None:
        recipient_ids = sorted({u.id for u in recipients})
        conditions.append(Notification.user_id.in_(recipient_ids))
    if recipient_ids != []:
        withdraw_unsent(key_prefix, now, recipient_ids)
        drop_waiting(now, user_ids=recipient_ids, key_prefix=key_prefix, kinds=actionable_kinds())
    result = db.session.execute(
        update(Notification)
        .where(*conditions)
        .values(
            done_at=now,
            done_by_id=by.id if by is not None else None,
            done_reason=reason,
            read_at=func.coalesce(Notification.read_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _inbox_row(notice: Notice, user: User, now: datetime) -> dict[str, Any]:
    object_type, object_id = notice.obj or (None, None)
    return {
        "user_id": user.id,
        "kind": notice.kind,
        "params": notice.params,
        "actor_id": notice.actor.id if notice.actor is not None else None,
        "object_type": object_type,
        "object_id": object_id,
        "idempotency_key": notice.key,
        "link": notice.link,
        "created_at": now,
    }


def _email_row(
    notice: Notice, user: User, subject: str, body: str, signature: str, now: datetime
) -> dict[str, Any]:
    """One person's e-mail of ``notice``: the text, then (a reminder) the link to put it off,
    the signature, and the one-click link to stop this kind of e-mail."""
    if MESSAGES[notice.kind].reminder:
        body += snooze_line(snooze_url(user.id, notice.reminder_key or notice.key)) + "\n\n"
    unsubscribe = unsubscribe_url(user.id, notice.kind)
    body += f"-- \n{signature}\n{unsubscribe_line(notice.kind, unsubscribe)}\n"
    row = _outbox_row(
        f"{notice.key}:user:{user.id}",
        user.email,
        subject,
        body,
        now,
        notice.ics,
        notice.attachment_name,
        notice.attachment,
    )
    row["unsubscribe_url"] = unsubscribe
    return row


def _outbox_row(key, address, subject, body, now, ics, attachment_name, attachment) -> dict:
    return {
        "unsubscribe_url": None,
        "idempotency_key": key,
        "recipient": address,
        "subject": subject[:300],
        "body": body,
        "ics": ics,
        "attachment_name": attachment_name,
        "attachment": attachment,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def _insert_new(table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite): one statement for all rows."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - other databases: plain insert, the unique key still holds
        db.session.execute(insert(table), rows)
        return
    db.session.execute(dialect_insert(table).on_conflict_do_nothing(), rows)


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
    kind: str | None = None,
) -> None:
    """Put one ready-written e-mail in the outbox once per key (inbox-only people: skipped).

    For mail to an address rather than about an event; events go through ``notify``. With
    ``kind`` (a message key, or ``texts_reminders.DIGEST``…) and a ``User``, a person who
    muted that kind is skipped, and the others get its one-click unsubscribe line and headers.
    """
    unsubscribe = None
    if isinstance(recipient, User):
        if not wants_email(recipient, kind):
            return
        if kind is not None:
            unsubscribe = unsubscribe_url(recipient.id, kind)
            body = body.rstrip("\n") + "\n" + unsubscribe_line(kind, unsubscribe) + "\n"
        recipient = recipient.email
    row = _outbox_row(
        idempotency_key,
        recipient,
        subject,
        body,
        now or utcnow(),
        ics,
        attachment_name,
        attachment,
    )
    row["unsubscribe_url"] = unsubscribe
    _insert_new(OutboxEmail.__table__, [row])
