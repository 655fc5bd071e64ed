"""Submit a draft for signature, sign it, and bring a version into force.

Functions here flush, never commit: the view, API call or command commits once. The signed
PDF is not rendered here (that would hold the charter's lock): ``pdf_store`` stores it once
the signature is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import events, notifications
from ..audit.operations import record_event
from ..auth.passwords import verify_password
from ..charters.balance import Balance, balance
from ..charters.history import snapshot
from ..charters.negotiation import Readiness, readiness
from ..charters.operations import lock_charter
from ..directory.queries import heads_of
from ..errors import CharterStateError, ConflictError, Forbidden, NotReady, ValidationError
from ..extensions import db
from ..formats import collate
from ..main.waiting import what_waits_for
from ..models import (
    Charter,
    CharterStatus,
    CharterVersion,
    Comment,
    Department,
    Signature,
    SignatureMethod,
    User,
    pending_version,
    version_in_force,
)
from ..permissions import is_head_of
from ..timeutil import add_months, utcnow
from . import renewal
from .notices import _tell, heads
from .versions import (
    canonical_json,
    sha256_hex,
    valid_signatures,
)


@dataclass(frozen=True)
class Reauthentication:
    """A password checked before the signing transaction (see :func:`reauthenticate`)."""

    user_id: int
    password_hash: str
    is_valid: bool


def reauthenticate(user_id: int, password_hash: str, password: Any) -> Reauthentication:
    """Check a signer's password against their hash, without the database.

    The hash is slow on purpose (about half a second): a caller that checks it before the
    signing transaction begins holds no lock meanwhile, and passes the result to
    :func:`sign_charter` instead of the password.
    """
    is_valid = isinstance(password, str) and verify_password(password_hash, password)
    return Reauthentication(user_id, password_hash, is_valid)


def _password_confirmed(actor: User, password: Any, method: SignatureMethod) -> bool:
    if method == SignatureMethod.IDENTITY_PROVIDER:
        # The caller saw a fresh sign-in of this person at the provider (``auth_time`` checked)
        # and says so with a valid Reauthentication for them; no local password is involved.
        return (
            isinstance(password, Reauthentication)
            and password.is_valid
            and password.user_id == actor.id
        )
    if isinstance(password, Reauthentication):
        # Checked earlier, for this person and the password they have now.
        return (
            password.is_valid
            and password.user_id == actor.id
            and password.password_hash == actor.password_hash
        )
    return isinstance(password, str) and verify_password(actor.password_hash, password)


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


def awaiting_signature_of(user: User) -> list[Charter]:
    """Charters with a version awaiting a signature from a side ``user`` heads."""
    return what_waits_for(user).charters_to_sign


@dataclass
class SubmitCheck:
    missing_sides: list[str] = field(default_factory=list)
    missing_impact: list[str] = field(default_factory=list)
    open_comments: int = 0
    negotiation: Readiness = field(default_factory=Readiness)
    balance: Balance | None = None  # shown (one side commits to far more), never a block

    @property
    def blocking(self) -> bool:
        return bool(self.missing_sides or self.missing_impact or not self.negotiation.is_ready)


def check_submission(charter: Charter) -> SubmitCheck:
    """What stands between this draft and a frozen version."""
    check = SubmitCheck()
    for department in charter.sides:
        if not charter.commitments_by(department.id):
            check.missing_sides.append(department.name)
    check.missing_impact = [c.title for c in charter.commitments if not c.customer_impact.strip()]
    check.negotiation = readiness(charter)
    check.balance = balance(charter)
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
    for key, department_id in (
        ("department_a", charter.department_a_id),
        ("department_b", charter.department_b_id),
    ):
        content[key]["heads"] = collate(user.name for user in heads_of([department_id]))
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
    db.session.refresh(charter, attribute_names=["commitments", "expectations"])
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
    if not check.negotiation.is_ready:
        open_count = len(check.negotiation.open_expectations)
        unagreed = len(check.negotiation.unagreed_commitments)
        parts = []
        if open_count:
            parts.append(
                ngettext(
                    "%(num)d expectation is still open (answer or decline it)",
                    "%(num)d expectations are still open (answer or decline them)",
                    open_count,
                )
            )
        if unagreed:
            parts.append(
                ngettext(
                    "%(num)d commitment is not yet agreed by both sides",
                    "%(num)d commitments are not yet agreed by both sides",
                    unagreed,
                )
            )
        raise NotReady(
            _("Not ready for signature: %(what)s.", what="; ".join(parts)),
            field="commitments",
            details=check.negotiation.details,
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


def sign_charter(
    actor: User,
    charter: Charter,
    version_number: Any,
    password: Any,
    ip: str | None,
    now: datetime | None = None,
    method: SignatureMethod = SignatureMethod.PASSWORD,
) -> Signature:
    """Sign the version awaiting signatures for the side ``actor`` heads, after re-authentication.

    ``password`` is the password typed, or a :class:`Reauthentication` checked beforehand.
    ``method`` says how the signer re-authenticated: the password (the default), or a fresh
    sign-in at the identity provider (then ``password`` is a valid :class:`Reauthentication`
    of ``actor`` built by the caller that checked it). The signature, its audit event and the
    certificate of completion record it.

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
    method = SignatureMethod(method)
    if not _password_confirmed(actor, password, method):
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
        method=method,
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
            "method": method.value,
        },
        now=now,
    )
    charter.updated_at = now
    charter.last_activity_by_id = actor.id
    signed.add(department.id)
    if set(charter.department_ids) <= signed:
        _activate(actor, charter, version, now)
    else:
        # This side's other heads no longer need to sign this version (unless they also head
        # the side still to sign).
        done = [
            u
            for u in heads_of([department.id])
            if not any(is_head_of(u, d) for d in charter.department_ids if d not in signed)
        ]
        notifications.mark_done(f"version:{version.id}:", by=actor, now=now, recipients=done)
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
    """Both sides signed: the version comes into force (its PDF is stored after the commit).

    Publishes ``CHARTER_ACTIVATED`` in this transaction: reviews plans the first review.
    """
    previous = version_in_force(charter)
    if previous is not None and previous.id != version.id:
        previous.superseded_at = now
    version.activated_at = now
    # The end of what binds now: a new term (first signature, renewal) or the same (amendment).
    renewal.new_term(charter, previous, version, actor, now)
    # Every signature request of this version is done (before "in force" is told, under the
    # same key prefix): marked done in the inbox, withdrawn from the outbox if not sent yet.
    notifications.mark_done(f"version:{version.id}:", by=actor, now=now)
    charter.transition(CharterStatus.ACTIVE)
    charter.next_review_on = add_months(now.date(), charter.review_cadence_months)
    db.session.flush()
    record_event(
        "activated",
        actor=actor,
        object_type="charter_version",
        object_id=version.id,
        charter_id=charter.id,
        data={
            "version": version.number,
            "fingerprint": version.fingerprint,
            "supersedes": previous.number if previous is not None else None,
            "next_review_on": charter.next_review_on.isoformat(),
            "valid_until": charter.valid_until.isoformat(),
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
    events.publish(events.CHARTER_ACTIVATED, charter=charter, version=version, actor=actor, now=now)
