"""Telling people: the one entry point, the inbox, the e-mail outbox, preferences, the texts.

Every feature tells people about an event through ``notify`` (or ``notify_many`` in bulk);
nothing outside this package imports its modules directly.
"""

from __future__ import annotations

from flask import Flask

from . import (
    texts_lifecycle,  # noqa: F401  (registers the messages of a charter's term)
    texts_report,  # noqa: F401  (registers the monthly report's message)
)
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
from .preferences import locale_of, mute, muted_kinds, unmute, wants_email
from .snooze import end_snoozes
from .texts import ANSWERED, CANCELLED, INVITED, MOVED, REMOVED, SIGNED, VOIDED
from .texts_reminders import ACTIVITY, DIGEST
from .weekly import send_weekly_digests

__all__ = [
    "ACTIVITY",
    "DIGEST",
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
    "end_snoozes",
    "inbox_only",
    "inbox_query",
    "init_app",
    "locale_of",
    "mark_all_read",
    "mark_done",
    "mark_read",
    "mute",
    "muted_kinds",
    "message_id",
    "notify",
    "notify_many",
    "queue_email",
    "render_text",
    "retry_delay",
    "retry_now",
    "send_coalesced",
    "send_digests",
    "send_weekly_digests",
    "unmute",
    "unread_count",
    "wants_email",
    "withdraw_unsent",
]


def init_app(app: Flask) -> None:
    """Attach the inbox and outbox pages, and ``activity_lines`` for templates (what the
    person's unread co-writing messages say happened: "Hélène Marchand changed 2 commitments")."""
    from flask_login import current_user

    from . import mail
    from .routes import bp
    from .texts import activity_lines
    from .texts_reminders import kind_label, snoozed_until

    app.register_blueprint(bp)
    app.register_blueprint(mail.bp)
    app.add_template_global(activity_lines, "activity_lines")
    app.add_template_global(render_text, "message_text")
    app.add_template_global(snoozed_until, "snoozed_line")

    def muted_kinds_of_current_user() -> list[tuple[str, str]]:
        """(kind, label) of what the signed-in person muted, for the preferences page."""
        if not current_user.is_authenticated:
            return []
        return [(k, kind_label(k)) for k in muted_kinds(current_user.id)]

    app.add_template_global(muted_kinds_of_current_user, "muted_kinds")
