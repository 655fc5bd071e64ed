"""Frozen versions: canonical JSON and fingerprint, the version in force or pending, void.

No import of charter operations here: the charter workflows import this module.

``charters.operations.ensure_editable`` calls :func:`void_pending_version` when a charter that
awaits signatures is edited, so this module must not import ``charters.operations`` itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer

from .. import notifications
from ..audit.operations import record_event
from ..errors import NotFound
from ..extensions import db
from ..models import (
    Charter,
    CharterStatus,
    CharterVersion,
    Signature,
    User,
    pending_version,
)

VERSION_STATE_LABELS = {
    "awaiting_signatures": _l("Awaiting signatures"),
    "in_force": _l("In force"),
    "superseded": _l("Superseded"),
    "voided": _l("Void"),
    "ended": _l("Last signed (charter ended)"),
    "expired": _l("Last signed (charter expired)"),
}


def canonical_json(data: dict[str, Any]) -> bytes:
    """Serialise ``data`` canonically: sorted keys, no whitespace, UTF-8, no ASCII escaping."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version_state(version: CharterVersion, charter: Charter) -> str:
    """A version's state as a reader sees it: the last signed version of an ended or expired
    charter is no longer in force."""
    state = version.state
    if state == "in_force" and charter.status == CharterStatus.ENDED:
        return "ended"
    if state == "in_force" and charter.expired_at is not None:
        return "expired"
    return state


def version_state_label(state: str) -> str:
    return str(VERSION_STATE_LABELS.get(state, state))


def get_version(charter: Charter, number: int, *, with_pdf: bool = False) -> CharterVersion:
    """Load version ``number`` of ``charter`` or raise NotFound."""
    query = select(CharterVersion).where(
        CharterVersion.charter_id == charter.id, CharterVersion.number == number
    )
    if with_pdf:
        query = query.options(undefer(CharterVersion.pdf))
    version = db.session.scalar(query)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def list_versions(charter: Charter) -> list[CharterVersion]:
    """Every version of ``charter``, newest first, with their signatures."""
    return list(
        db.session.scalars(
            select(CharterVersion)
            .where(CharterVersion.charter_id == charter.id)
            .options(
                selectinload(CharterVersion.signatures).selectinload(Signature.user),
                selectinload(CharterVersion.signatures).selectinload(Signature.department),
            )
            .order_by(CharterVersion.number.desc())
        )
    )


def valid_signatures(version: CharterVersion) -> list[Signature]:
    """The version's signatures that still count, freshly read.

    Re-read signers may include the person signed in: their memberships come with them, or
    the refresh would leave them to load again later, while a page renders.
    """
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.version_id == version.id, Signature.voided_at.is_(None))
            .options(
                joinedload(Signature.user).joinedload(User.memberships),
                joinedload(Signature.department),
            )
            .order_by(Signature.signed_at, Signature.id)
            .execution_options(populate_existing=True)
        ).unique()
    )


def void_pending_version(actor: User, charter: Charter, now: datetime, reason: str) -> None:
    """Send a charter awaiting signatures back to draft: void its version and signatures.

    The caller holds the charter's row lock. Each person whose signature is voided is told.
    """
    version = pending_version(charter)
    voided: list[Signature] = []
    if version is not None:
        version.voided_at = now
        voided = list(
            db.session.scalars(
                select(Signature).where(
                    Signature.version_id == version.id, Signature.voided_at.is_(None)
                )
            )
        )
        # Nothing left to sign: the requests are done (and their unsent e-mails withdrawn).
        notifications.mark_done(
            f"version:{version.id}:", by=actor, now=now, reason=notifications.VOIDED
        )
        for signature in voided:
            signature.voided_at = now
            signer = signature.user
            if signer.id == actor.id:
                continue  # they made the change themselves: nothing to tell them
            notifications.notify(
                "signature_voided",
                recipients=[signer],
                actor=actor,
                obj=("charter", charter.id),
                link=f"/charters/{charter.id}",
                params={"name": actor.name, "title": charter.title, "number": version.number},
                key=f"signature:{signature.id}:voided",
                now=now,
            )
    charter.transition(CharterStatus.DRAFT)
    record_event(
        "voided",
        actor=actor,
        object_type="charter_version",
        object_id=version.id if version else None,
        charter_id=charter.id,
        data={
            "version": version.number if version else None,
            "reason": reason,
            "signatures_voided": [s.user_id for s in voided],
        },
        now=now,
    )
    db.session.flush()


def void_on_edit(*, charter: Charter, actor: User, now: datetime) -> None:
    """Drafting edits a charter awaiting signatures (event ``SUBMITTED_CHARTER_EDITED``)."""
    void_pending_version(actor, charter, now, reason="edited")
