"""Which departments depend on each other, and the silo index month by month (issue 14).

A dependent pair is unordered and stored once, the smaller id first (a CHECK says so). The silo
index is kept per month (the month's first day), for the company and for each department: one
row per month and scope (unique keys), written by the scheduled job ``store_silo_index``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .directory import Department, User


class DependentPair(db.Model):
    """Two departments that depend on each other, as the administrator declared them."""

    __tablename__ = "dependent_pairs"
    __table_args__ = (
        UniqueConstraint("department_low_id", "department_high_id"),
        CheckConstraint("department_low_id < department_high_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_low_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    department_high_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department_low: Mapped[Department] = relationship(foreign_keys=[department_low_id])
    department_high: Mapped[Department] = relationship(foreign_keys=[department_high_id])
    declared_by: Mapped[User | None] = relationship()

    @property
    def key(self) -> tuple[int, int]:
        return (self.department_low_id, self.department_high_id)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


class SiloIndexMonth(db.Model):
    """The company's silo figures of one month (updated by the job until the month ends)."""

    __tablename__ = "silo_index_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)  # the month's first day
    dependent_pairs: Mapped[int] = mapped_column(Integer)
    pairs_with_charter_in_force: Mapped[int] = mapped_column(Integer)
    charters_in_force: Mapped[int] = mapped_column(Integer)
    charters_review_late: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def index(self) -> float | None:
        """Share of dependent pairs without a charter in force (None: no pair declared)."""
        return _share(self.dependent_pairs - self.pairs_with_charter_in_force, self.dependent_pairs)

    @property
    def late_share(self) -> float | None:
        """Share of the charters in force whose review is late (None: none in force)."""
        return _share(self.charters_review_late, self.charters_in_force)


class SiloIndexDepartmentMonth(db.Model):
    """One department's silo figures of one month."""

    __tablename__ = "silo_index_department_months"
    __table_args__ = (UniqueConstraint("department_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    dependent_pairs: Mapped[int] = mapped_column(Integer)
    pairs_without_charter_in_force: Mapped[int] = mapped_column(Integer)
    charters_in_force: Mapped[int] = mapped_column(Integer)
    charters_review_late: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
