"""What a person sees first: what waits for them, then their charters summarised by standing.

The home page stays small at any size (issue 16): each section gives its count and the
charters changed last (``PER_SECTION``), with a link to the whole list (``charter_list``,
``/charters``, a page at a time); the misses are the charters in force with the most commitments
missed on their latest reading (``MISSES_SHOWN``), counted in the database. A fixed number of
statements whatever the number of charters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Charter, CharterStatus, Membership, User, measured, standings
from ..models.standing import has_public_status
from ..permissions import readable_charters
from .waiting import Waiting, what_waits_for

PER_SECTION = 10
MISSES_SHOWN = 10
PAGE_SIZE = 25

# The home page's sections, in order: what is being agreed first, then what binds.
SECTIONS = (
    CharterStatus.DRAFT,
    CharterStatus.AWAITING_SIGNATURES,
    CharterStatus.ACTIVE,
    CharterStatus.EXPIRED,
    CharterStatus.ENDED,
)


def in_section(status: CharterStatus) -> ColumnElement[bool]:
    """SQL: the charter belongs to this section of the home page and of ``/charters``.

    A charter under amendment is in force: listed there, and with the drafts (or the versions
    awaiting signatures) where its amendment is worked on; a renewal drafted past the end is
    listed as a draft and as expired.
    """
    if status in (CharterStatus.ACTIVE, CharterStatus.EXPIRED):
        return or_(Charter.status == status, has_public_status(status))
    return Charter.status == status


@dataclass
class Section:
    status: CharterStatus
    count: int
    charters: list[Charter]

    @property
    def more(self) -> int:
        return self.count - len(self.charters)


@dataclass
class Home:
    sections: list[Section] = field(default_factory=list)
    waiting: Waiting | None = None
    # Charters in force with a commitment missed on its latest reading, and where they stand.
    misses: list[tuple[Charter, measured.CharterMeasure]] = field(default_factory=list)
    misses_total: int = 0

    @property
    def by_status(self) -> dict[CharterStatus, list[Charter]]:
        return {s.status: s.charters for s in self.sections}

    total: int = 0  # how many charters the person reads (each once, whatever its sections)


_LISTED = (  # what a row shows: the departments and the criterion joined to the charter's row
    joinedload(Charter.department_a),
    joinedload(Charter.department_b),
    joinedload(Charter.criterion),
    selectinload(Charter.commitments),
)


def home_for(user: User, now: datetime | None = None, waiting: Waiting | None = None) -> Home:
    """Gather the home page in a fixed number of statements, whatever the number of charters."""
    readable = readable_charters(user)
    total, *counts = db.session.execute(
        readable.with_only_columns(
            func.count(),
            *(func.count().filter(in_section(s)) for s in SECTIONS),
            maintain_column_froms=True,
        )
    ).one()
    latest = (
        union_all(
            *(
                readable.with_only_columns(Charter.id, literal(s.value).label("section"))
                .where(in_section(s))
                .order_by(Charter.updated_at.desc(), Charter.id.desc())
                .limit(PER_SECTION)
                .subquery()
                .select()
                for s, count in zip(SECTIONS, counts, strict=False)
                if count
            )
        )
        if any(counts)
        else None
    )
    picked: dict[str, list[int]] = {s.value: [] for s in SECTIONS}
    if latest is not None:
        for charter_id, section in db.session.execute(latest):
            picked[section].append(charter_id)
    loaded = _load({i for ids in picked.values() for i in ids})
    home = Home(total=total)
    for status, count in zip(SECTIONS, counts, strict=False):
        listed = sorted(
            (loaded[i] for i in picked[status.value]),
            key=lambda c: (c.updated_at, c.id),
            reverse=True,
        )
        home.sections.append(Section(status, count, listed))
    home.waiting = waiting or what_waits_for(user, now)
    home.misses, home.misses_total = _with_misses(user)
    return home


def _load(ids: set[int]) -> dict[int, Charter]:
    """The listed charters with what their rows show, and where each stands (one grouped
    query, remembered for the request: the rows' ``charter_standing`` reads it)."""
    if not ids:
        return {}
    loaded = {
        c.id: c
        for c in db.session.scalars(select(Charter).where(Charter.id.in_(ids)).options(*_LISTED))
    }
    standings(loaded.values())
    return loaded


def _mine(user: User) -> Select:
    """The charters in force of the person's own departments (an administrator's home shows
    the misses of the departments they belong to; the company's are on the company pages)."""
    departments = select(Membership.department_id).where(Membership.user_id == user.id)
    return select(Charter.id).where(
        Charter.status == CharterStatus.ACTIVE,
        or_(Charter.department_a_id.in_(departments), Charter.department_b_id.in_(departments)),
    )


def _with_misses(user: User) -> tuple[list[tuple[Charter, measured.CharterMeasure]], int]:
    """The charters in force with misses, most warnings and misses first, and how many in all.

    The misses are counted in the database for every charter (the ids, then
    ``latest_outcomes``: three statements); only the ``MISSES_SHOWN`` with most misses are
    measured in full (two more) and loaded.
    """
    # The ids first (a hundred for a busy head): given as a subquery, PostgreSQL guessed
    # thousands of charters and scanned every reading of the company (25 ms instead of 2).
    outcomes = measured.latest_outcomes(db.session.scalars(_mine(user)).all())
    missing = sorted(
        ((n["missed"], charter_id) for charter_id, n in outcomes.items() if n["missed"]),
        reverse=True,
    )
    shown = [charter_id for _missed, charter_id in missing[:MISSES_SHOWN]]
    if not shown:
        return [], 0
    found = measured.charter_measures(shown)
    loaded = _load(set(shown))
    pairs = [(loaded[i], found[i]) for i in shown]
    pairs.sort(key=lambda pair: (-pair[1].warnings, -pair[1].missed, pair[0].id))
    return pairs, len(missing)


@dataclass
class CharterPage:
    status: CharterStatus | None
    charters: list[Charter]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def charter_list(user: User, status: CharterStatus | None, page: int) -> CharterPage:
    """One page of the charters the person reads, last changed first (three statements and
    the listed charters' parts)."""
    query = readable_charters(user)
    if status is not None:
        query = query.where(in_section(status))
    # Keep the FROM of the charters: an administrator's select has no WHERE to bring it.
    total = db.session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True))
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    charters = db.session.scalars(
        query.options(*_LISTED)
        .order_by(Charter.updated_at.desc(), Charter.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    standings(charters)
    return CharterPage(status, list(charters), page, total)


__all__ = [
    "PAGE_SIZE",
    "PER_SECTION",
    "SECTIONS",
    "CharterPage",
    "Home",
    "charter_list",
    "home_for",
]
