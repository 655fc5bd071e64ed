"""What a person sees first: their charters by standing and what waits for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Charter, CharterStatus, User, measured, standings
from ..permissions import readable_charters
from .waiting import Waiting, what_waits_for


@dataclass
class Home:
    # A charter under amendment is in force: it is listed there, and with the drafts (or the
    # versions awaiting signatures) where its amendment is worked on.
    by_status: dict[CharterStatus, list[Charter]] = field(default_factory=dict)
    waiting: Waiting | None = None
    # Charters in force with a commitment missed on its latest reading, and where they stand.
    misses: list[tuple[Charter, measured.CharterMeasure]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len({c.id for charters in self.by_status.values() for c in charters})


# The home page's sections, in order: what is being agreed first, then what binds.
SECTIONS = (
    CharterStatus.DRAFT,
    CharterStatus.AWAITING_SIGNATURES,
    CharterStatus.ACTIVE,
    CharterStatus.EXPIRED,
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
        mark = marks[charter.id]
        if mark.is_amending and mark.is_in_force:
            home.by_status[CharterStatus.ACTIVE].append(charter)
        elif mark.is_expired and charter.status != CharterStatus.EXPIRED:
            # A renewal drafted past the end: listed as a draft and as expired.
            home.by_status[CharterStatus.EXPIRED].append(charter)
        home.by_status[charter.status].append(charter)
    home.waiting = waiting or what_waits_for(user, now)
    home.misses = _with_misses(home.by_status[CharterStatus.ACTIVE])
    return home


def _with_misses(charters: list[Charter]) -> list[tuple[Charter, measured.CharterMeasure]]:
    """The charters in force with misses, most warnings and misses first (two statements)."""
    in_force = [c for c in charters if c.status == CharterStatus.ACTIVE]
    found = measured.charter_measures([c.id for c in in_force])
    missing = [(c, found[c.id]) for c in in_force if found[c.id].missed]
    return sorted(missing, key=lambda pair: (-pair[1].warnings, -pair[1].missed))


__all__ = ["SECTIONS", "Home", "home_for"]
