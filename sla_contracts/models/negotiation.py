"""Co-writing a draft: what each side expects of the other, proposed changes to a commitment,
and each side's agreement to a commitment's current text."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .directory import User, enum_column

if TYPE_CHECKING:
    from .charters import Commitment


class ExpectationStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # The owner edited the commitment instead (a counter-proposal), or the commitment changed
    # so that the proposal no longer applies to what it was written against.
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


# Which commitments of the other side answer an expectation.
expectation_answers = Table(
    "expectation_answers",
    db.metadata,
    Column(
        "expectation_id",
        ForeignKey("expectations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "commitment_id",
        ForeignKey("commitments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Expectation(db.Model):
    """What ``from_department`` expects of ``to_department``, and how the other side answered."""

    __tablename__ = "expectations"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text)
    customer_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ExpectationStatus] = mapped_column(
        enum_column(ExpectationStatus, "expectation_status"), default=ExpectationStatus.OPEN
    )
    decline_reason: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who answered, declined or withdrew it last, and whether an administrator acted for a side.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_as_admin: Mapped[bool] = mapped_column(Boolean, default=False)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    answers: Mapped[list[Commitment]] = relationship(
        secondary=expectation_answers, order_by="Commitment.position"
    )

    @property
    def is_open(self) -> bool:
        return self.status == ExpectationStatus.OPEN

    @property
    def answer_ids(self) -> list[int]:
        return [c.id for c in self.answers]


class Proposal(db.Model):
    """A change to a commitment proposed by the side that does not provide it."""

    __tablename__ = "commitment_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_as_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # {field: proposed value} and {field: the value it was proposed against}.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    base: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN
    )
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_as_admin: Mapped[bool] = mapped_column(Boolean, default=False)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    commitment: Mapped[Commitment] = relationship(back_populates="proposals")

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.OPEN


class Agreement(db.Model):
    """One side's agreement to a commitment's current text (cleared when the text changes)."""

    __tablename__ = "commitment_agreements"
    __table_args__ = (UniqueConstraint("commitment_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    as_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The commitment's lock_version when it was agreed, for the record.
    lock_version: Mapped[int] = mapped_column(Integer)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
