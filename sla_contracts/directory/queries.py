"""Questions other features ask the directory (read only, no permission checks)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..formats import collate
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


def members_of(department_ids: Iterable[int]) -> list[User]:
    """The active people (heads and members) of these departments, each once, by id."""
    ids = list(department_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.archived_at.is_(None),
                User.id.in_(select(Membership.user_id).where(Membership.department_id.in_(ids))),
            )
            .order_by(User.id)
        )
    )


def members_by_department(department_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active people of each of these departments (a person in two is in both), by name."""
    ids = list(department_ids)
    people: dict[int, list[User]] = {department_id: [] for department_id in ids}
    if not ids:
        return people
    rows = db.session.execute(
        select(Membership.department_id, User)
        .join(User, User.id == Membership.user_id)
        .where(User.archived_at.is_(None), Membership.department_id.in_(ids))
        .order_by(User.id)
    ).all()
    for department_id, user in rows:
        people[department_id].append(user)
    return {d: collate(users, key=lambda u: u.name) for d, users in people.items()}


@dataclass
class NamePage:
    """One page of a list sorted by name, with what the pager needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def people_page(where: Iterable[ColumnElement[bool]], page: int, per_page: int) -> NamePage:
    """One page of people in the reader's collation ("Hélène" before "Hugo").

    The database orders by code point, so it cannot cut the pages: the ids and names of every
    matching person are fetched (two short columns, a directory's size), sorted here, and only
    the page's people are loaded.
    """
    rows = db.session.execute(select(User.id, User.name).where(*where).order_by(User.id)).all()
    ordered = [row.id for row in collate(rows, key=lambda row: row.name)]
    page = max(1, page)
    ids = ordered[(page - 1) * per_page : page * per_page]
    loaded = {
        user.id: user
        for user in db.session.scalars(
            select(User)
            .where(User.id.in_(ids))
            .options(selectinload(User.memberships).selectinload(Membership.department))
        )
    }
    return NamePage([loaded[i] for i in ids], page, per_page, len(ordered))
