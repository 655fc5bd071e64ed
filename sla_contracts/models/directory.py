"""The directory: departments, people, memberships and the catalogue of end-customer criteria."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    HEAD = "head"
    MEMBER = "member"


class EmailFrequency(enum.StrEnum):
    """How a person wants their messages by e-mail (the in-app inbox always gets them)."""

    IMMEDIATELY = "immediately"  # at once; co-writing activity coalesced per charter
    DAILY = "daily"  # one digest a day
    WEEKLY = "weekly"  # one digest a week, on Monday morning
    NEVER = "never"  # inbox only


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_oidc_subject", "oidc_issuer", "oidc_subject", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # None for a person who signs in only through the company's identity provider (issue 15).
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # The identity provider's issuer and subject ("sub") once this person signed in through it:
    # later sign-ins match on them, the first one on the verified e-mail.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reads the company's monthly report (issue 14) without administering anything.
    is_leadership: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archived people keep their name in old charters but cannot log in.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on logout and password change: every session cookie issued before is refused.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    email_frequency: Mapped[EmailFrequency] = mapped_column(
        enum_column(EmailFrequency, "email_frequency"), default=EmailFrequency.IMMEDIATELY
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol. The id carries the session version, so a bumped
    # counter makes every older cookie (session or remember-me) resolve to nobody.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.archived_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def head_of(self) -> list[int]:
        """Return the ids of the departments this person heads."""
        return [m.department_id for m in self.memberships if m.role == Role.HEAD]

    def member_of(self) -> list[int]:
        """Return the ids of all departments this person belongs to."""
        return [m.department_id for m in self.memberships]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class IdentitySettings(db.Model):
    """The administrator's sign-in choices (one row; defaults when absent).

    ``oidc_required``: everyone signs in through the identity provider, the password form is
    gone (the ``OIDC_REQUIRED`` setting forces the same).
    """

    __tablename__ = "identity_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    oidc_required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "membership_role"))

    user: Mapped[User] = relationship(back_populates="memberships")
    department: Mapped[Department] = relationship(back_populates="memberships")


class CustomerCriterion(db.Model):
    __tablename__ = "customer_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    definition: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "criterion_direction"))
    target: Mapped[float] = mapped_column(Float)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
