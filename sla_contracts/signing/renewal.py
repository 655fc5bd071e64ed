"""Renewing a charter: a draft from the version in force, signed for a new term.

A charter is in force until its ``valid_until`` (the last day in force, set when a version
comes into force: signature day + term). Renewing opens a draft marked as a renewal
(``Charter.renewal_of``, the version renewed) from the version in force, like an amendment:
the old version binds until the renewal is signed. When the renewal's second signature puts
it in force, the new term starts at the old end, or at the signature day if the charter
expired meanwhile (``new_term``). An amendment keeps the current end.

Functions here flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.operations import record_event
from ..charters.operations import lock_charter
from ..charters.terms import ends_on
from ..errors import CharterStateError, Forbidden
from ..extensions import db
from ..models import (
    ActionItem,
    Charter,
    CharterStatus,
    CharterVersion,
    Review,
    ReviewStatus,
    User,
    version_in_force,
)
from ..permissions import can_edit
from ..timeutil import utcnow
from .notices import _tell, heads


def renewal_refusal(charter: Charter) -> str | None:
    """Why ``charter`` cannot be renewed now, or None when it can."""
    if charter.renewal_of is not None and charter.status == CharterStatus.DRAFT:
        return _("A renewal of this charter is already open.")
    if charter.status in (CharterStatus.ACTIVE, CharterStatus.EXPIRED):
        return None
    if charter.status == CharterStatus.DRAFT and charter.valid_until is not None:
        return None  # an amendment open beside the version in force becomes the renewal
    if charter.status == CharterStatus.AWAITING_SIGNATURES:
        return _("A new version awaits signatures: take it back to draft to renew instead.")
    return _("Only a charter that was signed, in force or expired, can be renewed.")


def renew_charter(actor: User, charter: Charter, now: datetime | None = None) -> Charter:
    """Open a renewal: a draft from the version in force, which binds until the renewal is signed.

    An expired charter opens one from its last signed version; an amendment already open
    becomes the renewal. Records ``renewal_opened`` and tells the other heads.
    """
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can renew this charter."))
    charter = lock_charter(charter)
    refusal = renewal_refusal(charter)
    if refusal:
        raise CharterStateError(refusal, details={"status": charter.status.value})
    renewed = version_in_force(charter)
    if renewed is None:
        raise CharterStateError(_("Only a charter that was signed can be renewed."))
    if charter.status != CharterStatus.DRAFT:
        charter.transition(CharterStatus.DRAFT)
    charter.renewal_of = renewed.number
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    record_event(
        "renewal_opened",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={
            "version_in_force": renewed.number,
            "valid_until": charter.valid_until.isoformat() if charter.valid_until else None,
            "expired": charter.expired_at is not None,
        },
        now=now,
    )
    _tell(
        [u for u in heads(charter) if u.id != actor.id],
        "renewal_opened",
        charter,
        actor,
        now,
        f"charter:{charter.id}:renewal-from:{renewed.number}",
        name=actor.name,
        title=charter.title,
        day=charter.valid_until,
    )
    db.session.flush()
    return charter


def new_term(
    charter: Charter,
    previous: CharterVersion | None,
    version: CharterVersion,
    actor: User,
    now: datetime,
) -> None:
    """A version comes into force: set its and the charter's ``valid_until`` (and audit it).

    First signature: signature day + term. Renewal: the old end + term, or the signature day
    + term when signed after the old end (the charter had expired). Amendment: the end stays.
    """
    today = now.date()
    renewing = previous is not None and (
        charter.renewal_of is not None or charter.expired_at is not None
    )
    before = charter.valid_until
    if previous is None or before is None:
        charter.valid_until = ends_on(today, charter.term_months)
    elif renewing:
        charter.valid_until = ends_on(max(before, today), charter.term_months)
    version.valid_until = charter.valid_until
    if renewing:
        record_event(
            "renewed",
            actor=actor,
            object_type="charter_version",
            object_id=version.id,
            charter_id=charter.id,
            data={
                "version": version.number,
                "renews": previous.number if previous is not None else None,
                "previous_valid_until": before.isoformat() if before else None,
                "valid_until": charter.valid_until.isoformat(),
                "after_expiry": charter.expired_at is not None,
            },
            now=now,
        )
    charter.renewal_of = None
    charter.expired_at = None


# ---------------------------------------------------------------- the charter page's panel


@dataclass(frozen=True)
class LastDecisions:
    """What the last closed review decided, shown beside a renewal draft."""

    review: Review
    actions: list[ActionItem]


def last_decisions(charter: Charter) -> LastDecisions | None:
    """The last closed review of ``charter`` and its action items (two statements), or None."""
    review = db.session.scalar(
        select(Review)
        .where(Review.charter_id == charter.id, Review.status == ReviewStatus.CLOSED)
        .order_by(Review.held_at.desc().nulls_last(), Review.id.desc())
        .limit(1)
    )
    if review is None:
        return None
    actions = db.session.scalars(
        select(ActionItem)
        .where(ActionItem.review_id == review.id)
        .options(selectinload(ActionItem.owner), selectinload(ActionItem.owner_department))
        .order_by(ActionItem.due_on, ActionItem.id)
    ).all()
    return LastDecisions(review, list(actions))


def days_left(charter: Charter, today: date) -> int | None:
    """Days until the last day in force (0 on it), None without an end."""
    return (charter.valid_until - today).days if charter.valid_until else None
