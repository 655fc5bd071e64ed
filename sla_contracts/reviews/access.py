"""Finding reviews and actions for a person, and who may change them."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import CharterStateError, Forbidden, NotFound
from ..extensions import db, paginated
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


ACTIONS_PER_PAGE = 50


def actions_for(user: User, today: date, page: int = 1) -> Pagination:
    """A page of the actions of ``user``'s departments (an administrator: all): open ones
    overdue first, then by due date; done ones last. A page past the last is the last."""
    departments = user.member_of()
    rank = case(
        (ActionItem.status == ActionStatus.DONE, 2),
        (ActionItem.due_on < today, 0),
        else_=1,
    )
    query = (
        select(ActionItem)
        .options(
            joinedload(ActionItem.charter),
            joinedload(ActionItem.owner_department),
            joinedload(ActionItem.owner),
            joinedload(ActionItem.done_by),
        )
        .order_by(rank, ActionItem.due_on, ActionItem.id)
    )
    if not user.is_admin:
        query = query.where(ActionItem.owner_department_id.in_(departments or [-1]))
    return paginated(query, page, ACTIONS_PER_PAGE)


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
