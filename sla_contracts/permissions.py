"""Who may see and change a charter: checked by every route and API call."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, exists, or_, select

from .errors import Forbidden, NotFound
from .extensions import db
from .models import Charter, Membership, Role, User


def is_head_of(user: User, department_id: int) -> bool:
    """True when ``user`` heads ``department_id``."""
    return any(m.department_id == department_id and m.role == Role.HEAD for m in user.memberships)


def can_read(user: User, charter: Charter) -> bool:
    """Admins and every member (head or not) of either side read a charter."""
    if user.is_admin:
        return True
    mine = set(user.member_of())
    return charter.department_a_id in mine or charter.department_b_id in mine


def can_edit(user: User, charter: Charter) -> bool:
    """Admins and the heads of either side change a charter (its status permitting)."""
    if user.is_admin:
        return True
    return is_head_of(user, charter.department_a_id) or is_head_of(user, charter.department_b_id)


def reads_charter(user_id: int) -> ColumnElement[bool]:
    """SQL form of ``can_read`` for the person ``user_id`` on the row ``Charter`` of a query.

    (Only the role is checked: whether the person may be signed in is the caller's check.)
    The departments are an uncorrelated subquery, so a scan of many charters (the criterion
    page's aggregates) reads them once and uses the indexes on both sides.
    """
    departments = select(Membership.department_id).where(Membership.user_id == user_id)
    return or_(
        exists().where(User.id == user_id, User.is_admin.is_(True)),
        Charter.department_a_id.in_(departments),
        Charter.department_b_id.in_(departments),
    )


def readable_charters(user: User) -> Select:
    """A select of the charters ``user`` may see."""
    query = select(Charter)
    if user.is_admin:
        return query
    departments = select(Membership.department_id).where(Membership.user_id == user.id)
    return query.where(
        or_(Charter.department_a_id.in_(departments), Charter.department_b_id.in_(departments))
    )


def get_charter(user: User, charter_id: int, *, write: bool = False) -> Charter:
    """Load a charter for ``user``: NotFound if hidden from them, Forbidden if read-only."""
    charter = db.session.get(Charter, charter_id)
    if charter is None or not can_read(user, charter):
        raise NotFound(_("No such charter."))
    if write and not can_edit(user, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    return charter
