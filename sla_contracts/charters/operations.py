"""Charter workflows: drafting, commitments and comments (history: ``history.py``).

Functions here flush, never commit: the view, API call or command commits once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import events
from ..audit.operations import record_event
from ..errors import (
    CharterStateError,
    ConflictError,
    Forbidden,
    NotFound,
    NotOwner,
    ValidationError,
)
from ..extensions import db
from ..models import (
    DEFAULT_TERM,
    REVIEW_CADENCES,
    Charter,
    CharterStatus,
    Comment,
    Commitment,
    CustomerCriterion,
    Department,
    ExpectationStatus,
    ProposalStatus,
    User,
    measure_columns,
)
from ..permissions import can_edit, is_head_of
from ..timeutil import utcnow
from ..validation import clean_text
from . import editing, prerequisites, telling
from .balance import Balance, balance  # noqa: F401 - re-exported: callers use ops.balance
from .history import record_revision
from .measure_fields import clean_measure_fields
from .ownership import agree_as_author, ensure_owner, may_act_for, set_agreement
from .terms import clean_term
from .visits import mark_visited  # noqa: F401 - re-exported: callers use ops.mark_visited

TITLE_MAX = 200
TEXT_MAX = 4000
COMMENT_MAX = 4000

# Field limits shared by forms, the API and the services.
COMMITMENT_LIMITS: dict[str, tuple[bool, int]] = {
    # name: (required, max length)
    "title": (True, 200),
    "service_standard": (True, TEXT_MAX),
    "indicator": (True, 200),
    "target": (True, 64),
    "unit": (True, 32),
    "measurement_method": (False, TEXT_MAX),
    "measurement_frequency": (False, 64),
    "customer_impact": (True, TEXT_MAX),
}


# ---------------------------------------------------------------- validation


def clean_commitment_fields(data: dict[str, Any], *, partial: bool = False) -> dict[str, str]:
    """Validate commitment fields; with ``partial``, only those present."""
    cleaned: dict[str, str] = {}
    for name, (required, max_length) in COMMITMENT_LIMITS.items():
        if partial and name not in data:
            continue
        cleaned[name] = clean_text(
            data.get(name), field_name=name, required=required, max_length=max_length
        )
    return cleaned


def _department(department_id: Any, field_name: str) -> Department:
    if not isinstance(department_id, int) or isinstance(department_id, bool):
        raise ValidationError(_("Choose a department."), field=field_name)
    department = db.session.get(Department, department_id)
    if department is None:
        raise ValidationError(_("This department does not exist."), field=field_name)
    if department.is_archived:
        raise ValidationError(_("This department is archived."), field=field_name)
    return department


def _criterion(criterion_id: Any) -> CustomerCriterion:
    if not isinstance(criterion_id, int) or isinstance(criterion_id, bool):
        raise ValidationError(_("Choose an end-customer criterion."), field="criterion_id")
    criterion = db.session.get(CustomerCriterion, criterion_id)
    if criterion is None:
        raise ValidationError(_("This criterion does not exist."), field="criterion_id")
    if criterion.is_archived:
        raise ValidationError(_("This criterion is archived."), field="criterion_id")
    return criterion


def _cadence(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in REVIEW_CADENCES:
        raise ValidationError(
            _("The review cadence must be 1, 3, 6 or 12 months."), field="review_cadence_months"
        )
    return value


# ---------------------------------------------------------------- locking helpers


def lock_charter(charter: Charter) -> Charter:
    """Take the charter's row lock for this transaction (serialises writers on PostgreSQL)."""
    return db.session.execute(
        select(Charter)
        .where(Charter.id == charter.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def ensure_editable(actor: User, charter: Charter, now: datetime | None = None) -> None:
    """Refuse a change unless ``actor`` may edit and the charter is a draft.

    A charter awaiting signatures goes back to draft first: its frozen version and any
    signature already given are voided (the signer is told), then the change proceeds.
    """
    if not can_edit(actor, charter):
        raise Forbidden(_("Only the heads of the two departments can change this charter."))
    if charter.status == CharterStatus.AWAITING_SIGNATURES:
        charter = lock_charter(charter)
        if charter.status == CharterStatus.AWAITING_SIGNATURES:
            # Signing voids the frozen version and its signatures (and tells the signer).
            events.publish(
                events.SUBMITTED_CHARTER_EDITED, charter=charter, actor=actor, now=now or utcnow()
            )
    if charter.status != CharterStatus.DRAFT:
        raise CharterStateError(
            _("This charter is not a draft any more: it cannot be changed."),
            details={"status": charter.status.value},
        )


def _touch(charter: Charter, actor: User, now: datetime) -> None:
    charter.updated_at = now
    charter.last_activity_by_id = actor.id


# ---------------------------------------------------------------- charters


def create_charter(
    actor: User,
    *,
    title: Any,
    department_a_id: Any,
    department_b_id: Any,
    criterion_id: Any,
    review_cadence_months: Any,
    term_months: Any = DEFAULT_TERM,
    now: datetime | None = None,
) -> Charter:
    """Open a draft between two departments; the actor must head one of them (or be admin)."""
    now = now or utcnow()
    title = clean_text(title, field_name="title", required=True, max_length=TITLE_MAX)
    dept_a = _department(department_a_id, "department_a_id")
    dept_b = _department(department_b_id, "department_b_id")
    if dept_a.id == dept_b.id:
        raise ValidationError(
            _("A charter is between two different departments."), field="department_b_id"
        )
    criterion = _criterion(criterion_id)
    cadence = _cadence(review_cadence_months)
    term = clean_term(term_months)
    if not actor.is_admin and not (is_head_of(actor, dept_a.id) or is_head_of(actor, dept_b.id)):
        raise Forbidden(_("Only a head of one of the two departments can open this charter."))
    charter = Charter(
        title=title,
        department_a=dept_a,
        department_b=dept_b,
        criterion=criterion,
        review_cadence_months=cadence,
        term_months=term,
        status=CharterStatus.DRAFT,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        last_activity_by_id=actor.id,
    )
    db.session.add(charter)
    db.session.flush()
    record_revision(charter, actor, "created", title, now)
    record_event(
        "created",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={"title": title},
        now=now,
    )
    telling.draft_opened(charter, actor, now)
    return charter


def update_charter(
    actor: User,
    charter: Charter,
    seen_lock_version: Any,
    data: dict[str, Any],
    now: datetime | None = None,
    *,
    base: dict[str, Any] | None = None,
    overriding: Collection[str] = (),
) -> Charter:
    """Change a draft's title, criterion, cadence or term, unless changed since it was read.

    With ``base`` (the values the person's form was opened with), merge instead: see
    ``editing.merge_edit`` (EditConflict only for a field both changed).
    """
    now = now or utcnow()
    ensure_editable(actor, charter)
    if isinstance(seen_lock_version, bool) or not isinstance(seen_lock_version, int):
        raise ValidationError(_("lock_version is required."), field="lock_version")
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = clean_text(
            data["title"], field_name="title", required=True, max_length=TITLE_MAX
        )
    if "criterion_id" in data:
        values["criterion_id"] = _criterion(data["criterion_id"]).id
    if "review_cadence_months" in data:
        values["review_cadence_months"] = _cadence(data["review_cadence_months"])
    if "term_months" in data:
        values["term_months"] = clean_term(data["term_months"])
    overridden: list[editing.Overridden] = []
    if base is not None:
        charter = lock_charter(charter)
        values, overridden = editing.merge_edit(
            charter, None, values, base, overriding, current_lock_version=charter.lock_version
        )
        if not values:
            return charter  # nothing of this save differs from what is saved: nothing to record
        seen_lock_version = charter.lock_version
    changed = sorted(name for name, value in values.items() if getattr(charter, name) != value)
    result = db.session.execute(
        update(Charter)
        .where(Charter.id == charter.id, Charter.lock_version == seen_lock_version)
        .values(
            **values,
            lock_version=seen_lock_version + 1,
            updated_at=now,
            last_activity_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(charter)
        raise ConflictError(
            _("Someone else changed this charter since you read it."),
            details={"current_lock_version": charter.lock_version},
        )
    db.session.refresh(charter)
    action = "charter_override" if overridden else "charter_updated"
    record_revision(charter, actor, action, ", ".join(changed), now)
    record_event(
        "edited",
        actor=actor,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={"fields": changed, **editing.overriding_data(overridden)},
        now=now,
    )
    return charter


# ---------------------------------------------------------------- commitments


def add_commitment(
    actor: User,
    charter: Charter,
    provider_department_id: Any,
    data: dict[str, Any],
    now: datetime | None = None,
    *,
    drafted_from: str | None = None,
) -> Commitment:
    """Add a commitment that ``provider_department_id`` makes to the other side.

    With ``drafted_from`` (a starter template or a copied charter, see ``starters``) the actor
    drafts it for the other side: the actor's side takes it as written, the provider still owns
    it and has not agreed to it.
    """
    now = now or utcnow()
    ensure_editable(actor, charter)
    if provider_department_id not in charter.department_ids or isinstance(
        provider_department_id, bool
    ):
        raise ValidationError(
            _("The provider must be one of the charter's two departments."),
            field="provider_department_id",
        )
    beneficiary = charter.other_department_id(provider_department_id)
    allowed, as_admin = may_act_for(
        actor, provider_department_id if drafted_from is None else beneficiary
    )
    if not allowed:
        raise NotOwner(
            _(
                "Each department writes the commitments it provides. To ask something of the "
                "other department, add an expectation."
            ),
            field="provider_department_id",
        )
    fields = {**clean_commitment_fields(data), **clean_measure_fields(data)}
    charter = lock_charter(charter)
    depends_on = prerequisites.clean(charter, provider_department_id, data.get("prerequisite_ids"))
    last = db.session.scalar(
        select(func.max(Commitment.position)).where(
            Commitment.charter_id == charter.id,
            Commitment.provider_department_id == provider_department_id,
        )
    )
    commitment = Commitment(
        charter_id=charter.id,
        provider_department_id=provider_department_id,
        position=(last or 0) + 1,
        created_at=now,
        updated_at=now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        **fields,
        **measure_columns(fields),
    )
    db.session.add(commitment)
    _touch(charter, actor, now)
    db.session.flush()
    prerequisites.replace(commitment, depends_on)
    if drafted_from is None:
        agree_as_author(commitment, actor, provider_department_id, as_admin, now)
    else:
        set_agreement(commitment, actor, beneficiary, as_admin, now)
    record_revision(
        charter, actor, "commitment_added", fields["title"], now, obj=("commitment", commitment.id)
    )
    record_event(
        "edited",
        actor=actor,
        object_type="commitment",
        object_id=commitment.id,
        charter_id=charter.id,
        data={
            "change": "added",
            **({"as_admin": True} if as_admin else {}),
            **({"drafted_from": drafted_from} if drafted_from else {}),
        },
        now=now,
    )
    telling.commitment_added(charter, commitment, actor, now)
    return commitment


def get_commitment(commitment_id: int) -> Commitment:
    """Load a commitment or raise NotFound (callers then check the charter's permissions)."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(_("No such commitment."))
    return commitment


def update_commitment(
    actor: User,
    commitment: Commitment,
    seen_lock_version: Any,
    data: dict[str, Any],
    now: datetime | None = None,
    *,
    base: dict[str, Any] | None = None,
    overriding: Collection[str] = (),
) -> Commitment:
    """Save a commitment unless saved since ``seen_lock_version`` (then ConflictError).

    With ``base`` (the values the person's form was opened with), merge instead: see
    ``editing.merge_edit`` (EditConflict only for a field both changed).
    """
    now = now or utcnow()
    charter = commitment.charter
    ensure_editable(actor, charter)
    as_admin = ensure_owner(actor, commitment)
    if isinstance(seen_lock_version, bool) or not isinstance(seen_lock_version, int):
        raise ValidationError(_("lock_version is required."), field="lock_version")
    fields: dict[str, Any] = {
        **clean_commitment_fields(data, partial=True),
        **clean_measure_fields(data, True),
    }
    charter = lock_charter(charter)
    if "prerequisite_ids" in data:  # the other side's commitments it depends on
        fields["prerequisite_ids"] = prerequisites.clean(
            charter, commitment.provider_department_id, data["prerequisite_ids"], commitment
        )
    overridden: list[editing.Overridden] = []
    if base is not None:
        db.session.refresh(commitment)  # what is saved now, read under the charter's lock
        fields, overridden = editing.merge_edit(
            charter,
            commitment,
            fields,
            base,
            overriding,
            current_lock_version=commitment.lock_version,
        )
        if not fields:
            return commitment  # nothing of this save differs from what is saved: nothing to record
        seen_lock_version = commitment.lock_version
    # What this save really changes (a form posts every field): the audit and history say it.
    changed = sorted(name for name, value in fields.items() if getattr(commitment, name) != value)
    depends_on = fields.pop("prerequisite_ids", None)
    result = db.session.execute(
        update(Commitment)
        .where(Commitment.id == commitment.id, Commitment.lock_version == seen_lock_version)
        .values(
            **fields,
            **measure_columns(fields),
            lock_version=seen_lock_version + 1,
            updated_at=now,
            updated_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(commitment)
        raise ConflictError(
            _("Someone else saved this commitment since you read it."),
            details={"current_lock_version": commitment.lock_version},
        )
    db.session.refresh(commitment)
    if depends_on is not None:
        prerequisites.replace(commitment, depends_on)
    if changed:
        agree_as_author(commitment, actor, commitment.provider_department_id, as_admin, now)
        # The owner's edit of a field an open proposal changes answers it (a counter-proposal);
        # a proposal on other fields stays open.
        for proposal in commitment.open_proposals:
            if not set(proposal.changes) & set(changed):
                continue
            proposal.status = ProposalStatus.SUPERSEDED
            proposal.decided_by_id = actor.id
            proposal.decided_at = now
    _touch(charter, actor, now)
    record_revision(
        charter,
        actor,
        "commitment_override" if overridden else "commitment_updated",
        commitment.title,
        now,
        obj=("commitment", commitment.id),
    )
    record_event(
        "edited",
        actor=actor,
        object_type="commitment",
        object_id=commitment.id,
        charter_id=charter.id,
        data={
            "change": "updated",
            "fields": changed,
            **({"as_admin": True} if as_admin else {}),
            **editing.overriding_data(overridden),
        },
        now=now,
    )
    if changed:
        telling.commitment_changed(charter, commitment, actor, now)
    return commitment


def delete_commitment(
    actor: User, commitment: Commitment, seen_lock_version: Any = None, now: datetime | None = None
) -> None:
    """Remove a commitment (refused if ``seen_lock_version`` is given and stale)."""
    now = now or utcnow()
    charter = commitment.charter
    ensure_editable(actor, charter)
    ensure_owner(actor, commitment)
    charter = lock_charter(charter)
    if seen_lock_version is not None and seen_lock_version != commitment.lock_version:
        raise ConflictError(
            _(
                "Someone else saved this commitment since you opened it; look at it again "
                "before removing it."
            ),
            details={"current_lock_version": commitment.lock_version},
        )
    title, cid = commitment.title, commitment.id
    db.session.execute(
        update(Comment).where(Comment.commitment_id == cid).values(commitment_id=None)
    )
    # An expectation it alone answered is open again.
    for expectation in charter.expectations:
        if commitment in expectation.answers:
            expectation.answers.remove(commitment)
            if not expectation.answers and expectation.status == ExpectationStatus.ANSWERED:
                expectation.status = ExpectationStatus.OPEN
                expectation.lock_version += 1
    prerequisites.forget(commitment)
    db.session.delete(commitment)
    _touch(charter, actor, now)
    db.session.flush()
    record_revision(charter, actor, "commitment_removed", title, now, obj=("commitment", cid))
    record_event(
        "edited",
        actor=actor,
        object_type="commitment",
        object_id=cid,
        charter_id=charter.id,
        data={"change": "removed"},
        now=now,
    )


def move_commitment(
    actor: User, commitment: Commitment, offset: int, now: datetime | None = None
) -> None:
    """Move a commitment up (-1) or down (+1) within its side."""
    now = now or utcnow()
    charter = commitment.charter
    ensure_editable(actor, charter)
    ensure_owner(actor, commitment)
    charter = lock_charter(charter)
    side = sorted(
        charter.commitments_by(commitment.provider_department_id), key=lambda c: (c.position, c.id)
    )
    index = side.index(commitment)
    target = index + offset
    if target < 0 or target >= len(side):
        return
    side[index], side[target] = side[target], side[index]
    for position, item in enumerate(side, start=1):
        if item.position != position:
            item.position = position
            item.lock_version += 1
    _touch(charter, actor, now)
    record_revision(
        charter, actor, "commitment_moved", commitment.title, now, obj=("commitment", commitment.id)
    )


# ---------------------------------------------------------------- comments


def add_comment(
    actor: User, charter: Charter, body: Any, commitment_id: Any = None, now: datetime | None = None
) -> Comment:
    """Comment on the charter or on one of its commitments; readers of the charter may comment."""
    now = now or utcnow()
    body = clean_text(body, field_name="body", required=True, max_length=COMMENT_MAX)
    commitment_title = None
    if commitment_id is not None:
        commitment = db.session.get(Commitment, commitment_id)
        if commitment is None or commitment.charter_id != charter.id:
            raise ValidationError(_("No such commitment in this charter."), field="commitment_id")
        commitment_title = commitment.title
    comment = Comment(
        charter_id=charter.id,
        commitment_id=commitment_id,
        commitment_title=commitment_title,
        author_id=actor.id,
        body=body,
        created_at=now,
    )
    db.session.add(comment)
    _touch(charter, actor, now)
    db.session.flush()
    telling.comment_posted(charter, comment, actor, now)
    return comment


def set_comment_resolved(
    actor: User, comment: Comment, resolved: bool, now: datetime | None = None
) -> Comment:
    """Mark a comment resolved (or open again): its author or a head of either side."""
    now = now or utcnow()
    charter = db.session.get(Charter, comment.charter_id)
    if comment.author_id != actor.id and not can_edit(actor, charter):
        raise Forbidden(_("Only the author or a head of either side can resolve this comment."))
    comment.resolved_at = now if resolved else None
    comment.resolved_by_id = actor.id if resolved else None
    _touch(charter, actor, now)
    db.session.flush()
    return comment
