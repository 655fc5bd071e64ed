"""Frozen versions, signatures and share links."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .charters import Charter
from .directory import Department, User, enum_column


class CharterVersion(db.Model):
    """The frozen content of a charter at submission, numbered per charter.

    ``content`` is canonical JSON (sorted keys, no whitespace, UTF-8) and ``fingerprint``
    the SHA-256 of its bytes; neither changes after the version is created.
    """

    __tablename__ = "charter_versions"
    __table_args__ = (UniqueConstraint("charter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    # The language the PDF is written in (the charter's language when it was frozen).
    language: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last day this version is in force, set when it comes into force (printed on its PDF).
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The archived signed copy: rendered once at activation, served as stored.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    charter: Mapped[Charter] = relationship()
    created_by: Mapped[User | None] = relationship()
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="version", order_by="Signature.signed_at"
    )

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.content)

    @property
    def is_pending(self) -> bool:
        """Frozen, awaiting signatures (neither voided nor in force yet)."""
        return self.voided_at is None and self.activated_at is None

    @property
    def is_in_force(self) -> bool:
        return self.activated_at is not None and self.superseded_at is None

    @property
    def state(self) -> str:
        if self.voided_at is not None:
            return "voided"
        if self.superseded_at is not None:
            return "superseded"
        if self.activated_at is not None:
            return "in_force"
        return "awaiting_signatures"

    def valid_signatures(self) -> list[Signature]:
        return [s for s in self.signatures if s.voided_at is None]


class SignatureMethod(enum.StrEnum):
    """How the signer proved who they were just before signing (issue 15)."""

    PASSWORD = "password"  # noqa: S105 - a method's name: the local password, typed again
    IDENTITY_PROVIDER = "identity_provider"  # a fresh sign-in at the company's OIDC provider


class Signature(db.Model):
    """One department's signature of one version: at most one per side (a constraint)."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("version_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("charter_versions.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    method: Mapped[SignatureMethod] = mapped_column(
        enum_column(SignatureMethod, "signature_method"), default=SignatureMethod.PASSWORD
    )

    version: Mapped[CharterVersion] = relationship(back_populates="signatures")
    department: Mapped[Department] = relationship()
    user: Mapped[User] = relationship()


class ShareLinkStatus(enum.StrEnum):
    """Where a share link stands; computed from its dates, never stored."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ShareLink(db.Model):
    """A link to a signed PDF for people without an account; only the token's hash is kept."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("charter_versions.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[CharterVersion] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def status(self, now: datetime) -> ShareLinkStatus:
        """Revoked, expired or active at ``now``."""
        if self.revoked_at is not None:
            return ShareLinkStatus.REVOKED
        return ShareLinkStatus.ACTIVE if now < self.expires_at else ShareLinkStatus.EXPIRED


# ---------------------------------------------------------------- which version counts


def pending_version(charter: Charter) -> CharterVersion | None:
    """The version awaiting signatures, if any."""
    return db.session.scalar(
        select(CharterVersion)
        .where(
            CharterVersion.charter_id == charter.id,
            CharterVersion.voided_at.is_(None),
            CharterVersion.activated_at.is_(None),
        )
        .order_by(CharterVersion.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def version_in_force(charter: Charter) -> CharterVersion | None:
    """The signed version currently in force (it stays in force while an amendment is drafted)."""
    return db.session.scalar(
        select(CharterVersion)
        .where(
            CharterVersion.charter_id == charter.id,
            CharterVersion.activated_at.is_not(None),
            CharterVersion.superseded_at.is_(None),
        )
        .order_by(CharterVersion.number.desc())
        .limit(1)
    )
