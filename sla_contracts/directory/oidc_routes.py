"""``/auth/oidc/login`` starts a sign-in at the company's provider, ``/auth/oidc/callback`` ends it.

The callback also ends a re-authentication (before a signature): the feature that asked for
it registered what to do with :func:`oidc.on_reauthenticated`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from ..auth import oidc
from ..auth.routes import safe_next
from ..timeutil import utcnow
from ..transaction import atomic
from .identity import user_for_identity

bp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")
ID_TOKEN = "oidc_id_token"  # noqa: S105 - a session key, kept for the provider's logout (id_token_hint)


@bp.before_request
def _configured():
    if not oidc.is_configured():
        abort(404)


@bp.route("/login")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    target = safe_next(request.args.get("next"), url_for("main.index"))
    try:
        return oidc.start("login", next=target)
    except oidc.ProviderUnavailable as error:
        flash(error.message, "error")
        return redirect(url_for("auth.login", next=request.args.get("next")))


@bp.route("/callback")
def callback():
    started = session.get(oidc.INTENT) or {}
    try:
        intent, identity = oidc.finish(request.args)
    except (oidc.OidcRefused, oidc.ProviderUnavailable) as error:
        flash(error.message, "error")
        return redirect(_back_to(started))
    if intent.get("purpose") == "login":
        return _sign_in(intent, identity)
    handler = oidc.reauthenticated_handler(intent.get("purpose", ""))
    if handler is None:
        abort(400)
    return handler(intent, identity)


def _back_to(intent: dict) -> str:
    """Where a refused answer is shown: the login page, or the page that asked."""
    if intent.get("purpose") not in (None, "login") and intent.get("back"):
        return safe_next(intent["back"], url_for("main.index"))
    return url_for("auth.login")


def _sign_in(intent: dict, identity: oidc.Identity):
    try:
        with atomic():
            user = user_for_identity(identity, str(get_locale() or "fr"))
            user.last_login_at = utcnow()
    except oidc.OidcRefused as error:  # rolled back: nothing created, nothing linked
        flash(error.message, "error")
        return redirect(url_for("auth.login"))
    except IntegrityError:  # the same person's first sign-in, twice at once: one created it
        flash(_("Your sign-in did not complete: please sign in again."), "error")
        return redirect(url_for("auth.login"))
    session.permanent = True
    login_user(user)
    session[ID_TOKEN] = identity.id_token
    if user.password_hash is None and not user.memberships:
        flash(
            _(
                "Welcome. You belong to no department yet: an administrator will place you. "
                "Meanwhile you can read what is shared with everyone."
            ),
            "info",
        )
    return redirect(safe_next(intent.get("next"), url_for("main.index")))
