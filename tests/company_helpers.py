"""Closed reviews written straight into the tables, for the company view's tests."""

from __future__ import annotations

from datetime import date, datetime

from sla_contracts.extensions import db
from sla_contracts.models import (
    Assessment,
    AssessmentCause,
    AssessmentResult,
    Charter,
    Review,
    ReviewStatus,
)


def closed_review(
    charter: Charter,
    held_at: datetime,
    *,
    causes: tuple[AssessmentCause | None, ...] = (),
    met: int = 0,
    satisfaction: tuple[int | None, int | None] = (None, None),
) -> Review:
    """A closed review of ``charter`` held at ``held_at``: one missed assessment per cause
    given (``None``: cause not given), ``met`` met ones, side A's and side B's satisfaction."""
    review = Review(
        charter=charter,
        due_on=held_at.date() if isinstance(held_at, datetime) else date.today(),
        status=ReviewStatus.CLOSED,
        held_at=held_at,
        closed_at=held_at,
        satisfaction_a_of_b=satisfaction[0],
        satisfaction_b_of_a=satisfaction[1],
    )
    db.session.add(review)
    for i, cause in enumerate(causes):
        review.assessments.append(
            Assessment(
                provider_department_id=charter.department_a_id,
                position=i,
                title=f"Missed {i}",
                result=AssessmentResult.MISSED,
                cause=cause,
            )
        )
    for i in range(met):
        review.assessments.append(
            Assessment(
                provider_department_id=charter.department_b_id,
                position=100 + i,
                title=f"Met {i}",
                result=AssessmentResult.MET,
            )
        )
    db.session.commit()
    return review
