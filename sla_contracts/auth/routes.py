"""Log in, log out, preferences and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..models import EmailFrequency, User
from ..timeutil import utcnow
from ..transaction import atomic
from . import oidc
from .forms import LoginForm, PasswordForm, PreferencesForm
from .passwords import hash_password, verify_password
from .service import authenticate
from .sessions import end_all_sessions

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
# Only failed attempts count: a team logging in behind one address is not locked out.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    required = oidc.is_required()
    if required and request.method == "POST":
        # The password form is gone; a password posted anyway is refused, never checked.
        flash(
            _("Sign in through %(provider)s: passwords are not used here.",
              provider=oidc.provider_name()),
            "error",
        )  # fmt: skip
    elif form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong e-mail or password."), "error")
        else:
            with atomic():
                user.last_login_at = utcnow()
            session.permanent = True
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template(
        "auth/login.html",
        form=form,
        oidc_name=oidc.provider_name() if oidc.is_configured() else None,
        passwords=not required,
    )


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    id_token = session.get("oidc_id_token")
    if current_user.is_authenticated:
        with atomic():
            end_all_sessions(db.session.get(User, current_user.id))
        logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    back = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.login")
    # Signed in through the provider: end its session too, where it offers RP-initiated logout.
    provider_logout = oidc.logout_url(id_token, back) if id_token else None
    return redirect(provider_logout or url_for("auth.login"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(obj=current_user)
    pw_form = PasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        with atomic():
            current_user.locale = form.locale.data
            # What waits for a combined e-mail follows the new choice when it falls due.
            current_user.email_frequency = EmailFrequency(form.email_frequency.data)
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.preferences"))
    if pw_form.submit.data and pw_form.validate_on_submit():
        if not verify_password(current_user.password_hash, pw_form.current_password.data):
            pw_form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            with atomic():
                user.password_hash = hash_password(pw_form.new_password.data)
                end_all_sessions(user, revoke_tokens=True)
            login_user(user)  # this device stays signed in; every other session ends
            flash(_("Your password is changed; your other sessions are signed out."), "success")
            return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form, pw_form=pw_form)


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            with atomic():
                current_user.locale = lang
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
