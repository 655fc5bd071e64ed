"""Loading the logged-in person from the session, and ending sessions."""

from __future__ import annotations

from flask import g, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, User
from ..timeutil import utcnow


def _claim(user_id: str | None) -> tuple[int, int] | None:
    """Read a Flask-Login id ``"<id>:<session_version>"``."""
    try:
        raw_id, raw_version = user_id.split(":", 1)  # type: ignore[union-attr]
        return int(raw_id), int(raw_version)
    except (ValueError, AttributeError):
        return None


def load_user(user_id: str) -> User | None:
    """Resolve a Flask-Login id ``"<id>:<session_version>"``; an outdated version is nobody."""
    claim = _claim(user_id)
    if claim is None:
        return None
    uid, version = claim
    # Memberships joined: every page asks what the person may see (one statement, not two).
    user = db.session.get(User, uid, options=[joinedload(User.memberships)])
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def session_claim() -> tuple[int, int] | None:
    """The (user id, session version) the signed session cookie claims, without loading anyone.

    For a view that must check the person inside its own single statement (the charter
    page's poll); ``claimed_user_is_valid`` is the SQL form of ``load_user``'s check.
    """
    return _claim(session.get("_user_id"))


def claimed_user_is_valid(user_id: int, session_version: int) -> ColumnElement[bool]:
    """SQL: the claimed person exists, is not archived, and the session is not ended."""
    return and_(
        User.id == user_id,
        User.session_version == session_version,
        User.archived_at.is_(None),
    )


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


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a background poll does not extend them.

    A permanent session is re-sent (and its 12 hours restarted) on every request; a page
    polling every few seconds would keep an idle person signed in for ever. A view marks
    itself with ``quiet_session()``: its answer then carries no cookie unless it changed it.
    """

    def should_set_cookie(self, app, session) -> bool:
        if g.get("quiet_session") and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def quiet_session() -> None:
    """This request is not the person's activity: do not refresh their session cookie."""
    g.quiet_session = True
