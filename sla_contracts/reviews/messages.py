"""Tell people about reviews and actions: inbox entry plus e-mail, in each person's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert

from ..extensions import db
from ..models import Notification, OutboxEmail, User
from ..notifications.operations import notify, queue_email


def absolute(path: str) -> str:
    """Return the public URL of an app path (jobs run without a request)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def review_path(review_id: int) -> str:
    return f"/reviews/{review_id}"


def meeting_path(review_id: int) -> str:
    return f"/reviews/{review_id}"


def charter_path(charter_id: int) -> str:
    return f"/charters/{charter_id}"


ACTIONS_PATH = "/reviews/actions"


def locale_of(user: User) -> str:
    """The language a person reads their messages in."""
    return user.locale if user.locale in ("fr", "en") else "fr"


def footer() -> str:
    return _(
        "You receive this e-mail because you take part in this charter. To stop receiving "
        "e-mails (the in-app inbox keeps every message), change your preferences: %(url)s",
        url=absolute("/preferences"),
    )


@dataclass
class Batch:
    """Rows to insert in bulk (one statement per table) for freshly claimed reminder keys.

    The key was just claimed by a new unique reminder row, so no outbox row can exist for it:
    the per-message look-up of ``queue_email`` is skipped and planning stays a bounded number
    of statements.
    """

    notifications: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)

    def add(
        self,
        user: User,
        kind: str,
        key: str,
        link: str,
        text: str,
        subject: str,
        body: str,
        now: datetime,
        *,
        ics: bytes | None = None,
        attachment_name: str | None = None,
        attachment: bytes | None = None,
    ) -> None:
        """Queue an inbox row, and an e-mail unless the person opted out."""
        self.notifications.append(
            {"user_id": user.id, "kind": kind, "message": text, "link": link, "created_at": now}
        )
        if user.is_email_opted_out or not user.is_active:
            return
        self.emails.append(
            {
                "idempotency_key": f"{key}:user:{user.id}",
                "recipient": user.email,
                "subject": subject,
                "body": body,
                "ics": ics,
                "attachment_name": attachment_name,
                "attachment": attachment,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )

    def flush(self) -> None:
        if self.notifications:
            db.session.execute(insert(Notification), self.notifications)
        if self.emails:
            db.session.execute(insert(OutboxEmail), self.emails)
        self.notifications, self.emails = [], []


def tell(
    user: User,
    *,
    kind: str,
    key: str,
    link: str,
    message: Callable[[], str],
    subject: Callable[[], str],
    body: Callable[[], str],
    now: datetime,
    ics: bytes | None = None,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
) -> None:
    """Notify ``user`` in the inbox and queue an e-mail (skipped if they opted out).

    ``message``, ``subject`` and ``body`` are called under the person's own locale.
    """
    with force_locale(locale_of(user)):
        text = message()
        mail_body = f"{body()}\n\n{absolute(link)}\n\n-- \n{footer()}\n"
        notify(user, kind, text, link, now=now)
        queue_email(
            f"{key}:user:{user.id}",
            user,
            subject(),
            mail_body,
            ics=ics,
            attachment_name=attachment_name,
            attachment=attachment,
            now=now,
        )
