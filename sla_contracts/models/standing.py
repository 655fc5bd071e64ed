"""Where a charter stands for its readers: the one "display status" of every page, list and API.

A charter's stored ``status`` says what can be done to it now (an amendment reopens it as a
draft), not what binds the two sides: while an amendment is written or signed, the signed
version stays in force. ``standing`` tells both, and pages, lists, the map and the API all
read it from here (one grouped query for any number of charters, remembered for the request).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, and_, case, event, exists, func, or_, select, true
from sqlalchemy.orm import Session

from ..extensions import db
from .charters import Charter, CharterStatus
from .signing import CharterVersion


class Standing(enum.StrEnum):
    """What a reader is told about a charter (its stored status, plus "amendment in progress")."""

    DRAFT = "draft"
    AWAITING_SIGNATURES = "awaiting_signatures"
    ACTIVE = "active"
    # In force, with an amendment being written or awaiting signatures.
    AMENDING = "amendment_in_progress"
    ENDED = "ended"
    # Past its end without a renewal signed (a renewal may be drafted or awaiting signatures).
    EXPIRED = "expired"


# The order lists and the map use: what binds first, then what is being agreed.
STANDING_ORDER = (
    Standing.ACTIVE,
    Standing.AMENDING,
    Standing.AWAITING_SIGNATURES,
    Standing.DRAFT,
    Standing.EXPIRED,
    Standing.ENDED,
)


class HasStatus(Protocol):
    id: int
    status: CharterStatus
    expired_at: datetime | None


@dataclass(frozen=True)
class CharterStanding:
    charter_id: int
    status: CharterStatus  # the stored status (what can be done now)
    in_force: int | None  # the number of the signed version that binds, if any
    amendment: int | None  # the number the amendment has (or will have once submitted)
    # Past its end: a renewal drafted after the end (or open at it) is the "amendment".
    is_expired: bool = False

    @property
    def key(self) -> Standing:
        if self.is_expired:
            return Standing.EXPIRED
        if self.amendment is not None:
            return Standing.AMENDING
        return Standing(self.status.value)

    @property
    def is_in_force(self) -> bool:
        """A signed version binds both sides (also while an amendment is in progress)."""
        return self.key in (Standing.ACTIVE, Standing.AMENDING)

    @property
    def is_amending(self) -> bool:
        return self.amendment is not None

    @property
    def public_status(self) -> CharterStatus:
        """The API's ``status``: ``active`` while a signed version binds, amendment or not;
        ``expired`` past the end, also while a renewal is drafted or awaits signatures."""
        if self.is_expired:
            return CharterStatus.EXPIRED
        return CharterStatus.ACTIVE if self.is_amending else self.status

    @property
    def amendment_status(self) -> CharterStatus | None:
        """Where the amendment is: ``draft`` or ``awaiting_signatures`` (None without one)."""
        return self.status if self.is_amending else None


_CACHE = "charter_standings"
_VERSIONS = "charter_versions"
_LISTED_AT_MOST = 500  # charters whose ids a query lists; past it, it reads them all


def charter_versions(charter_id: int) -> list[CharterVersion]:
    """Every version of one charter, by number, read once for the request (the charter page
    asks where it stands and what its signing panel shows: one statement for both)."""
    read: dict[int, list[CharterVersion]] = db.session.info.setdefault(_VERSIONS, {})
    if charter_id not in read:
        read[charter_id] = list(
            db.session.scalars(
                select(CharterVersion)
                .where(CharterVersion.charter_id == charter_id)
                .order_by(CharterVersion.number)
            )
        )
    return read[charter_id]


def standings(charters: Iterable[HasStatus]) -> dict[int, CharterStanding]:
    """Where each charter stands, in one query for all of them (remembered for the request)."""
    cache: dict[tuple, CharterStanding] = db.session.info.setdefault(_CACHE, {})
    charters = list(charters)
    missing = {c.id for c in charters if _key(c) not in cache}
    if len(charters) == 1 and missing:  # one charter (its page): from its versions
        (charter,) = charters
        versions = charter_versions(charter.id)
        binding = [v.number for v in versions if v.activated_at and v.superseded_at is None]
        last = max((v.number for v in versions), default=None)
        cache[_key(charter)] = _standing(charter, last, max(binding, default=None))
        missing = set()
    if missing:
        in_force = case(
            (
                CharterVersion.activated_at.is_not(None) & CharterVersion.superseded_at.is_(None),
                CharterVersion.number,
            )
        )
        numbers = {
            row.charter_id: (row.last, row.in_force)
            for row in db.session.execute(
                select(
                    CharterVersion.charter_id,
                    func.max(CharterVersion.number).label("last"),
                    func.max(in_force).label("in_force"),
                )
                # For thousands (the company map), every charter's numbers: one scan
                # instead of thousands of ids sent to the database.
                .where(
                    CharterVersion.charter_id.in_(sorted(missing))
                    if len(missing) <= _LISTED_AT_MOST
                    else true()
                )
                .group_by(CharterVersion.charter_id)
            )
        }
        for charter in charters:
            if charter.id in missing:
                last, number = numbers.get(charter.id, (None, None))
                cache[_key(charter)] = _standing(charter, last, number)
    return {c.id: cache[_key(c)] for c in charters}


def _key(charter: HasStatus) -> tuple:
    return (charter.id, charter.status, charter.expired_at is not None)


def has_public_status(status: CharterStatus) -> ColumnElement[bool]:
    """SQL: the charter's ``CharterStanding.public_status`` is ``status`` (for list filters).

    An amendment (a draft, or awaiting signatures, beside a version in force) reads
    ``active``, as ``_standing`` below decides; a renewal drafted past the end reads
    ``expired``.
    """
    in_force = exists().where(
        CharterVersion.charter_id == Charter.id,
        CharterVersion.activated_at.is_not(None),
        CharterVersion.superseded_at.is_(None),
    )
    amendable = (CharterStatus.DRAFT, CharterStatus.AWAITING_SIGNATURES)
    lapsed = Charter.expired_at.is_not(None)
    if status == CharterStatus.ACTIVE:
        return or_(Charter.status == status, and_(Charter.status.in_(amendable), in_force, ~lapsed))
    if status in amendable:
        return and_(Charter.status == status, ~in_force, ~lapsed)
    if status == CharterStatus.EXPIRED:
        return or_(Charter.status == status, and_(Charter.status.in_(amendable), lapsed))
    return Charter.status == status


def standing(charter: HasStatus) -> CharterStanding:
    """Where one charter stands (see ``standings``)."""
    return standings([charter])[charter.id]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session, *_args) -> None:
    """Any write may change versions: what was remembered is computed again."""
    session.info.pop(_CACHE, None)
    session.info.pop(_VERSIONS, None)


def _standing(charter: HasStatus, last: int | None, in_force: int | None) -> CharterStanding:
    amendment = None
    if in_force is not None and charter.status == CharterStatus.DRAFT:
        amendment = (last or in_force) + 1
    elif in_force is not None and charter.status == CharterStatus.AWAITING_SIGNATURES:
        amendment = last
    settled = (CharterStatus.ACTIVE, CharterStatus.ENDED, CharterStatus.EXPIRED)
    if charter.status not in settled and amendment is None:
        in_force = None
    expired = charter.status == CharterStatus.EXPIRED or charter.expired_at is not None
    return CharterStanding(charter.id, charter.status, in_force, amendment, expired)
