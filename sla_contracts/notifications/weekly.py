"""The weekly digest: one e-mail on Monday morning for people who chose it (``WEEKLY``).

What is due this week (the reviews held by Sunday, the person's actions due by Sunday or late,
and the reminders they were sent), what moved on their charters (the week's co-writing and
other messages, written by the daily digest's own ``combined.charter_parts``), and the later
reviews to prepare (within the window the home page lists: ``main.waiting``). It goes on
Monday at ``MAIL_WEEKLY_DIGEST_HOUR`` (7:00 by default, display time zone) or at the first run
after it that Monday; the outbox key names the person and the ISO week, and the mail queue
entries it tells are claimed in the same transaction, so two schedulers or a re-run send one
e-mail.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from .. import formats
from ..extensions import db
from ..main.waiting import what_waits_for
from ..models import (
    ActionItem,
    ActionStatus,
    Charter,
    CharterStatus,
    EmailFrequency,
    MailQueueEntry,
    OutboxEmail,
    User,
)
from ..models.notifications import WEEKLY
from . import texts_reminders as words
from .combined import Batch, charter_parts, drop_waiting, footer_text, waiting_entries
from .preferences import locale_of, wants_email
from .registry import MESSAGES

WEEKLY_HOUR = 7
MONDAY = 0


def week_of(day: date) -> str:
    """The ISO week of ``day`` ("2027-W06"), the weekly digest's key."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def send_weekly_digests(now: datetime) -> int:
    """On Monday morning, queue the weekly digest of every person who chose it; return how many."""
    hour = current_app.config.get("MAIL_WEEKLY_DIGEST_HOUR", WEEKLY_HOUR)
    local = formats.local(now)
    if local.weekday() != MONDAY or local.time() < time(hour):
        return 0
    monday = local.date()
    users = list(
        db.session.scalars(
            select(User.id)
            .where(User.email_frequency == EmailFrequency.WEEKLY, User.archived_at.is_(None))
            .order_by(User.id)
        )
    )
    keys = {user_id: f"weekly:user:{user_id}:{week_of(monday)}" for user_id in users}
    done = set(
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(
                OutboxEmail.idempotency_key.in_(keys.values())
            )
        )
    )
    db.session.rollback()  # end the read: each e-mail is its own transaction
    return sum(
        _send_one(user_id, keys[user_id], monday, now)
        for user_id in users
        if keys[user_id] not in done
    )


def _send_one(user_id: int, key: str, monday: date, now: datetime) -> bool:
    """In one transaction: claim the person's waiting entries and queue their weekly e-mail."""
    from .operations import absolute, queue_email

    try:
        user = db.session.get(User, user_id)
        entries = waiting_entries(Batch(user_id, None), WEEKLY, now)
        if user is None or not wants_email(user, words.DIGEST):
            drop_waiting(now, user_ids=[user_id], ids=[e.id for e in entries])
            db.session.commit()
            return False
        waiting = what_waits_for(user, now)
        actions = _actions_due(user, waiting, monday + timedelta(days=6))
        reviews = [item.review for item in waiting.reviews]
        if not (entries or actions or reviews):
            db.session.rollback()
            return False
        if db.session.scalar(select(func.count()).where(OutboxEmail.idempotency_key == key)):
            db.session.rollback()  # another scheduler queued it meanwhile
            return False
        ids = [e.id for e in entries]
        claimed = db.session.execute(
            update(MailQueueEntry)
            .where(MailQueueEntry.id.in_(ids), MailQueueEntry.done_at.is_(None))
            .values(done_at=now, email_key=key)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != len(ids):
            db.session.rollback()
            return False
        with force_locale(locale_of(user)):
            subject, body = weekly_email(
                entries, actions, reviews, absolute, monday + timedelta(days=6)
            )
        queue_email(key, user, subject, body, now=now, kind=words.DIGEST)
        db.session.commit()
        return True
    except Exception:
        db.session.rollback()
        raise


def _actions_due(user: User, waiting, sunday: date) -> list[ActionItem]:
    """Open actions due by ``sunday`` (or late) that concern the person as on the home page:
    theirs; a head's departments'; their departments' that name no one."""
    if not waiting.departments:
        return []
    concerned = or_(
        ActionItem.owner_user_id == user.id,
        and_(
            ActionItem.owner_user_id.is_(None),
            ActionItem.owner_department_id.in_(waiting.departments),
        ),
    )
    if waiting.heads:
        concerned = or_(concerned, ActionItem.owner_department_id.in_(waiting.heads))
    return list(
        db.session.scalars(
            select(ActionItem)
            .join(Charter, Charter.id == ActionItem.charter_id)
            .where(
                ActionItem.status == ActionStatus.OPEN,
                concerned,
                ActionItem.due_on <= sunday,
                Charter.status != CharterStatus.ENDED,
            )
            .options(joinedload(ActionItem.charter))
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )


def _review_day(review) -> date:
    return formats.local_date(review.scheduled_at) if review.scheduled_at else review.due_on


def weekly_email(entries, actions, reviews, absolute, sunday: date) -> tuple[str, str]:
    """(subject, body) of one person's weekly digest, in the current locale: what is due this
    week (reviews held by ``sunday``, actions), the reminders, what moved, the later reviews."""
    reminders = [e for e in entries if e.kind in MESSAGES and MESSAGES[e.kind].reminder]
    moved = [e for e in entries if e not in reminders]
    this_week = [r for r in reviews if _review_day(r) <= sunday]
    later = [r for r in reviews if _review_day(r) > sunday]
    parts: list[str] = []
    if this_week or actions:
        lines = [str(words.WEEKLY_HEADINGS["due"])]
        for review in this_week:
            lines.append("- " + words.weekly_review(review.charter.title, _review_day(review)))
            lines.append(absolute(f"/reviews/{review.id}"))
        for action in actions:
            lines.append(
                "- " + words.weekly_action(action.title, action.charter.title, action.due_on)
            )
        if actions:
            lines.append(absolute("/reviews/actions"))
        parts.append("\n".join(lines))
    if reminders:
        lines = [str(words.WEEKLY_HEADINGS["reminders"])]
        for entry in reminders:
            lines.append(f"- {MESSAGES[entry.kind].text(entry.params)}")
            if entry.link:
                lines.append(absolute(entry.link))
        parts.append("\n".join(lines))
    if moved:
        parts.append(str(words.WEEKLY_HEADINGS["moved"]))
        parts.extend(charter_parts(moved, absolute))
    if later:
        lines = [str(words.WEEKLY_HEADINGS["prepare"])]
        for review in later:
            lines.append("- " + words.weekly_review(review.charter.title, _review_day(review)))
            lines.append(absolute(f"/reviews/{review.id}"))
        parts.append("\n".join(lines))
    subject = words.weekly_subject(len(actions) + len(entries) + len(reviews))
    return subject, "\n\n".join(parts) + f"\n\n-- \n{footer_text()}\n"
