"""Tell people about reviews and actions: inbox entry plus e-mail, in each person's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import OutboxEmail, User
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


def _footer() -> str:
    return _(
        "You receive this e-mail because you take part in this charter. To stop receiving "
        "e-mails (the in-app inbox keeps every message), change your preferences: %(url)s",
        url=absolute("/preferences"),
    )


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
    in_inbox: bool = True,
    fresh: bool = False,
) -> None:
    """Notify ``user`` in the inbox and queue an e-mail (skipped if they opted out).

    ``message``, ``subject`` and ``body`` are called under the person's own locale. ``fresh``
    says the key was just claimed (a new unique reminder row), so no outbox row can exist yet
    and the look-up is skipped: planning stays a bounded number of statements.
    """
    locale = user.locale if user.locale in ("fr", "en") else "fr"
    with force_locale(locale):
        text = message()
        if in_inbox:
            notify(user, kind, text, link, now=now)
        mail_body = f"{body()}\n\n{absolute(link)}\n\n-- \n{_footer()}\n"
        if fresh:
            if user.is_email_opted_out or not user.is_active:
                return
            db.session.add(
                OutboxEmail(
                    idempotency_key=f"{key}:user:{user.id}",
                    recipient=user.email,
                    subject=subject(),
                    body=mail_body,
                    ics=ics,
                    attachment_name=attachment_name,
                    attachment=attachment,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            return
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
