"""The stored minutes PDF of a closed review: one copy per language, keyed by its content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .keyed_copy import KeyedCopy


class ReviewMinutesPdf(KeyedCopy, db.Model):
    """The minutes of ``review`` in ``language``, rendered from values hashing to ``content_key``.

    Unlike a signed charter's PDF these bytes may be replaced: when what the minutes show
    changes (a department renamed, an action marked done, a new layout), the key changes and
    the next download renders and stores them again.
    """

    __tablename__ = "review_minutes_pdfs"
    __table_args__ = (UniqueConstraint("review_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    content_key: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
