"""Who signs in through the identity provider: match, link or create the person.

Matched by (issuer, subject); else by the VERIFIED e-mail, and the issuer and subject are
recorded; else created as a member of no department and without a password, or placed in the
department whose code the claim ``OIDC_DEPARTMENT_CLAIM`` carries. Archived people and
unverified e-mails are refused. Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.operations import record_event
from ..auth.oidc import Identity, OidcRefused, identity_settings, provider_name
from ..auth.service import normalise_email, user_by_email
from ..errors import Forbidden
from ..extensions import db
from ..models import Department, IdentitySettings, Membership, Role, User
from ..timeutil import utcnow

NAME_MAX = 120
EMAIL_MAX = 254


def _by_subject(identity: Identity) -> User | None:
    return db.session.scalar(
        select(User).where(
            User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject
        )
    )


def _department_from_claim(identity: Identity) -> Department | None:
    claim = current_app.config.get("OIDC_DEPARTMENT_CLAIM")
    value = identity.claims.get(claim) if claim else None
    if not isinstance(value, str) or not value.strip():
        return None
    return db.session.scalar(
        select(Department).where(
            func.upper(Department.code) == value.strip().upper(), Department.archived_at.is_(None)
        )
    )


def _refuse_archived(user: User) -> None:
    if not user.is_active:
        raise OidcRefused(_("Your account is archived: ask an administrator if you need it again."))


def user_for_identity(identity: Identity, locale: str, now: datetime | None = None) -> User:
    """The person this verified identity signs in as (found, linked or created; flushes)."""
    now = now or utcnow()
    user = _by_subject(identity)
    if user is not None:
        _refuse_archived(user)
        return user
    if not identity.email or not identity.email_verified:
        raise OidcRefused(
            _(
                "%(provider)s has not verified your e-mail address, so it cannot be matched "
                "to a person here. Verify it there, then sign in again.",
                provider=provider_name(),
            )
        )
    email = normalise_email(identity.email)
    if len(email) > EMAIL_MAX or "@" not in email:
        raise OidcRefused(
            _("%(provider)s sent an unusable e-mail address.", provider=provider_name())
        )
    user = user_by_email(email)
    if user is not None:
        _refuse_archived(user)
        if user.oidc_subject is not None:
            # Linked to another identity already: the same address does not move it.
            raise OidcRefused(
                _(
                    "This e-mail address is already linked to another %(provider)s account. "
                    "Ask an administrator.",
                    provider=provider_name(),
                )
            )
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        db.session.flush()
        record_event(
            "oidc_linked",
            actor=user,
            object_type="user",
            object_id=user.id,
            data={"issuer": identity.issuer, "subject": identity.subject},
            now=now,
        )
        return user
    name = (identity.name or "").strip()[:NAME_MAX] or email.split("@", 1)[0]
    user = User(
        email=email,
        name=name,
        password_hash=None,
        oidc_issuer=identity.issuer,
        oidc_subject=identity.subject,
        locale=locale if locale in current_app.config.get("LANGUAGES", ["fr", "en"]) else "fr",
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    department = _department_from_claim(identity)
    if department is not None:
        db.session.add(Membership(user=user, department=department, role=Role.MEMBER))
        db.session.flush()
    record_event(
        "user_created",
        actor=user,
        object_type="user",
        object_id=user.id,
        data={
            "email": email,
            "is_admin": False,
            "via": "oidc",
            "issuer": identity.issuer,
            "department_id": department.id if department is not None else None,
        },
        now=now,
    )
    return user


def set_oidc_required(actor: User, required: bool, now: datetime | None = None) -> IdentitySettings:
    """The administrator requires (or no longer requires) the provider for everyone (flushes)."""
    if not actor.is_admin:
        raise Forbidden(_("Only an administrator can change how people sign in."))
    now = now or utcnow()
    settings = identity_settings()
    if settings not in db.session:
        db.session.add(settings)
    before = bool(settings.oidc_required)
    settings.oidc_required = bool(required)
    settings.updated_at = now
    settings.updated_by_id = actor.id
    db.session.flush()
    if before != settings.oidc_required:
        record_event(
            "identity_settings_changed",
            actor=actor,
            object_type="identity_settings",
            object_id=settings.id,
            data={"oidc_required": settings.oidc_required},
            now=now,
        )
    return settings
