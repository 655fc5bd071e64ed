"""Password hashing with the configured (strong) method."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 4


def hash_password(password: str) -> str:
    """Hash ``password`` with the app's PASSWORD_HASH_METHOD (pbkdf2, 1,000,000 rounds)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    """Check ``password`` against a stored hash."""
    if not password_hash or not password:
        return False
    return check_password_hash(password_hash, password)


# A hash to compare against when the e-mail is unknown, so that a wrong e-mail
# takes as long as a wrong password (no account enumeration by timing).
_DUMMY: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the time of a real check without a real account."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("not-a-password", method=method)
    check_password_hash(_DUMMY[method], password or "x")
