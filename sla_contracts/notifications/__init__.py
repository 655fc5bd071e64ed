"""Telling people: the one entry point, the inbox, the e-mail outbox, preferences, the texts.

Every feature tells people about an event through ``notify`` (or ``notify_many`` in bulk);
nothing outside this package imports its modules directly.
"""

from __future__ import annotations

from flask import Flask

from . import texts_lifecycle  # noqa: F401  (registers the messages of a charter's term)
from .combined import send_coalesced, send_digests
from .inbox import done_text, mark_all_read, mark_read, render_text, unread_count
from .inbox import query as inbox_query
from .operations import (
    Notice,
    absolute,
    inbox_only,
    mark_done,
    notify,
    notify_many,
    queue_email,
)
from .outbox import (
    LEASE,
    MAX_ATTEMPTS,
    NOT_CONFIGURED,
    claim,
    deliver_outbox,
    message_id,
    retry_delay,
    retry_now,
    withdraw_unsent,
)
from .preferences import locale_of, wants_email
from .texts import ANSWERED, CANCELLED, INVITED, MOVED, REMOVED, SIGNED, VOIDED

__all__ = [
    "ANSWERED",
    "CANCELLED",
    "INVITED",
    "LEASE",
    "MAX_ATTEMPTS",
    "MOVED",
    "NOT_CONFIGURED",
    "REMOVED",
    "SIGNED",
    "VOIDED",
    "Notice",
    "absolute",
    "claim",
    "deliver_outbox",
    "done_text",
    "inbox_only",
    "inbox_query",
    "init_app",
    "locale_of",
    "mark_all_read",
    "mark_done",
    "mark_read",
    "message_id",
    "notify",
    "notify_many",
    "queue_email",
    "render_text",
    "retry_delay",
    "retry_now",
    "send_coalesced",
    "send_digests",
    "unread_count",
    "wants_email",
    "withdraw_unsent",
]


def init_app(app: Flask) -> None:
    """Attach the inbox and outbox pages, and ``activity_lines`` for templates (what the
    person's unread co-writing messages say happened: "Hélène Marchand changed 2 commitments")."""
    from .routes import bp
    from .texts import activity_lines

    app.register_blueprint(bp)
    app.add_template_global(activity_lines, "activity_lines")
