"""Questions other features ask the directory (read only, no permission checks)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..models import Membership, Role, User


def heads_of(department_ids: Iterable[int]) -> list[User]:
    """The active (not archived) heads of these departments, each once, by id."""
    ids = list(department_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.archived_at.is_(None),
                User.id.in_(
                    select(Membership.user_id).where(
                        Membership.department_id.in_(ids), Membership.role == Role.HEAD
                    )
                ),
            )
            .order_by(User.id)
        )
    )
