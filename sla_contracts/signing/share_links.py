"""Share links: a signed PDF handed to people without an account, for a few days.

Only the token's hash is stored; every creation, revocation and download is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..audit.operations import record_event
from ..errors import CharterStateError, DomainError, Forbidden, NotFound, ValidationError
from ..extensions import db
from ..models import Charter, CharterVersion, ShareLink, User, version_in_force
from ..permissions import can_edit
from ..timeutil import utcnow

SHARE_DAYS_MAX = 365


class ShareLinkGone(DomainError):
    """The share link has expired or was revoked."""

    code = "gone"
    status = 410


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share_link(
    actor: User, charter: Charter, days: Any, now: datetime | None = None
) -> tuple[ShareLink, str]:
    """Create a link to the signed PDF in force; return it and its token (shown once)."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can share this charter."))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= SHARE_DAYS_MAX:
        raise ValidationError(
            _("Choose between 1 and %(max)d days.", max=SHARE_DAYS_MAX), field="days"
        )
    version = version_in_force(charter)
    if version is None:
        raise CharterStateError(_("Only a signed charter can be shared."))
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        version_id=version.id,
        token_hash=_token_hash(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(link)
    db.session.flush()
    record_event(
        "exported",
        actor=actor,
        object_type="share_link",
        object_id=link.id,
        charter_id=charter.id,
        data={"version": version.number, "via": "share_link", "days": days},
        now=now,
    )
    return link, token


def share_links(charter: Charter) -> list[ShareLink]:
    """Every share link of ``charter``'s versions, newest first."""
    return list(
        db.session.scalars(
            select(ShareLink)
            .join(CharterVersion, CharterVersion.id == ShareLink.version_id)
            .where(CharterVersion.charter_id == charter.id)
            .options(selectinload(ShareLink.version), selectinload(ShareLink.created_by))
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


def active_count(charter: Charter, now: datetime | None = None) -> int:
    """How many links to ``charter``'s PDFs still open them at ``now``."""
    now = now or utcnow()
    return db.session.scalar(
        select(func.count(ShareLink.id))
        .join(CharterVersion, CharterVersion.id == ShareLink.version_id)
        .where(
            CharterVersion.charter_id == charter.id,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > now,
        )
    )


def get_share_link(charter: Charter, link_id: int) -> ShareLink:
    """One share link of ``charter``; NotFound for another charter's."""
    link = db.session.get(ShareLink, link_id)
    if link is None or link.version.charter_id != charter.id:
        raise NotFound(_("No such share link."))
    return link


def revoke_share_link(
    actor: User, charter: Charter, link_id: int, now: datetime | None = None
) -> ShareLink:
    """Revoke a share link of this charter: it answers 410 from now on."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can share this charter."))
    link = get_share_link(charter, link_id)
    if link.revoked_at is None:
        link.revoked_at = now
        record_event(
            "share_revoked",
            actor=actor,
            object_type="share_link",
            object_id=link.id,
            charter_id=charter.id,
            data={"version": link.version.number},
            now=now,
        )
    db.session.flush()
    return link


def open_share_link(token: str, now: datetime | None = None) -> CharterVersion:
    """Count a download through a share link and return its version.

    The caller commits, then serves ``pdf_store.signed_pdf`` (stored on first need).
    """
    now = now or utcnow()
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound(_("This link does not exist."))
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == _token_hash(token)))
    if link is None:
        raise NotFound(_("This link does not exist."))
    counted = db.session.execute(
        update(ShareLink)
        .where(
            ShareLink.id == link.id,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > now,
        )
        .values(download_count=ShareLink.download_count + 1, last_downloaded_at=now)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        db.session.refresh(link)
        if link.revoked_at is not None:
            raise ShareLinkGone(_("This link was revoked by the person who shared it."))
        raise ShareLinkGone(_("This link has expired. Ask for a new one."))
    version = db.session.get(CharterVersion, link.version_id)
    # Anonymous, so no actor: the link says through which door the copy left.
    record_event(
        "share_downloaded",
        actor=None,
        object_type="share_link",
        object_id=link.id,
        charter_id=version.charter_id,
        data={"version": version.number, "link_id": link.id},
        now=now,
    )
    return version
