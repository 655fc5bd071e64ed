"""Signing by re-authentication at the company's identity provider (issue 15, point 5).

A head without a local password confirms a signature by signing in again at the provider:
``POST /charters/<id>/sign/provider`` checks what the sign page checks (a head of a side,
the version they saw still the one awaiting signatures) and sends them there with
``prompt=login`` and ``max_age=0``; the callback (``auth.oidc_routes``) checks state, nonce and
that ``auth_time`` is after the request, then :func:`_complete` records the signature with the
method "identity provider" (the audit trail and the certificate of completion say so).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from ..auth import oidc
from ..extensions import db
from ..models import Charter, CharterStatus, SignatureMethod, User, pending_version
from ..permissions import get_charter
from ..transaction import attempt
from . import pdf_store, signatures
from .routes import bp

PURPOSE = "sign"


class ProviderSignForm(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def signs_with_provider(user: User) -> bool:
    """This person confirms signatures at the provider rather than with a password.

    People without a local password, and everyone linked to the provider once the
    administrator requires it (passwords are then not used at all).
    """
    if not oidc.is_configured() or user.oidc_subject is None:
        return False
    return user.password_hash is None or oidc.is_required()


@bp.app_context_processor
def _inject():
    return {
        "signs_with_provider": signs_with_provider,
        "provider_sign_form": ProviderSignForm,
        "identity_provider_name": oidc.provider_name,
    }


def _sign_page(charter_id: int) -> str:
    return url_for("signing.sign", charter_id=charter_id)


@bp.route("/<int:charter_id>/sign/provider", methods=["POST"])
def sign_with_provider(charter_id: int):
    charter = get_charter(current_user, charter_id)
    form = ProviderSignForm()
    if not form.validate_on_submit() or not signs_with_provider(current_user):
        flash(_("Your signature was not recorded: reload the page and try again."), "error")
        return redirect(_sign_page(charter_id))
    if not signatures.signing_departments(current_user, charter):
        flash(_("Only a head of one of the two departments can sign this charter."), "error")
        return redirect(url_for("charters.show", charter_id=charter_id))
    version = pending_version(charter)
    if version is None:
        flash(_("This charter is not awaiting signatures."), "error")
        return redirect(url_for("charters.show", charter_id=charter_id))
    if version.number != form.version.data:
        # The sign page's refusal, before the person leaves for the provider.
        flash(
            _(
                "You were about to sign version %(seen)d, but version %(current)d is the one "
                "awaiting signatures now. Read it before signing.",
                seen=form.version.data,
                current=version.number,
            ),
            "error",
        )
        return redirect(_sign_page(charter_id))
    try:
        return oidc.start(
            PURPOSE,
            reauthenticate=True,
            user_id=current_user.id,
            charter_id=charter.id,
            version=version.number,
            back=_sign_page(charter_id),
        )
    except oidc.ProviderUnavailable as error:
        flash(error.message, "error")
        return redirect(_sign_page(charter_id))


def _complete(intent: dict[str, Any], identity: oidc.Identity):
    """The provider confirmed a fresh sign-in: record the signature (same checks as the page)."""
    charter_id = int(intent["charter_id"])
    back = _sign_page(charter_id)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if (
        user is None
        or user.id != intent.get("user_id")
        or (user.oidc_issuer, user.oidc_subject) != (identity.issuer, identity.subject)
    ):
        flash(
            _(
                "You signed in at %(provider)s as someone else: your signature was not recorded.",
                provider=oidc.provider_name(),
            ),
            "error",
        )
        return redirect(back if user is not None else url_for("auth.login"))
    charter = get_charter(user, charter_id)
    proof = signatures.Reauthentication(user.id, user.password_hash, True)
    with attempt() as outcome:
        signature = signatures.sign_charter(
            user, charter, intent.get("version"), proof, request.remote_addr,
            method=SignatureMethod.IDENTITY_PROVIDER,
        )  # fmt: skip
        version_id = signature.version_id
    if not outcome.ok:
        return redirect(back)
    charter = db.session.get(Charter, charter_id)
    if charter.status == CharterStatus.ACTIVE:
        pdf_store.store_pdf_after_commit(version_id)
        flash(_("Both sides have signed: the charter is in force."), "success")
    else:
        flash(_("Your signature is recorded. The other head is asked to sign."), "success")
    return redirect(url_for("charters.show", charter_id=charter_id))


oidc.on_reauthenticated(PURPOSE, _complete)
