"""Readings (issue 13, point 1): the measured value of a commitment, or of the shared
end-customer criterion, for one period ("2027-01", "2027-W03", "2027-Q1").

One row per commitment (or criterion) and period: entering a period again replaces its value
and keeps the previous value, note, author and time in ``history`` (oldest first). The period's
first day is stored beside its name so that ranges and "the latest" are plain date comparisons.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .charters import Charter, Commitment
from .directory import CustomerCriterion, User


class _ReadingColumns:
    """What every reading holds, whatever it measures."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Earlier values of this period, oldest first: {"value", "note", "entered_by_id", "entered_at"}
    history: Mapped[list] = mapped_column(JSON, default=list)

    @declared_attr
    def entered_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def entered_by(cls) -> Mapped[User | None]:
        return relationship()


class Reading(_ReadingColumns, db.Model):
    """A commitment's measured value for one period."""

    __tablename__ = "readings"
    __table_args__ = (
        UniqueConstraint("commitment_id", "period"),
        Index("ix_readings_commitment_start", "commitment_id", "period_start"),
    )

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    # The commitment's charter, so a charter's readings are one indexed range.
    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), index=True
    )

    commitment: Mapped[Commitment] = relationship()
    charter: Mapped[Charter] = relationship()


class CriterionReading(_ReadingColumns, db.Model):
    """The shared end-customer criterion's value for one period, company-wide."""

    __tablename__ = "criterion_readings"
    __table_args__ = (
        UniqueConstraint("criterion_id", "period"),
        Index("ix_criterion_readings_criterion_start", "criterion_id", "period_start"),
    )

    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("customer_criteria.id", ondelete="CASCADE")
    )

    criterion: Mapped[CustomerCriterion] = relationship()
