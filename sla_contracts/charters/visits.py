"""When a person last looked at a charter, for "what changed since my last visit"."""

from __future__ import annotations

from datetime import datetime

from ..extensions import upsert
from ..models import Charter, CharterVisit, User
from ..timeutil import utcnow


def mark_visited(user: User, charter: Charter, now: datetime | None = None) -> None:
    """Remember that ``user`` has seen the charter as it is now."""
    now = now or utcnow()
    upsert(CharterVisit, ["user_id", "charter_id"], user_id=user.id, charter_id=charter.id,
           seen_at=now)  # fmt: skip
