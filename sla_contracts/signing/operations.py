"""Signing workflows: submit, sign, activate, amend, end; the PDF; verification; share links.

Functions here flush, never commit: the view, API call or command commits once.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import segno
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer

from .. import notifications
from ..audit.operations import record_event
from ..auth.passwords import verify_password
from ..charters.operations import clean_text, ensure_editable, lock_charter, snapshot
from ..errors import (
    CharterStateError,
    ConflictError,
    DomainError,
    Forbidden,
    NotFound,
    ValidationError,
)
from ..extensions import db
from ..labels import cadence_label, direction_label
from ..models import (
    Charter,
    CharterStatus,
    CharterVersion,
    Comment,
    Department,
    Membership,
    Role,
    ShareLink,
    Signature,
    User,
)
from ..pdf import render_pdf
from ..permissions import can_edit, is_head_of
from ..timeutil import utcnow
from .versions import canonical_json, pending_version, sha256_hex, version_in_force

log = logging.getLogger(__name__)

REASON_MAX = 2000
SHARE_DAYS_MAX = 365
FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")
PDF_TEMPLATE = "pdf/charter.html"


class ShareLinkGone(DomainError):
    """The share link has expired or was revoked."""

    code = "gone"
    status = 410


# ---------------------------------------------------------------- helpers


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def head_names(department_id: int) -> list[str]:
    """Names of the (active) heads of a department, sorted."""
    return sorted(
        db.session.scalars(
            select(User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.department_id == department_id,
                Membership.role == Role.HEAD,
                User.archived_at.is_(None),
            )
        )
    )


def heads(charter: Charter) -> list[User]:
    """Every active head of either side."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.department_id.in_(charter.department_ids),
                Membership.role == Role.HEAD,
                User.archived_at.is_(None),
            )
            .distinct()
        )
    )


def _tell(
    users: list[User], kind: str, charter: Charter, actor: User, now: datetime, key: str, **params
) -> None:
    """Tell ``users`` about ``charter`` (message ``kind`` with ``params``), once per ``key``."""
    notifications.notify(
        kind,
        recipients=users,
        actor=actor,
        obj=("charter", charter.id),
        link=_charter_link(charter),
        params=params,
        key=key,
        now=now,
    )


def _charter_link(charter: Charter) -> str:
    return f"/charters/{charter.id}"


def charter_language(charter: Charter) -> str:
    """The language a charter's documents are written in: its author's, else the default."""
    languages = current_app.config.get("LANGUAGES", ["fr", "en"])
    author = charter.created_by
    if author is not None and author.locale in languages:
        return author.locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")


def signing_departments(user: User, charter: Charter) -> list[int]:
    """The sides of ``charter`` that ``user`` heads (admin rights give no signing authority)."""
    return [d for d in charter.department_ids if is_head_of(user, d)]


def valid_signatures(version: CharterVersion) -> list[Signature]:
    """The version's signatures that still count, freshly read."""
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.version_id == version.id, Signature.voided_at.is_(None))
            .options(selectinload(Signature.user), selectinload(Signature.department))
            .order_by(Signature.signed_at, Signature.id)
            .execution_options(populate_existing=True)
        )
    )


def awaiting_signature_of(user: User) -> list[Charter]:
    """Charters with a version awaiting a signature from a side ``user`` heads."""
    mine = user.head_of()
    if not mine:
        return []
    rows = db.session.execute(
        select(Charter, CharterVersion)
        .join(CharterVersion, CharterVersion.charter_id == Charter.id)
        .where(
            Charter.status == CharterStatus.AWAITING_SIGNATURES,
            CharterVersion.voided_at.is_(None),
            CharterVersion.activated_at.is_(None),
            (Charter.department_a_id.in_(mine)) | (Charter.department_b_id.in_(mine)),
        )
        .options(selectinload(Charter.department_a), selectinload(Charter.department_b))
        .order_by(CharterVersion.created_at)
    ).all()
    if not rows:
        return []
    signed = {
        (version_id, department_id)
        for version_id, department_id in db.session.execute(
            select(Signature.version_id, Signature.department_id).where(
                Signature.version_id.in_([v.id for _, v in rows]),
                Signature.voided_at.is_(None),
            )
        )
    }
    return [
        charter
        for charter, version in rows
        if any(d in mine and (version.id, d) not in signed for d in charter.department_ids)
    ]


# ---------------------------------------------------------------- submit


@dataclass
class SubmitCheck:
    missing_sides: list[str] = field(default_factory=list)
    missing_impact: list[str] = field(default_factory=list)
    open_comments: int = 0

    @property
    def blocking(self) -> bool:
        return bool(self.missing_sides or self.missing_impact)


def check_submission(charter: Charter) -> SubmitCheck:
    """What stands between this draft and a frozen version."""
    check = SubmitCheck()
    for department in (charter.department_a, charter.department_b):
        if not charter.commitments_by(department.id):
            check.missing_sides.append(department.name)
    check.missing_impact = [c.title for c in charter.commitments if not c.customer_impact.strip()]
    check.open_comments = len(
        db.session.scalars(
            select(Comment.id).where(
                Comment.charter_id == charter.id, Comment.resolved_at.is_(None)
            )
        ).all()
    )
    return check


def freeze_content(charter: Charter, number: int, now: datetime) -> dict[str, Any]:
    """The content a version freezes: the charter's snapshot plus what the PDF needs."""
    content = snapshot(charter)
    content["department_a"]["heads"] = head_names(charter.department_a_id)
    content["department_b"]["heads"] = head_names(charter.department_b_id)
    # Charter id, number and time make every version's fingerprint unique, even when a
    # resubmitted version has the same commitments as a voided one.
    content["charter_id"] = charter.id
    content["version"] = number
    content["frozen_at"] = now.replace(microsecond=0).isoformat()
    return content


def submit_charter(
    actor: User, charter: Charter, *, leave_comments_open: bool = False, now: datetime | None = None
) -> CharterVersion:
    """Freeze the draft into version N, awaiting both heads' signatures."""
    now = now or utcnow()
    if not signing_departments(actor, charter):
        raise Forbidden(_("Only a head of one of the two departments can submit for signature."))
    charter = lock_charter(charter)
    if charter.status != CharterStatus.DRAFT:
        raise CharterStateError(
            _("Only a draft can be submitted for signature."),
            details={"status": charter.status.value},
        )
    db.session.refresh(charter, attribute_names=["commitments"])
    check = check_submission(charter)
    if check.missing_sides:
        raise ValidationError(
            _(
                "A charter is reciprocal: each side must commit to at least one thing before "
                "signature (missing: %(names)s).",
                names=", ".join(check.missing_sides),
            ),
            field="commitments",
        )
    if check.missing_impact:
        raise ValidationError(
            _(
                "Every commitment must say how it serves the end-customer criterion "
                "(missing: %(titles)s).",
                titles=", ".join(check.missing_impact),
            ),
            field="customer_impact",
        )
    if check.open_comments and not leave_comments_open:
        raise ValidationError(
            ngettext(
                "%(num)d comment is still open: resolve it, or tick the box to leave it open "
                "on purpose.",
                "%(num)d comments are still open: resolve them, or tick the box to leave them "
                "open on purpose.",
                check.open_comments,
            ),
            field="leave_comments_open",
        )
    last = db.session.scalar(
        select(CharterVersion.number)
        .where(CharterVersion.charter_id == charter.id)
        .order_by(CharterVersion.number.desc())
        .limit(1)
    )
    number = (last or 0) + 1
    content = canonical_json(freeze_content(charter, number, now))
    version = CharterVersion(
        charter_id=charter.id,
        number=number,
        content=content.decode("utf-8"),
        fingerprint=sha256_hex(content),
        language=charter_language(charter),
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(version)
    charter.transition(CharterStatus.AWAITING_SIGNATURES)
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    db.session.flush()
    record_event(
        "submitted",
        actor=actor,
        object_type="charter_version",
        object_id=version.id,
        charter_id=charter.id,
        data={
            "version": number,
            "fingerprint": version.fingerprint,
            "comments_left_open": check.open_comments,
        },
        now=now,
    )
    _tell(
        [u for u in heads(charter) if u.id != actor.id],
        "signature_requested",
        charter,
        actor,
        now,
        f"version:{version.id}:submitted",
        name=actor.name,
        number=number,
        title=charter.title,
    )
    return version


# ---------------------------------------------------------------- sign and activate


def sign_charter(
    actor: User,
    charter: Charter,
    version_number: Any,
    password: Any,
    ip: str | None,
    now: datetime | None = None,
) -> Signature:
    """Sign the version awaiting signatures for the side ``actor`` heads, after re-authentication.

    Safe when both heads sign at once: the charter's row lock serialises them, the second
    sees the first signature and activates; the unique (version, department) constraint
    refuses a second signature for the same side.
    """
    now = now or utcnow()
    sides = signing_departments(actor, charter)
    if not sides:
        if actor.is_admin:
            raise Forbidden(
                _("An administrator cannot sign: only the heads of the two departments sign.")
            )
        raise Forbidden(_("Only a head of one of the two departments can sign this charter."))
    if isinstance(version_number, bool) or not isinstance(version_number, int):
        raise ValidationError(_("Say which version you sign."), field="version")
    if not isinstance(password, str) or not verify_password(actor.password_hash, password):
        raise ValidationError(
            _("This password is not right. Your signature was not recorded."), field="password"
        )
    charter = lock_charter(charter)
    if charter.status != CharterStatus.AWAITING_SIGNATURES:
        raise CharterStateError(
            _("This charter is not awaiting signatures."),
            details={"status": charter.status.value},
        )
    version = pending_version(charter)
    if version is None:  # pragma: no cover - status and versions always agree
        raise CharterStateError(_("This charter is not awaiting signatures."))
    if version.number != version_number:
        raise ConflictError(
            _(
                "You were about to sign version %(seen)d, but version %(current)d is the one "
                "awaiting signatures now. Read it before signing.",
                seen=version_number,
                current=version.number,
            ),
            details={"current_version": version.number},
        )
    signed = {s.department_id for s in valid_signatures(version)}
    todo = [d for d in sides if d not in signed]
    if not todo:
        raise ConflictError(
            _("You have already signed version %(number)d.", number=version.number),
            details={"current_version": version.number},
        )
    signature = Signature(
        version_id=version.id,
        department_id=todo[0],
        user_id=actor.id,
        signed_at=now,
        fingerprint=version.fingerprint,
        ip_address=(ip or "")[:45] or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(signature)
    except IntegrityError as error:
        raise ConflictError(
            _("This department has already signed version %(number)d.", number=version.number)
        ) from error
    department = db.session.get(Department, todo[0])
    record_event(
        "signed",
        actor=actor,
        object_type="signature",
        object_id=signature.id,
        charter_id=charter.id,
        data={
            "version": version.number,
            "department_id": department.id,
            "fingerprint": version.fingerprint,
            "ip": signature.ip_address,
        },
        now=now,
    )
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    signed.add(department.id)
    if set(charter.department_ids) <= signed:
        _activate(actor, charter, version, now)
    else:
        other = charter.other_department_id(department.id)
        _tell(
            [u for u in heads(charter) if is_head_of(u, other) and u.id != actor.id],
            "signature_awaited",
            charter,
            actor,
            now,
            f"version:{version.id}:signed:{department.id}",
            name=actor.name,
            number=version.number,
            title=charter.title,
            dept=department.name,
        )
    db.session.flush()
    return signature


def _activate(actor: User, charter: Charter, version: CharterVersion, now: datetime) -> None:
    """Both sides signed: the version comes into force and its PDF is archived once."""
    previous = version_in_force(charter)
    if previous is not None and previous.id != version.id:
        previous.superseded_at = now
    version.activated_at = now
    charter.transition(CharterStatus.ACTIVE)
    charter.next_review_on = add_months(now.date(), charter.review_cadence_months)
    db.session.flush()
    from ..reviews.operations import plan_review  # the first review is planned at activation

    plan_review(charter, now)
    pdf = render_version_pdf(version)
    version.pdf = pdf
    version.pdf_sha256 = sha256_hex(pdf)
    record_event(
        "activated",
        actor=actor,
        object_type="charter_version",
        object_id=version.id,
        charter_id=charter.id,
        data={
            "version": version.number,
            "fingerprint": version.fingerprint,
            "pdf_sha256": version.pdf_sha256,
            "supersedes": previous.number if previous is not None else None,
            "next_review_on": charter.next_review_on.isoformat(),
        },
        now=now,
    )
    _tell(
        [u for u in heads(charter) if u.id != actor.id],
        "charter_active",
        charter,
        actor,
        now,
        f"version:{version.id}:activated",
        name=actor.name,
        number=version.number,
        title=charter.title,
    )


# ---------------------------------------------------------------- amend and end


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


def end_charter(actor: User, charter: Charter, reason: Any, now: datetime | None = None) -> Charter:
    """End a charter for good, with a reason."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    reason = clean_text(reason, field_name="reason", required=True, max_length=REASON_MAX)
    charter = lock_charter(charter)
    if charter.status == CharterStatus.ENDED:
        raise CharterStateError(_("This charter has already ended."))
    if charter.status == CharterStatus.AWAITING_SIGNATURES:
        version = pending_version(charter)
        if version is not None:
            version.voided_at = now
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
    return charter


# ---------------------------------------------------------------- versions and the PDF


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


def verify_url(fingerprint: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{fingerprint}"


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for ``url`` (our own URL, never user text)."""
    svg = segno.make(url, error="m").svg_inline(scale=2.2, border=2, dark="#111")
    return Markup(svg)  # noqa: S704 - generated by segno from a hex fingerprint and BASE_URL


def pdf_values(version: CharterVersion) -> dict[str, Any]:
    """Plain values the PDF template needs (call inside the document's locale)."""
    data = version.data
    signatures = {s.department_id: s for s in valid_signatures(version)}
    sides = []
    for key, other in (("department_a", "department_b"), ("department_b", "department_a")):
        department = data[key]
        signature = signatures.get(department["id"])
        sides.append(
            {
                "name": department["name"],
                "code": department["code"],
                "heads": department.get("heads", []),
                "beneficiary": data[other]["name"],
                "commitments": [
                    c
                    for c in data["commitments"]
                    if c["provider_department_id"] == department["id"]
                ],
                "signature": {
                    "name": signature.user.name,
                    "signed_at": signature.signed_at,
                }
                if signature
                else None,
            }
        )
    criterion = data["criterion"]
    activated = version.activated_at
    next_review = add_months(activated.date(), data["review_cadence_months"]) if activated else None
    return {
        "title": data["title"],
        "sides": sides,
        "criterion": {
            "name": criterion["name"],
            "definition": criterion["definition"],
            "unit": criterion["unit"],
            "target": criterion["target"],
            "direction": direction_label(criterion["direction"]),
        },
        "cadence": cadence_label(data["review_cadence_months"]),
        "next_review_on": next_review,
        "number": version.number,
        "fingerprint": version.fingerprint,
        "frozen_at": version.created_at,
        "is_signed": activated is not None,
        "verify_url": verify_url(version.fingerprint),
        "qr_svg": qr_svg(verify_url(version.fingerprint)),
        "timezone": current_app.config["DISPLAY_TIMEZONE"],
    }


# Unsigned versions are rendered on demand; a few are kept, keyed by what they show.
_PREVIEW_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_PREVIEW_CACHE_SIZE = 16
_PREVIEW_LOCK = threading.Lock()


def render_version_pdf(version: CharterVersion) -> bytes:
    """Render a version's PDF in its language (signed or "DRAFT — not signed")."""
    with force_locale(version.language):
        values = pdf_values(version)
        return render_pdf(PDF_TEMPLATE, locale=version.language, **values)


def version_pdf(version: CharterVersion) -> bytes:
    """The archived bytes of a signed version, or a rendering of an unsigned one."""
    if version.activated_at is not None and version.pdf is not None:
        return version.pdf
    key = (
        version.fingerprint,
        version.voided_at is not None,
        tuple((s.id, s.signed_at) for s in valid_signatures(version)),
    )
    with _PREVIEW_LOCK:
        cached = _PREVIEW_CACHE.get(key)
        if cached is not None:
            _PREVIEW_CACHE.move_to_end(key)
            return cached
    rendered = render_version_pdf(version)
    with _PREVIEW_LOCK:
        _PREVIEW_CACHE[key] = rendered
        while len(_PREVIEW_CACHE) > _PREVIEW_CACHE_SIZE:
            _PREVIEW_CACHE.popitem(last=False)
    return rendered


def pdf_filename(charter: Charter, version: CharterVersion) -> str:
    code = f"{version.data['department_a']['code']}-{version.data['department_b']['code']}"
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", code).strip("-") or "charter"
    return f"charter-{safe}-v{version.number}.pdf"


def record_export(actor: User | None, version: CharterVersion, via: str, now=None) -> None:
    """Audit a download of a version's PDF."""
    record_event(
        "exported",
        actor=actor,
        object_type="charter_version",
        object_id=version.id,
        charter_id=version.charter_id,
        data={"version": version.number, "via": via, "signed": version.activated_at is not None},
        now=now,
    )


# ---------------------------------------------------------------- verification


@dataclass
class Verification:
    query: str
    version: CharterVersion | None = None
    matched: str = ""  # "content" or "pdf"
    newer: CharterVersion | None = None

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
    def superseded(self) -> bool:
        return self.version is not None and self.version.superseded_at is not None

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


def _verification(query: str, version: CharterVersion | None, matched: str) -> Verification:
    result = Verification(query=query, version=version, matched=matched)
    if version is not None and version.superseded_at is not None:
        result.newer = _newest_in_force(version)
    return result


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
        return _verification(digest, version, "pdf")
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
            return _verification(digest, version, "printed")
    return _verification(digest, None, "")


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


# ---------------------------------------------------------------- share links


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share_link(
    actor: User, charter: Charter, days: Any, now: datetime | None = None
) -> tuple[ShareLink, str]:
    """Create a link to the signed PDF in force; return it and its token (shown once)."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can share this charter."))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= SHARE_DAYS_MAX:
        raise ValidationError(
            _("Choose between 1 and %(max)d days.", max=SHARE_DAYS_MAX), field="days"
        )
    version = version_in_force(charter)
    if version is None:
        raise CharterStateError(_("Only a signed charter can be shared."))
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        version_id=version.id,
        token_hash=_token_hash(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(link)
    db.session.flush()
    record_event(
        "exported",
        actor=actor,
        object_type="share_link",
        object_id=link.id,
        charter_id=charter.id,
        data={"version": version.number, "via": "share_link", "days": days},
        now=now,
    )
    return link, token


def share_links(charter: Charter) -> list[ShareLink]:
    return list(
        db.session.scalars(
            select(ShareLink)
            .join(CharterVersion, CharterVersion.id == ShareLink.version_id)
            .where(CharterVersion.charter_id == charter.id)
            .options(selectinload(ShareLink.version), selectinload(ShareLink.created_by))
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        )
    )


def revoke_share_link(
    actor: User, charter: Charter, link_id: int, now: datetime | None = None
) -> ShareLink:
    """Revoke a share link of this charter: it answers 410 from now on."""
    now = now or utcnow()
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can share this charter."))
    link = db.session.get(ShareLink, link_id)
    if link is None or link.version.charter_id != charter.id:
        raise NotFound(_("No such share link."))
    if link.revoked_at is None:
        link.revoked_at = now
        record_event(
            "share_revoked",
            actor=actor,
            object_type="share_link",
            object_id=link.id,
            charter_id=charter.id,
            data={"version": link.version.number},
            now=now,
        )
    db.session.flush()
    return link


def open_share_link(token: str, now: datetime | None = None) -> CharterVersion:
    """Count a download through a share link and return its version (with the PDF loaded)."""
    now = now or utcnow()
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound(_("This link does not exist."))
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == _token_hash(token)))
    if link is None:
        raise NotFound(_("This link does not exist."))
    counted = db.session.execute(
        update(ShareLink)
        .where(
            ShareLink.id == link.id,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > now,
        )
        .values(download_count=ShareLink.download_count + 1, last_downloaded_at=now)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        db.session.refresh(link)
        if link.revoked_at is not None:
            raise ShareLinkGone(_("This link was revoked by the person who shared it."))
        raise ShareLinkGone(_("This link has expired. Ask for a new one."))
    version = db.session.scalar(
        select(CharterVersion)
        .where(CharterVersion.id == link.version_id)
        .options(undefer(CharterVersion.pdf))
    )
    # Anonymous, so no actor: the link says through which door the copy left.
    record_event(
        "share_downloaded",
        actor=None,
        object_type="share_link",
        object_id=link.id,
        charter_id=version.charter_id,
        data={"version": version.number, "link_id": link.id},
        now=now,
    )
    return version


# ---------------------------------------------------------------- integrity


@dataclass
class IntegrityProblem:
    what: str
    object_id: int
    reason: str


def verify_versions() -> list[IntegrityProblem]:
    """Re-check every stored version: content vs fingerprint, PDF vs hash, vs the audit trail."""
    from ..models import AuditEvent

    problems: list[IntegrityProblem] = []
    recorded: dict[int, dict[str, str]] = {}
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "charter_version",
            AuditEvent.action.in_(["submitted", "activated"]),
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
        label = f"charter {version.charter_id} version {version.number}"
        if sha256_hex(version.content.encode("utf-8")) != version.fingerprint:
            problems.append(
                IntegrityProblem(label, version.id, "content does not match its fingerprint")
            )
        facts = recorded.get(version.id, {})
        if facts.get("fingerprint") and facts["fingerprint"] != version.fingerprint:
            problems.append(
                IntegrityProblem(label, version.id, "fingerprint differs from the audit trail")
            )
        if signatures.get(version.id, {version.fingerprint}) != {version.fingerprint}:
            problems.append(
                IntegrityProblem(label, version.id, "a signature names another fingerprint")
            )
        if version.activated_at is not None:
            if version.pdf is None or version.pdf_sha256 is None:
                problems.append(IntegrityProblem(label, version.id, "signed PDF is missing"))
            elif sha256_hex(version.pdf) != version.pdf_sha256:
                problems.append(
                    IntegrityProblem(label, version.id, "stored PDF does not match its SHA-256")
                )
            elif facts.get("pdf_sha256") and facts["pdf_sha256"] != version.pdf_sha256:
                problems.append(
                    IntegrityProblem(label, version.id, "PDF hash differs from the audit trail")
                )
    return problems


def reopen_draft(actor: User, charter: Charter, now: datetime | None = None) -> Charter:
    """Take a submitted charter back to draft to change it (voids the pending signatures)."""
    if charter.status != CharterStatus.AWAITING_SIGNATURES:
        raise CharterStateError(_("This charter is not awaiting signatures."))
    ensure_editable(actor, charter, now or utcnow())
    return charter
