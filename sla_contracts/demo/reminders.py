"""Demo: people who chose how reminders reach them (issue 14, point 5).

Sandrine Petit (Magasins) reads a weekly digest on Monday morning and stopped the e-mails of
co-writing activity (her preferences page lists it, with the button to receive them again).
Idempotent: a second seed changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .. import notifications
from ..extensions import db
from ..models import EmailFrequency, User

WEEKLY_READER = "sandrine.petit"


def seed_reminder_preferences(email_of, now: datetime) -> None:
    """Give the demo's weekly reader their choice (``email_of``: login → demo address)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == email_of(WEEKLY_READER).lower())
    )
    if user is None:
        return
    user.email_frequency = EmailFrequency.WEEKLY
    notifications.mute(user.id, notifications.ACTIVITY, now)
    db.session.flush()
