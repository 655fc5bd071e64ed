"""The satisfaction survey before a review: each person of both sides rates the other side.

One row per person and review, written when the person is asked (the meeting is scheduled)
or when they answer; ``score`` stays None until they answer. A person answers for their side
(``department_id``, one of the charter's two) about the other side.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from .directory import User
from .reviews import Review

SCORES = (1, 2, 3, 4, 5)
IRRITANT_MAX = 300


class SatisfactionAnswer(db.Model):
    """How satisfied ``user`` (of ``department_id``) is with the other side, before the review."""

    __tablename__ = "satisfaction_answers"
    __table_args__ = (
        UniqueConstraint("review_id", "user_id"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The side the person answers for (the rated side is the charter's other department).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    score: Mapped[int | None] = mapped_column(Integer)
    irritant: Mapped[str] = mapped_column(String(IRRITANT_MAX), default="")
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    # ``Review.survey_answers``: declared here so the review model stays as it is.
    review: Mapped[Review] = relationship(
        backref=backref("survey_answers", order_by="SatisfactionAnswer.id", passive_deletes=True)
    )

    @property
    def is_answered(self) -> bool:
        return self.score is not None
