"""Signed links in e-mails that work without signing in: unsubscribe from a kind, snooze a reminder.

The token is signed with the app's ``SECRET_KEY`` (itsdangerous, one salt per purpose), so it
cannot be forged or turned to another person or kind. An unsubscribe link never expires
(RFC 8058 mail clients keep it; muting is harmless and undone from the preferences); a snooze
link lasts ``SNOOZE_LINK_DAYS``. Following a link shows a confirmation page; only its POST acts.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
SNOOZE_SALT = "notifications.snooze"
SNOOZE_LINK_DAYS = 30


def _signer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=salt)


def _timed(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def unsubscribe_url(user_id: int, kind: str) -> str:
    """The one-click link that mutes ``kind`` by e-mail for ``user_id``."""
    token = _signer(UNSUBSCRIBE_SALT).dumps({"u": user_id, "k": kind})
    return _absolute(f"/mail/unsubscribe/{token}")


def read_unsubscribe(token: str) -> tuple[int, str] | None:
    """(user id, kind) of an unsubscribe token, or None if it was tampered with."""
    data = _loads(_signer(UNSUBSCRIBE_SALT), token)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


def snooze_url(user_id: int, key: str) -> str:
    """The link that offers to put off the reminder ``key`` of ``user_id``."""
    token = _timed(SNOOZE_SALT).dumps({"u": user_id, "k": key})
    return _absolute(f"/mail/snooze/{token}")


def read_snooze(token: str) -> tuple[int, str] | None:
    """(user id, reminder key) of a snooze token, or None if tampered with or expired."""
    data = _loads(_timed(SNOOZE_SALT), token, max_age=SNOOZE_LINK_DAYS * 86400)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


def _loads(signer: Any, token: str, **kwargs: Any) -> Any:
    try:
        return signer.loads(token, **kwargs)
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
