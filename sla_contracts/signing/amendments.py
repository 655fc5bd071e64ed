"""Change a charter once signed: open an amendment, end it, or take a submission back to draft.

Functions here flush, never commit. Ending publishes ``CHARTER_ENDED`` so that other features
(reviews) react in the same transaction without signing knowing them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from .. import events, notifications
from ..audit.operations import record_event
from ..charters.operations import ensure_editable, lock_charter
from ..errors import CharterStateError, Forbidden
from ..extensions import db
from ..models import Charter, CharterStatus, User, pending_version, version_in_force
from ..permissions import can_edit
from ..timeutil import utcnow
from ..validation import clean_text
from .notices import _tell, heads
from .versions import valid_signatures

REASON_MAX = 2000


def open_amendment(actor: User, charter: Charter, now: datetime | None = None) -> Charter:
    """Reopen an active charter as a draft; the signed version stays in force meanwhile."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    charter = lock_charter(charter)
    if charter.status != CharterStatus.ACTIVE:
        raise CharterStateError(
            _("Only an active charter can be amended."), details={"status": charter.status.value}
        )
    in_force = version_in_force(charter)
    charter.transition(CharterStatus.DRAFT)
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    record_event(
        "amended",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={"version_in_force": in_force.number if in_force else None},
        now=now,
    )
    _tell(
        [u for u in heads(charter) if u.id != actor.id],
        "amendment_opened",
        charter,
        actor,
        now,
        f"charter:{charter.id}:amended-from:{in_force.number if in_force else 0}",
        name=actor.name,
        title=charter.title,
    )
    db.session.flush()
    return charter


def end_refusal(charter: Charter) -> str | None:
    """Why ``charter`` cannot end now, or None when it can."""
    if charter.status == CharterStatus.ENDED:
        return _("This charter has already ended.")
    if charter.status == CharterStatus.DRAFT and version_in_force(charter) is None:
        # Nothing binds anyone yet: there is nothing to end.
        return _("A draft that was never signed cannot be ended.")
    return None


def end_charter(actor: User, charter: Charter, reason: Any, now: datetime | None = None) -> Charter:
    """End a charter for good, with a reason."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    reason = clean_text(reason, field_name="reason", required=True, max_length=REASON_MAX)
    charter = lock_charter(charter)
    refusal = end_refusal(charter)
    if refusal:
        raise CharterStateError(refusal)
    if charter.status == CharterStatus.AWAITING_SIGNATURES:
        version = pending_version(charter)
        if version is not None:
            version.voided_at = now
            notifications.mark_done(
                f"version:{version.id}:", by=actor, now=now, reason=notifications.VOIDED
            )
            for signature in valid_signatures(version):
                signature.voided_at = now
            record_event(
                "voided",
                actor=actor,
                object_type="charter_version",
                object_id=version.id,
                charter_id=charter.id,
                data={"version": version.number, "reason": "ended"},
                now=now,
            )
    charter.transition(CharterStatus.ENDED)
    charter.ended_at = now
    charter.end_reason = reason
    # An ended charter has no review to come.
    charter.next_review_on = None
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    record_event(
        "ended",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={"reason": reason},
        now=now,
    )
    _tell(
        [u for u in heads(charter) if u.id != actor.id],
        "charter_ended",
        charter,
        actor,
        now,
        f"charter:{charter.id}:ended",
        name=actor.name,
        title=charter.title,
        reason=reason,
    )
    db.session.flush()
    events.publish(events.CHARTER_ENDED, charter=charter, actor=actor, now=now)
    return charter


def reopen_draft(actor: User, charter: Charter, now: datetime | None = None) -> Charter:
    """Take a submitted charter back to draft to change it (voids the pending signatures)."""
    if charter.status != CharterStatus.AWAITING_SIGNATURES:
        raise CharterStateError(_("This charter is not awaiting signatures."))
    ensure_editable(actor, charter, now or utcnow())
    return charter
