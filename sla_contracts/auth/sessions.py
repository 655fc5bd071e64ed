"""Loading the logged-in person from the session, and ending sessions."""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from ..models import ApiToken, User
from ..timeutil import utcnow


def load_user(user_id: str) -> User | None:
    """Resolve a Flask-Login id ``"<id>:<session_version>"``; an outdated version is nobody."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def end_all_sessions(user: User, *, revoke_tokens: bool = False) -> None:
    """Invalidate every session and remember-me cookie of ``user`` (caller commits).

    With ``revoke_tokens`` (password change, reset, archiving) API tokens end too: a
    leaked password must not leave a working token behind.
    """
    user.session_version = (user.session_version or 1) + 1
    if revoke_tokens:
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
