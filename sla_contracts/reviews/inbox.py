"""The in-app inbox: reminders and invitations, with an unread count in the menu."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from ..errors import NotFound
from ..extensions import db
from ..main.templating import NavLink, add_nav
from ..models import Notification
from ..timeutil import utcnow

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.before_request
@login_required
def _require_login():
    pass


def unread_count(user_id: int) -> int:
    """How many inbox messages ``user_id`` has not read."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def _nav() -> list[NavLink]:
    return [NavLink(str(_l("Inbox")), url_for("inbox.index"), unread_count(current_user.id))]


@bp.record_once
def _setup(state) -> None:
    add_nav(state.app, _nav)


@bp.route("")
def index():
    notifications = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(200)
    ).all()
    return render_template("inbox/index.html", notifications=notifications)


@bp.route("/<int:notification_id>/read", methods=["POST"])
def read(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        raise NotFound(_("No such message."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.commit()
    if notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect(url_for("inbox.index"))


@bp.route("/read-all", methods=["POST"])
def read_all():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("inbox.index"))
