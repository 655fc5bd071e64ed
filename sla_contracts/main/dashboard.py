"""What a person sees first: their charters by status and what waits for them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Charter, CharterStatus, CharterVisit, User
from ..permissions import can_edit, readable_charters


@dataclass
class Home:
    by_status: dict[CharterStatus, list[Charter]] = field(default_factory=dict)
    waiting: list[Charter] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.by_status.values())


def home_for(user: User) -> Home:
    """Gather the home page's lists in a fixed number of queries."""
    charters = db.session.scalars(
        readable_charters(user)
        .options(
            selectinload(Charter.department_a),
            selectinload(Charter.department_b),
            selectinload(Charter.criterion),
            selectinload(Charter.commitments),
        )
        .order_by(Charter.updated_at.desc())
    ).all()
    home = Home(by_status={status: [] for status in CharterStatus})
    for charter in charters:
        home.by_status[charter.status].append(charter)

    visits = dict(
        db.session.execute(
            select(CharterVisit.charter_id, CharterVisit.seen_at).where(
                CharterVisit.user_id == user.id
            )
        ).all()
    )
    for charter in charters:
        if charter.status not in (CharterStatus.DRAFT, CharterStatus.AWAITING_SIGNATURES):
            continue
        if not can_edit(user, charter) or user.is_admin and not user.head_of():
            continue
        if charter.last_activity_by_id == user.id:
            continue
        seen = visits.get(charter.id)
        if seen is None or charter.updated_at > seen:
            home.waiting.append(charter)
    return home


__all__ = ["Home", "home_for"]
