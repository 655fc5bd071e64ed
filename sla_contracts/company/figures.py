"""The company's figures that several pages share (the criterion page, the monthly report).

Plain counts from one SQL aggregate each, whatever the company's size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import NamedTuple

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import MISSED_RESULTS, Assessment, AssessmentCause, Charter, Review, ReviewStatus
from ..permissions import reads_charter


class MissCounts(NamedTuple):
    """Misses (missed or partly met assessments of closed reviews) counted by their cause."""

    own_side: int = 0
    other_side_prerequisite: int = 0
    outside: int = 0
    not_given: int = 0

    @property
    def total(self) -> int:
        return self.own_side + self.other_side_prerequisite + self.outside + self.not_given


def _as_datetime(since: date | datetime) -> datetime:
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=UTC)
    return datetime.combine(since, time.min, tzinfo=UTC)


def misses_by_cause(
    criterion_id: int | None = None,
    since: date | datetime | None = None,
    *,
    until: date | datetime | None = None,
    reader_id: int | None = None,
) -> MissCounts:
    """The misses of closed reviews by cause, company-wide, in one SQL aggregate.

    ``criterion_id``: only the charters tied to that criterion; ``since`` / ``until``: reviews
    held from that moment (a date: its first instant, UTC) and before ``until`` (exclusive);
    ``reader_id``: only the charters that person may read (``permissions.reads_charter``).
    """

    def count(cause: AssessmentCause | None):
        matches = Assessment.cause.is_(None) if cause is None else Assessment.cause == cause
        return func.coalesce(func.sum(case((matches, 1), else_=0)), 0)

    query = (
        select(
            count(AssessmentCause.OWN_SIDE),
            count(AssessmentCause.OTHER_SIDE_PREREQUISITE),
            count(AssessmentCause.OUTSIDE),
            count(None),
        )
        .select_from(Assessment)
        .join(Review, Review.id == Assessment.review_id)
        .where(Review.status == ReviewStatus.CLOSED, Assessment.result.in_(MISSED_RESULTS))
    )
    if criterion_id is not None or reader_id is not None:
        query = query.join(Charter, Charter.id == Review.charter_id)
    if criterion_id is not None:
        query = query.where(Charter.criterion_id == criterion_id)
    if reader_id is not None:
        query = query.where(reads_charter(reader_id))
    if since is not None:
        query = query.where(Review.held_at >= _as_datetime(since))
    if until is not None:
        query = query.where(Review.held_at < _as_datetime(until))
    row = db.session.execute(query).one()
    return MissCounts(*(int(value) for value in row))
