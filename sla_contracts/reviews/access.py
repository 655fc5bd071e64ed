"""Finding reviews and actions for a person, and who may change them."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import CharterStateError, Forbidden, NotFound
from ..extensions import db
from ..models import (
    OPEN_REVIEW_STATUSES,
    ActionItem,
    ActionStatus,
    Charter,
    CharterStatus,
    Review,
    ReviewAttendee,
    ReviewStatus,
    User,
)
from ..permissions import can_edit, can_read


def get_review(user: User, review_id: int, *, write: bool = False) -> Review:
    """Load a review for ``user``: NotFound if its charter is hidden, Forbidden if read-only."""
    review = db.session.get(Review, review_id)
    if review is None or not can_read(user, review.charter):
        raise NotFound(_("No such review."))
    if write:
        require_editor(user, review)
    return review


def require_editor(user: User, review: Review) -> None:
    """Only the heads of the two departments (and admins) change a review (Forbidden)."""
    if not can_edit(user, review.charter):
        raise Forbidden(_("Only the heads of the two departments can change this review."))


def ensure_active(charter: Charter) -> None:
    """Only a charter in force is reviewed (CharterStateError, 409)."""
    if charter.status != CharterStatus.ACTIVE:
        raise CharterStateError(_("Only an active charter is reviewed."))


def get_action(user: User, action_id: int) -> ActionItem:
    """Load an action item visible to ``user`` (NotFound otherwise)."""
    action = db.session.get(ActionItem, action_id)
    if action is None or not can_read(user, action.charter):
        raise NotFound(_("No such action."))
    return action


def can_mark_done(user: User, action: ActionItem) -> bool:
    """The owner department's heads and members (and admins) close an action."""
    return user.is_admin or action.owner_department_id in user.member_of()


def actions_for(user: User, today: date) -> list[ActionItem]:
    """Open and recent actions of ``user``'s departments: overdue first, then by due date."""
    departments = user.member_of()
    query = select(ActionItem).options(
        selectinload(ActionItem.charter),
        selectinload(ActionItem.owner_department),
        selectinload(ActionItem.owner),
        selectinload(ActionItem.done_by),
    )
    if not user.is_admin:
        query = query.where(ActionItem.owner_department_id.in_(departments or [-1]))
    rows = list(db.session.scalars(query))
    return sorted(
        rows,
        key=lambda a: (
            a.status == ActionStatus.DONE,
            not a.is_overdue_on(today),
            a.due_on,
            a.id,
        ),
    )


def reviews_of(charter: Charter) -> tuple[Review | None, list[Review]]:
    """The charter's open review and its closed ones (oldest first), in one query plus loads."""
    rows = (
        db.session.scalars(
            select(Review)
            .where(
                Review.charter_id == charter.id,
                Review.status.in_([*OPEN_REVIEW_STATUSES, ReviewStatus.CLOSED]),
            )
            .options(
                selectinload(Review.assessments),
                # A handful of people per review: joined to the reviews' rows.
                joinedload(Review.attendees).joinedload(ReviewAttendee.user),
            )
            .order_by(Review.held_at, Review.id)
        )
        .unique()
        .all()
    )
    upcoming = next((r for r in rows if r.is_open), None)
    return upcoming, [r for r in rows if r.status == ReviewStatus.CLOSED]
