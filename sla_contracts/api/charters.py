"""Charters, commitments, comments and history over the API, each shape declared once.

People outside both departments get 404 on every charter, commitment and comment URL
(the object might as well not exist), whatever they send: ``auth.loads`` finds the object of
the path for the caller before the body or the query string is read. Members of either
side read, and get 403 on writes; heads of either side (or an administrator) write, each
side its own commitments (403 ``not_owner`` otherwise: the co-writing endpoints of
``negotiation.py`` propose a change instead).

The shapes (schemas and examples) are in ``charter_schemas.py``; the charter JSON carries
``current_version`` and ``pending_version`` as fields of ``CharterSchema``, like any other.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..charters import operations as ops
from ..charters.operations import COMMITMENT_LIMITS
from ..errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..models import (
    Charter,
    CharterStatus,
    Comment,
    Commitment,
    Department,
    Expectation,
    Revision,
    User,
    has_public_status,
    standings,
)
from ..permissions import get_charter as load_charter
from ..permissions import readable_charters
from ..transaction import atomic
from .auth import loads, location, require_api_user
from .blueprint import bp, links, operation
from .charter_schemas import (
    CHARTER_EXAMPLE,
    CHARTER_SUMMARY_EXAMPLE,
    COMMENT_EXAMPLE,
    COMMITMENT_EXAMPLE,
    COMMITMENT_TEXT_EXAMPLE,
    REVISION_EXAMPLE,
    CharterArgs,
    CharterCreateSchema,
    CharterPage,
    CharterSchema,
    CharterUpdateSchema,
    CommentCreateSchema,
    CommentPage,
    CommentSchema,
    CommentUpdateSchema,
    CommitmentCreateSchema,
    CommitmentSchema,
    CommitmentUpdateSchema,
    MoveSchema,
    RevisionPage,
    RevisionSchema,
    VersionBodySchema,
)
from .etags import if_match, require_change, seen_version, versioned
from .negotiation_schemas import NEW_DRAFT_EXAMPLE
from .pages import page_query
from .schemas import PageArgs, path_id

WHO_READS = "members of either department (or an administrator); others get 404"
WHO_WRITES = (
    "heads of either department (or an administrator); members of either department "
    "get 403; others get 404"
)
WHO_OWNS = (
    "heads of the department that provides the commitment (or an administrator, recorded as "
    "such); heads of the other side get 403 not_owner (they propose a change instead), "
    "members 403; others get 404"
)
NOT_OWNER = {403: "code not_owner: the commitment is the other department's"}


# ---------------------------------------------------------------- loading with permissions


def _charter_options():
    # Statements per page stay the same for any number of charters.
    return (
        selectinload(Charter.commitments),
        joinedload(Charter.department_a),
        joinedload(Charter.department_b),
        joinedload(Charter.criterion),
    )


def _detail_options():
    # The detail adds each line's agreements, proposals, authors, and the expectations.
    lines, asked = selectinload(Charter.commitments), selectinload(Charter.expectations)
    return (
        joinedload(Charter.department_a),
        joinedload(Charter.department_b),
        joinedload(Charter.criterion),
        lines.selectinload(Commitment.agreements),
        lines.selectinload(Commitment.proposals),
        lines.selectinload(Commitment.prerequisites),
        lines.joinedload(Commitment.created_by),
        lines.joinedload(Commitment.updated_by),
        asked.selectinload(Expectation.answers),
        asked.joinedload(Expectation.created_by),
        asked.joinedload(Expectation.decided_by),
    )


def _charter(user: User, charter_id: int, *, write: bool = False) -> Charter:
    """Load a charter: 404 to outsiders, 403 to readers when ``write``."""
    path_id(charter_id, _("No such charter."))
    return load_charter(user, charter_id, write=write)


def _full(charter: Charter) -> Charter:
    return db.session.scalars(
        select(Charter)
        .where(Charter.id == charter.id)
        .options(*_detail_options())
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


def _comment(user: User, comment_id: int, *, write: bool = False) -> Comment:
    """Load a comment for a reader of its charter (who may resolve it: the service says)."""
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


def _charter_dump(charter: Charter) -> dict[str, Any]:
    """The charter as ``GET /charters/{id}`` answers it (to compare with If-Match)."""
    return CharterSchema().dump(_full(charter))


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "lock_version"}


# ---------------------------------------------------------------- charters


def _department_filter(raw: str) -> int:
    """Resolve ``?department=`` given as an id or a short code."""
    department = None
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():
        if len(raw) <= 10 and int(raw) < 2**31:
            department = db.session.get(Department, int(raw))
    elif len(raw) <= 16 and raw.isascii() and raw.replace("-", "").replace("_", "").isalnum():
        department = db.session.scalar(select(Department).where(Department.code == raw.upper()))
    if department is None:
        message = _("This department does not exist.")
        raise ValidationError(
            message, field="department", details={"errors": {"department": [message]}}
        )
    return department.id


@bp.get("/charters")
@operation(
    "The charters the caller may see, newest first",
    who="anyone signed in: administrators see every charter, others the charters of their "
    "departments",
    tag="charters",
    errors=(422,),
)
@bp.arguments(CharterArgs, location="query")
@bp.response(
    200, CharterPage, example={"charters": [CHARTER_SUMMARY_EXAMPLE], "next": None, "total": 1}
)
def list_charters(args):
    user = require_api_user()
    query = readable_charters(user).options(*_charter_options())
    if args.get("status"):
        query = query.where(has_public_status(CharterStatus(args["status"])))
    if args.get("department"):
        department_id = _department_filter(args["department"])
        query = query.where(
            or_(Charter.department_a_id == department_id, Charter.department_b_id == department_id)
        )
    page = page_query(query, Charter.id, args, "charters")
    standings(page["charters"])  # one query for the page's statuses
    return page


_NEW_CHARTER = {"charter_id": "$response.body#/id"}
_NEW_COMMITMENT = {"commitment_id": "$response.body#/id"}


@bp.post("/charters")
@operation(
    "Open a draft between two departments",
    who="a head of one of the two departments (or an administrator); others get 403",
    tag="charters",
    errors=(400, 403, 422),
)
@versioned
@bp.arguments(
    CharterCreateSchema,
    example={
        "title": "Logistique ⇄ Magasins",
        "department_a_id": 1,
        "department_b_id": 2,
        "criterion_id": 1,
        "review_cadence_months": 3,
    },
)
@bp.response(
    201,
    CharterSchema,
    description="The new draft (Location: its URL)",
    example={**CHARTER_EXAMPLE, **NEW_DRAFT_EXAMPLE, "lock_version": 1},
)
@links(
    201,
    GetCharter={"operationId": "get_charter", "parameters": _NEW_CHARTER},
    UpdateCharter={
        "operationId": "update_charter",
        "parameters": _NEW_CHARTER,
        "requestBody": {"lock_version": "$response.body#/lock_version"},
    },
    AddCommitment={"operationId": "add_commitment", "parameters": _NEW_CHARTER},
    ListComments={"operationId": "list_comments", "parameters": _NEW_CHARTER},
    ListRevisions={"operationId": "list_revisions", "parameters": _NEW_CHARTER},
)
def create_charter(data):
    user = require_api_user()
    with atomic():
        charter = ops.create_charter(user, **data)
    return _full(charter), 201, {"Location": location("get_charter", charter_id=charter.id)}


@bp.get("/charters/<int:charter_id>")
@operation(
    "A charter with its commitments in both directions",
    who=WHO_READS,
    tag="charters",
    errors=(404,),
)
@versioned
@loads("charter", _charter)
@bp.response(200, CharterSchema, example=CHARTER_EXAMPLE)
@links(
    200,
    UpdateCharterIfMatch={
        "operationId": "update_charter",
        "parameters": {
            "charter_id": "$request.path.charter_id",
            "header.If-Match": "$response.header.ETag",
        },
    },
)
def get_charter(charter):
    return _full(charter)


@bp.patch("/charters/<int:charter_id>")
@operation(
    "Change a draft's title, criterion or review cadence",
    who=WHO_WRITES,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the lock_version you read (or its ETag as If-Match): if someone saved "
    "since, 409 conflict with details.current_lock_version and details.current; nothing is "
    "changed.",
)
@versioned
@if_match
@loads("charter", _charter, write=True)
@bp.arguments(CharterUpdateSchema, example={"lock_version": 4, "title": "Nouveau titre"})
@bp.response(
    200,
    CharterSchema,
    description="The charter after the change",
    example={**CHARTER_EXAMPLE, "title": "Nouveau titre", "lock_version": 5},
)
def update_charter(data, charter):
    user = require_api_user()
    require_change(
        _changes(data), ["title", "criterion_id", "review_cadence_months", "term_months"]
    )
    seen = seen_version(data, current=lambda: _charter_dump(charter))
    with atomic():
        try:
            ops.update_charter(user, charter, seen, data)
        except ConflictError as error:
            error.details["current"] = _charter_dump(charter)
            raise
    return _full(charter)


# ---------------------------------------------------------------- commitments


@bp.post("/charters/<int:charter_id>/commitments")
@operation(
    "Add a commitment on one side of a draft",
    who=WHO_OWNS.replace("provides the commitment", "commits (provider_department_id)"),
    codes=NOT_OWNER,
    tag="charters",
    errors=(400, 403, 404, 409, 422),
    description="provider_department_id is the side that commits; its side agrees to it.",
)
@versioned
@loads("charter", _charter, write=True)
@bp.arguments(
    CommitmentCreateSchema, example={"provider_department_id": 1, **COMMITMENT_TEXT_EXAMPLE}
)
@bp.response(
    201,
    CommitmentSchema,
    description="The new commitment (Location: its URL)",
    example={**COMMITMENT_EXAMPLE, "lock_version": 1, "open_proposals": []},
)
@links(
    201,
    GetCommitment={"operationId": "get_commitment", "parameters": _NEW_COMMITMENT},
    UpdateCommitment={
        "operationId": "update_commitment",
        "parameters": _NEW_COMMITMENT,
        "requestBody": {"lock_version": "$response.body#/lock_version"},
    },
    DeleteCommitment={
        "operationId": "delete_commitment",
        "parameters": _NEW_COMMITMENT,
        "requestBody": {"lock_version": "$response.body#/lock_version"},
    },
)
def add_commitment(data, charter):
    user = require_api_user()
    provider = data.pop("provider_department_id")
    with atomic():
        commitment = ops.add_commitment(user, charter, provider, data)
    url = location("get_commitment", commitment_id=commitment.id)
    return commitment, 201, {"Location": url}


@bp.get("/commitments/<int:commitment_id>")
@operation("A commitment", who=WHO_READS, tag="charters", errors=(404,))
@versioned
@loads("commitment", _commitment)
@bp.response(200, CommitmentSchema, example=COMMITMENT_EXAMPLE)
@links(
    200,
    UpdateCommitmentIfMatch={
        "operationId": "update_commitment",
        "parameters": {
            "commitment_id": "$request.path.commitment_id",
            "header.If-Match": "$response.header.ETag",
        },
    },
)
def get_commitment(commitment):
    return commitment


@bp.patch("/commitments/<int:commitment_id>")
@operation(
    "Change a commitment of a draft",
    who=WHO_OWNS,
    codes=NOT_OWNER,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the commitment's lock_version you read (or its ETag as If-Match): if "
    "someone saved since, 409 conflict with details.current_lock_version and details.current.",
)
@versioned
@if_match
@loads("commitment", _commitment, write=True)
@bp.arguments(CommitmentUpdateSchema, example={"lock_version": 2, "target": "99"})
@bp.response(
    200,
    CommitmentSchema,
    description="The commitment after the change",
    example={**COMMITMENT_EXAMPLE, "target": "99", "lock_version": 3},
)
def update_commitment(data, commitment):
    user = require_api_user()
    require_change(
        _changes(data), [*COMMITMENT_LIMITS, "target_direction", "tolerance", "prerequisite_ids"]
    )
    seen = seen_version(data, current=lambda: CommitmentSchema().dump(commitment))
    with atomic():
        try:
            ops.update_commitment(user, commitment, seen, data)
        except ConflictError as error:
            error.details["current"] = CommitmentSchema().dump(commitment)
            raise
    return commitment


@bp.delete("/commitments/<int:commitment_id>")
@operation(
    "Remove a commitment from a draft",
    who=WHO_OWNS,
    codes=NOT_OWNER,
    tag="charters",
    errors=(400, 403, 404, 409, 422, 428),
    description="Send the commitment's lock_version you read (or its ETag as If-Match): "
    "if someone saved it since, 409 conflict and nothing is removed.",
)
@if_match
@loads("commitment", _commitment, write=True)
@bp.arguments(VersionBodySchema, required=False, example={"lock_version": 2})
@bp.response(204, description="Removed")
def delete_commitment(data, commitment):
    user = require_api_user()
    seen = seen_version(data, current=lambda: CommitmentSchema().dump(commitment))
    with atomic():
        try:
            ops.delete_commitment(user, commitment, seen)
        except ConflictError as error:
            error.details["current"] = CommitmentSchema().dump(commitment)
            raise
    return ""


@bp.post("/commitments/<int:commitment_id>/move")
@operation(
    "Move a commitment up or down within its side of a draft",
    who=WHO_OWNS,
    codes=NOT_OWNER,
    tag="charters",
    errors=(400, 403, 404, 409, 422),
    description="At either end it stays where it is. Moved commitments get a new lock_version.",
)
@loads("commitment", _commitment, write=True)
@bp.arguments(MoveSchema, example={"direction": "up"})
@bp.response(
    200,
    CharterSchema,
    description="The charter, commitments in their new order",
    example=CHARTER_EXAMPLE,
)
def move_commitment(data, commitment):
    user = require_api_user()
    charter_id = commitment.charter_id
    with atomic():
        ops.move_commitment(user, commitment, -1 if data["direction"] == "up" else 1)
    return _full(db.session.get(Charter, charter_id))


# ---------------------------------------------------------------- history


@bp.get("/charters/<int:charter_id>/revisions")
@operation(
    "The history of a charter: every saved change, newest first",
    who=WHO_READS,
    tag="charters",
    errors=(404, 422),
)
@loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(200, RevisionPage, example={"revisions": [REVISION_EXAMPLE], "next": None, "total": 1})
def list_revisions(args, charter):
    query = (
        select(Revision)
        .where(Revision.charter_id == charter.id)
        .options(selectinload(Revision.author))
    )
    return page_query(query, Revision.id, args, "revisions")


@bp.get("/charters/<int:charter_id>/revisions/<int:number>")
@operation(
    "One revision: the content after it and what changed",
    who=WHO_READS,
    tag="charters",
    errors=(404,),
)
@loads("charter", _charter)
@bp.response(
    200,
    RevisionSchema,
    example={
        **REVISION_EXAMPLE,
        "snapshot": {"title": "Nouveau titre", "commitments": []},
        "changes_since_previous": {
            "charter_fields": [
                {"field": "title", "before": "Logistique ⇄ Magasins", "after": "Nouveau titre"}
            ],
            "commitments": [],
        },
    },
)
def get_revision(charter, number: int):
    message = _("No such revision.")
    path_id(number, message)
    revision = db.session.scalar(
        select(Revision)
        .where(Revision.charter_id == charter.id, Revision.number == number)
        .options(selectinload(Revision.author))
    )
    if revision is None:
        raise NotFound(message)
    return revision


# ---------------------------------------------------------------- comments


@bp.get("/charters/<int:charter_id>/comments")
@operation(
    "The discussion on a charter and its commitments, oldest first",
    who=WHO_READS,
    tag="charters",
    errors=(404, 422),
)
@loads("charter", _charter)
@bp.arguments(PageArgs, location="query")
@bp.response(200, CommentPage, example={"comments": [COMMENT_EXAMPLE], "next": None, "total": 1})
def list_comments(args, charter):
    query = (
        select(Comment)
        .where(Comment.charter_id == charter.id)
        .options(selectinload(Comment.author), selectinload(Comment.resolved_by))
    )
    return page_query(query, Comment.id, args, "comments", newest_first=False)


@bp.post("/charters/<int:charter_id>/comments")
@operation(
    "Comment on a charter or one of its commitments",
    who=WHO_READS,
    tag="charters",
    errors=(400, 404, 422),
)
@loads("charter", _charter)
@bp.arguments(
    CommentCreateSchema, example={"body": "7 h, c'est tenable le samedi ?", "commitment_id": 7}
)
@bp.response(201, CommentSchema, example=COMMENT_EXAMPLE)
def add_comment(data, charter):
    user = require_api_user()
    with atomic():
        comment = ops.add_comment(user, charter, data["body"], data.get("commitment_id"))
    return comment, 201


@bp.patch("/comments/<int:comment_id>")
@operation(
    "Mark a comment resolved, or open it again",
    who="its author or a head of either department (or an administrator); other members "
    "get 403; others get 404",
    tag="charters",
    errors=(400, 403, 404, 422),
)
@loads("comment", _comment)
@bp.arguments(CommentUpdateSchema, example={"resolved": True})
@bp.response(
    200,
    CommentSchema,
    example={
        **COMMENT_EXAMPLE,
        "resolved": True,
        "resolved_at": "2026-11-06T08:00:00+00:00",
        "resolved_by": {"id": 4, "name": "Claire Dubois"},
    },
)
def update_comment(data, comment):
    user = require_api_user()
    with atomic():
        ops.set_comment_resolved(user, comment, data["resolved"])
    return comment
