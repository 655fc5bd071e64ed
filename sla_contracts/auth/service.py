"""Who is this? The one place that finds a person by e-mail and checks their password.

The login page and ``POST /api/v1/tokens`` both call ``authenticate``; each keeps its own
rate limit around it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from .passwords import dummy_verify, verify_password


def normalise_email(email: str) -> str:
    """Return ``email`` as stored and compared: without surrounding spaces, in lower case."""
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    """Return the person with this e-mail address whatever its case, or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (same cost either way)."""
    user = user_by_email(email)
    if user is None:
        dummy_verify(password)  # a wrong e-mail takes as long as a wrong password
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user
