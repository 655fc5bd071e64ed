"""The administrator's sign-in page: require the company's identity provider for everyone.

A route of the ``directory`` blueprint (admins only), registered by being imported in
``register_blueprints``; the service is ``auth.oidc_users.set_oidc_required`` (audited).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..auth import oidc
from ..transaction import attempt
from .identity import set_oidc_required
from .routes import bp


class IdentityForm(FlaskForm):
    oidc_required = BooleanField(
        _l("Everyone signs in through the identity provider (the password form is gone)")
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def identity():
    configured = oidc.is_configured()
    form = IdentityForm(oidc_required=oidc.identity_settings().oidc_required)
    status = 200
    if configured and form.validate_on_submit():
        with attempt(form) as outcome:
            set_oidc_required(current_user, bool(form.oidc_required.data))
        if outcome.ok:
            flash(_("The sign-in settings are saved."), "success")
            return redirect(url_for("directory.identity"))
        status = outcome.status
    return render_template(
        "directory/identity.html",
        form=form,
        configured=configured,
        provider=oidc.provider_name(),
        forced=bool(current_app.config.get("OIDC_REQUIRED")),
        redirect_uri=oidc.redirect_uri(),
    ), status
