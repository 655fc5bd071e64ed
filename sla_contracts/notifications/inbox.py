"""The in-app inbox: what a person was told, read in their language of the moment.

A message whose action is done (``Notification.done_at``) is read and no longer asks anything:
the page shows who did it and when, the unread count leaves it out.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db, paginated
from ..models import Notification, User
from ..timeutil import utcnow
from . import texts


def render_text(notification: Notification, locale: str | None = None) -> str:
    """The message in ``locale`` (by default the current one: the reader's)."""
    if locale is None:
        return texts.render_text(notification.kind, notification.params or {})
    with force_locale(locale):
        return texts.render_text(notification.kind, notification.params or {})


def done_text(notification: Notification) -> str:
    """How the message's request was done, in the current locale ("" while it still asks)."""
    if notification.done_at is None:
        return ""
    by = notification.done_by.name if notification.done_by is not None else None
    return texts.render_done(notification.done_reason, by, notification.done_at)


def _awake():
    """Not snoozed (a snoozed reminder is hidden until its snooze ends)."""
    return or_(Notification.snoozed_until.is_(None), Notification.snoozed_until <= utcnow())


def _unread():
    return Notification.read_at.is_(None), Notification.done_at.is_(None), _awake()


def unread_count(user_id: int) -> int:
    """How many inbox messages ``user_id`` has not read (done ones never count)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, *_unread())
    )


def query(user: User, *, unread: bool = False) -> Select:
    """The person's messages (only unread ones if ``unread``), their actor loaded along."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user.id, _awake())
        .options(selectinload(Notification.actor))
    )
    return statement.where(*_unread()) if unread else statement


PAGE_SIZE = 50  # messages a page of the inbox shows


def page_of(user: User, page: int) -> Pagination:
    """One page of the person's messages, newest first (a page past the last is the last)."""
    messages = (
        query(user)
        .options(selectinload(Notification.done_by))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginated(messages, page, PAGE_SIZE)


def mark_read(user: User, notification_id: int, now: datetime) -> Notification:
    """Mark one of ``user``'s messages read (someone else's is not found)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such message."))
    if notification.read_at is None:
        notification.read_at = now
    db.session.flush()
    return notification


def mark_all_read(user: User, now: datetime) -> int:
    """Mark every unread message of ``user`` read; return how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
