"""The satisfaction survey asked before a review meeting, not at it (symmetry of attention).

When the meeting is scheduled (:func:`ask`, from ``scheduling.schedule_meeting``), every
person of both departments (heads included) is asked once, inbox and e-mail, to rate the
other side from 1 to 5 with one optional irritant. Moving the meeting asks nobody twice (a
row per person and review, and one notification key per review); calling it off keeps the
answers. A person re-answers until the review starts (:func:`answer`); then the survey is
closed. Nobody sees the other side's answers before the review starts (:func:`results` is
None until then; a person always sees their own, :func:`own_answer`); once started, the
meeting shows each side's distribution, the gap between the averages and the irritants, and
the averages pre-fill the review's two satisfaction scores (:func:`prefill`, still editable).

A person of both departments answers for the first of the charter's sides (``Charter.sides``).
Functions here flush, never commit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from .. import notifications
from ..directory.queries import members_of
from ..errors import Forbidden, ReviewStateError, ValidationError
from ..extensions import db
from ..models import Charter, Department, Review, ReviewStatus, SatisfactionAnswer, User
from ..models.surveys import IRRITANT_MAX, SCORES
from ..timeutil import utcnow

# Answers are taken while the review has not started; they are shown once it has.
ANSWERING = (ReviewStatus.PLANNED, ReviewStatus.SCHEDULED)
REVEALED = (ReviewStatus.IN_PROGRESS, ReviewStatus.CLOSED)
GAP_FLAGGED = 2


def survey_key(review: Review) -> str:
    """The one notification key of a review's survey (per person: asked once)."""
    return f"review:{review.id}:survey"


def survey_path(review: Review) -> str:
    return f"/reviews/{review.id}/survey"


def side_of(user: User, charter: Charter) -> Department | None:
    """The side ``user`` answers for: the first of the charter's sides they belong to."""
    mine = set(user.member_of())
    return next((d for d in charter.sides if d.id in mine), None)


def other_side(charter: Charter, department: Department) -> Department:
    a, b = charter.department_a, charter.department_b
    return b if department.id == a.id else a


def is_answering(review: Review) -> bool:
    return review.status in ANSWERING


def is_revealed(review: Review) -> bool:
    return review.status in REVEALED


def _answers(review: Review) -> list[SatisfactionAnswer]:
    return list(
        db.session.scalars(
            select(SatisfactionAnswer)
            .where(SatisfactionAnswer.review_id == review.id)
            .order_by(SatisfactionAnswer.id)
        )
    )


def ask(review: Review, now: datetime) -> int:
    """Ask every person of both sides not asked yet for this review; return how many were."""
    charter = review.charter
    known = {a.user_id for a in _answers(review)}
    asked = 0
    for user in members_of(charter.department_ids):
        side = side_of(user, charter)
        if user.id in known or side is None:
            continue
        db.session.add(
            SatisfactionAnswer(
                review_id=review.id, user_id=user.id, department_id=side.id, asked_at=now
            )
        )
        notifications.notify(
            "review_survey",
            recipients=[user],
            key=survey_key(review),
            link=survey_path(review),
            params={"title": charter.title, "rated": other_side(charter, side).name},
            obj=("review", review.id),
            now=now,
        )
        asked += 1
    db.session.flush()
    return asked


def own_answer(user: User, review: Review) -> SatisfactionAnswer | None:
    """The person's own row for this review (asked or answered), if any."""
    return db.session.scalar(
        select(SatisfactionAnswer).where(
            SatisfactionAnswer.review_id == review.id, SatisfactionAnswer.user_id == user.id
        )
    )


def _score(value) -> int:
    text = "" if value is None else str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) not in SCORES:
        raise ValidationError(_("Choose a score from 1 to 5."), field="score")
    return int(text)


def answer(
    user: User, review: Review, score, irritant, now: datetime | None = None
) -> SatisfactionAnswer:
    """Record (or replace) ``user``'s answer: Forbidden outside the two departments,
    ReviewStateError once the review has started, ValidationError naming the field."""
    now = now or utcnow()
    side = side_of(user, review.charter)
    if side is None:
        raise Forbidden(_("Only the people of the charter's two departments answer the survey."))
    locked = db.session.scalar(
        select(Review.status).where(Review.id == review.id).with_for_update()
    )
    if locked == ReviewStatus.CANCELLED:
        raise ReviewStateError(_("This review was cancelled: the survey is closed."))
    if locked not in ANSWERING:
        raise ReviewStateError(_("The review has started: the survey is closed."))
    value = _score(score)
    text = "" if irritant is None else str(irritant).strip()
    if len(text) > IRRITANT_MAX:
        raise ValidationError(_("At most %(max)d characters.", max=IRRITANT_MAX), field="irritant")
    row = own_answer(user, review)
    if row is None:
        row = SatisfactionAnswer(review_id=review.id, user_id=user.id, department_id=side.id)
        db.session.add(row)
    row.score, row.irritant, row.answered_at = value, text, now
    db.session.flush()
    notifications.mark_done(
        survey_key(review), by=user, now=now, reason=notifications.ANSWERED, recipients=[user]
    )
    return row


# ---------------------------------------------------------------- what the meeting shows


@dataclass
class SideResult:
    """What one side said of the other: ``counts[score]``, answers out of people asked."""

    field: str  # the review's satisfaction field this side's average pre-fills
    rater: Department
    rated: Department
    asked: int = 0
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))
    irritants: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        if not self.answered:
            return None
        return sum(score * n for score, n in self.counts.items()) / self.answered

    @property
    def rounded(self) -> int | None:
        """The average as a 1–5 score (halves up), for the review's satisfaction field."""
        return None if self.average is None else math.floor(self.average + 0.5)

    def share(self, score: int) -> float:
        return self.counts[score] / self.answered if self.answered else 0.0


@dataclass
class SurveyResults:
    sides: list[SideResult]

    @property
    def gap(self) -> float | None:
        first, second = (s.average for s in self.sides)
        return None if first is None or second is None else abs(first - second)

    @property
    def is_gap_large(self) -> bool:
        return self.gap is not None and self.gap >= GAP_FLAGGED


def tally(review: Review) -> SurveyResults:
    """Both sides' distributions, whatever the review's state (callers check ``is_revealed``)."""
    charter = review.charter
    sides = {
        rater.id: SideResult(field=name, rater=rater, rated=rated)
        for name, rater, rated in charter.satisfaction_sides
    }
    for row in review.survey_answers:
        side = sides.get(row.department_id)
        if side is None:
            continue
        side.asked += 1
        if row.score is not None:
            side.counts[row.score] += 1
            if row.irritant:
                side.irritants.append(row.irritant)
    return SurveyResults(list(sides.values()))


def results(review: Review) -> SurveyResults | None:
    """The survey as the meeting shows it, or None while answers are hidden (not started)."""
    return tally(review) if is_revealed(review) else None


def prefill(review: Review) -> None:
    """When the review starts: each side's rounded average fills its empty satisfaction score."""
    for side in tally(review).sides:
        if getattr(review, side.field) is None and side.rounded is not None:
            setattr(review, side.field, side.rounded)


def minutes_values(review: Review) -> list[dict] | None:
    """Plain values of the survey for the minutes PDF (None if nobody answered)."""
    shown = results(review)
    if shown is None or not any(s.answered for s in shown.sides):
        return None
    return [
        {
            "rater": s.rater.name,
            "rated": s.rated.name,
            "scores": " · ".join(_("score %(n)d: %(num)d", n=n, num=s.counts[n]) for n in SCORES),
            "answered": s.answered,
            "asked": s.asked,
            "average": s.average,
        }
        for s in shown.sides
    ]
