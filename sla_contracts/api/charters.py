"""Charters, commitments, comments and history over the API.

People outside both departments get 404 on every charter, commitment and comment URL
(the object might as well not exist); members of either side read and get 403 on writes.

Other features enrich the charter JSON with ``add_charter_fields``: the signing feature
registers a function returning ``{"current_version": {...}}`` (null until then), and
documents it with ``openapi.add_properties("Charter", ...)`` (see ``charters_doc.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..charters import history
from ..charters import operations as ops
from ..charters.operations import COMMITMENT_LIMITS, TITLE_MAX
from ..errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..models import (
    COMMITMENT_FIELDS,
    REVIEW_CADENCES,
    Charter,
    CharterStanding,
    CharterStatus,
    Comment,
    Commitment,
    Department,
    Revision,
    User,
    standing,
    standings,
)
from ..permissions import can_edit, readable_charters
from ..permissions import get_charter as load_charter
from ..transaction import atomic
from .auth import location, require_api_user
from .blueprint import bp
from .directory import criterion_json, department_ref
from .validation import Field, path_id, query_int, read_json

CharterFields = Callable[[Charter], dict[str, Any]]
_charter_field_hooks: list[CharterFields] = []


def add_charter_fields(hook: CharterFields) -> None:
    """Let a feature add keys to ``GET /charters/{id}`` (e.g. ``current_version``)."""
    _charter_field_hooks.append(hook)


# ---------------------------------------------------------------- JSON shapes


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def commitment_json(commitment: Commitment, charter: Charter) -> dict[str, Any]:
    """Describe a commitment, with who provides it and who benefits."""
    return {
        "id": commitment.id,
        "charter_id": commitment.charter_id,
        "provider_department_id": commitment.provider_department_id,
        "beneficiary_department_id": charter.other_department_id(commitment.provider_department_id),
        "position": commitment.position,
        "lock_version": commitment.lock_version,
        **{name: getattr(commitment, name) for name in COMMITMENT_FIELDS},
        "created_at": _iso(commitment.created_at),
        "updated_at": _iso(commitment.updated_at),
    }


def balance_json(charter: Charter) -> dict[str, Any]:
    """How many commitments each side makes, and whether both sides commit."""
    balance = ops.balance(charter)
    return {
        "department_a": balance.count_a,
        "department_b": balance.count_b,
        "is_signable": balance.is_signable,
        "is_lopsided": balance.is_lopsided,
    }


def amendment_json(where: CharterStanding) -> dict[str, Any] | None:
    """The amendment in progress on a charter in force (None without one)."""
    if not where.is_amending:
        return None
    return {
        "version": where.amendment,
        "status": where.amendment_status.value,
        "version_in_force": where.in_force,
    }


def charter_summary(charter: Charter, user: User) -> dict[str, Any]:
    """Describe a charter without its commitments (for lists)."""
    where = standing(charter)
    return {
        "id": charter.id,
        "title": charter.title,
        # ``active`` while a signed version binds, also with an amendment in progress.
        "status": where.public_status.value,
        "amendment": amendment_json(where),
        "lock_version": charter.lock_version,
        "department_a_id": charter.department_a_id,
        "department_b_id": charter.department_b_id,
        "criterion_id": charter.criterion_id,
        "department_a": department_ref(charter.department_a),
        "department_b": department_ref(charter.department_b),
        "criterion": criterion_json(charter.criterion),
        "review_cadence_months": charter.review_cadence_months,
        "next_review_on": _iso(charter.next_review_on),
        "balance": balance_json(charter),
        "can_edit": can_edit(user, charter) and charter.is_editable,
        "created_at": _iso(charter.created_at),
        "updated_at": _iso(charter.updated_at),
    }


def charter_json(charter: Charter, user: User) -> dict[str, Any]:
    """Describe a charter with its commitments in both directions."""
    side = {charter.department_a_id: 0, charter.department_b_id: 1}
    commitments = sorted(
        charter.commitments, key=lambda c: (side[c.provider_department_id], c.position, c.id)
    )
    data = {
        **charter_summary(charter, user),
        "commitments": [commitment_json(c, charter) for c in commitments],
        "current_version": None,
    }
    for hook in _charter_field_hooks:
        data.update(hook(charter))
    return data


def comment_json(comment: Comment) -> dict[str, Any]:
    """Describe a comment and whether it is resolved."""
    return {
        "id": comment.id,
        "charter_id": comment.charter_id,
        "commitment_id": comment.commitment_id,
        "body": comment.body,
        "author": _person(comment.author),
        "created_at": _iso(comment.created_at),
        "resolved": comment.is_resolved,
        "resolved_at": _iso(comment.resolved_at),
        "resolved_by": _person(comment.resolved_by),
    }


def revision_json(revision: Revision) -> dict[str, Any]:
    """Describe a revision (who, when, what) without its snapshot."""
    return {
        "number": revision.number,
        "action": revision.action,
        "summary": revision.summary,
        "author": _person(revision.author),
        "created_at": _iso(revision.created_at),
    }


# ---------------------------------------------------------------- loading with permissions


def _charter_options():
    return (
        selectinload(Charter.commitments),
        selectinload(Charter.department_a),
        selectinload(Charter.department_b),
        selectinload(Charter.criterion),
    )


def _charter(user: User, charter_id: int, *, write: bool = False) -> Charter:
    """Load a charter: 404 to outsiders, 403 to readers when ``write``."""
    path_id(charter_id, _("No such charter."))
    return load_charter(user, charter_id, write=write)


def _full(charter: Charter) -> Charter:
    return db.session.scalars(
        select(Charter)
        .where(Charter.id == charter.id)
        .options(*_charter_options())
        .execution_options(populate_existing=True)
    ).one()


def _commitment(user: User, commitment_id: int, *, write: bool = False) -> Commitment:
    """Load a commitment through its charter's permissions (404 to outsiders)."""
    message = _("No such commitment.")
    path_id(commitment_id, message)
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(message)
    try:
        load_charter(user, commitment.charter_id, write=write)
    except NotFound:
        raise NotFound(message) from None
    return commitment


def _comment(user: User, comment_id: int) -> Comment:
    message = _("No such comment.")
    path_id(comment_id, message)
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(message)
    try:
        load_charter(user, comment.charter_id)
    except NotFound:
        raise NotFound(message) from None
    return comment


# ---------------------------------------------------------------- charters


def _department_filter(raw: str) -> int:
    """Resolve ``?department=`` given as an id or a short code."""
    department = None
    if raw.isascii() and raw.isdigit():
        if len(raw) <= 10:
            department = db.session.get(Department, int(raw)) if int(raw) < 2**31 else None
    elif len(raw) <= 16 and raw.isascii() and raw.replace("-", "").replace("_", "").isalnum():
        department = db.session.scalar(select(Department).where(Department.code == raw.upper()))
    if department is None:
        raise ValidationError(_("This department does not exist."), field="department")
    return department.id


@bp.get("/charters")
def list_charters():
    user = require_api_user()
    query = readable_charters(user).options(*_charter_options())
    status = request.args.get("status")
    if status:
        if status not in {s.value for s in CharterStatus}:
            raise ValidationError(
                _(
                    "Use one of: %(values)s.",
                    values=", ".join(s.value for s in CharterStatus),
                ),
                field="status",
            )
        # The filter matches the ``status`` answered: an amended charter in force is active.
        wanted = CharterStatus(status)
        stored = [wanted]
        if wanted == CharterStatus.ACTIVE:
            stored += [CharterStatus.DRAFT, CharterStatus.AWAITING_SIGNATURES]
        query = query.where(Charter.status.in_(stored))
    department = request.args.get("department")
    if department:
        department_id = _department_filter(department.strip())
        query = query.where(
            or_(Charter.department_a_id == department_id, Charter.department_b_id == department_id)
        )
    charters = db.session.scalars(
        query.order_by(Charter.updated_at.desc(), Charter.id.desc())
    ).all()
    marks = standings(charters)
    if status:
        charters = [c for c in charters if marks[c.id].public_status.value == status]
    return {"charters": [charter_summary(c, user) for c in charters]}


CHARTER_CREATE_FIELDS = {
    "title": Field("string", required=True, max_length=TITLE_MAX),
    "department_a_id": Field("integer", required=True, description="A side (you head it)"),
    "department_b_id": Field("integer", required=True, description="The other side"),
    "criterion_id": Field("integer", required=True, description="Shared end-customer criterion"),
    "review_cadence_months": Field("integer", required=True, enum=REVIEW_CADENCES),
}
CHARTER_UPDATE_FIELDS = {
    "lock_version": Field(
        "integer", required=True, description="The lock_version you read (409 if stale)"
    ),
    "title": Field("string", max_length=TITLE_MAX),
    "criterion_id": Field("integer"),
    "review_cadence_months": Field("integer", enum=REVIEW_CADENCES),
}


@bp.post("/charters")
def create_charter():
    user = require_api_user()
    data = read_json(CHARTER_CREATE_FIELDS)
    with atomic():
        charter = ops.create_charter(user, **data)
    return (
        charter_json(_full(charter), user),
        201,
        {"Location": location("get_charter", charter_id=charter.id)},
    )


@bp.get("/charters/<int:charter_id>")
def get_charter(charter_id: int):
    user = require_api_user()
    charter = _full(_charter(user, charter_id))
    return charter_json(charter, user)


@bp.patch("/charters/<int:charter_id>")
def update_charter(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id, write=True)
    data = read_json(CHARTER_UPDATE_FIELDS, require_change=True)
    seen = data.pop("lock_version")
    with atomic():
        try:
            ops.update_charter(user, charter, seen, data)
        except ConflictError as error:
            error.details["current"] = charter_json(_full(charter), user)
            raise
    return charter_json(_full(charter), user)


# ---------------------------------------------------------------- commitments

_COMMITMENT_TEXT = {
    name: Field("string", required=required, max_length=max_length)
    for name, (required, max_length) in COMMITMENT_LIMITS.items()
}
COMMITMENT_CREATE_FIELDS = {
    "provider_department_id": Field(
        "integer", required=True, description="The side that commits (one of the two)"
    ),
    **_COMMITMENT_TEXT,
}
COMMITMENT_UPDATE_FIELDS = {
    "lock_version": Field(
        "integer", required=True, description="The lock_version you read (409 if stale)"
    ),
    **{name: Field("string", max_length=f.max_length) for name, f in _COMMITMENT_TEXT.items()},
}


@bp.post("/charters/<int:charter_id>/commitments")
def add_commitment(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id, write=True)
    data = read_json(COMMITMENT_CREATE_FIELDS)
    provider = data.pop("provider_department_id")
    with atomic():
        commitment = ops.add_commitment(user, charter, provider, data)
    return commitment_json(commitment, commitment.charter), 201


@bp.patch("/commitments/<int:commitment_id>")
def update_commitment(commitment_id: int):
    user = require_api_user()
    commitment = _commitment(user, commitment_id, write=True)
    data = read_json(COMMITMENT_UPDATE_FIELDS, require_change=True)
    seen = data.pop("lock_version")
    with atomic():
        try:
            ops.update_commitment(user, commitment, seen, data)
        except ConflictError as error:
            error.details["current"] = commitment_json(commitment, commitment.charter)
            raise
    return commitment_json(commitment, commitment.charter)


@bp.delete("/commitments/<int:commitment_id>")
def delete_commitment(commitment_id: int):
    user = require_api_user()
    commitment = _commitment(user, commitment_id, write=True)
    seen = query_int("lock_version")
    with atomic():
        ops.delete_commitment(user, commitment, seen)
    return "", 204


MOVE_FIELDS = {
    "direction": Field(
        "string", required=True, enum=("up", "down"), description="Earlier or later in its side"
    )
}


@bp.post("/commitments/<int:commitment_id>/move")
def move_commitment(commitment_id: int):
    user = require_api_user()
    commitment = _commitment(user, commitment_id, write=True)
    data = read_json(MOVE_FIELDS)
    charter_id = commitment.charter_id
    with atomic():
        ops.move_commitment(user, commitment, -1 if data["direction"] == "up" else 1)
    return charter_json(_full(db.session.get(Charter, charter_id)), user)


# ---------------------------------------------------------------- history


@bp.get("/charters/<int:charter_id>/revisions")
def list_revisions(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.charter_id == charter.id)
        .options(selectinload(Revision.author))
        .order_by(Revision.number.desc())
    )
    return {"revisions": [revision_json(r) for r in revisions]}


@bp.get("/charters/<int:charter_id>/revisions/<int:number>")
def get_revision(charter_id: int, number: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    path_id(number, _("No such revision."))
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.charter_id == charter.id, Revision.number.in_((number - 1, number)))
        .options(selectinload(Revision.author))
    ).all()
    by_number = {r.number: r for r in revisions}
    revision = by_number.get(number)
    if revision is None:
        raise NotFound(_("No such revision."))
    previous = by_number.get(number - 1)
    changes = (
        asdict(history.diff_snapshots(previous.snapshot, revision.snapshot)) if previous else None
    )
    return {
        **revision_json(revision),
        "snapshot": revision.snapshot,
        "changes_since_previous": changes,
    }


# ---------------------------------------------------------------- comments

COMMENT_FIELDS = {
    "body": Field("string", required=True, max_length=ops.COMMENT_MAX),
    "commitment_id": Field(
        "integer", nullable=True, description="A commitment of this charter, or null"
    ),
}
COMMENT_UPDATE_FIELDS = {"resolved": Field("boolean", required=True)}


@bp.get("/charters/<int:charter_id>/comments")
def list_comments(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.charter_id == charter.id)
        .options(selectinload(Comment.author), selectinload(Comment.resolved_by))
        .order_by(Comment.created_at, Comment.id)
    )
    return {"comments": [comment_json(c) for c in comments]}


@bp.post("/charters/<int:charter_id>/comments")
def add_comment(charter_id: int):
    user = require_api_user()
    charter = _charter(user, charter_id)
    data = read_json(COMMENT_FIELDS)
    with atomic():
        comment = ops.add_comment(user, charter, data["body"], data.get("commitment_id"))
    return comment_json(comment), 201


@bp.patch("/comments/<int:comment_id>")
def update_comment(comment_id: int):
    user = require_api_user()
    comment = _comment(user, comment_id)
    data = read_json(COMMENT_UPDATE_FIELDS)
    with atomic():
        ops.set_comment_resolved(user, comment, data["resolved"])
    return comment_json(comment)
