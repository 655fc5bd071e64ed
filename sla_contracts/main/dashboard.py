"""What a person sees first: their charters by standing and what waits for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Charter, CharterStatus, User, standings
from ..permissions import readable_charters
from .waiting import Waiting, what_waits_for


@dataclass
class Home:
    # A charter under amendment is in force: it is listed there, and with the drafts (or the
    # versions awaiting signatures) where its amendment is worked on.
    by_status: dict[CharterStatus, list[Charter]] = field(default_factory=dict)
    waiting: Waiting | None = None

    @property
    def total(self) -> int:
        return len({c.id for charters in self.by_status.values() for c in charters})


# The home page's sections, in order: what is being agreed first, then what binds.
SECTIONS = (
    CharterStatus.DRAFT,
    CharterStatus.AWAITING_SIGNATURES,
    CharterStatus.ACTIVE,
    CharterStatus.ENDED,
)


def home_for(user: User, now: datetime | None = None, waiting: Waiting | None = None) -> Home:
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
    home = Home(by_status={status: [] for status in SECTIONS})
    marks = standings(charters)
    for charter in charters:
        if marks[charter.id].is_amending:
            home.by_status[CharterStatus.ACTIVE].append(charter)
        home.by_status[charter.status].append(charter)
    home.waiting = waiting or what_waits_for(user, now)
    return home


__all__ = ["SECTIONS", "Home", "home_for"]
