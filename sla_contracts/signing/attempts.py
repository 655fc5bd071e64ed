"""The signing password re-check, limited like the login: wrong passwords are counted.

Only failures count, per person and per client address, in the rate limiter's storage (the
one the login uses: Redis when several workers run). Past the limit the re-check is refused
before the slow hash, even with the right password, until the window ends. Each wrong password
is written to the audit trail in its own transaction: the signature that follows is refused and
rolled back, the record of the attempt stays.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many

from ..audit.operations import record_event
from ..errors import RateLimited
from ..extensions import db, limiter
from ..models import Charter, User, pending_version
from ..timeutil import utcnow
from ..transaction import atomic
from .signatures import Reauthentication, reauthenticate, signing_departments
from .versions import valid_signatures

REASON_WRONG = "wrong_password"  # the stored reason of a refusal


def _counters(user_id: int, address: str | None) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Each limit with the identifiers it counts under (the person, the address)."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "reciproque"
    config = current_app.config
    counters = [
        (item, (prefix, "sign-password", "user", str(user_id)))
        for item in parse_many(config["SIGN_RATE_LIMIT"])
    ]
    if address:
        counters += [
            (item, (prefix, "sign-password", "address", address))
            for item in parse_many(config["SIGN_ADDRESS_RATE_LIMIT"])
        ]
    return counters


def seconds_to_wait(user_id: int, address: str | None) -> int:
    """0 when a re-check may be tried now, else the seconds until the limit lets it."""
    if not limiter.enabled:
        return 0
    wait = 0.0
    for item, identifiers in _counters(user_id, address):
        if not limiter.limiter.test(item, *identifiers):
            reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
            wait = max(wait, reset_at - time.time(), 1.0)
    return math.ceil(wait)


def count_failure(user_id: int, address: str | None) -> None:
    """Count one wrong password against the person and the address."""
    if not limiter.enabled:
        return
    for item, identifiers in _counters(user_id, address):
        limiter.limiter.hit(item, *identifiers)


def too_many_attempts(seconds: int) -> RateLimited:
    """The refusal, saying in the reader's language how long to wait."""
    wait = format_timedelta(timedelta(seconds=seconds), threshold=1)
    return RateLimited(
        _(
            "Too many wrong passwords: signing is paused. Wait %(wait)s, then try again.",
            wait=wait,
        ),
        retry_after=seconds,
        field="password",
    )


def _signing_side(actor: User, charter: Charter) -> int | None:
    """The side ``actor`` would have signed for (the first of theirs still unsigned)."""
    sides = signing_departments(actor, charter)
    version = pending_version(charter)
    if version is not None:
        signed = {s.department_id for s in valid_signatures(version)}
        sides = [d for d in sides if d not in signed] or sides
    return sides[0] if sides else None


def record_refusal(
    actor: User,
    charter: Charter,
    version_number: Any,
    address: str | None,
    now: datetime | None = None,
) -> None:
    """Append a refused signature (wrong password) to the audit trail (flushes)."""
    record_event(
        "signature_refused",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={
            "reason": REASON_WRONG,
            "version": version_number if isinstance(version_number, int) else None,
            "department_id": _signing_side(actor, charter),
            "ip": (address or "")[:45] or None,
        },
        now=now,
    )


def recheck_password(
    actor: User, charter: Charter, version_number: Any, password: Any, address: str | None
) -> Reauthentication:
    """Check the signer's password before the signing transaction, within the limit.

    Ends the read transaction first (the slow hash holds no lock). Raises
    :class:`RateLimited` without hashing when the person or the address has had too many
    wrong passwords; a wrong one is counted and recorded (committed on its own). The result
    goes to ``signatures.sign_charter``, which refuses a wrong password as before.
    """
    signer_id, password_hash = actor.id, actor.password_hash
    may_sign = bool(signing_departments(actor, charter))
    db.session.commit()
    if not may_sign:
        # sign_charter refuses them before it looks at the password: no hash to spend.
        return Reauthentication(signer_id, password_hash, False)
    wait = seconds_to_wait(signer_id, address)
    if wait:
        raise too_many_attempts(wait)
    proof = reauthenticate(signer_id, password_hash, password)
    if not proof.is_valid:
        count_failure(signer_id, address)
        with atomic():
            record_refusal(actor, charter, version_number, address, utcnow())
    return proof
