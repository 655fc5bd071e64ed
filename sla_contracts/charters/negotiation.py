"""Negotiating a draft: expectations and their answers, proposed changes, line-by-line agreement.

Each department first says what it expects of the other; the other side answers each
expectation with commitments of its own, or declines it with a reason both sides see; the asking
side may withdraw it. A head changes the other side's commitment only by proposing a change,
which the owner accepts, rejects with a reason, or answers by editing (a counter-proposal). Each
side agrees to each commitment's current text; a draft is ready for signature once no
expectation is open and every commitment is agreed by both (``readiness``).

Functions here flush, never commit (see ``operations``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..audit.operations import record_event
from ..errors import CharterStateError, ConflictError, Forbidden, NotFound, ValidationError
from ..extensions import db
from ..models import (
    COMMITMENT_FIELDS,
    Charter,
    CharterStatus,
    Commitment,
    Expectation,
    ExpectationStatus,
    Proposal,
    ProposalStatus,
    User,
    measure_columns,
)
from ..permissions import can_edit
from ..timeutil import utcnow
from ..validation import clean_text
from . import telling
from .history import record_revision
from .operations import TEXT_MAX, _touch, clean_commitment_fields, ensure_editable, lock_charter
from .ownership import acting_for, clear_agreement, ensure_owner, may_act_for, set_agreement

REASON_MAX = 2000


def _event(actor: User, object_type: str, object_id: int, charter: Charter, data, now) -> None:
    record_event(
        "edited",
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        charter_id=charter.id,
        data=data,
        now=now,
    )


def _check_version(seen: Any, current: int, message: str) -> None:
    if seen is None:
        return
    if isinstance(seen, bool) or not isinstance(seen, int):
        raise ValidationError(_("lock_version must be a whole number."), field="lock_version")
    if seen != current:
        raise ConflictError(message, details={"current_lock_version": current})


def _reason(value: Any, field_name: str = "reason") -> str:
    return clean_text(value, field_name=field_name, required=True, max_length=REASON_MAX)


# ---------------------------------------------------------------- expectations


def get_expectation(expectation_id: int) -> Expectation:
    expectation = db.session.get(Expectation, expectation_id)
    if expectation is None:
        raise NotFound(_("No such expectation."))
    return expectation


def add_expectation(
    actor: User,
    charter: Charter,
    *,
    text: Any,
    customer_reason: Any,
    from_department_id: Any = None,
    now: datetime | None = None,
    drafted_from: str | None = None,
) -> Expectation:
    """Say what the actor's department expects of the other side (open until answered)."""
    now = now or utcnow()
    ensure_editable(actor, charter)
    if drafted_from:  # ``starters``: drafted for the asking side (it may reword or withdraw it)
        side = from_department_id
        as_admin = acting_for(actor, charter, charter.other_department_id(side))[1]
    else:
        side, as_admin = acting_for(actor, charter, from_department_id)
    marks = {"drafted_from": drafted_from} if drafted_from else {}
    text = clean_text(text, field_name="text", required=True, max_length=TEXT_MAX)
    customer_reason = clean_text(
        customer_reason, field_name="customer_reason", required=True, max_length=TEXT_MAX
    )
    charter = lock_charter(charter)
    last = db.session.scalar(
        select(func.max(Expectation.position)).where(Expectation.charter_id == charter.id)
    )
    expectation = Expectation(
        charter_id=charter.id,
        from_department_id=side,
        to_department_id=charter.other_department_id(side),
        text=text,
        customer_reason=customer_reason,
        status=ExpectationStatus.OPEN,
        position=(last or 0) + 1,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(expectation)
    _touch(charter, actor, now)
    db.session.flush()
    record_revision(
        charter, actor, "expectation_added", text, now, obj=("expectation", expectation.id)
    )
    _event(
        actor,
        "expectation",
        expectation.id,
        charter,
        {"change": "added", **({"as_admin": True} if as_admin else {}), **marks},
        now,
    )
    telling.expectation_added(charter, expectation, actor, now)
    return expectation


def update_expectation(
    actor: User,
    expectation: Expectation,
    data: dict[str, Any],
    seen_lock_version: Any = None,
    now: datetime | None = None,
) -> Expectation:
    """The asking side rewords its expectation; an answer to the old wording is open again."""
    now = now or utcnow()
    charter = db.session.get(Charter, expectation.charter_id)
    ensure_editable(actor, charter)
    allowed, as_admin = may_act_for(actor, expectation.from_department_id)
    if not allowed:
        raise Forbidden(_("Only the department that expects this can reword it."))
    if expectation.status == ExpectationStatus.WITHDRAWN:
        raise CharterStateError(
            _("This expectation was withdrawn."), details={"status": "withdrawn"}
        )
    charter = lock_charter(charter)
    _check_version(
        seen_lock_version,
        expectation.lock_version,
        _("Someone else changed this expectation since you read it."),
    )
    changed = []
    for name in ("text", "customer_reason"):
        if name in data:
            value = clean_text(data[name], field_name=name, required=True, max_length=TEXT_MAX)
            if value != getattr(expectation, name):
                setattr(expectation, name, value)
                changed.append(name)
    if not changed:
        return expectation
    if expectation.status != ExpectationStatus.OPEN:
        expectation.status = ExpectationStatus.OPEN
        expectation.answers = []
        expectation.decline_reason = None
    expectation.lock_version += 1
    expectation.updated_at = now
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        "expectation_updated",
        expectation.text,
        now,
        obj=("expectation", expectation.id),
    )
    _event(
        actor, "expectation", expectation.id, charter, {"change": "updated", "fields": changed}, now
    )
    return expectation


def _answers(charter: Charter, expectation: Expectation, commitment_ids: Any) -> list[Commitment]:
    if not isinstance(commitment_ids, list) or not commitment_ids:
        raise ValidationError(
            _("Choose at least one of your commitments that answers this expectation."),
            field="commitment_ids",
        )
    if any(isinstance(i, bool) or not isinstance(i, int) for i in commitment_ids):
        raise ValidationError(_("Commitment ids are whole numbers."), field="commitment_ids")
    mine = {c.id: c for c in charter.commitments_by(expectation.to_department_id)}
    unknown = [i for i in commitment_ids if i not in mine]
    if unknown:
        raise ValidationError(
            _("An expectation is answered by commitments of the department it is addressed to."),
            field="commitment_ids",
            details={"unknown_commitment_ids": unknown},
        )
    return [mine[i] for i in dict.fromkeys(commitment_ids)]


def decide_expectation(
    actor: User,
    expectation: Expectation,
    status: Any,
    *,
    commitment_ids: Any = None,
    reason: Any = None,
    seen_lock_version: Any = None,
    now: datetime | None = None,
) -> Expectation:
    """Answer (with commitments) or decline (with a reason) an expectation addressed to the
    actor's side, or withdraw one the actor's side asked."""
    now = now or utcnow()
    charter = db.session.get(Charter, expectation.charter_id)
    ensure_editable(actor, charter)
    was_ready = _ready(charter)
    try:
        status = ExpectationStatus(status)
    except ValueError:
        raise ValidationError(
            _("The status is answered, declined or withdrawn."), field="status"
        ) from None
    if status == ExpectationStatus.OPEN:
        raise ValidationError(_("The status is answered, declined or withdrawn."), field="status")
    side = (
        expectation.from_department_id
        if status == ExpectationStatus.WITHDRAWN
        else expectation.to_department_id
    )
    allowed, as_admin = may_act_for(actor, side)
    if not allowed:
        raise Forbidden(
            _("Only the department that asked can withdraw an expectation.")
            if status == ExpectationStatus.WITHDRAWN
            else _("Only the department it is addressed to can answer or decline an expectation.")
        )
    if expectation.status == ExpectationStatus.WITHDRAWN:
        raise CharterStateError(
            _("This expectation was withdrawn."), details={"status": "withdrawn"}
        )
    charter = lock_charter(charter)
    _check_version(
        seen_lock_version,
        expectation.lock_version,
        _("Someone else changed this expectation since you read it."),
    )
    if status == ExpectationStatus.ANSWERED:
        expectation.answers = _answers(charter, expectation, commitment_ids)
        expectation.decline_reason = None
    elif status == ExpectationStatus.DECLINED:
        expectation.decline_reason = _reason(reason)
        expectation.answers = []
    else:
        expectation.answers = []
    expectation.status = status
    expectation.decided_by_id = actor.id
    expectation.decided_at = now
    expectation.decided_as_admin = as_admin
    expectation.lock_version += 1
    expectation.updated_at = now
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        f"expectation_{status.value}",
        expectation.text,
        now,
        obj=("expectation", expectation.id),
    )
    _event(
        actor,
        "expectation",
        expectation.id,
        charter,
        {"change": status.value, **({"as_admin": True} if as_admin else {})},
        now,
    )
    telling.expectation_decided(charter, expectation, actor, now)
    telling.became_ready(charter, actor, was_ready, _ready(charter), now)
    return expectation


# ---------------------------------------------------------------- proposals


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("No such proposal."))
    return proposal


def propose_change(
    actor: User,
    commitment: Commitment,
    changes: Any,
    *,
    now: datetime | None = None,
) -> Proposal:
    """The side that does not provide ``commitment`` proposes new values for some fields."""
    now = now or utcnow()
    charter = commitment.charter
    ensure_editable(actor, charter)
    side = charter.other_department_id(commitment.provider_department_id)
    allowed, as_admin = may_act_for(actor, side)
    if not allowed:
        raise Forbidden(
            _("This commitment is your department's: change it directly instead of proposing.")
        )
    if not isinstance(changes, dict) or not changes:
        raise ValidationError(_("Say which fields you propose to change."), field="changes")
    unknown = sorted(set(changes) - set(COMMITMENT_FIELDS))
    if unknown:
        raise ValidationError(
            _("These fields cannot be proposed: %(names)s.", names=", ".join(unknown)),
            field="changes",
            details={"unknown_fields": unknown},
        )
    cleaned = clean_commitment_fields(changes, partial=True)
    cleaned = {k: v for k, v in cleaned.items() if getattr(commitment, k) != v}
    if not cleaned:
        raise ValidationError(
            _("The proposal changes nothing: every value is already the current one."),
            field="changes",
        )
    charter = lock_charter(charter)
    for earlier in commitment.open_proposals:
        if earlier.from_department_id == side:
            earlier.status = ProposalStatus.SUPERSEDED
            earlier.decided_by_id = actor.id
            earlier.decided_at = now
    proposal = Proposal(
        commitment_id=commitment.id,
        charter_id=charter.id,
        from_department_id=side,
        author_id=actor.id,
        author_as_admin=as_admin,
        changes=cleaned,
        base={k: getattr(commitment, k) for k in cleaned},
        status=ProposalStatus.OPEN,
        created_at=now,
    )
    db.session.add(proposal)
    # Proposing a change says this side does not agree to the text as it is.
    clear_agreement(commitment, side)
    _touch(charter, actor, now)
    db.session.flush()
    record_revision(
        charter, actor, "proposal_made", commitment.title, now, obj=("commitment", commitment.id)
    )
    _event(
        actor,
        "proposal",
        proposal.id,
        charter,
        {"change": "proposed", "fields": sorted(cleaned)},
        now,
    )
    telling.proposal_made(charter, proposal, actor, now)
    return proposal


def _open_proposal(actor: User, proposal: Proposal) -> tuple[Charter, bool]:
    commitment = proposal.commitment
    charter = commitment.charter
    ensure_editable(actor, charter)
    as_admin = ensure_owner(actor, commitment)
    if not proposal.is_open:
        raise CharterStateError(
            _("This proposal is no longer open."), details={"status": proposal.status.value}
        )
    return lock_charter(charter), as_admin


def accept_proposal(actor: User, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """The owner takes the proposed values: both sides then agree to the new text."""
    now = now or utcnow()
    charter, as_admin = _open_proposal(actor, proposal)
    was_ready = _ready(charter)
    commitment = proposal.commitment
    moved = sorted(k for k, v in proposal.base.items() if getattr(commitment, k) != v)
    if moved:
        raise ConflictError(
            _(
                "The commitment changed since this proposal was made (%(names)s): look at it "
                "again before accepting.",
                names=", ".join(moved),
            ),
            details={"current_lock_version": commitment.lock_version, "fields": moved},
        )
    db.session.execute(
        update(Commitment)
        .where(Commitment.id == commitment.id)
        .values(
            **proposal.changes,
            **measure_columns(proposal.changes),
            lock_version=Commitment.lock_version + 1,
            updated_at=now,
            updated_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(commitment)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    proposal.decided_as_admin = as_admin
    for agreement in list(commitment.agreements):
        commitment.agreements.remove(agreement)
    author = db.session.get(User, proposal.author_id) if proposal.author_id else None
    set_agreement(commitment, author, proposal.from_department_id, proposal.author_as_admin, now)
    set_agreement(commitment, actor, commitment.provider_department_id, as_admin, now)
    for other in commitment.open_proposals:
        if any(getattr(commitment, k) != v for k, v in other.base.items()):
            other.status = ProposalStatus.SUPERSEDED
            other.decided_at = now
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        "proposal_accepted",
        commitment.title,
        now,
        obj=("commitment", commitment.id),
    )
    _event(actor, "proposal", proposal.id, charter, {"change": "accepted"}, now)
    telling.proposal_decided(charter, proposal, actor, now)
    telling.became_ready(charter, actor, was_ready, _ready(charter), now)
    return proposal


def reject_proposal(
    actor: User, proposal: Proposal, reason: Any, now: datetime | None = None
) -> Proposal:
    """The owner keeps the text, saying why."""
    now = now or utcnow()
    charter, as_admin = _open_proposal(actor, proposal)
    proposal.reason = _reason(reason)
    proposal.status = ProposalStatus.REJECTED
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    proposal.decided_as_admin = as_admin
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        "proposal_rejected",
        proposal.commitment.title,
        now,
        obj=("commitment", proposal.commitment_id),
    )
    _event(actor, "proposal", proposal.id, charter, {"change": "rejected"}, now)
    telling.proposal_decided(charter, proposal, actor, now)
    return proposal


def withdraw_proposal(actor: User, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """The proposing side takes its proposal back."""
    now = now or utcnow()
    charter = proposal.commitment.charter
    ensure_editable(actor, charter)
    allowed, _as_admin = may_act_for(actor, proposal.from_department_id)
    if not allowed:
        raise Forbidden(_("Only the department that proposed it can withdraw a proposal."))
    if not proposal.is_open:
        raise CharterStateError(
            _("This proposal is no longer open."), details={"status": proposal.status.value}
        )
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        "proposal_withdrawn",
        proposal.commitment.title,
        now,
        obj=("commitment", proposal.commitment_id),
    )
    return proposal


# ---------------------------------------------------------------- agreement


def agree(
    actor: User,
    commitment: Commitment,
    seen_lock_version: Any,
    *,
    department_id: Any = None,
    agreed: bool = True,
    now: datetime | None = None,
) -> Commitment:
    """The actor's side agrees to the commitment's text as read (``seen_lock_version``), or
    takes its agreement back (``agreed=False``)."""
    now = now or utcnow()
    charter = commitment.charter
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    if charter.status != CharterStatus.DRAFT:
        raise CharterStateError(
            _("Commitments are agreed while the charter is a draft."),
            details={"status": charter.status.value},
        )
    if seen_lock_version is None:
        raise ValidationError(_("lock_version is required."), field="lock_version")
    side, as_admin = acting_for(actor, charter, department_id)
    charter = lock_charter(charter)
    db.session.refresh(commitment)
    _check_version(
        seen_lock_version,
        commitment.lock_version,
        _("This commitment changed since you read it: read it again before agreeing."),
    )
    was_ready = _ready(charter)
    if agreed:
        set_agreement(commitment, actor, side, as_admin, now)
    elif not clear_agreement(commitment, side):
        return commitment
    _touch(charter, actor, now)
    db.session.flush()
    record_revision(
        charter,
        actor,
        "commitment_agreed" if agreed else "agreement_withdrawn",
        commitment.title,
        now,
        obj=("commitment", commitment.id),
    )
    _event(
        actor,
        "commitment",
        commitment.id,
        charter,
        {
            "change": "agreed" if agreed else "disagreed",
            "department_id": side,
            **({"as_admin": True} if as_admin else {}),
        },
        now,
    )
    telling.became_ready(charter, actor, was_ready, _ready(charter), now)
    return commitment


# ---------------------------------------------------------------- readiness


@dataclass
class Readiness:
    """What still stands between a draft and its submission, from the negotiation's side."""

    open_expectations: list[Expectation] = field(default_factory=list)
    unagreed_commitments: list[Commitment] = field(default_factory=list)
    open_proposals: list[Proposal] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.open_expectations and not self.unagreed_commitments

    @property
    def details(self) -> dict[str, list[int]]:
        return {
            "open_expectations": [e.id for e in self.open_expectations],
            "unagreed_commitments": [c.id for c in self.unagreed_commitments],
        }


def _ready(charter: Charter) -> bool:
    """Whether the draft has commitments and nothing of the negotiation blocks its submission."""
    return bool(charter.commitments) and readiness(charter).is_ready


def readiness(charter: Charter) -> Readiness:
    """Open expectations, commitments not agreed by both, proposals awaiting an answer."""
    return Readiness(
        open_expectations=[e for e in charter.expectations if e.is_open],
        unagreed_commitments=[c for c in charter.commitments if not c.is_agreed],
        open_proposals=[p for c in charter.commitments for p in c.open_proposals],
    )
