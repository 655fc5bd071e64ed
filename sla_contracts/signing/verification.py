"""Verification: is this fingerprint or file a signed version? Are the stored versions intact?"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from ..errors import ValidationError
from ..extensions import db
from ..models import AuditEvent, CharterStatus, CharterVersion, Signature
from ..pdf import pades
from ..pdf.pades import SignatureStatus
from .versions import sha256_hex

log = logging.getLogger(__name__)

FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Verification:
    query: str
    version: CharterVersion | None = None
    matched: str = ""  # "content" or "pdf"
    newer: CharterVersion | None = None
    # What was given: a typed "fingerprint", or a "file" (then ``query`` is the file's SHA-256,
    # not the fingerprint of the content, which the version carries).
    given: str = "fingerprint"
    # The stored PDF's digital signature (PAdES), as pyHanko reads it; None: no stored PDF.
    pdf_signature: SignatureStatus | None = None
    # An uploaded file recognised only by its printed fingerprint: its own digital signature
    # (a signed copy changed afterwards carries one, broken).
    file_signature: SignatureStatus | None = None

    @property
    def changed_after_signing(self) -> bool:
        """The upload is a copy of a signed version's PDF, changed after it was signed."""
        return (
            self.matched == "printed"
            and self.version is not None
            and self.version.activated_at is not None
            and self.file_signature is not None
            and self.file_signature.signed
            and not self.file_signature.intact
        )

    @property
    def found(self) -> bool:
        return self.version is not None

    @property
    def authentic(self) -> bool:
        # A file recognised only by the fingerprint printed in it is never the signed copy.
        return (
            self.version is not None
            and self.version.activated_at is not None
            and self.matched != "printed"
        )

    @property
    def pdf_signature_intact(self) -> bool | None:
        """True when the stored file's digital signature is intact over the whole file."""
        return None if self.pdf_signature is None else self.pdf_signature.intact

    @property
    def superseded(self) -> bool:
        return self.version is not None and self.version.superseded_at is not None

    @property
    def expired(self) -> bool:
        """The last signed version of a charter past its end: no longer in force."""
        return (
            self.authentic and not self.superseded and self.version.charter.expired_at is not None
        )

    @property
    def in_force(self) -> bool:
        """It binds both sides today: signed, not superseded, the charter neither ended nor
        expired."""
        return (
            self.authentic
            and not self.superseded
            and not self.expired
            and self.version.charter.status != CharterStatus.ENDED
        )

    def signed_by(self) -> list[dict[str, Any]]:
        if not self.authentic:
            return []
        return [
            {
                "department_id": s.department_id,
                "department": s.department.name,
                "user_id": s.user_id,
                "name": s.user.name,
                "signed_at": s.signed_at,
            }
            for s in self.version.valid_signatures()
        ]


def normalise_fingerprint(value: Any) -> str:
    """Lower-case a 64-hex SHA-256 fingerprint (spaces allowed) or raise ValidationError."""
    text = re.sub(r"\s+", "", value if isinstance(value, str) else "").lower()
    if not FINGERPRINT_RE.match(text):
        raise ValidationError(
            _("A fingerprint is 64 hexadecimal characters (0–9, a–f), as printed on the PDF."),
            field="fingerprint",
        )
    return text


def _newest_in_force(version: CharterVersion) -> CharterVersion | None:
    return db.session.scalar(
        select(CharterVersion)
        .where(
            CharterVersion.charter_id == version.charter_id,
            CharterVersion.activated_at.is_not(None),
            CharterVersion.number > version.number,
        )
        .order_by(CharterVersion.number.desc())
        .limit(1)
    )


def _verification(
    query: str, version: CharterVersion | None, matched: str, given: str = "fingerprint"
) -> Verification:
    result = Verification(query=query, version=version, matched=matched, given=given)
    if version is not None and version.superseded_at is not None:
        result.newer = _newest_in_force(version)
    if version is not None and version.activated_at is not None and matched != "printed":
        result.pdf_signature = stored_pdf_signature(version.id)
    return result


def stored_pdf_signature(version_id: int) -> SignatureStatus | None:
    """The digital signature of a version's stored PDF (checked once per process and file)."""
    pdf = db.session.scalar(select(CharterVersion.pdf).where(CharterVersion.id == version_id))
    return pades.signature_status(pdf) if pdf else None


def verify_fingerprint(value: Any) -> Verification:
    """Find the version whose content fingerprint or archived PDF hash is ``value``."""
    fingerprint = normalise_fingerprint(value)
    options = (
        selectinload(CharterVersion.signatures).selectinload(Signature.user),
        selectinload(CharterVersion.signatures).selectinload(Signature.department),
        selectinload(CharterVersion.charter),
    )
    version = db.session.scalar(
        select(CharterVersion).where(CharterVersion.fingerprint == fingerprint).options(*options)
    )
    if version is not None:
        return _verification(fingerprint, version, "content")
    version = db.session.scalar(
        select(CharterVersion)
        .where(CharterVersion.pdf_sha256 == fingerprint)
        .options(*options)
        .limit(1)
    )
    return _verification(fingerprint, version, "pdf" if version else "")


def verify_pdf_file(data: bytes) -> Verification:
    """Check an uploaded PDF against the archived signed copies (byte for byte)."""
    if not data:
        raise ValidationError(_("Choose a PDF file to check."), field="file")
    if not data.lstrip()[:5] == b"%PDF-":
        raise ValidationError(
            _("This file is not a PDF. Upload the charter's PDF as you received it."),
            field="file",
        )
    digest = hashlib.sha256(data).hexdigest()
    version = db.session.scalar(
        select(CharterVersion).where(CharterVersion.pdf_sha256 == digest).limit(1)
    )
    if version is not None:
        return _verification(digest, version, "pdf", "file")
    # Not an archived signed copy: perhaps an unsigned version's PDF (or a copy printed
    # before the signatures), recognised by the fingerprint printed on its pages.
    printed = fingerprints_printed_in(data)
    if printed:
        version = db.session.scalar(
            select(CharterVersion)
            .where(CharterVersion.fingerprint.in_(printed))
            .options(selectinload(CharterVersion.charter))
            .limit(1)
        )
        if version is not None:
            result = _verification(digest, version, "printed", "file")
            result.file_signature = pades.signature_status(data)
            return result
    return _verification(digest, None, "", "file")


PRINTED_FINGERPRINT_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def fingerprints_printed_in(data: bytes) -> list[str]:
    """The 64-hex fingerprints printed on a PDF's first page (empty if it cannot be read)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        text = reader.pages[0].extract_text() if reader.pages else ""
    except Exception:  # noqa: BLE001 - any unreadable upload is simply "not recognised"
        log.info("Uploaded PDF could not be read for a printed fingerprint", exc_info=True)
        return []
    return list(dict.fromkeys(PRINTED_FINGERPRINT_RE.findall(text or "")))[:5]


# ---------------------------------------------------------------- integrity


@dataclass
class IntegrityProblem:
    what: str
    object_id: int
    reason: str


def verify_versions() -> list[IntegrityProblem]:
    """Re-check every stored version: content vs fingerprint, PDF vs hash, vs the audit trail.

    A version in force whose PDF is not stored yet (it is stored on first download) is not a
    problem, unless the audit trail says a PDF was stored for it.
    """
    problems: list[IntegrityProblem] = []
    recorded: dict[int, dict[str, str]] = {}
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "charter_version",
            AuditEvent.action.in_(["submitted", "activated", "pdf_stored"]),
        )
        .order_by(AuditEvent.id)
    ):
        facts = recorded.setdefault(event.object_id, {})
        for key in ("fingerprint", "pdf_sha256"):
            if (event.data or {}).get(key):
                facts[key] = event.data[key]
    signatures: dict[int, set[str]] = {}
    for version_id, fingerprint in db.session.execute(
        select(Signature.version_id, Signature.fingerprint)
    ):
        signatures.setdefault(version_id, set()).add(fingerprint)
    for version in db.session.scalars(
        select(CharterVersion).options(undefer(CharterVersion.pdf)).order_by(CharterVersion.id)
    ):
        problems.extend(_version_problems(version, recorded.get(version.id, {}), signatures))
    return problems


def _version_problems(
    version: CharterVersion, facts: dict[str, str], signatures: dict[int, set[str]]
) -> list[IntegrityProblem]:
    label = f"charter {version.charter_id} version {version.number}"
    problems: list[IntegrityProblem] = []

    def problem(reason: str) -> None:
        problems.append(IntegrityProblem(label, version.id, reason))

    if sha256_hex(version.content.encode("utf-8")) != version.fingerprint:
        problem("content does not match its fingerprint")
    if facts.get("fingerprint") and facts["fingerprint"] != version.fingerprint:
        problem("fingerprint differs from the audit trail")
    if signatures.get(version.id, {version.fingerprint}) != {version.fingerprint}:
        problem("a signature names another fingerprint")
    if version.pdf is None and version.pdf_sha256 is None:
        if version.activated_at is not None and facts.get("pdf_sha256"):
            problem("signed PDF is missing")
    elif version.activated_at is None:
        problem("an unsigned version has a stored PDF")
    elif version.pdf is None or version.pdf_sha256 is None:
        problem("signed PDF is missing")
    elif sha256_hex(version.pdf) != version.pdf_sha256:
        problem("stored PDF does not match its SHA-256")
    elif facts.get("pdf_sha256") and facts["pdf_sha256"] != version.pdf_sha256:
        problem("PDF hash differs from the audit trail")
    return problems
