"""Snoozing reminders: put one off for a day or a week, at most twice; it comes back, or escalates.

Any message registered with ``reminder=True`` (``notifications.registry``) can be snoozed by
its reader, from the inbox or from the e-mail's signed link. The state is on the inbox row
(``Notification.snoozed_until``, ``snooze_count``, ``escalated_at``): a snoozed row is hidden
from the inbox and its e-mail still waiting is withdrawn; when the snooze ends, ``end_snoozes``
(the job ``end_snoozes``) shows it again, unread, and e-mails it again as the person's
preferences say. After the second snooze, or once its day (``params["day"]``) has passed after
a snooze, it escalates once to the administrators (``reminder_escalated``, key
``reminder:<row id>:escalated``; ``escalated_at`` is set by ``UPDATE … WHERE escalated_at IS
NULL``), so two schedulers or a re-run tell them once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..models import (
    OPEN_REVIEW_STATUSES,
    ActionItem,
    ActionStatus,
    Notification,
    Review,
    User,
)
from .combined import drop_waiting
from .outbox import withdraw_unsent
from .registry import MESSAGES, reminder_kinds
from .texts_reminders import PAST_DUE, SNOOZED_TWICE

MAX_SNOOZES = 2
LENGTHS = {"day": timedelta(days=1), "week": timedelta(days=7)}
CHUNK = 200
ESCALATION_WINDOW = timedelta(days=180)


def can_snooze(notification: Notification) -> bool:
    """Whether the row is a reminder its reader may still put off."""
    entry = MESSAGES.get(notification.kind)
    return (
        entry is not None
        and entry.reminder
        and notification.done_at is None
        and notification.snooze_count < MAX_SNOOZES
    )


def find_reminder(user_id: int, key: str) -> Notification:
    """The person's reminder of that key (a snooze link), or NotFound."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.user_id == user_id, Notification.idempotency_key == key
        )
    )
    if notification is None:
        raise NotFound(_("No such message."))
    return notification


def snooze(user: User, notification: Notification, length: str, now: datetime) -> Notification:
    """Put ``user``'s reminder off for ``length`` ("day" or "week"); the second time, the
    administrators are told. Someone else's message is not found."""
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such message."))
    if length not in LENGTHS:
        raise ValidationError(_("Choose to put it off for a day or for a week."))
    if not MESSAGES.get(notification.kind) or not MESSAGES[notification.kind].reminder:
        raise ValidationError(_("Only a reminder can be put off."))
    if notification.done_at is not None:
        raise ConflictError(_("This reminder is done: there is nothing to put off."))
    if notification.snooze_count >= MAX_SNOOZES:
        raise ConflictError(
            _(
                "This reminder was already put off twice: it cannot be put off again, "
                "and the administrators have been told."
            )
        )
    # Two clicks at once: only the first moves the count (the row's count is the guard).
    moved = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification.id,
            Notification.snooze_count == notification.snooze_count,
        )
        .values(
            snoozed_until=now + LENGTHS[length],
            snooze_count=Notification.snooze_count + 1,
            read_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise ConflictError(_("This reminder was just put off: reload the page."))
    db.session.refresh(notification)
    if notification.idempotency_key:  # its e-mail not sent yet waits for the snooze's end
        withdraw_unsent(notification.idempotency_key, now, [user.id])
        drop_waiting(now, user_ids=[user.id], key_prefix=notification.idempotency_key)
    if notification.snooze_count >= MAX_SNOOZES:
        _escalate([notification], SNOOZED_TWICE, now)
    return notification


def _day(notification: Notification) -> date | None:
    try:
        return date.fromisoformat(str((notification.params or {}).get("day")))
    except ValueError:
        return None


def _still_open(rows: list[Notification]) -> set[int]:
    """The rows whose review or action is still open (other objects count as open)."""
    review_ids = {n.object_id for n in rows if n.object_type == "review"}
    action_ids = {n.object_id for n in rows if n.object_type == "action"}
    open_reviews = set(
        db.session.scalars(
            select(Review.id).where(
                Review.id.in_(review_ids), Review.status.in_(OPEN_REVIEW_STATUSES)
            )
        )
    ) if review_ids else set()  # fmt: skip
    open_actions = set(
        db.session.scalars(
            select(ActionItem.id).where(
                ActionItem.id.in_(action_ids), ActionItem.status == ActionStatus.OPEN
            )
        )
    ) if action_ids else set()  # fmt: skip
    return {
        n.id
        for n in rows
        if (n.object_type == "review" and n.object_id in open_reviews)
        or (n.object_type == "action" and n.object_id in open_actions)
        or n.object_type not in ("review", "action")
    }


def _escalate(rows: list[Notification], reason: str, now: datetime) -> int:
    """Tell the administrators once about each row (the first to set ``escalated_at`` tells)."""
    from .operations import Notice, notify_many

    if not rows:
        return 0
    mine = set(
        db.session.scalars(
            update(Notification)
            .where(Notification.id.in_([n.id for n in rows]), Notification.escalated_at.is_(None))
            .values(escalated_at=now)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not mine:
        return 0
    admins = list(
        db.session.scalars(select(User).where(User.is_admin.is_(True), User.archived_at.is_(None)))
    )
    people = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in rows})))
    }
    notices = []
    for row in rows:
        if row.id not in mine:
            continue
        who = people[row.user_id]
        params = {
            "name": who.name,
            "what_kind": row.kind,
            "what_params": row.params or {},
            "since": row.created_at,
            "day": (row.params or {}).get("day"),
            "snoozes": row.snooze_count,
            "reason": reason,
        }
        recipients = [a for a in admins if a.id != who.id]
        notices.append(
            Notice(
                "reminder_escalated",
                recipients,
                f"reminder:{row.id}:escalated",
                row.link,
                params,
                obj=(row.object_type, row.object_id) if row.object_type else None,
            )
        )
    notify_many(notices, now=now)
    return len(notices)


def end_snoozes(now: datetime) -> tuple[int, int]:
    """Bring back the reminders whose snooze has ended, and escalate those put off past their
    day; return (back, escalated). Commits in chunks; safe to run twice or in two processes."""
    from .operations import Notice, notify_many

    kinds = reminder_kinds()
    due = list(
        db.session.scalars(
            select(Notification.id)
            .where(Notification.snoozed_until <= now, Notification.kind.in_(kinds))
            .order_by(Notification.id)
        )
    )
    back = 0
    for start in range(0, len(due), CHUNK):
        ids = due[start : start + CHUNK]
        # Whoever clears the snooze tells it again; a concurrent run clears nothing.
        mine = list(
            db.session.scalars(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.snoozed_until <= now)
                .values(snoozed_until=None, read_at=None)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
        rows = list(db.session.scalars(select(Notification).where(Notification.id.in_(mine))))
        people = {
            u.id: u
            for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in rows})))
        }
        notify_many(
            [
                Notice(
                    n.kind,
                    [people[n.user_id]],
                    f"{n.idempotency_key}:back:{n.snooze_count}",
                    n.link,
                    n.params or {},
                    obj=(n.object_type, n.object_id) if n.object_type else None,
                    reminder_key=n.idempotency_key,
                )
                for n in rows
                if n.done_at is None and n.idempotency_key
            ],
            now=now,
            inbox_rows=False,
        )
        back += len(rows)
        db.session.commit()
    today = now.date()
    late = [
        n
        for n in db.session.scalars(
            select(Notification).where(
                Notification.kind.in_(kinds),
                Notification.snooze_count > 0,
                Notification.escalated_at.is_(None),
                Notification.done_at.is_(None),
                # What was put off long ago and whose object closed since stays quiet: the
                # window keeps this read small as the years pass.
                Notification.created_at >= now - ESCALATION_WINDOW,
            )
        )
        if (day := _day(n)) is not None and day < today
    ]
    escalated = 0
    for start in range(0, len(late), CHUNK):
        chunk = late[start : start + CHUNK]
        still = _still_open(chunk)
        escalated += _escalate([n for n in chunk if n.id in still], PAST_DUE, now)
        db.session.commit()
    return back, escalated
