"""Who has a charter page open now: one row per person and charter, refreshed by the page's poll."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class CharterPresence(db.Model):
    """``user`` had the charter's page open at ``seen_at`` (in the database: several workers)."""

    __tablename__ = "charter_presence"
    __table_args__ = (Index("ix_charter_presence_charter_id_seen_at", "charter_id", "seen_at"),)

    charter_id: Mapped[int] = mapped_column(
        ForeignKey("charters.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# UNLOGGED on PostgreSQL: rows that live a minute need no write-ahead log, so the poll's
# write commits without waiting for a disk flush (a crash empties the table: people are
# "here" again at their next poll). The migration does the same.
event.listen(
    CharterPresence.__table__,
    "after_create",
    DDL("ALTER TABLE charter_presence SET UNLOGGED").execute_if(dialect="postgresql"),
)
