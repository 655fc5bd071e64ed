"""The e-mail outbox: delivery over SMTP (claimed rows, deterministic Message-IDs, growing
retries) and what its admin pages list.

Rows are never deleted. A row is claimed for a short lease (``claimed_until``) in its own
transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several workers never send the same
row; the Message-ID comes from the idempotency key, so a message that the server accepted but
answered too late for us, and that we retry, is recognisable as the same message.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import false, func, or_, select, update

from ..extensions import db, paginated
from ..models import OutboxEmail

log = logging.getLogger(__name__)

# Minutes to wait before attempt n+1 (the last one repeats); after MAX_ATTEMPTS the row is
# "failed" (kept and listed on the admin page, where it can be sent again).
RETRY_MINUTES = (1, 5, 15, 60, 240, 720, 1440)
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=5)
BATCH = 50
NOT_CONFIGURED = "MAIL_SERVER is not configured: kept in the outbox."


class Status:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # not sent: what it asked for was done before it went out


def withdraw_unsent(
    key_prefix: str, now: datetime, recipient_ids: Sequence[int] | None = None
) -> int:
    """Keep from sending the e-mails of events under ``key_prefix`` that are still waiting.

    For requests overtaken by events (a signature asked for, and the charter in force before
    the e-mail left); only those to ``recipient_ids`` if given. The rows stay, marked
    withdrawn; returns how many.
    """
    conditions = [
        OutboxEmail.status == Status.PENDING,
        OutboxEmail.idempotency_key.startswith(key_prefix, autoescape=True),
    ]
    if recipient_ids is not None:
        # An event's e-mail to a person has the key "{event key}:user:{id}" (see operations).
        conditions.append(
            or_(
                false(),
                *(OutboxEmail.idempotency_key.endswith(f":user:{i}") for i in recipient_ids),
            )
        )
    result = db.session.execute(
        update(OutboxEmail)
        .where(*conditions)
        .values(status=Status.WITHDRAWN, claimed_until=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts (1, 5, 15, 60 minutes…)."""
    index = min(max(attempts, 1), len(RETRY_MINUTES)) - 1
    return timedelta(minutes=RETRY_MINUTES[index])


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID that is the same at every attempt of the same outbox row."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "reciproque.invalid"
    return f"<{digest}@{domain}>"


def _html(body: str) -> str:
    paragraphs = []
    for block in body.split("\n\n"):
        lines = []
        for line in block.split("\n"):
            text = escape(line)
            if line.startswith(("http://", "https://")) and " " not in line:
                text = f'<a href="{escape(line)}">{text}</a>'
            lines.append(text)
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">'
        + "\n".join(paragraphs)
        + "</body></html>"
    )


def build_message(email: OutboxEmail, sender: str, now: datetime) -> EmailMessage:
    """The MIME message of an outbox row: plain text, HTML, then the .ics and attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = message_id(email.idempotency_key, sender)
    message["Date"] = format_datetime(email.created_at or now)
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:  # RFC 8058: one click in the mail client mutes this kind
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body)
    message.add_alternative(_html(email.body), subtype="html")
    if email.ics:
        method = "CANCEL" if b"METHOD:CANCEL" in email.ics else "REQUEST"
        message.add_attachment(
            email.ics,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    if email.attachment:
        name = email.attachment_name or "attachment"
        subtype = "pdf" if name.lower().endswith(".pdf") else "octet-stream"
        message.add_attachment(
            email.attachment, maintype="application", subtype=subtype, filename=name
        )
    return message


def claim(now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` due rows for this worker (committed lease); return their ids."""
    query = (
        select(OutboxEmail.id)
        .where(
            OutboxEmail.status == Status.PENDING,
            OutboxEmail.next_attempt_at <= now,
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids))
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return ids


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=float(config["MAIL_TIMEOUT"])
    )
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp


def _log_unconfigured(now: datetime) -> int:
    """No server: log each waiting message once and leave it pending in the outbox."""
    rows = db.session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.status == Status.PENDING, OutboxEmail.last_error.is_(None)
        )
    ).all()
    for email in rows:
        log.info(
            "mail not configured; kept in outbox: to=%s subject=%r\n%s",
            email.recipient,
            email.subject,
            email.body,
        )
        email.last_error = NOT_CONFIGURED
    db.session.commit()
    return 0


def deliver_outbox(now: datetime, limit: int = BATCH) -> int:
    """Send due outbox rows; failures are retried later with the error kept. Return sent count."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return _log_unconfigured(now)
    ids = claim(now, limit)
    if not ids:
        return 0
    sender = config["MAIL_DEFAULT_SENDER"]
    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        for email_id in ids:
            email = db.session.get(OutboxEmail, email_id)
            if email is None or email.status != Status.PENDING:
                continue
            try:
                if smtp is None:
                    smtp = _connect(config)
                smtp.send_message(build_message(email, sender, now))
            except (smtplib.SMTPException, OSError) as error:
                _failed(email, error, now)
                if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                    smtp = _close(smtp)
            else:
                email.status = Status.SENT
                email.sent_at = now
                email.attempts += 1
                email.claimed_until = None
                email.last_error = None
                sent += 1
            db.session.commit()
    finally:
        _close(smtp)
        # Rows claimed but not reached (e.g. the process stopped) come back after the lease.
    return sent


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return None
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
    return None


def _failed(email: OutboxEmail, error: Exception, now: datetime) -> None:
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    email.claimed_until = None
    if email.attempts >= MAX_ATTEMPTS:
        email.status = Status.FAILED
    email.next_attempt_at = now + retry_delay(email.attempts)
    log.warning("mail to %s failed (attempt %d): %s", email.recipient, email.attempts, error)


def retry_now(email: OutboxEmail, now: datetime) -> None:
    """Put a failed or waiting row back at the head of the queue (admin action).

    Sent rows stay sent, and withdrawn ones stay withdrawn: what they asked for was done.
    """
    if email.status in (Status.SENT, Status.WITHDRAWN):
        return
    email.status = Status.PENDING
    email.next_attempt_at = now
    email.claimed_until = None


# ---------------------------------------------------------------- what the admin pages show


PAGE_SIZE = 50


def waiting(page: int = 1) -> Pagination:
    """A page of the rows not sent yet (waiting or failed), newest first."""
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.status != Status.SENT)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    )
    return paginated(query, page, PAGE_SIZE)


def counts() -> dict[str, int]:
    """How many rows are in each status."""
    return dict(
        db.session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all()
    )


STATUS_LABELS = {
    Status.PENDING: _l("Waiting to be sent"),
    Status.SENT: _l("Sent"),
    Status.FAILED: _l("Failed (no more automatic attempts)"),
    Status.WITHDRAWN: _l("Withdrawn before sending: what it asked for is done"),
}


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def error_label(error: str | None) -> str:
    """The last delivery error as an administrator reads it (the raw text stays in the row)."""
    if not error:
        return ""
    if error == NOT_CONFIGURED:
        return str(
            _l("No mail server is configured (MAIL_SERVER): the e-mail waits in the outbox.")
        )
    return str(_l("Delivery failed: %(detail)s", detail=error))
