"""When a person last looked at a charter, for "what changed since my last visit"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Charter, CharterVisit, User
from ..timeutil import utcnow


def mark_visited(user: User, charter: Charter, now: datetime | None = None) -> None:
    """Remember that ``user`` has seen the charter as it is now."""
    now = now or utcnow()
    visit = db.session.scalar(
        select(CharterVisit).where(
            CharterVisit.user_id == user.id, CharterVisit.charter_id == charter.id
        )
    )
    if visit is None:
        db.session.add(CharterVisit(user_id=user.id, charter_id=charter.id, seen_at=now))
    else:
        visit.seen_at = now
    db.session.flush()
