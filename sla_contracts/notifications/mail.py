"""The pages behind the signed links of e-mails (``/mail``): no sign-in needed.

``/mail/unsubscribe/<token>`` mutes one kind of e-mail for one person; ``/mail/snooze/<token>``
puts one reminder off. GET only shows what would happen and a button (link scanners and
previews follow links: they must change nothing); POST acts. The POSTs are exempt from the
CSRF token because the signed token in the URL is the secret a forger cannot make, and RFC
8058 one-click requests come from mail providers without any session.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..errors import DomainError
from ..extensions import csrf, db
from ..models import User
from ..timeutil import utcnow
from ..transaction import atomic
from . import links, preferences, snooze
from .texts_reminders import kind_label

bp = Blueprint("mail", __name__, url_prefix="/mail")


def _invalid():
    message = _(
        "This link is not valid: it was changed or cut, or it has expired. Nothing was changed. "
        "Sign in to change your preferences."
    )
    return render_template("mail/invalid.html", message=message), 400


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    found = links.read_unsubscribe(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        return _invalid()
    kind = found[1]
    done = False
    if request.method == "POST":
        with atomic():
            preferences.mute(user.id, kind, utcnow())
        done = True
    return render_template(
        "mail/unsubscribe.html", user=user, kind=kind_label(kind), token=token, done=done
    )


@bp.route("/snooze/<token>", methods=["GET", "POST"])
@csrf.exempt
def snooze_reminder(token: str):
    found = links.read_snooze(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        return _invalid()
    try:
        reminder = snooze.find_reminder(user.id, found[1])
    except DomainError:
        return _invalid()
    error = None
    status = 200
    if request.method == "POST":
        try:
            with atomic():
                snooze.snooze(user, reminder, request.form.get("length", ""), utcnow())
        except DomainError as problem:
            error, status = problem.message, problem.status
        reminder = snooze.find_reminder(user.id, found[1])
    return render_template(
        "mail/snooze.html",
        reminder=reminder,
        token=token,
        error=error,
        can_snooze=snooze.can_snooze(reminder),
        done=request.method == "POST" and error is None,
        max_snoozes=snooze.MAX_SNOOZES,
    ), status
