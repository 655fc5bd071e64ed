"""Combined e-mails: a charter's co-writing activity coalesced, and the daily digest.

``notify`` writes the inbox row at once; for an event told by a combined e-mail it also writes
a ``MailQueueEntry`` (unique per person and event key, so telling it twice queues it once):

- **coalesced** (co-writing messages, people who want e-mails at once): one e-mail per person
  per charter, listing what happened ("Hélène Marchand changed 2 commitments and answered 1
  expectation on “Logistique ⇄ Magasins”"). ``send_coalesced`` sends a person's e-mail for a
  charter once ``EVERY`` (15 minutes) has passed since the last one, and once the burst is
  quiet (no new event for ``QUIET``, 3 minutes) or its first event waited ``EVERY``: a head
  saving five commitments in a row gets one e-mail, a few minutes after the last save, and
  two heads negotiating all afternoon get at most four e-mails an hour.
- **digest** (people who chose a daily digest): everything that would have been e-mailed,
  all charters, in one e-mail a day, at ``MAIL_DIGEST_HOUR`` (7:00 by default, display time
  zone) or the first run after it. Messages carrying a calendar invitation or a file still go
  at once: a digest cannot carry them.

The jobs claim what they tell: one transaction per e-mail marks its entries told (``UPDATE …
WHERE done_at IS NULL``, all of them or it rolls back) and queues the outbox row under a key
made of the person, the charter and the first entry (the digest: the person and the day), so a
second scheduler or a re-run sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_, update

from .. import formats
from ..extensions import db
from ..models import EmailFrequency, MailQueueEntry, OutboxEmail, User
from ..models.notifications import COALESCED, DIGEST, WEEKLY
from . import texts
from .preferences import locale_of, wants_email
from .texts_reminders import ACTIVITY
from .texts_reminders import DIGEST as DIGEST_KIND

EVERY = timedelta(minutes=15)
QUIET = timedelta(minutes=3)
DIGEST_HOUR = 7


def mode_for(user: User, message: texts.Message, has_attachment: bool) -> str | None:
    """Which combined e-mail tells ``user`` of this event (None: its own e-mail, at once)."""
    if user.email_frequency == EmailFrequency.DAILY and not has_attachment:
        return DIGEST
    if user.email_frequency == EmailFrequency.WEEKLY and not has_attachment:
        return WEEKLY
    if message.coalesces:
        return COALESCED
    return None


def queue_row(notice: Any, user: User, mode: str, now: datetime) -> dict[str, Any]:
    """The mail queue row of ``notice`` (a ``Notice``) for ``user``."""
    object_type, object_id = notice.obj or (None, None)
    return {
        "user_id": user.id,
        "mode": mode,
        "charter_id": object_id if object_type == "charter" else None,
        "kind": notice.kind,
        "params": notice.params,
        "actor_id": notice.actor.id if notice.actor is not None else None,
        "idempotency_key": notice.key,
        "link": notice.link,
        "created_at": now,
    }


def drop_waiting(
    now: datetime,
    *,
    user_ids: list[int] | None = None,
    key_prefix: str | None = None,
    kinds: list[str] | None = None,
    ids: list[int] | None = None,
) -> int:
    """Mark waiting entries as never to be e-mailed (the person stopped e-mails, or what the
    message asked for is done); return how many."""
    conditions = [MailQueueEntry.done_at.is_(None)]
    if user_ids is not None:
        conditions.append(MailQueueEntry.user_id.in_(user_ids))
    if key_prefix is not None:
        conditions.append(MailQueueEntry.idempotency_key.startswith(key_prefix, autoescape=True))
    if kinds is not None:
        conditions.append(MailQueueEntry.kind.in_(kinds))
    if ids is not None:
        conditions.append(MailQueueEntry.id.in_(ids))
    return db.session.execute(
        update(MailQueueEntry)
        .where(*conditions)
        .values(done_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


# ---------------------------------------------------------------- writing the e-mails


def summary_lines(entries: list[MailQueueEntry], title: str) -> list[str]:
    """One line per person who acted, counting what they did, in the current locale (events
    that are not co-writing ones are left out: the digest lists them line by line)."""
    return [
        _("%(name)s %(actions)s on “%(title)s”.", name=name, actions=actions, title=title)
        for name, actions in texts.activity(entries)
    ]


def _details(entries: list[MailQueueEntry]) -> list[str]:
    return [
        f"- {formats.moment(e.created_at)} · {texts.render_text(e.kind, e.params)}" for e in entries
    ]


def footer_text() -> str:
    from .operations import footer

    return footer()


def coalesced_email(entries: list[MailQueueEntry], absolute) -> tuple[str, str]:
    """(subject, body) of one person's coalesced e-mail about one charter."""
    title = entries[-1].params.get("title", "")
    subject = ngettext(
        "%(num)d update on “%(title)s”", "%(num)d updates on “%(title)s”", len(entries), title=title
    )
    link = absolute(f"/charters/{entries[0].charter_id}")
    body = "\n".join(summary_lines(entries, title))
    body += "\n\n" + "\n".join(_details(entries))
    body += f"\n\n{link}\n\n-- \n{footer_text()}\n"
    return subject, body


def charter_parts(entries: list[MailQueueEntry], absolute) -> list[str]:
    """The digest's paragraphs of what happened: one per charter (who did what, each event,
    the link), then the other messages line by line (the daily and the weekly digest)."""
    by_charter: dict[int | None, list[MailQueueEntry]] = defaultdict(list)
    for entry in entries:
        by_charter[entry.charter_id].append(entry)
    parts = []
    for charter_id, group in by_charter.items():
        if charter_id is None:
            continue
        title = group[-1].params.get("title", "")
        lines = [f"“{title}”"]
        lines += summary_lines(group, title)
        lines += _details(group)
        lines.append(absolute(f"/charters/{charter_id}"))
        parts.append("\n".join(lines))
    others = by_charter.get(None, [])
    if others:
        lines = [_("Other messages:")]
        for entry in others:
            lines.append(f"- {formats.moment(entry.created_at)} · "
                         f"{texts.render_text(entry.kind, entry.params)}")  # fmt: skip
            if entry.link:
                lines.append(absolute(entry.link))
        parts.append("\n".join(lines))
    return parts


def digest_email(entries: list[MailQueueEntry], absolute) -> tuple[str, str]:
    """(subject, body) of one person's daily digest: by charter, then the other messages."""
    subject = ngettext(
        "Your daily digest: %(num)d message", "Your daily digest: %(num)d messages", len(entries)
    )
    parts = [_("What happened since your last digest:"), *charter_parts(entries, absolute)]
    body = "\n\n".join(parts) + f"\n\n-- \n{footer_text()}\n"
    return subject, body


# ---------------------------------------------------------------- the jobs


@dataclass(frozen=True)
class Batch:
    user_id: int
    charter_id: int | None


def waiting_entries(batch: Batch, mode: str, before: datetime) -> list[MailQueueEntry]:
    query = (
        select(MailQueueEntry)
        .where(
            MailQueueEntry.user_id == batch.user_id,
            MailQueueEntry.mode == mode,
            MailQueueEntry.done_at.is_(None),
            MailQueueEntry.created_at <= before,
        )
        .order_by(MailQueueEntry.created_at, MailQueueEntry.id)
    )
    if mode == COALESCED:
        query = query.where(MailQueueEntry.charter_id == batch.charter_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _claim_and_queue(batch: Batch, mode: str, key_of, compose, now: datetime) -> bool:
    """In one transaction: mark the batch's entries told and queue its e-mail. True if sent."""
    from .operations import absolute, queue_email

    try:
        entries = waiting_entries(batch, mode, now)
        user = db.session.get(User, batch.user_id)
        if not entries or user is None:
            db.session.rollback()
            return False
        ids = [e.id for e in entries]
        kind = ACTIVITY if mode == COALESCED else DIGEST_KIND
        if not wants_email(user):
            drop_waiting(now, user_ids=[user.id])
            db.session.commit()
            return False
        if not wants_email(user, kind):  # this combined e-mail is muted: its events stay untold
            drop_waiting(now, user_ids=[user.id], ids=ids)
            db.session.commit()
            return False
        key = key_of(entries)
        if db.session.scalar(select(func.count()).where(OutboxEmail.idempotency_key == key)):
            db.session.rollback()  # that e-mail is queued already (a run in another process)
            return False
        claimed = db.session.execute(
            update(MailQueueEntry)
            .where(MailQueueEntry.id.in_(ids), MailQueueEntry.done_at.is_(None))
            .values(done_at=now, email_key=key)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != len(ids):  # another run told some of them meanwhile: leave it to it
            db.session.rollback()
            return False
        with force_locale(locale_of(user)):
            subject, body = compose(entries, absolute)
        queue_email(key, user, subject, body, now=now, kind=kind)
        db.session.commit()
        return True
    except Exception:
        db.session.rollback()
        raise


def send_coalesced(now: datetime) -> int:
    """Queue the coalesced e-mails that are due (see the module); return how many."""
    groups = db.session.execute(
        select(
            MailQueueEntry.user_id,
            MailQueueEntry.charter_id,
            func.min(MailQueueEntry.created_at),
            func.max(MailQueueEntry.created_at),
        )
        .where(MailQueueEntry.mode == COALESCED, MailQueueEntry.done_at.is_(None))
        .group_by(MailQueueEntry.user_id, MailQueueEntry.charter_id)
    ).all()
    if not groups:
        db.session.rollback()
        return 0
    pairs = [(user_id, charter_id) for user_id, charter_id, _first, _last in groups]
    last_told = dict(
        (((user_id, charter_id), told) for user_id, charter_id, told in db.session.execute(
            select(MailQueueEntry.user_id, MailQueueEntry.charter_id,
                   func.max(MailQueueEntry.done_at))
            .where(MailQueueEntry.mode == COALESCED, MailQueueEntry.email_key.is_not(None),
                   tuple_(MailQueueEntry.user_id, MailQueueEntry.charter_id).in_(pairs))
            .group_by(MailQueueEntry.user_id, MailQueueEntry.charter_id)
        ))
    )  # fmt: skip
    db.session.rollback()  # end the read: each e-mail is its own transaction
    sent = 0
    for user_id, charter_id, first, last in groups:
        told = last_told.get((user_id, charter_id))
        if told is not None and now < told + EVERY:
            continue
        if now < last + QUIET and now < first + EVERY:
            continue
        batch = Batch(user_id, charter_id)
        sent += _claim_and_queue(
            batch,
            COALESCED,
            lambda entries, b=batch: (
                f"activity:charter:{b.charter_id}:user:{b.user_id}:{entries[0].id}"
            ),
            coalesced_email,
            now,
        )
    return sent


def send_digests(now: datetime) -> int:
    """Queue today's digest of every person who chose one (once a day); return how many."""
    hour = current_app.config.get("MAIL_DIGEST_HOUR", DIGEST_HOUR)
    local = formats.local(now)
    if local.time() < time(hour):
        return 0
    day = local.date().isoformat()
    users = list(
        db.session.scalars(
            select(MailQueueEntry.user_id)
            .where(MailQueueEntry.mode == DIGEST, MailQueueEntry.done_at.is_(None))
            .distinct()
        )
    )
    keys = {user_id: f"digest:user:{user_id}:{day}" for user_id in users}
    done_today = set(  # the outbox's unique key answers from its index
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(
                OutboxEmail.idempotency_key.in_(keys.values())
            )
        )
    )
    db.session.rollback()
    sent = 0
    for user_id in sorted(users):
        if keys[user_id] in done_today:
            continue  # today's digest is sent: what came since waits for tomorrow's
        sent += _claim_and_queue(
            Batch(user_id, None),
            DIGEST,
            lambda entries, k=keys[user_id]: k,
            digest_email,
            now,
        )
    return sent
