"""The inbox pages (``/inbox``) and the administrators' outbox pages (``/reviews/admin/outbox``)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import NotFound
from ..extensions import db
from ..main.templating import NavLink, add_nav
from ..main.waiting import waiting_for_current_user
from ..models import Notification, OutboxEmail
from ..timeutil import utcnow
from ..transaction import atomic, attempt
from . import inbox, outbox, preferences, snooze
from .texts_reminders import kind_label, snoozed_until

bp = Blueprint("notifications", __name__)


@bp.before_request
@login_required
def _require_login():
    pass


def _nav() -> list[NavLink]:
    unread = inbox.unread_count(current_user.id)
    return [NavLink(str(_l("Inbox")), url_for("notifications.inbox"), unread)]


@bp.record_once
def _setup(state) -> None:
    add_nav(state.app, _nav)


@bp.context_processor
def _labels() -> dict:
    return {
        "message_text": inbox.render_text,
        "done_text": inbox.done_text,
        "outbox_status_label": outbox.status_label,
        "outbox_error_label": outbox.error_label,
        "can_snooze": snooze.can_snooze,
    }


# ---------------------------------------------------------------- the inbox


@bp.route("/inbox", endpoint="inbox")
def inbox_page():
    messages = inbox.page_of(current_user, request.args.get("page", 1, type=int))
    return render_template(
        "notifications/inbox.html",
        messages=messages,
        notifications=messages.items,
        waiting=waiting_for_current_user(),
    )


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
def read(notification_id: int):
    with atomic():
        notification = inbox.mark_read(current_user, notification_id, utcnow())
    if notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect(url_for("notifications.inbox"))


@bp.route("/inbox/read-all", methods=["POST"])
def read_all():
    with atomic():
        inbox.mark_all_read(current_user, utcnow())
    return redirect(url_for("notifications.inbox"))


@bp.route("/inbox/<int:notification_id>/snooze", methods=["POST"])
def snooze_reminder(notification_id: int):
    """Put one of the person's reminders off for a day or a week (someone else's: 404)."""
    notification = db.session.get(Notification, notification_id)
    with attempt() as outcome:
        snooze.snooze(current_user, notification, request.form.get("length", ""), utcnow())
    if isinstance(outcome.error, NotFound):
        abort(404)
    if outcome.ok:
        flash(snoozed_until(notification.snoozed_until), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/preferences/muted/unmute", methods=["POST"])
def unmute():
    """E-mails of one muted kind again (the preferences page lists them)."""
    kind = request.form.get("kind", "")
    with atomic():
        removed = preferences.unmute(current_user.id, kind)
    if removed:
        flash(_("You will receive e-mails of this kind again: %(kind)s.", kind=kind_label(kind)),
              "success")  # fmt: skip
    return redirect(url_for("auth.preferences"))


# ---------------------------------------------------------------- the outbox (administrators)


def _admin_only() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.route("/reviews/admin/outbox", endpoint="outbox")
def outbox_page():
    _admin_only()
    emails = outbox.waiting(request.args.get("page", 1, type=int))
    return render_template(
        "notifications/outbox.html",
        page=emails,
        emails=emails.items,
        counts=outbox.counts(),
        configured=bool(current_app.config.get("MAIL_SERVER")),
    )


@bp.route("/reviews/admin/outbox/<int:email_id>")
def outbox_message(email_id: int):
    _admin_only()
    email = db.get_or_404(OutboxEmail, email_id)
    return render_template("notifications/outbox_message.html", email=email)


@bp.route("/reviews/admin/outbox/<int:email_id>/retry", methods=["POST"])
def outbox_retry(email_id: int):
    _admin_only()
    with atomic():
        outbox.retry_now(db.get_or_404(OutboxEmail, email_id), utcnow())
    flash(_("The e-mail will be sent at the next delivery."), "success")
    return redirect(url_for("notifications.outbox"))
