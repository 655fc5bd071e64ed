"""The certificate of completion: the last pages of a signed version's stored PDF.

Like the certificates Documenso and DocuSeal append, it says what was signed (title, the two
departments in the charter's order, criterion, version, fingerprint), every step of its
signing read from the audit trail (submitted by whom, each signature with person, department,
UTC time and how the signer re-authenticated, the coming into force), and where to verify it.

:func:`completion_values` reads all of it in two statements (the events, then their actors),
inside the caller's transaction and locale, before the render: the template only prints plain
values. A version not in force has no certificate (its preview is marked "not signed").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..audit.describe import event_label
from ..extensions import db
from ..labels import signature_method_label
from ..models import AuditEvent, CharterVersion, Signature, version_sides

# The events of a version's signing, in the order they happen.
SIGNING_ACTIONS = ("submitted", "signed", "activated")


def utc_text(moment: datetime | None) -> str:
    """A moment as UTC, to the second, the same in every language: "2026-03-02 09:30:00 UTC"."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:  # stored as UTC (UTCDateTime); be explicit anyway
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def signing_events(version: CharterVersion) -> list[AuditEvent]:
    """The audit events of ``version``'s signing, oldest first, their actors loaded.

    Submission and activation name the version; signatures name their signature row, so the
    version's signatures are found by a subquery (one statement, plus one for the actors).
    """
    signature_ids = select(Signature.id).where(Signature.version_id == version.id)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.charter_id == version.charter_id,
                AuditEvent.action.in_(SIGNING_ACTIONS),
                or_(
                    and_(
                        AuditEvent.object_type == "charter_version",
                        AuditEvent.object_id == version.id,
                    ),
                    and_(
                        AuditEvent.object_type == "signature",
                        AuditEvent.object_id.in_(signature_ids),
                    ),
                ),
            )
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )


def _event_row(event: AuditEvent, departments: dict[int, str]) -> dict[str, Any]:
    data = event.data or {}
    row: dict[str, Any] = {
        "action": event.action,
        "label": event_label(event),
        "person": event.actor.name if event.actor is not None else None,
        "department": None,
        "at": utc_text(event.occurred_at),
        "method": None,
    }
    if event.action == "signed":
        row["department"] = departments.get(data.get("department_id"))
        # Signatures from before methods were recorded were all made with the password.
        row["method"] = signature_method_label(data.get("method"))
    elif event.action == "activated":
        row["person"] = None  # it follows from the last signature, nobody acts
    return row


def completion_values(
    version: CharterVersion, verify_url: str, qr_svg: Any = None
) -> dict[str, Any] | None:
    """Plain values of ``version``'s certificate of completion; None if it is not signed.

    Call inside the document's locale (labels are translated here) and inside the transaction
    that read the version: the render comes after it ends.
    """
    if version.activated_at is None:
        return None
    data = version.data
    first, second = version_sides(data)
    departments = {side["id"]: side["name"] for side in (first, second)}
    events = [_event_row(e, departments) for e in signing_events(version)]
    submitted = next((e for e in events if e["action"] == "submitted"), None)
    return {
        "title": data["title"],
        "sides": [{"name": side["name"], "code": side.get("code")} for side in (first, second)],
        "criterion": data["criterion"]["name"],
        "number": version.number,
        "fingerprint": version.fingerprint,
        "language": version.language,
        "submitted_by": submitted["person"] if submitted else None,
        "activated_at": utc_text(version.activated_at),
        "events": events,
        "verify_url": verify_url,
        "qr_svg": qr_svg,
        "pdf_hash_note": _(
            "The SHA-256 of this PDF file cannot be printed inside it (printing it would change "
            "it): the audit trail records it when the file is stored, and the verification page "
            "recognises this file when it is uploaded."
        ),
    }
